"""QGIS desktop (under Xvfb) with the plugin: sample data, styled output, the inspector and its button."""
import json
import os

import pytest
from osgeo import gdal, osr

from desktop_harness import REPO, run_scenario

pytestmark = pytest.mark.slow
SAMPLE = os.path.join(REPO, 'sample_data')


def value_at(path, x, y, crs_wkt):
    dataset = gdal.Open(path)
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromWkt(crs_wkt)
    target.ImportFromWkt(dataset.GetProjection())
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(source, target).TransformPoint(x, y)
    gt = dataset.GetGeoTransform()
    col, row = int((x - gt[0]) / gt[1]), int((y - gt[3]) / gt[5])
    return float(dataset.GetRasterBand(1).ReadAsArray(col, row, 1, 1)[0, 0])


@pytest.fixture(scope='module')
def desktop_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp('desktop_inspector')
    lst = gdal.Open(os.path.join(SAMPLE, 'lst_modis_like_K.tif'))
    gt = lst.GetGeoTransform()
    point = [gt[0] + (lst.RasterXSize // 2 + 0.5) * gt[1], gt[3] + (lst.RasterYSize // 3 + 0.5) * gt[5]]
    case = {'output': str(folder / 'colorado_sm.tif'), 'diagnostics': str(folder / 'colorado_sm_diagnostics.tif'),
            'point': point}
    result = run_scenario('inspector', folder / 'run', case=json.dumps(case),
                          screenshots=os.environ.get('SMD_SCREENSHOTS', ''))
    return result, case, lst.GetProjection()


def test_sample_data_opens_styled(desktop_run):
    result, _, _ = desktop_run
    assert result['plugin_loaded']
    layers = result['sample_layers']
    assert len(layers) == 5
    assert {renderer for _, renderer, _, _ in layers} == {'singlebandpseudocolor'}
    assert len({group for _, _, group, _ in layers}) == 1
    assert [name for name, _, _, visible in layers if visible] == ['Coarse soil moisture, 0.25° (m³/m³)']


def test_output_is_styled_and_named_after_its_file(desktop_run):
    result, _, _ = desktop_run
    assert result['output_renderer'] == 'singlebandpseudocolor'
    assert result['output_name'] == 'colorado_sm (terrain-aware adaptive window, 2021-07-15)'


def test_inspector_opens_on_the_active_layer_with_its_diagnostics(desktop_run):
    """Defect 2: the inspector started on the first raster and left the diagnostics picker empty."""
    result, _, _ = desktop_run
    assert result['before'] == {'dock_visible': False, 'button_checked': False, 'tool_is_inspector': False}
    assert result['opened'] == {'dock_visible': True, 'button_checked': True, 'tool_is_inspector': True}
    output, diagnostics, coarse = result['pickers']
    assert output.startswith('colorado_sm (') and diagnostics.startswith('colorado_sm_diagnostics')
    assert coarse == 'Coarse soil moisture, 0.25° (m³/m³)'


def test_inspector_rows_say_where_the_value_comes_from(desktop_run):
    result, case, wkt = desktop_run
    rows = dict(result['rows'])
    assert rows['Layer'] == result['pickers'][0]
    assert rows['Band'] == '1 (2021-07-15)'
    x, y = case['point']
    assert rows['Soil moisture'] == '{:.3f} m³/m³'.format(value_at(case['output'], x, y, wkt))
    coarse = value_at(os.path.join(SAMPLE, 'coarse_soil_moisture_025deg.tif'), x, y, wkt)
    assert rows['Coarse cell'] == '{:.3f} m³/m³'.format(coarse)
    assert '· LST*' in rows['Local model'] and 'Window' in rows and 'Quality' in rows


def test_toolbar_button_stays_in_step_with_tool_and_dock(desktop_run):
    """Defect 2: after the dock's X or another map tool, it took two clicks to reopen."""
    result, _, _ = desktop_run
    assert result['after_pan'] == {'dock_visible': True, 'button_checked': False, 'tool_is_inspector': False}
    assert result['after_one_click'] == {'dock_visible': True, 'button_checked': True, 'tool_is_inspector': True}
    assert result['after_close'] == {'dock_visible': False, 'button_checked': False, 'tool_is_inspector': False}
    assert result['after_reopen'] == {'dock_visible': True, 'button_checked': True, 'tool_is_inspector': True}


def test_inspector_follows_the_active_layer(desktop_run):
    result, _, _ = desktop_run
    assert result['follows'] == 'True soil moisture (for checking)'
