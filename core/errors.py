"""Exceptions raised by the core.

The core never imports QGIS; the Processing algorithms turn these into
``QgsProcessingException`` with the same message, so every message here is
written for a QGIS user: it says what is wrong and how to fix it.
"""


class InputError(ValueError):
    """An input that cannot be processed as given (wrong units, no overlap, ...)."""


class EmptySceneError(InputError):
    """The coarse product has no value over the scene (e.g. a date with frozen soil everywhere)."""


class Cancelled(RuntimeError):
    """The user cancelled the run; nothing was written."""
