"""A downscaled series in QGIS desktop (under Xvfb): layer tree, Temporal Controller and the inspector."""
import json
import os

import pytest
from osgeo import gdal, osr

from desktop_harness import run_scenario

pytestmark = pytest.mark.slow


def value_at(path, band, x, y):
    """The raster's value at map point (x, y) (same CRS), read with GDAL alone."""
    dataset = gdal.Open(path)
    gt = dataset.GetGeoTransform()
    col, row = int((x - gt[0]) / gt[1]), int((y - gt[3]) / gt[5])
    return float(dataset.GetRasterBand(band).ReadAsArray(col, row, 1, 1)[0, 0])


@pytest.fixture(scope='module')
def series_run(tmp_path_factory):
    from soil_moisture_downscaling.benchmarks.twin_scene import FRONT_RANGE_DEM, TwinSettings
    from soil_moisture_downscaling.benchmarks.twin_series import make_twin_series
    folder = tmp_path_factory.mktemp('desktop_series')
    paths, dates, fine_grid, _ = make_twin_series(FRONT_RANGE_DEM, str(folder / 'inputs'), TwinSettings(
        fine_resolution=500, coarse_factor=6, seed=70), n_dates=6, step_days=3)
    gt = fine_grid.geotransform
    col, row = fine_grid.width // 2 + 3, fine_grid.height // 2 - 2
    x, y = gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]
    # A station 0 m from the clicked pixel's centre measuring the twin scene's truth there (two depths).
    fine = osr.SpatialReference()
    fine.ImportFromWkt(fine_grid.crs_wkt)
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(fine, wgs84).TransformPoint(x, y)
    truth = [value_at(paths['truth'], band, x, y) for band in range(1, len(dates) + 1)]
    lines = ['station,date,soil_moisture,depth_m,latitude,longitude']
    for day, value in zip(dates, truth):
        lines.append('CLICKED,{},{:.4f},0.05,{:.6f},{:.6f}'.format(day.isoformat(), value, lat, lon))
        lines.append('CLICKED,{},{:.4f},0.20,{:.6f},{:.6f}'.format(day.isoformat(), value + 0.05, lat, lon))
        lines.append('FAR,{},0.3,0.05,{:.6f},{:.6f}'.format(day.isoformat(), lat + 0.5, lon + 0.5))
    stations_csv = folder / 'stations.csv'
    stations_csv.write_text('\n'.join(lines) + '\n')
    case = {'coarse': paths['coarse_sm'], 'lst': paths['lst'], 'ndvi': paths['ndvi'], 'dem': paths['dem'],
            'series': str(folder / 'series.tif'), 'folder': str(folder / 'per_date'),
            'stations_csv': str(stations_csv), 'point': [x, y], 'dates': [d.isoformat() for d in dates]}
    result = run_scenario('series', folder / 'run', case=json.dumps(case),
                          screenshots=os.environ.get('SMD_SCREENSHOTS', ''))
    return result, case, truth


def test_multiband_series_layers_appear_once(series_run):
    """Defect 5: the band-1 layer was in the Layers panel twice (in the group and at the top)."""
    result, case, _ = series_run
    nodes = result['multiband_nodes']
    ids = [layer_id for layer_id, _, _ in nodes]
    assert len(nodes) == len(case['dates']), nodes
    assert len(set(ids)) == len(ids), nodes
    assert len({parent for _, _, parent in nodes}) == 1 and nodes[0][2] != '', nodes


def test_per_date_series_loads_without_ogr_warnings_in_one_group(series_run):
    """Defect 8: files of a per-date series were registered without a raster hint ("OGR: Cannot open")."""
    result, case, _ = series_run
    assert not [line for line in result['per_date_log'] if 'Cannot open' in line], result['per_date_log']
    nodes = result['per_date_nodes']
    assert len(nodes) == len(case['dates']), nodes
    assert len({parent for _, parent in nodes}) == 1, nodes
    assert sorted(name[-10:] for name, _ in nodes) == case['dates']


def test_inspector_reads_the_band_the_layer_draws(series_run):
    """Defect 1: the inspector read band 1 whatever the layer showed."""
    result, case, _ = series_run
    rows = dict(result['rows_day4'])
    x, y = case['point']
    expected = value_at(case['series'], 4, x, y)
    band1 = value_at(case['series'], 1, x, y)
    assert abs(expected - band1) > 0.002, 'pick a pixel whose dates differ'
    assert rows['Soil moisture'] == '{:.3f} m³/m³'.format(expected)
    assert rows['Band'] == '4 ({})'.format(case['dates'][3])
    assert rows['Layer'].endswith(case['dates'][3])


def test_inspector_follows_the_temporal_controller(series_run):
    result, case, _ = series_run
    assert result['canvas_temporal']
    rows = dict(result['rows_frame2'])
    x, y = case['point']
    assert rows['Band'] == '2 ({})'.format(case['dates'][1])
    assert rows['Soil moisture'] == '{:.3f} m³/m³'.format(value_at(case['series'], 2, x, y))
    assert rows['Layer'].endswith(case['dates'][1])


def test_inspector_starts_on_the_active_layer_and_marks_the_point(series_run):
    """Defect 2: the inspector started on the project's first raster (the coarse input)."""
    result, case, _ = series_run
    assert result['dock_layer'].endswith(case['dates'][3])
    assert result['marker'] == pytest.approx(case['point'])


def test_inspector_plots_the_pixel_against_coarse_cell_and_station(series_run):
    result, case, truth = series_run
    history = result['history_day4']
    assert history['plot_visible'] and history['plot_lines'] == ['coarse', 'downscaled', 'station']
    assert history['days'] == case['dates']
    x, y = case['point']
    expected = [value_at(case['series'], band, x, y) for band in range(1, 7)]
    assert history['downscaled'] == pytest.approx(expected, abs=1e-6)
    coarse = [value_at(case['coarse'], band, *lonlat_or_same(case, x, y)) for band in range(1, 7)]
    assert history['coarse'] == pytest.approx(coarse, abs=1e-6)
    station = history['station']
    assert station['station'] == 'CLICKED' and station['km'] < 0.01
    # The shallowest sensor (0.05 m), not the 0.20 m one that reads 0.05 more.
    assert station['days'] == case['dates']
    assert station['values'] == pytest.approx(truth, abs=1e-4)


def lonlat_or_same(case, x, y):
    """The point in the coarse stack's CRS (the twin coarse grid shares the LST's CRS)."""
    coarse = gdal.Open(case['coarse']).GetProjection()
    fine = gdal.Open(case['lst']).GetProjection()
    a, b = osr.SpatialReference(), osr.SpatialReference()
    a.ImportFromWkt(fine)
    b.ImportFromWkt(coarse)
    assert a.IsSame(b)
    return x, y
