"""Arrays kept per window between the passes of a run: in memory, or in a raw scratch file.

The passes of a downscaling run read the same windows several times. What does not
change between passes (the coarse-cell geometry and the terrain of each pixel, θ̂)
is computed once and kept here. Kept in memory when it fits the share of the memory
budget it is given, otherwise in an uncompressed scratch file read back with plain
reads (no memory map), so the file never counts as resident memory.
"""
from __future__ import annotations

import os
import threading
from typing import Collection, Dict, Hashable, Mapping, Optional

import numpy as np


class WindowStore:
    """A few named 1-D arrays per window, with fixed dtypes.

    ``path=None`` keeps everything in memory. With a path, arrays go to one raw file,
    one record per window, and :meth:`put` on a window already stored overwrites its
    record in place (the same names and sizes are required).
    """

    def __init__(self, path: Optional[str] = None):
        self.path = path
        self._memory = {}
        self._records = {}
        self._file = None
        self._end = 0
        # One file position shared by all callers: file access takes turns between threads.
        self._lock = threading.Lock()
        if path is not None:
            self._file = open(path, 'w+b')

    @property
    def in_memory(self) -> bool:
        return self._file is None

    def __contains__(self, window):
        return window in (self._memory if self._file is None else self._records)

    def put(self, window: Hashable, arrays: Mapping[str, np.ndarray]) -> None:
        """Keep ``arrays`` (name → 1-D array) for ``window``."""
        if self._file is None:
            self._memory[window] = dict(arrays)
            return
        with self._lock:
            self._put_record(window, arrays)

    def _put_record(self, window, arrays):
        record = self._records.get(window)
        if record is None:
            layout, offset = [], self._end
            for name, values in arrays.items():
                values = np.ascontiguousarray(values)
                layout.append((name, values.dtype, values.size, offset))
                offset += values.nbytes
            record = self._records[window] = layout
            self._end = offset
        stored = {name: (dtype, size, offset) for name, dtype, size, offset in record}
        if set(stored) != set(arrays):
            raise ValueError('A window is stored again with other arrays.')
        for name, values in arrays.items():
            dtype, size, offset = stored[name]
            values = np.ascontiguousarray(values, dtype=dtype)
            if values.size != size:
                raise ValueError('A window is stored again with another size.')
            # seek + write rather than os.pwrite, which Windows lacks.
            self._file.seek(offset)
            self._file.write(memoryview(values).cast('B'))

    def get(self, window: Hashable, names: Optional[Collection[str]] = None) -> Dict[str, np.ndarray]:
        """name → array of a stored window (a fresh copy when read from the file); only ``names``
        when given."""
        if self._file is None:
            arrays = self._memory[window]
            return arrays if names is None else {name: arrays[name] for name in names if name in arrays}
        arrays = {}
        with self._lock:
            for name, dtype, size, offset in self._records[window]:
                if names is not None and name not in names:
                    continue
                values = np.empty(size, dtype=dtype)
                self._file.seek(offset)
                if self._file.readinto(memoryview(values).cast('B')) != values.nbytes:
                    raise IOError('The scratch file {} was truncated.'.format(self.path))
                arrays[name] = values
        return arrays

    def close(self) -> None:
        """Free the memory and delete the scratch file."""
        self._memory = {}
        self._records = {}
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                os.remove(self.path)
            except OSError:
                pass
