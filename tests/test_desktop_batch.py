"""Batch processing in QGIS desktop (under Xvfb): reports, blank optional outputs, layer names."""
import json
import os

import pytest

from desktop_harness import run_scenario

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def batch_run(terrain_scene, follow_scene, tmp_path_factory):
    folder = tmp_path_factory.mktemp('desktop_batch')
    rows = []
    for key, scene in (('front_range_a', terrain_scene), ('front_range_b', follow_scene)):
        rows.append({'COARSE_SM': scene.paths['coarse_sm'], 'LST': scene.paths['lst'], 'NDVI': scene.paths['ndvi'],
                     'DEM': scene.paths['dem'], 'ACQUISITION_DATE': '2021-07-15',
                     'OUTPUT': str(folder / (key + '.tif')), 'DIAGNOSTICS': '',
                     'REPORT': str(folder / (key + '.html'))})
    result = run_scenario('batch', folder, rows=json.dumps(rows), screenshots=os.environ.get('SMD_SCREENSHOTS', ''))
    return result, rows


def test_batch_with_reports_finishes(batch_run):
    """Defect 3: QGIS 3.22's batch dialog raised TypeError (addResult without timestamp) on HTML outputs."""
    result, rows = batch_run
    assert result['batch_error'] is None, result['batch_error']
    assert result['controls_enabled'], 'the dialog stayed blocked'
    added = dict(result['results_added'])
    assert any(name.endswith('[summary]') for name in added), added
    for row in rows:
        assert os.path.getsize(row['REPORT']) > 1000
        assert row['REPORT'] in added.values(), added


def test_blank_optional_output_is_not_loaded(batch_run):
    """Defect 4: a blank DIAGNOSTICS was registered for loading and reported as not generated."""
    result, _ = batch_run
    assert 'not correctly generated' not in result['dialog_log'], result['dialog_log'][-2000:]
    assert 'Batch execution completed' in result['dialog_log']


def test_batch_layers_have_distinct_names(batch_run):
    """Defect 6: every output was called "Downscaled soil moisture"."""
    result, _ = batch_run
    names = result['layers']
    assert len(names) == 2, names
    assert len(set(names)) == 2, names
    assert any('front_range_a' in name for name in names) and any('front_range_b' in name for name in names), names
