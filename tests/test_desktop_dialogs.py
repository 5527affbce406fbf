"""The plugin's dialogs in QGIS desktop (under Xvfb): labels, what runs say, the example model."""
import json
import os

import pytest

from desktop_harness import REPO, run_scenario

pytestmark = pytest.mark.slow
SAMPLE = os.path.join(REPO, 'sample_data')


@pytest.fixture(scope='module')
def dialogs_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp('desktop_dialogs')
    good = {'COARSE_SM': os.path.join(SAMPLE, 'coarse_soil_moisture_025deg.tif'),
            'LST': os.path.join(SAMPLE, 'lst_modis_like_K.tif'), 'NDVI': os.path.join(SAMPLE, 'ndvi.tif'),
            'DEM': os.path.join(SAMPLE, 'dem_1km.tif'), 'OUTPUT': str(folder / 'good.tif')}
    # LST given as the soil moisture: refused by the core during the run.
    bad = dict(good, COARSE_SM=good['LST'], OUTPUT=str(folder / 'bad.tif'))
    incomplete = {key: value for key, value in good.items() if key != 'NDVI'}
    case = {'good': good, 'bad': bad, 'incomplete': incomplete, 'report': str(folder / 'report.html'),
            'model_output': str(folder / 'model_output.tif')}
    result = run_scenario('dialogs', folder / 'run', case=json.dumps(case),
                          screenshots=os.environ.get('SMD_SCREENSHOTS', ''))
    return result, case


def test_dialog_labels_fit_at_the_default_size(dialogs_run):
    """Defect 9: the default dialog clipped long labels."""
    result, _ = dialogs_run
    assert result['clipped_labels'] == {}


def test_missing_input_is_refused_before_the_run(dialogs_run):
    """Defect 7: NDVI and DEM looked optional; the default method's need for them showed only after Run."""
    result, _ = dialogs_run
    incomplete = result['incomplete']
    assert incomplete['finished'] == []
    assert len(incomplete['refusals']) == 1 and 'needs NDVI' in incomplete['refusals'][0]


def test_no_html_note_after_runs_without_a_report(dialogs_run):
    """Defect 8: "HTML output has been generated" followed every run, failed ones too."""
    result, _ = dialogs_run
    assert result['bad']['finished'] == [False]
    assert result['good']['finished'] == [True]
    for run in ('bad', 'good'):
        assert 'HTML output has been generated' not in result[run]['log'], result[run]['log'][-1500:]


def test_a_written_report_is_listed_in_the_results_viewer(dialogs_run):
    result, case = dialogs_run
    run = result['good_with_report']
    assert run['finished'] == [True]
    assert 'Report written: {}'.format(case['report']) in run['log']
    assert case['report'] in [path for _, path in result['results_viewer']]
    assert os.path.getsize(case['report']) > 10000


def test_example_model_is_listed_under_models_and_opens(dialogs_run):
    result, _ = dialogs_run
    assert result['model_provider'] == 'model'
    assert result['model_items'] > 20


def test_model_step_output_loads_styled_with_the_models_name(dialogs_run):
    """A model's output keeps the name the model gives it, is styled, and loads as a raster without OGR
    warnings (defect 8's "OGR: Cannot open" came from per-date series files: test_desktop_series)."""
    result, _ = dialogs_run
    assert result['model_run_layers'] == [['Soil moisture of the model', 'singlebandpseudocolor']]
    assert not [line for line in result['model_run_log'] if 'Cannot open' in line], result['model_run_log']
