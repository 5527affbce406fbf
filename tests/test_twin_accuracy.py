"""Twin experiments on real terrain: accuracy against the hidden truth, every method.

The figures of every method are printed (pytest -s shows them; -ra lists them too).
"""
import pytest
from helpers import read

from soil_moisture_downscaling.core.downscaling import Method
from soil_moisture_downscaling.core.metrics import agreement
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry


def run_all_methods(scene, folder):
    inputs = DownscaleInputs(*(RasterSource(scene.paths[key], name=key) for key in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    truth = scene.truth
    figures = {}
    for method in Method:
        out = str(folder / 'method{}.tif'.format(method))
        downscale(inputs, out, DownscaleOptions(method=method, sun=SunGeometry(
            acquisition_date=scene.settings.acquisition_date)))
        estimate = read(out)
        figures[method] = agreement(estimate.ravel(), truth.ravel())
    print('\n{:<48} {:>8} {:>8} {:>8} {:>6}'.format('method', 'bias', 'RMSE', 'ubRMSE', 'R'))
    for method, m in figures.items():
        print('{:<48} {:>8.4f} {:>8.4f} {:>8.4f} {:>6.3f}'.format(method.title, m['bias'], m['rmse'],
                                                                m['ubrmse'], m['r']))
    return figures


@pytest.fixture(scope='module')
def terrain_figures(terrain_scene, tmp_path_factory):
    return run_all_methods(terrain_scene, tmp_path_factory.mktemp('terrain_runs'))


@pytest.fixture(scope='module')
def follow_figures(follow_scene, tmp_path_factory):
    return run_all_methods(follow_scene, tmp_path_factory.mktemp('follow_runs'))


def test_default_beats_bilinear_where_lst_carries_terrain_effects(terrain_figures):
    assert terrain_figures[Method.TERRAIN_AWARE]['ubrmse'] < 0.9 * terrain_figures[Method.BILINEAR]['ubrmse']


def test_terrain_correction_pays_where_soil_moisture_ignores_terrain(terrain_figures):
    assert (terrain_figures[Method.TERRAIN_AWARE]['ubrmse']
            < 0.95 * terrain_figures[Method.ADAPTIVE_NO_TERRAIN]['ubrmse'])


def test_default_beats_bilinear_where_soil_moisture_follows_terrain(follow_figures):
    assert follow_figures[Method.TERRAIN_AWARE]['ubrmse'] < follow_figures[Method.BILINEAR]['ubrmse']


def test_terrain_correction_does_not_lose_badly_where_soil_moisture_follows_terrain(follow_figures):
    assert (follow_figures[Method.TERRAIN_AWARE]['ubrmse']
            < 1.1 * follow_figures[Method.ADAPTIVE_NO_TERRAIN]['ubrmse'])


def test_default_beats_bilinear_across_crs_at_25_to_1(colorado_scene, tmp_path):
    """25 km-like cells in EPSG:4326 over a 1 km UTM grid, as with ESA CCI over MODIS."""
    inputs = DownscaleInputs(*(RasterSource(colorado_scene.paths[k], name=k)
                               for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    figures = {}
    for method in (Method.TERRAIN_AWARE, Method.BILINEAR):
        out = str(tmp_path / 'm{}.tif'.format(method))
        result = downscale(inputs, out, DownscaleOptions(method=method, sun=SunGeometry(
            acquisition_date=colorado_scene.settings.acquisition_date)))
        figures[method] = agreement(read(out).ravel(), colorado_scene.truth.ravel())
        if method == Method.TERRAIN_AWARE:
            assert result.consistency_max_error < 1e-4
    print('\nColorado 1 km / 0.25°: ubRMSE default {:.4f}, bilinear {:.4f}'.format(
        figures[0]['ubrmse'], figures[1]['ubrmse']))
    assert figures[Method.TERRAIN_AWARE]['ubrmse'] < figures[Method.BILINEAR]['ubrmse']
