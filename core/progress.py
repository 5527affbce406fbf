"""Progress reporting and cancellation for long core operations.

The core reports through a :class:`Progress` object so that it stays free of
QGIS: the Processing algorithms wrap a ``QgsProcessingFeedback`` in one, tests
and benchmarks use the silent default.
"""
from __future__ import annotations

import time
from typing import Callable, List, Optional, Tuple

from .errors import Cancelled

#: Log lines starting with this are warnings (QGIS shows them as such: see the Processing base class).
WARNING_PREFIX = 'Warning: '


class Progress:
    """Maps the progress of one step onto a fraction [start, end] of the whole run.

    ``report(fraction)`` takes 0..1 within this step. ``check()`` raises
    :class:`Cancelled` once the user has asked to stop; every block loop calls it.
    """

    def __init__(self, set_percent: Optional[Callable[[float], object]] = None,
                 is_canceled: Optional[Callable[[], bool]] = None, log: Optional[Callable[[str], object]] = None,
                 start: float = 0.0, end: float = 1.0):
        self._set_percent = set_percent
        self._is_canceled = is_canceled
        self._log = log
        self.start = start
        self.end = end

    def report(self, fraction: float) -> None:
        self.check()
        if self._set_percent is not None:
            fraction = min(max(float(fraction), 0.0), 1.0)
            self._set_percent(100.0 * (self.start + fraction * (self.end - self.start)))

    def check(self) -> None:
        if self._is_canceled is not None and self._is_canceled():
            raise Cancelled('Cancelled by the user; no output was written.')

    def canceled(self) -> bool:
        return self._is_canceled is not None and bool(self._is_canceled())

    def info(self, message: str) -> None:
        if self._log is not None:
            self._log(message)

    def warn(self, message: str) -> None:
        """Log a warning: something the user should know about the result (it goes through
        the same log, so every copy of this Progress passes it on)."""
        self.info(WARNING_PREFIX + message)

    def sub(self, start: float, end: float) -> Progress:
        """A child covering [start, end] of this step (fractions of this step)."""
        span = self.end - self.start
        return Progress(self._set_percent, self._is_canceled, self._log,
                        self.start + start * span, self.start + end * span)

    def recording(self) -> Tuple[Progress, List[str]]:
        """(progress, messages): a Progress reporting like this one whose messages are also
        appended to the list ``messages`` (for reports and results)."""
        messages = []

        def log(message):
            messages.append(message)
            if self._log is not None:
                self._log(message)
        return Progress(self._set_percent, self._is_canceled, log, self.start, self.end), messages

    def quiet(self) -> Progress:
        """A Progress that reports percent and cancel like this one, without messages."""
        return Progress(self._set_percent, self._is_canceled, None, self.start, self.end)

    def gdal_callback(self) -> Callable[[float, Optional[str], object], int]:
        """A GDAL progress callback that reports into this step and returns 0 to abort."""
        def callback(complete, message, data):
            if self.canceled():
                return 0
            if self._set_percent is not None:
                self._set_percent(100.0 * (self.start + complete * (self.end - self.start)))
            return 1
        return callback


class StageTimer:
    """Wall-clock seconds per named stage, for reports and benchmarks."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, name):
        timer = self

        class _Stage:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.seconds[name] = timer.seconds.get(name, 0.0) + time.perf_counter() - self.t0
                return False
        return _Stage()
