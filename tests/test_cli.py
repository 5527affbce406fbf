"""qgis_process.bin runs the algorithm on the bundled sample, in a throw-away profile."""
import json
import os
import subprocess

import numpy as np
import pytest
from helpers import read

pytestmark = pytest.mark.slow  # starts qgis_process

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, 'sample_data')


def qgis_process(args, tmp_path):
    profile = tmp_path / 'profile'
    plugins = profile / 'plugins'
    plugins.mkdir(parents=True)
    (plugins / 'soil_moisture_downscaling').symlink_to(REPO)
    env = dict(os.environ, HOME=str(profile), QGIS_CUSTOM_CONFIG_PATH=str(profile / 'config'),
               QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM='offscreen', XDG_RUNTIME_DIR=str(profile))
    subprocess.run(['/usr/bin/qgis_process.bin', 'plugins', 'enable', 'soil_moisture_downscaling'], env=env,
                   check=True, capture_output=True, timeout=300)
    return subprocess.run(['/usr/bin/qgis_process.bin'] + args, env=env, capture_output=True, text=True, timeout=600)


def test_qgis_process_downscales_the_sample(tmp_path):
    out = tmp_path / 'sm.tif'
    completed = qgis_process(['--json', 'run', 'soilmoisture:downscale', '--',
                              'COARSE_SM=' + os.path.join(SAMPLE, 'coarse_soil_moisture_025deg.tif'),
                              'LST=' + os.path.join(SAMPLE, 'lst_modis_like_K.tif'),
                              'NDVI=' + os.path.join(SAMPLE, 'ndvi.tif'), 'DEM=' + os.path.join(SAMPLE, 'dem_1km.tif'),
                              'ACQUISITION_DATE=2021-07-15', 'OUTPUT=' + str(out)], tmp_path)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)['results']
    assert results['OUTPUT'] == str(out)
    assert results['CONSISTENCY_MAX_ERROR'] < 1e-4
    values = read(out)
    assert np.isfinite(values).mean() > 0.95
    assert 0.0 <= np.nanmin(values) and np.nanmax(values) <= 0.6 + 1e-6
    assert (tmp_path / 'sm.qml').exists()


def test_qgis_process_reports_bad_input_without_traceback(tmp_path):
    completed = qgis_process(['run', 'soilmoisture:downscale', '--',
                              'COARSE_SM=' + os.path.join(SAMPLE, 'coarse_soil_moisture_025deg.tif'),
                              'LST=' + os.path.join(SAMPLE, 'lst_modis_like_K.tif'),
                              'NDVI=' + os.path.join(SAMPLE, 'ndvi.tif'), 'OUTPUT=' + str(tmp_path / 'x.tif')],
                             tmp_path)
    assert completed.returncode != 0
    assert 'needs a DEM' in completed.stderr + completed.stdout
    assert 'Traceback' not in completed.stderr + completed.stdout
    assert not (tmp_path / 'x.tif').exists()


def test_qgis_process_downscales_a_30_date_series(series30, tmp_path):
    paths, dates = series30
    out = tmp_path / 'series.tif'
    completed = qgis_process(['--json', 'run', 'soilmoisture:downscaleseries', '--',
                              'COARSE_SM=' + paths['coarse_sm'], 'LST=' + paths['lst'], 'NDVI=' + paths['ndvi'],
                              'DEM=' + paths['dem'], 'OUTPUT=' + str(out)], tmp_path)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)['results']
    assert results['N_DATES'] == 30
    assert results['CONSISTENCY_MAX_ERROR'] < 1e-4
    from soil_moisture_downscaling.core.dates import band_dates
    assert band_dates(out) == dates
    assert np.isfinite(read(out, band=30)).all()
