"""Bad input is refused with a message that says what is wrong and how to fix it."""
import numpy as np
import pytest
from helpers import aligned_coarse_grid, fine_grid, smooth_field, write

from soil_moisture_downscaling.core.downscaling import Method
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import GridSpec
from soil_moisture_downscaling.core.terrain import SunGeometry


@pytest.fixture
def good(tmp_path):
    rng = np.random.default_rng(0)
    grid = fine_grid(100, 100, 1000.0)
    values = {
        'lst': 295 + smooth_field(rng, (100, 100), 3, 4.0),
        'ndvi': np.clip(0.4 + smooth_field(rng, (100, 100), 3, 0.15), 0, 0.9),
        'dem': 2500 + smooth_field(rng, (100, 100), 5, 300.0),
        'coarse': np.clip(0.25 + smooth_field(rng, (10, 10), 2, 0.05), 0.05, 0.5),
    }
    return tmp_path, grid, values


def inputs_from(tmp_path, grid, values, coarse_grid=None, dem=True):
    coarse_grid = coarse_grid or aligned_coarse_grid(grid, 10)
    return DownscaleInputs(write(tmp_path / 'c.tif', coarse_grid, values['coarse']),
                           write(tmp_path / 'l.tif', grid, values['lst']),
                           write(tmp_path / 'n.tif', grid, values['ndvi']),
                           write(tmp_path / 'd.tif', grid, values['dem']) if dem else None)


def refused(inputs, match, tmp_path, **options):
    options.setdefault('method', Method.ADAPTIVE_NO_TERRAIN)
    with pytest.raises(InputError, match=match):
        downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(**options))
    assert not (tmp_path / 'out.tif').exists()
    assert not [p for p in tmp_path.iterdir() if 'partial' in p.name]


def test_good_input_runs(good):
    tmp_path, grid, values = good
    downscale(inputs_from(tmp_path, grid, values), str(tmp_path / 'out.tif'),
              DownscaleOptions(sun=SunGeometry(30.0, 135.0)))
    assert (tmp_path / 'out.tif').exists()


def test_lst_in_celsius(good):
    tmp_path, grid, values = good
    values['lst'] = values['lst'] - 273.15
    refused(inputs_from(tmp_path, grid, values), 'degrees Celsius.*Add 273.15', tmp_path)


def test_lst_as_raw_modis_numbers(good):
    tmp_path, grid, values = good
    values['lst'] = values['lst'] / 0.02
    refused(inputs_from(tmp_path, grid, values), 'raw MODIS digital numbers.*0.02', tmp_path)


def test_ndvi_as_modis_numbers(good):
    tmp_path, grid, values = good
    values['ndvi'] = values['ndvi'] * 10000
    refused(inputs_from(tmp_path, grid, values), 'MODIS digital numbers.*0.0001', tmp_path)


def test_soil_moisture_in_percent(good):
    tmp_path, grid, values = good
    values['coarse'] = values['coarse'] * 100
    refused(inputs_from(tmp_path, grid, values), 'percent.*divide by 100', tmp_path)


def test_no_overlap(good):
    tmp_path, grid, values = good
    far = aligned_coarse_grid(grid, 10)
    gt = list(far.geotransform)
    gt[0] += 5e6
    refused(inputs_from(tmp_path, grid, values, GridSpec(far.width, far.height, tuple(gt), far.crs_wkt)),
            'do not overlap', tmp_path)


def test_all_nodata_lst(good):
    tmp_path, grid, values = good
    values['lst'] = np.full((100, 100), np.nan)
    refused(inputs_from(tmp_path, grid, values), 'no valid value.*nodata', tmp_path)


def test_all_nodata_coarse(good):
    tmp_path, grid, values = good
    values['coarse'] = np.full((10, 10), np.nan)
    refused(inputs_from(tmp_path, grid, values), 'no valid value over the LST extent', tmp_path)


def test_too_few_coarse_cells(good):
    tmp_path, grid, values = good
    values['coarse'][:, :] = np.nan
    values['coarse'][:2, :3] = 0.2
    refused(inputs_from(tmp_path, grid, values), r'Only 6 coarse cells.*needs at least 10', tmp_path)


def test_dem_missing_for_terrain_aware_method(good):
    tmp_path, grid, values = good
    refused(inputs_from(tmp_path, grid, values, dem=False), 'needs a DEM', tmp_path, method=Method.TERRAIN_AWARE,
            sun=SunGeometry(30.0, 135.0))


def test_sun_position_missing_for_terrain_aware_method(good):
    tmp_path, grid, values = good
    refused(inputs_from(tmp_path, grid, values), 'sun zenith and azimuth.*acquisition date', tmp_path,
            method=Method.TERRAIN_AWARE)


def test_coarse_grid_not_coarser(good):
    tmp_path, grid, values = good
    values['coarse'] = np.full((100, 100), 0.2)
    refused(inputs_from(tmp_path, grid, values, coarse_grid=grid), 'not coarser than the LST grid', tmp_path)


def test_coarse_raster_without_crs(good):
    tmp_path, grid, values = good
    no_crs = GridSpec(10, 10, aligned_coarse_grid(grid, 10).geotransform, '')
    refused(inputs_from(tmp_path, grid, values, coarse_grid=no_crs), 'no coordinate reference system.*EPSG:4326',
            tmp_path)


def test_bad_options(good):
    tmp_path, grid, values = good
    refused(inputs_from(tmp_path, grid, values), 'half-window', tmp_path, min_half_window=5, max_half_window=3)
    refused(inputs_from(tmp_path, grid, values), 'bounds', tmp_path, sm_min=0.5, sm_max=0.4)


def test_inputs_are_not_modified(good):
    import hashlib
    tmp_path, grid, values = good
    inputs = inputs_from(tmp_path, grid, values)
    paths = [inputs.coarse_sm.path, inputs.lst.path, inputs.ndvi.path, inputs.dem.path]
    before = [hashlib.md5(open(p, 'rb').read()).hexdigest() for p in paths]
    downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(sun=SunGeometry(30.0, 135.0)),
              diagnostics_path=str(tmp_path / 'diag.tif'))
    assert [hashlib.md5(open(p, 'rb').read()).hexdigest() for p in paths] == before
    assert not list(tmp_path.glob('*.aux.xml'))
