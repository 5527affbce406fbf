"""Make the repository importable as the package ``soil_moisture_downscaling``.

The repository root is the plugin folder and holds a ``processing/`` package,
so it must never itself be on sys.path (it would shadow QGIS's Processing).
Instead a temporary folder with a symlink named after the plugin is put on
sys.path. Used by the tests, the benchmarks and the scripts.
"""
import hashlib
import os
import sys
import tempfile

PLUGIN_NAME = 'soil_moisture_downscaling'
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plugin_parent_dir():
    """A folder holding a link ``soil_moisture_downscaling`` → the repository (created once per user)."""
    digest = hashlib.md5(REPO_ROOT.encode()).hexdigest()[:8]
    parent = os.path.join(tempfile.gettempdir(), 'smd_plugin_{}_{}'.format(os.getuid(), digest))
    link = os.path.join(parent, PLUGIN_NAME)
    os.makedirs(parent, exist_ok=True)
    if os.path.islink(link) and os.path.realpath(link) != os.path.realpath(REPO_ROOT):
        os.remove(link)
    if not os.path.islink(link):
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:
            pass
    return parent


def ensure_importable():
    parent = plugin_parent_dir()
    if parent not in sys.path:
        sys.path.insert(0, parent)
    root = os.path.realpath(REPO_ROOT)
    # Never leave the plugin folder itself on sys.path (the processing/ trap).
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.getcwd()) != root]
    return parent
