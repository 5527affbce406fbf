"""make package builds a zip that QGIS's "Install from ZIP" accepts."""
import os
import subprocess
import zipfile

import pytest

pytestmark = pytest.mark.slow  # starts qgis_process on the packaged plugin

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_package_zip_layout(tmp_path):
    subprocess.run(['bash', os.path.join(REPO, 'scripts', 'package.sh')], check=True, capture_output=True,
                   env=dict(os.environ, DIST_DIR=str(tmp_path)))
    version = [line.split('=', 1)[1] for line in open(os.path.join(REPO, 'metadata.txt'))
               if line.startswith('version=')][0]
    path = str(tmp_path / 'soil_moisture_downscaling-{}.zip'.format(version.strip()))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert {name.split('/')[0] for name in names} == {'soil_moisture_downscaling'}
    for required in ('metadata.txt', '__init__.py', 'plugin.py', 'LICENSE', 'icon.svg', 'processing/provider.py',
                     'core/downscaling/__init__.py'):
        assert 'soil_moisture_downscaling/' + required in names
    assert not [n for n in names if '/tests/' in n or '__pycache__' in n or n.endswith('.pyc')
                or '/sample_data/' in n or '/benchmarks/' in n]


def test_packaged_plugin_runs_under_qgis_process(tmp_path):
    """The zip alone (no repository around it) gives QGIS every algorithm."""
    subprocess.run(['bash', os.path.join(REPO, 'scripts', 'package.sh')], check=True, capture_output=True,
                   env=dict(os.environ, DIST_DIR=str(tmp_path / 'dist')))
    archive = next((tmp_path / 'dist').glob('*.zip'))
    plugins = tmp_path / 'plugins'
    with zipfile.ZipFile(archive) as handle:
        handle.extractall(plugins)
    env = dict(os.environ, HOME=str(tmp_path), QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / 'config'),
               QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM='offscreen', XDG_RUNTIME_DIR=str(tmp_path))
    subprocess.run(['/usr/bin/qgis_process.bin', 'plugins', 'enable', 'soil_moisture_downscaling'], env=env,
                   check=True, capture_output=True, timeout=300)
    listed = subprocess.run(['/usr/bin/qgis_process.bin', 'list'], env=env, capture_output=True, text=True,
                            timeout=300).stdout
    for algorithm in ('downscale', 'correctlst', 'downscaleseries', 'filllstgaps', 'importmodis',
                      'importsoilmoisture', 'importinsitu', 'validate'):
        assert 'soilmoisture:{}\t'.format(algorithm) in listed
