"""A date cut into tiles (row strips with a halo, scene-wide steps reduced across tiles) gives the
untiled map (issue 14): the same pixels, values within 1e-6 m³/m³."""
import os
from datetime import date

import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.benchmarks.twin_scene import FRONT_RANGE_DEM, TwinSettings, make_twin_scene
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.progress import Progress
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry
from soil_moisture_downscaling.core.tiling import downscale_tiled, tile_rows

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, 'sample_data')


def assert_same_map(untiled, tiled):
    a, b = read(untiled), read(tiled)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.isfinite(a).mean() > 0.9
    assert np.nanmax(np.abs(a - b)) <= 1e-6


def test_tile_rows_cover_the_grid_on_lattice_rows():
    strips = tile_rows(423, 100)
    assert strips[0] == (0, 96) and strips[-1][1] == 423
    assert all(a[1] == b[0] for a, b in zip(strips, strips[1:])) and all(s[0] % 8 == 0 for s in strips)


@pytest.mark.slow
def test_tiled_sample_date_equals_the_untiled_one(tmp_path):
    inputs = DownscaleInputs(*(RasterSource(os.path.join(SAMPLE, name)) for name in (
        'coarse_soil_moisture_025deg.tif', 'lst_modis_like_K.tif', 'ndvi.tif', 'dem_1km.tif')))
    options = DownscaleOptions(sun=SunGeometry(acquisition_date=date(2021, 7, 15)))
    untiled = downscale(inputs, str(tmp_path / 'untiled.tif'), options)
    log = []
    tiled = downscale_tiled(inputs, str(tmp_path / 'tiled.tif'), options, rows_per_tile=64,
                            progress=Progress(log=log.append))
    assert 'read as 7 tiles' in log[1]
    assert_same_map(tmp_path / 'untiled.tif', tmp_path / 'tiled.tif')
    assert tiled.terrain.lapse_rate_k_per_km == pytest.approx(untiled.terrain.lapse_rate_k_per_km, abs=1e-9)
    assert tiled.consistency_max_error < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize('method', [Method.TERRAIN_AWARE, Method.GLOBAL_LINEAR])
def test_tiled_cloudy_date_with_a_dem_on_its_own_grid_equals_the_untiled_one(method, tmp_path):
    """Clouds filled by the scene-wide gap filler, the DEM warped onto each tile, the global fit of method 2."""
    scene = make_twin_scene(FRONT_RANGE_DEM, str(tmp_path / 'scene'),
                            TwinSettings(fine_resolution=250, coarse_factor=10, seed=11, cloud_fraction=0.3))
    paths = scene.paths
    inputs = DownscaleInputs(RasterSource(paths['coarse_sm']), RasterSource(paths['lst']),
                             RasterSource(paths['ndvi']), RasterSource(FRONT_RANGE_DEM))
    options = DownscaleOptions(method=method, sun=SunGeometry(acquisition_date=scene.settings.acquisition_date))
    untiled = downscale(inputs, str(tmp_path / 'untiled.tif'), options)
    tiled = downscale_tiled(inputs, str(tmp_path / 'tiled.tif'), options, rows_per_tile=48)
    assert untiled.n_filled_pixels > 10000 and tiled.n_filled_pixels == untiled.n_filled_pixels
    assert_same_map(tmp_path / 'untiled.tif', tmp_path / 'tiled.tif')
