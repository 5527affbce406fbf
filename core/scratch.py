"""Scratch space that never outlives its run: work folders and hidden staging folders.

Every folder made here is named ``.smd-<purpose>-<host>-<pid>-<random>``: the host and
process id of its owner. A run removes its own folders when it ends (also on SIGTERM,
see :func:`install_sigterm_cleanup`); folders of a run that was killed outright
(SIGKILL, power loss) are removed by the next run that looks in the same folder
(:func:`remove_stale`), once their owner's process is gone.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import uuid
from typing import Callable, List, Optional

#: Names of the folders made here (hidden: they may sit next to the user's files).
_NAME = re.compile(r'^\.smd-(?P<purpose>[a-z]+)-(?P<host>.+)-(?P<pid>\d+)-(?P<tag>[0-9a-f]{8})$')

_lock = threading.Lock()
_cleanups = {}          # token → callable run on SIGTERM
_installed = False


def _host():
    """This machine's name as it appears in folder names (letters, digits, dots)."""
    return re.sub(r'[^A-Za-z0-9.]', '', socket.gethostname()) or 'host'


def owned_name(purpose: str) -> str:
    """A new hidden name marked with this process: '.smd-<purpose>-<host>-<pid>-<random>'."""
    return '.smd-{}-{}-{}-{}'.format(purpose, _host(), os.getpid(), uuid.uuid4().hex[:8])


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    if os.name == 'nt':  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def remove_stale(folder: str) -> List[str]:
    """Remove the scratch and staging folders in ``folder`` whose owner process (on this
    machine) has ended; returns their paths. Folders of live runs are left alone."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    host = _host()
    for name in names:
        match = _NAME.match(name)
        if not match or match.group('host') != host:
            continue
        pid = int(match.group('pid'))
        if pid == os.getpid() or pid_alive(pid):
            continue
        path = os.path.join(folder, name)
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            removed.append(path)
    return removed


def remove_all(folder: str, purpose: str) -> None:
    """Remove every folder of ``purpose`` in ``folder``, whatever its owner, even on another
    machine: for a caller that knows none of them is in use (e.g. the staging folders of a
    series' date tasks once every task has ended: those of a worker that died stay otherwise)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _NAME.match(name)
        if match and match.group('purpose') == purpose:
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def on_terminate(callback: Callable[[], object]) -> object:
    """Run ``callback()`` if the process receives SIGTERM (once the handler is installed);
    returns a token for :func:`forget`."""
    token = object()
    with _lock:
        _cleanups[token] = callback
    return token


def forget(token: object) -> None:
    with _lock:
        _cleanups.pop(token, None)


def work_folder(purpose: str, parent: Optional[str] = None) -> str:
    """A new empty work folder (in ``parent``, default the system's temporary folder), removed
    on SIGTERM; the caller removes it when done (``shutil.rmtree``). Stale folders of dead
    runs in the same place are removed first."""
    parent = parent or tempfile.gettempdir()
    os.makedirs(parent, exist_ok=True)
    remove_stale(parent)
    path = os.path.join(parent, owned_name(purpose))
    os.mkdir(path)
    _prune()
    register_folder(path)
    return path


class _RemoveFolder:
    def __init__(self, folder):
        self.folder = folder

    def __call__(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def register_folder(path: str) -> object:
    """Remove the folder ``path`` on SIGTERM (as long as it exists)."""
    return on_terminate(_RemoveFolder(path))


def _prune():
    """Forget folder cleanups whose folder is gone (callers remove their folders themselves)."""
    with _lock:
        for token, callback in list(_cleanups.items()):
            folder = getattr(callback, 'folder', None)
            if folder is not None and not os.path.exists(folder):
                del _cleanups[token]


def run_cleanups() -> None:
    """Run every registered cleanup (newest first); errors are ignored."""
    with _lock:
        callbacks = list(_cleanups.values())[::-1]
        _cleanups.clear()
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001 - a cleanup must never stop the others
            pass


def _on_sigterm(signum, frame):
    run_cleanups()
    # Die of SIGTERM as the process would have without this handler.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def install_sigterm_cleanup() -> bool:
    """Install the SIGTERM handler that removes this process's scratch, where that is safe:
    only from the main thread, and only when SIGTERM still has its default action (a
    handler of the host application, e.g. QGIS's own, is never replaced). Returns whether
    the handler is installed."""
    global _installed
    if _installed:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return False
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):
        return False
    _installed = True
    return True
