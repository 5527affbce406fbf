"""All outputs of a run appear together or not at all; outputs never overwrite inputs.

:class:`OutputCommit` stages every output file in a hidden folder next to its final place
(same file name, so formats that name layers after the file stay right) and moves them all
into place at :meth:`OutputCommit.commit`; any failure, a cancel or SIGTERM removes them all
(:meth:`OutputCommit.abort`). :func:`check_outputs` compares resolved paths and checks that
every output can be written before anything is computed. Every I/O error becomes one
sentence naming the file and what to do (:func:`io_error_message`).
"""
from __future__ import annotations

import errno
import os
import shutil
import tempfile
from typing import IO, Any, Callable, Collection, Dict, Iterable, Mapping, Optional, Tuple

from . import scratch
from .errors import InputError, OutputError

#: Files QGIS or GDAL keep next to a raster (statistics, overviews, masks): those of an
#: overwritten output describe the old data, so they go when the new output comes.
DERIVED_SUFFIXES = ('.aux.xml', '.ovr', '.msk')
#: Where a commit keeps the files it replaces until every output is in place.
_BACKUP = '.smd-backup'

_ADVICE = {
    errno.ENOSPC: ('the disk is full', 'free some space or choose a folder on another disk'),
    errno.EDQUOT: ('the disk quota is used up', 'free some space or choose another folder'),
    errno.EACCES: ('permission denied', 'choose a folder you can write to'),
    errno.EPERM: ('permission denied', 'choose a folder you can write to'),
    errno.EROFS: ('the disk is read-only', 'choose a folder on a writable disk'),
    errno.ENOTDIR: ('part of its path is a file, not a folder', 'choose another folder'),
    errno.EISDIR: ('it is a folder', 'give a file name'),
    errno.EEXIST: ('part of its path is a file, not a folder', 'choose another folder'),
    errno.EFBIG: ('the file is too large for this disk', 'choose another disk or a smaller extent'),
    errno.ENAMETOOLONG: ('the path is too long', 'choose a shorter name or folder'),
    errno.ENOENT: ('its folder does not exist', 'choose an existing folder'),
}
#: GDAL reports errors as text: the errno they stand for.
_GDAL_TEXTS = (('no space left', errno.ENOSPC), ('disk space', errno.ENOSPC), ('permission denied', errno.EACCES),
               ('read-only file system', errno.EROFS), ('file too large', errno.EFBIG),
               ('not a directory', errno.ENOTDIR), ('is a directory', errno.EISDIR))


