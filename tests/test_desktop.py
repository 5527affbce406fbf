"""QGIS desktop (under Xvfb) loads the plugin: styled layer, inspector dock, screenshot."""
import os
import shutil
import subprocess


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_desktop_loads_plugin_and_inspector(qgis_app, terrain_scene, tmp_path):
    assert shutil.which('xvfb-run'), 'xvfb-run is installed by scripts/ensure_deps.sh'
    import processing
    result = processing.run('soilmoisture:downscale', {
        'COARSE_SM': terrain_scene.paths['coarse_sm'], 'LST': terrain_scene.paths['lst'],
        'NDVI': terrain_scene.paths['ndvi'], 'DEM': terrain_scene.paths['dem'], 'ACQUISITION_DATE': '2021-07-15',
        'OUTPUT': str(tmp_path / 'sm.tif'), 'DIAGNOSTICS': str(tmp_path / 'diag.tif')})
    profile = tmp_path / 'profile'
    (profile / 'plugins').mkdir(parents=True)
    (profile / 'plugins' / 'soil_moisture_downscaling').symlink_to(REPO)
    env = {k: v for k, v in os.environ.items() if k != 'QT_QPA_PLATFORM'}
    env.update(HOME=str(profile), QGIS_CUSTOM_CONFIG_PATH=str(profile / 'config'),
               QGIS_PLUGINPATH=str(profile / 'plugins'), XDG_RUNTIME_DIR=str(profile),
               SMD_OUTPUT=result['OUTPUT'], SMD_DIAGNOSTICS=result['DIAGNOSTICS'],
               SMD_SCREENSHOT=str(tmp_path / 'desktop.png'), SMD_STATUS=str(tmp_path / 'status.txt'))
    subprocess.run(['/usr/bin/qgis_process.bin', 'plugins', 'enable', 'soil_moisture_downscaling'], env=dict(
        env, QT_QPA_PLATFORM='offscreen'), check=True, capture_output=True, timeout=300)
    completed = subprocess.run(['xvfb-run', '-a', '-s', '-screen 0 1600x1000x24', '/usr/bin/qgis', '--nologo',
                                '--noversioncheck', '--code', os.path.join(REPO, 'scripts', 'desktop_screenshot.py')],
                               env=env, capture_output=True, text=True, timeout=240)
    status = (tmp_path / 'status.txt').read_text() if (tmp_path / 'status.txt').exists() else ''
    assert 'screenshot saved' in status, status + completed.stderr[-2000:]
    assert 'plugin loaded: True' in status
    assert 'renderer: singlebandpseudocolor' in status
    assert 'inspector rows: 8' in status or 'inspector rows: 9' in status
    assert (tmp_path / 'desktop.png').stat().st_size > 10000
