"""Shared fixtures: the plugin imported under its folder name, a headless QGIS with
Processing and the provider, and twin scenes on real terrain."""
import os
import subprocess
import sys

import pytest

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('XDG_RUNTIME_DIR', '/tmp/runtime-{}'.format(os.getuid()))
os.makedirs(os.environ['XDG_RUNTIME_DIR'], mode=0o700, exist_ok=True)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tools'))
import plugin_package  # noqa: E402

plugin_package.ensure_importable()

from soil_moisture_downscaling.benchmarks.twin_scene import (  # noqa: E402
    COLORADO_DEM, FRONT_RANGE_DEM, TwinSettings, make_twin_scene)

QGIS_PLUGINS = '/usr/share/qgis/python/plugins'


@pytest.fixture(scope='session', autouse=True)
def plugin_root_off_sys_path():
    """pytest 8 imports the root's __init__.py before the first test and, when the checkout's folder
    name is not a Python identifier, puts the root on sys.path: its processing/ would then shadow
    QGIS's (every Processing test fails on Debian 13 and later). Take it off again."""
    plugin_package.ensure_importable()


def pytest_collection_modifyitems(config, items):
    """Every test that uses the headless QGIS application is slow (it starts QGIS and Processing)."""
    for item in items:
        if 'qgis_app' in getattr(item, 'fixturenames', ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope='session')
def qgis_app(tmp_path_factory):
    """A headless QgsApplication with Processing and the plugin's provider (once per session)."""
    profile = tmp_path_factory.mktemp('qgis_profile')
    os.environ['QGIS_CUSTOM_CONFIG_PATH'] = str(profile)
    from qgis.core import QgsApplication
    from qgis.testing import start_app
    app = start_app()
    if QGIS_PLUGINS not in sys.path:
        sys.path.append(QGIS_PLUGINS)
    # Dialogs ask iface for their parent window and canvas: give Processing a stand-in
    # with a real main window and map canvas (qgis.testing.mocked needs the 'mock' package).
    import qgis.utils
    from unittest import mock
    from qgis.core import QgsLayerTreeModel, QgsProject
    from qgis.gui import QgsLayerTreeView, QgsMapCanvas
    from qgis.PyQt.QtWidgets import QMainWindow
    window = QMainWindow()
    iface = mock.MagicMock()
    iface.mainWindow.return_value = window
    iface.mapCanvas.return_value = QgsMapCanvas(window)
    # Loading results goes through the layer tree view (type-checked in C++ from QGIS 3.44 on):
    # a real one on the project's tree, as in the desktop.
    layer_tree_view = QgsLayerTreeView(window)
    layer_tree_view.setModel(QgsLayerTreeModel(QgsProject.instance().layerTreeRoot(), layer_tree_view))
    iface.layerTreeView.return_value = layer_tree_view
    iface.browserModel.return_value = None
    iface.activeLayer.return_value = None
    qgis.utils.iface = iface
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing.tools.general
    processing.tools.general.iface = qgis.utils.iface
    from soil_moisture_downscaling.processing.provider import SoilMoistureProvider
    provider = SoilMoistureProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    app._smd_provider = provider  # keep a reference for the session
    yield app


@pytest.fixture(scope='session')
def terrain_scene(tmp_path_factory):
    """Front Range, 250 m fine grid, 2.5 km coarse cells; strong lapse and illumination
    effects in LST that soil moisture does not share."""
    return make_twin_scene(FRONT_RANGE_DEM, str(tmp_path_factory.mktemp('terrain_scene')),
                           TwinSettings(fine_resolution=250, coarse_factor=10, seed=11))


@pytest.fixture(scope='session')
def follow_scene(tmp_path_factory):
    """As terrain_scene, but soil moisture rises with elevation and is lower on sunlit slopes."""
    return make_twin_scene(FRONT_RANGE_DEM, str(tmp_path_factory.mktemp('follow_scene')),
                           TwinSettings(fine_resolution=250, coarse_factor=10, seed=12, sm_follows_terrain=True))


@pytest.fixture(scope='session')
def colorado_scene(tmp_path_factory):
    """All of Colorado at 1 km (UTM 13N) with the coarse product on the 0.25° ESA CCI grid (EPSG:4326)."""
    return make_twin_scene(COLORADO_DEM, str(tmp_path_factory.mktemp('colorado_scene')),
                           TwinSettings(fine_resolution=1000, coarse_crs='EPSG:4326', coarse_resolution=0.25,
                                        coarse_origin=(-180.0, 90.0), seed=13))


@pytest.fixture(scope='session')
def series30(tmp_path_factory):
    """30 dates of twin scenes, one every 4 days (116 days: long enough for annual-cycle gap filling),
    20 % clouds; returns (paths, dates)."""
    from soil_moisture_downscaling.benchmarks.twin_series import make_twin_series
    folder = tmp_path_factory.mktemp('series30')
    paths, dates, _, _ = make_twin_series(FRONT_RANGE_DEM, str(folder), TwinSettings(
        fine_resolution=500, coarse_factor=6, cloud_fraction=0.2, seed=40), n_dates=30, step_days=4)
    return paths, dates


# -- folders the user cannot write to (the hostile battery and the command line) -----------------------------

def _writable(folder):
    probe = os.path.join(folder, 'probe')
    try:
        with open(probe, 'w'):
            pass
    except OSError:
        return False
    os.remove(probe)
    return True


@pytest.fixture
def read_only_folder(tmp_path):
    folder = tmp_path / 'read_only'
    folder.mkdir()
    (folder / 'existing.txt').write_text('a file of the user')
    os.chmod(folder, 0o555)
    immutable = False
    if _writable(str(folder)):   # root ignores permissions: make the folder immutable instead
        immutable = subprocess.run(['chattr', '+i', str(folder)], capture_output=True).returncode == 0
    if _writable(str(folder)):
        pytest.skip('cannot make a folder read-only here (root without chattr)')
    yield folder
    if immutable:
        subprocess.run(['chattr', '-i', str(folder)], capture_output=True)
    os.chmod(folder, 0o755)