def short_reason(error: BaseException) -> str:
    """The gist of an error's text: its first line, without the file name GDAL puts in front."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.rsplit(': ', 1)[-1].rstrip('.') if ': ' in text else text.rstrip('.')


def io_error_message(error: BaseException, path: Optional[str] = None) -> str:
    """One sentence for an error writing ``path`` (an OSError or GDAL's RuntimeError)."""
    path = path or getattr(error, 'filename', None) or 'the output'
    number = getattr(error, 'errno', None)
    if number not in _ADVICE:
        text = str(error).lower()
        number = next((n for key, n in _GDAL_TEXTS if key in text), None)
    if number in _ADVICE:
        reason, fix = _ADVICE[number]
    else:
        reason, fix = short_reason(error), 'choose another folder or file name'
    return 'Cannot write {}: {}; {}.'.format(path, reason, fix)


def resolved(path: str) -> str:
    """A path as the file system sees it: absolute, symbolic links followed, case-normalized."""
    return os.path.normcase(os.path.realpath(os.path.abspath(str(path))))


def same_file(a: str, b: str) -> bool:
    if resolved(a) == resolved(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _nearest_existing(path):
    path = os.path.abspath(path)
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def check_writable(path: str, folder: bool = False) -> None:
    """Raise OutputError unless the file (or folder) ``path`` can be created or replaced."""
    path = os.path.abspath(str(path))
    if os.path.isdir(path) and not folder:
        raise OutputError(io_error_message(OSError(errno.EISDIR, 'Is a directory'), path))
    if os.path.exists(path) and folder and not os.path.isdir(path):
        raise OutputError('Cannot write into {}: it is a file, not a folder; choose a folder.'.format(path))
    if os.path.isfile(path) and not os.access(path, os.W_OK):
        raise OutputError(io_error_message(OSError(errno.EACCES, 'Read-only file'), path))
    existing = _nearest_existing(path if folder else os.path.dirname(path))
    if not os.path.isdir(existing):
        raise OutputError(io_error_message(OSError(errno.ENOTDIR, 'Not a directory'), path))
    try:
        handle, probe = tempfile.mkstemp(prefix=scratch.owned_name('probe'), dir=existing)
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise OutputError(io_error_message(error, path))


def format_bytes(count: float) -> str:
    for unit, size in (('TB', 1e12), ('GB', 1e9), ('MB', 1e6)):
        if count >= size:
            return '{:.1f} {}'.format(count / size, unit)
    return '{:.0f} kB'.format(count / 1e3)


def check_free_space(path: str, nbytes: float) -> None:
    """Raise OutputError when the disk that will hold ``path`` has less than ``nbytes`` free."""
    try:
        free = shutil.disk_usage(_nearest_existing(os.path.dirname(os.path.abspath(str(path))))).free
    except OSError:
        return
    if nbytes > free:
        raise OutputError('Cannot write {}: it needs about {} but the disk has {} free; choose a coarser pixel size, '
                          'a smaller extent or another disk.'.format(path, format_bytes(nbytes), format_bytes(free)))


def style_sidecar(path: str) -> str:
    """The .qml style file written next to a raster output."""
    return os.path.splitext(str(path))[0] + '.qml'


def check_outputs(outputs: Iterable[Tuple[str, str, str]], inputs: Iterable[Tuple[str, str]]) -> None:
    """Refuse outputs that are inputs, outputs that are each other, and outputs that cannot be written.

    ``outputs``: (label, path, kind) with kind 'raster' (a .qml style is written next to it),
    'file' or 'folder'; ``inputs``: (label, path) of every input file. Raises InputError
    (a clash of names) or OutputError (cannot be written), before anything is computed.
    """
    claimed = {}   # resolved path → (label, what)
    for label, path, kind in outputs:
        files = [(path, None)]
        if kind == 'raster':
            files.append((style_sidecar(path), 'style file'))
        for candidate, what in files:
            key = resolved(candidate)
            if key in claimed:
                other = claimed[key][0]
                if what or claimed[key][1]:
                    raise InputError('The outputs "{}" and "{}" would both write the style file {}: give them '
                                     'different names.'.format(other, label, candidate))
                raise InputError('The outputs "{}" and "{}" are both set to {}: give each output its own file.'.format(
                    other, label, candidate))
            claimed[key] = (label, what)
        for input_label, input_path in inputs:
            for candidate, what in files:
                if same_file(candidate, input_path):
                    raise InputError('The output "{}"{} is the same file as the input "{}" ({}): choose another name '
                                     'for the output.'.format(label, ' (its style file)' if what else '', input_label,
                                                              input_path))
    for _, path, kind in outputs:
        check_writable(path, folder=(kind == 'folder'))


def check_run_outputs(outputs: Iterable[Tuple[str, str, str]], inputs: Iterable[Tuple[str, str]],
                      band_counts: Optional[Mapping[str, int]] = None, styles: bool = True) -> None:
    """What every run checks before computing (Processing's algorithms and the command line):
    :func:`check_outputs`, and that the extension of each 'raster' output names a format the
    writer writes with that can hold its bands (``band_counts``: {path: bands}, default 1).
    ``styles``: a .qml style file is written next to each raster output (as in QGIS), so it
    must not clash either."""
    from .raster_io import raster_output_driver   # raster_io writes through this module
    check_outputs([(label, path, kind if styles or kind != 'raster' else 'file') for label, path, kind in outputs],
                  inputs)
    for _, path, kind in outputs:
        if kind == 'raster':
            raster_output_driver(path, (band_counts or {}).get(path, 1))


def stage_outputs(commit: OutputCommit, outputs: Iterable[Tuple[str, str, str]],
                  resumable: Collection[str] = ()) -> Dict[str, str]:
    """{final path: path the run writes to} of ``outputs`` ((label, path, kind) as check_outputs):
    each staged in ``commit`` (a folder as its staging folder), except those whose path is in
    ``resumable`` (outputs a resumable core commits itself as it goes), which keep their path."""
    staged = {}
    for _, path, kind in outputs:
        if path in resumable:
            staged[path] = path
        else:
            staged[path] = commit.staging_folder(path) if kind == 'folder' else commit.stage(path)
    return staged


class OutputCommit:
    """Every output of a run, staged next to its final place and moved there together.

    ``stage(path)`` gives the path to write instead of ``path`` (same name, in a hidden folder
    in the same folder, so moving it into place is a rename); files written next to it (a .qml,
    an .aux.xml, a shapefile's .dbf) are staged with it. ``commit()`` moves everything into
    place, replacing older files and removing their stale statistics and overviews; if one move
    fails, the files already moved are put back; a file of ``protect`` (the run's inputs) is never
    replaced. ``abort()`` (also on error in a ``with`` block,
    and on SIGTERM) removes every staged file and the folders made for them.
    ``purpose`` names the staging folders (core.scratch); ``after_commit(callback)`` runs
    ``callback()`` once everything is in place (e.g. removing what a resumable run kept).
    """

    def __init__(self, protect: Iterable[Tuple[str, str]] = (), purpose: str = 'partial'):
        self._protect = list(protect)   # (label, path) of inputs no commit may replace
        self._purpose = purpose
        self._after = []        # callables run after a successful commit
        self._stagings = {}     # final folder → its staging folder
        self._staged = {}       # final folder → names given to stage()
        self._created = []      # folders made for outputs (removed again by abort when empty)
        self._undo = []         # during commit: (final path, backup or None, staged path)
        self._committing = False
        self.done = False
        self._token = scratch.on_terminate(self.abort)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.done:
            self.abort()
        return False

    def _make_folders(self, folder):
        missing = []
        while not os.path.lexists(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for path in reversed(missing):
            os.mkdir(path)
            self._created.append(path)

    def staging_folder(self, folder: str) -> str:
        """The hidden folder where files bound for ``folder`` are written (made on first use)."""
        folder = os.path.abspath(str(folder))
        if folder not in self._stagings:
            self._make_folders(folder)
            scratch.remove_stale(folder)
            staging = os.path.join(folder, scratch.owned_name(self._purpose))
            os.mkdir(staging)
            self._stagings[folder] = staging
            self._staged[folder] = set()
        return self._stagings[folder]

    def stage(self, path: str) -> str:
        """Where to write the output ``path`` until the commit."""
        folder, name = os.path.split(os.path.abspath(str(path)))
        staging = self.staging_folder(folder)
        self._staged[folder].add(name)
        return os.path.join(staging, name)

    def public(self, text: Any) -> Any:
        """``text`` with staged paths replaced by the final ones (for messages and results)."""
        if not isinstance(text, str):
            return text
        for folder, staging in self._stagings.items():
            text = text.replace(staging + os.sep, folder + os.sep).replace(staging, folder)
        return text

    def commit(self) -> None:
        """Move every staged file into place; on failure put back what was there and raise OutputError."""
        if self.done:
            return
        moves, stale = [], []
        for folder, staging in self._stagings.items():
            names = sorted(n for n in os.listdir(staging) if n != _BACKUP)
            moves += [(os.path.join(staging, n), os.path.join(folder, n)) for n in names]
            for name in self._staged[folder]:
                stale += [os.path.join(folder, name + suffix) for suffix in DERIVED_SUFFIXES
                          if name + suffix not in names and os.path.lexists(os.path.join(folder, name + suffix))]
        for _, target in moves:
            for label, path in self._protect:
                if same_file(target, path):
                    self.abort()
                    raise OutputError('Cannot write {}: it is the input "{}"; choose another output folder or '
                                      'name.'.format(target, label))
        self._committing = True
        target = None
        try:
            for target in stale:
                self._undo.append((target, self._backup(target), None))
            for source, target in moves:
                backup = self._backup(target) if os.path.lexists(target) else None
                self._undo.append((target, backup, source))
                os.replace(source, target)
        except OSError as error:
            self.abort()
            raise OutputError(io_error_message(error, target))
        self._committing = False
        self._finish()
        for callback in self._after:
            callback()

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback()`` after a successful commit (never after an abort)."""
        self._after.append(callback)

    def _backup(self, path):
        folder = os.path.join(self._stagings[os.path.dirname(path)], _BACKUP)
        os.makedirs(folder, exist_ok=True)
        backup = os.path.join(folder, os.path.basename(path))
        os.replace(path, backup)
        return backup

    def _roll_back(self):
        for target, backup, source in reversed(self._undo):
            if source is not None and not os.path.lexists(source) and os.path.lexists(target):
                _remove(target)     # ours: moved into place before the failure
            if backup is not None and os.path.lexists(backup):
                os.replace(backup, target)
        self._undo = []

    def abort(self) -> None:
        """Remove every staged file (putting back files a half-done commit replaced)."""
        if self.done:
            return
        if self._committing:
            self._roll_back()
            self._committing = False
        self._finish()
        for folder in reversed(self._created):
            try:
                os.rmdir(folder)
            except OSError:
                pass

    def _finish(self):
        for staging in self._stagings.values():
            shutil.rmtree(staging, ignore_errors=True)
        self.done = True
        scratch.forget(self._token)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.remove(path)


def write_file(path: str, write: Callable[[IO], object], mode: str = 'w', **open_options: Any) -> str:
    """Write one file completely or not at all: ``write(handle)`` fills a staged copy that is moved
    into place at the end; I/O errors raise OutputError naming ``path``. Returns ``path``."""
    with OutputCommit() as outputs:
        try:
            with open(outputs.stage(path), mode, **open_options) as handle:
                write(handle)
        except OSError as error:
            raise OutputError(io_error_message(error, path))
        outputs.commit()
    return path

