"""Science tests of the core: analytic truths, invariants and planted effects."""

import numpy as np
import pytest
from helpers import aligned_coarse_grid, block_means, fine_grid, read, smooth_field, write

from soil_moisture_downscaling.core import downscaling, linking
from soil_moisture_downscaling.core.downscaling import Method
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry, solar_position


def linear_scene(tmp_path, factor=10, seed=0):
    """A fine scene whose truth is exactly θ = 0.9 − 0.0025·LST + 0.15·NDVI (no noise)."""
    rng = np.random.default_rng(seed)
    grid = fine_grid(200, 180, 1000.0)
    lst = 300.0 + smooth_field(rng, (180, 200), 6, 5.0) + smooth_field(rng, (180, 200), 1.5, 2.0)
    ndvi = np.clip(0.45 + smooth_field(rng, (180, 200), 5, 0.12) + smooth_field(rng, (180, 200), 1, 0.04), 0.05, 0.9)
    truth = 0.9 - 0.0025 * lst + 0.15 * ndvi
    assert truth.min() > 0.05 and truth.max() < 0.55
    coarse = aligned_coarse_grid(grid, factor)
    return {
        'grid': grid, 'truth': truth, 'lst': lst, 'ndvi': ndvi,
        'inputs': DownscaleInputs(write(tmp_path / 'coarse.tif', coarse, block_means(truth, factor)),
                                  write(tmp_path / 'lst.tif', grid, lst), write(tmp_path / 'ndvi.tif', grid, ndvi)),
    }


@pytest.mark.parametrize('method', [Method.ADAPTIVE_NO_TERRAIN, Method.GLOBAL_LINEAR])
def test_linear_truth_is_recovered_exactly(tmp_path, method):
    scene = linear_scene(tmp_path)
    result = downscale(scene['inputs'], str(tmp_path / 'out.tif'), DownscaleOptions(method=method))
    out = read(tmp_path / 'out.tif')
    assert np.isfinite(out).all()
    # float32 output: agreement to its precision, far below any physical meaning.
    assert np.max(np.abs(out - scene['truth'])) < 1e-6
    assert result.consistency_max_error < 1e-6


def test_local_fit_recovers_linear_coefficients_on_coarse_cells():
    rng = np.random.default_rng(3)
    shape = (20, 24)
    lst = 295 + rng.normal(0, 3, shape)
    ndvi = np.clip(0.4 + rng.normal(0, 0.1, shape), 0, 1)
    theta = 1.1 - 0.003 * lst + 0.2 * ndvi
    standardizer = linking.Standardizer.from_samples(lst, ndvi)
    terms = standardizer.terms(lst, ndvi)
    fit = linking.fit_adaptive_window(theta, terms, np.ones(shape, bool), standardizer)
    assert (fit.fallback == linking.FALLBACK_LOCAL).all()
    coefficients = linking.physical_coefficients(fit.beta, standardizer)
    np.testing.assert_allclose(coefficients[..., 0], 1.1, atol=1e-8)
    np.testing.assert_allclose(coefficients[..., 1], -0.003, atol=1e-10)
    np.testing.assert_allclose(coefficients[..., 2], 0.2, atol=1e-8)
    np.testing.assert_allclose(fit.r_squared, 1.0, atol=1e-9)


def test_local_fit_rejects_positive_lst_slope_and_falls_back():
    rng = np.random.default_rng(4)
    shape = (15, 15)
    lst = 295 + rng.normal(0, 3, shape)
    ndvi = np.clip(0.4 + rng.normal(0, 0.1, shape), 0, 1)
    theta = -0.5 + 0.003 * lst  # wetter where warmer: unphysical
    standardizer = linking.Standardizer.from_samples(lst, ndvi)
    fit = linking.fit_adaptive_window(theta, standardizer.terms(lst, ndvi), np.ones(shape, bool), standardizer)
    assert (fit.fallback == linking.FALLBACK_COARSE_VALUE).all()
    np.testing.assert_allclose(fit.beta[..., 0], theta)


def test_bisquare_kernel_is_zero_beyond_bandwidth():
    kernel = linking.bisquare_kernel(3)
    assert kernel.shape == (7, 7)
    assert kernel[3, 3] == 1.0
    assert kernel[0, 0] == 0.0  # corner at distance 4.24 ≥ b = 4
    d = np.hypot(1, 2)
    assert kernel[3 + 1, 3 + 2] == pytest.approx((1 - (d / 4) ** 2) ** 2)


def random_scene(tmp_path, seed, factor=8, with_nodata=False):
    rng = np.random.default_rng(seed)
    grid = fine_grid(97, 83, 1000.0)  # not a multiple of the factor: partial edge cells
    shape = (83, 97)
    lst = 290 + 8 * rng.random(shape)
    ndvi = rng.random(shape) * 0.8
    dem = 2000 + smooth_field(rng, shape, 4, 400.0)
    coarse_values = rng.uniform(0.0, 0.6, (-(-83 // factor), -(-97 // factor)))
    coarse_values[0, 0] = 0.0      # on the lower bound: every pixel must be 0
    coarse_values[1, 1] = 0.6      # on the upper bound
    if with_nodata:
        lst[10:30, 20:45] = np.nan
        coarse_values[3, 5] = np.nan
    coarse = aligned_coarse_grid(grid, factor)
    return grid, coarse_values, DownscaleInputs(
        write(tmp_path / 'coarse.tif', coarse, coarse_values), write(tmp_path / 'lst.tif', grid, lst),
        write(tmp_path / 'ndvi.tif', grid, ndvi), write(tmp_path / 'dem.tif', grid, dem))


@pytest.mark.parametrize('method', downscaling.CONSISTENT_METHODS)
@pytest.mark.parametrize('seed', [1, 2])
def test_value_consistency_on_random_inputs(tmp_path, method, seed):
    grid, coarse_values, inputs = random_scene(tmp_path, seed, with_nodata=seed == 2)
    options = DownscaleOptions(method=method, sun=SunGeometry(35.0, 140.0), min_half_window=1, max_half_window=3,
                               min_valid_fraction=0.3, fill_gaps=False)
    downscale(inputs, str(tmp_path / 'out.tif'), options)
    out = read(tmp_path / 'out.tif')
    assert np.nanmin(out) >= 0.0 and np.nanmax(out) <= 0.6 + 1e-6  # float32 of 0.6
    means = block_means(out, 8)
    lst_cells = np.isfinite(block_means(read(tmp_path / 'lst.tif'), 8))
    assert np.array_equal(np.isfinite(means), np.isfinite(coarse_values) & lst_cells), \
        'every cell with a value and some valid LST, and only those, gets pixels'
    assert np.nanmax(np.abs(means - coarse_values)) < 1e-4


@pytest.mark.parametrize('method', downscaling.CONSISTENT_METHODS)
def test_gap_filling_gives_a_seamless_consistent_map(tmp_path, method):
    grid, coarse_values, inputs = random_scene(tmp_path, 2, with_nodata=True)
    options = DownscaleOptions(method=method, sun=SunGeometry(35.0, 140.0), min_half_window=1, max_half_window=3,
                               min_valid_fraction=0.3, fill_gaps=True)
    result = downscale(inputs, str(tmp_path / 'out.tif'), options, diagnostics_path=str(tmp_path / 'diag.tif'))
    out = read(tmp_path / 'out.tif')
    assert np.isfinite(out).all(), 'no holes: cloud gaps and the missing coarse cell are filled'
    quality = read(tmp_path / 'diag.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1).astype(int)
    assert (quality[10:30, 20:45] & downscaling.QUALITY_LST_FILLED).all()
    assert not (quality[40:, :] & downscaling.QUALITY_LST_FILLED).any()
    assert (quality[24:32, 40:48] & downscaling.QUALITY_COARSE_FILLED).all()
    assert result.n_filled_cells == 1
    means = block_means(out, 8)
    original = np.isfinite(coarse_values)
    assert np.max(np.abs(means - coarse_values)[original]) < 1e-4


def test_methods_without_consistency_promise_stay_in_bounds(tmp_path):
    grid, coarse_values, inputs = random_scene(tmp_path, 5)
    for method in (Method.BILINEAR, Method.UNIVERSAL_TRIANGLE):
        downscale(inputs, str(tmp_path / 'out{}.tif'.format(method)), DownscaleOptions(method=method))
        out = read(tmp_path / 'out{}.tif'.format(method))
        assert np.isfinite(out).all()
        assert out.min() >= 0.0 and out.max() <= 0.6 + 1e-6


def test_bilinear_reproduces_a_linear_coarse_field(tmp_path):
    grid = fine_grid(100, 80, 1000.0)
    coarse = aligned_coarse_grid(grid, 10)
    cols, rows = np.meshgrid(np.arange(10) + 0.5, np.arange(8) + 0.5)
    field = 0.1 + 0.01 * cols + 0.02 * rows
    inputs = DownscaleInputs(write(tmp_path / 'c.tif', coarse, field),
                             write(tmp_path / 'l.tif', grid, np.full((80, 100), 300.0)))
    downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(method=Method.BILINEAR))
    out = read(tmp_path / 'out.tif')
    fc, fr = np.meshgrid((np.arange(100) + 0.5) / 10, (np.arange(80) + 0.5) / 10)
    expected = 0.1 + 0.01 * fc + 0.02 * fr
    interior = (fc >= 0.5) & (fc <= 9.5) & (fr >= 0.5) & (fr <= 7.5)
    np.testing.assert_allclose(out[interior], expected[interior], atol=1e-6)


def test_nodata_and_nan_are_honoured(tmp_path):
    rng = np.random.default_rng(9)
    grid = fine_grid(100, 100, 1000.0)
    lst = 295 + smooth_field(rng, (100, 100), 3, 4.0)
    ndvi = np.clip(0.4 + smooth_field(rng, (100, 100), 3, 0.15), 0, 0.9)
    lst[40:50, :] = -9999.0          # declared nodata value
    ndvi[:, 70:75] = np.nan          # NaN without a declaration
    coarse = aligned_coarse_grid(grid, 10)
    theta = np.clip(0.25 + smooth_field(rng, (10, 10), 2, 0.05), 0.05, 0.5)
    theta[2, 2] = -1.0               # the coarse file's nodata value
    inputs = DownscaleInputs(write(tmp_path / 'c.tif', coarse, theta, nodata=-1.0),
                             write(tmp_path / 'l.tif', grid, lst, nodata=-9999.0),
                             write(tmp_path / 'n.tif', grid, ndvi))
    result = downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(method=Method.ADAPTIVE_NO_TERRAIN,
                                                                          fill_gaps=False),
                       diagnostics_path=str(tmp_path / 'diag.tif'))
    out = read(tmp_path / 'out.tif')
    from osgeo import gdal
    assert gdal.Open(str(tmp_path / 'out.tif')).GetRasterBand(1).GetNoDataValue() == -9999.0
    assert np.isnan(out[40:50, :]).all() and np.isnan(out[:, 70:75]).all()
    assert np.isnan(out[20:30, 20:30]).all()               # the nodata coarse cell
    valid = np.ones((100, 100), bool)
    valid[40:50, :] = valid[:, 70:75] = valid[20:30, 20:30] = False
    assert np.isfinite(out[valid]).all()
    quality = read(tmp_path / 'diag.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1)
    assert (quality[20:30, 20:30].astype(int) & downscaling.QUALITY_OUTSIDE_COARSE).all()
    assert not (quality[valid].astype(int) & downscaling.QUALITY_OUTSIDE_COARSE).any()
    means = block_means(out, 10)
    theta[2, 2] = np.nan
    assert np.nanmax(np.abs(means - theta)) < 1e-4
    assert result.n_output_pixels == valid.sum()


def test_solar_position_matches_known_values():
    # Solar noon at the June solstice, 40° N: zenith = 40 − 23.44, sun due south.
    zenith, azimuth = solar_position(172, 12.0, 40.0)
    assert zenith == pytest.approx(40.0 - 23.44, abs=0.15)
    assert azimuth == pytest.approx(180.0, abs=0.5)
    # Morning sun is in the east, afternoon sun in the west, symmetric about noon.
    z_am, a_am = solar_position(172, 9.0, 40.0)
    z_pm, a_pm = solar_position(172, 15.0, 40.0)
    assert 60 < a_am < 120 and 240 < a_pm < 300
    assert z_am == pytest.approx(z_pm, abs=0.1) and a_am + a_pm == pytest.approx(360.0, abs=0.5)
    # At the equinox at noon the zenith equals the latitude.
    assert solar_position(80, 12.0, 35.0)[0] == pytest.approx(35.0, abs=0.6)


def slope_aspect_reference(padded, dx, dy):
    """Horn's slope and aspect (radians, aspect clockwise from north) written out independently of the core."""
    z = padded
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    dz_east = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * dx)
    dz_down = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * dy)   # towards increasing row = south
    return np.arctan(np.hypot(dz_east, dz_down)), np.mod(np.arctan2(-dz_east, dz_down), 2.0 * np.pi)


def illumination_reference(slope, aspect, sun_zenith, sun_azimuth):
    """cos i = cos s·cos θz + sin s·sin θz·cos(φ − A) (METHOD.md §2)."""
    return np.cos(slope) * np.cos(sun_zenith) + np.sin(slope) * np.sin(sun_zenith) * np.cos(sun_azimuth - aspect)


def sun_vector(zenith, azimuth):
    return np.sin(zenith) * np.sin(azimuth), np.sin(zenith) * np.cos(azimuth), np.cos(zenith)


def test_gradients_and_illumination_of_planes():
    from soil_moisture_downscaling.core.terrain import horn_gradients, illumination_from_gradients
    cols, rows = np.meshgrid(np.arange(7.0), np.arange(7.0))
    # Rising 1 m per 10 m eastwards.
    east, north = horn_gradients(10.0 * 0.1 * cols, 10.0, 10.0)
    np.testing.assert_allclose(east, 0.1)
    np.testing.assert_allclose(north, 0.0, atol=1e-15)
    # Falling towards the south (rows go south) at 45°: rising 1 m per m northwards.
    east, north = horn_gradients(-10.0 * rows, 10.0, 10.0)
    np.testing.assert_allclose(north, 1.0)
    # That south-facing slope under a sun 45° up in the south is lit head-on, edge-on from the north.
    cos_i = illumination_from_gradients(east, north, *sun_vector(np.radians(45.0), np.radians(180.0)))
    np.testing.assert_allclose(cos_i, 1.0)
    cos_i = illumination_from_gradients(east, north, *sun_vector(np.radians(45.0), np.radians(0.0)))
    np.testing.assert_allclose(cos_i, 0.0, atol=1e-12)
    slope, aspect = slope_aspect_reference(-10.0 * rows, 10.0, 10.0)
    np.testing.assert_allclose(np.degrees(slope), 45.0)
    np.testing.assert_allclose(np.degrees(aspect), 180.0)


def test_illumination_from_gradients_equals_the_slope_aspect_formula():
    from soil_moisture_downscaling.core.terrain import horn_gradients, illumination_from_gradients
    rng = np.random.default_rng(2)
    z = np.cumsum(np.cumsum(rng.normal(0, 5, (30, 40)), axis=0), axis=1)
    slope, aspect = slope_aspect_reference(z, 30.0, 30.0)
    east, north = horn_gradients(z, 30.0, 30.0)
    zenith, azimuth = np.radians(37.0), np.radians(131.0)
    expected = illumination_reference(slope, aspect, zenith, azimuth)
    fused = illumination_from_gradients(east, north, *sun_vector(zenith, azimuth))
    np.testing.assert_allclose(fused, expected, atol=1e-12)


def test_terrain_correction_removes_planted_lapse_rate_and_illumination(terrain_scene, tmp_path):
    from soil_moisture_downscaling.core.downscaling import correct_lst_raster
    from soil_moisture_downscaling.core.terrain import TerrainOnFineGrid
    paths = terrain_scene.paths
    sun = SunGeometry(acquisition_date=terrain_scene.settings.acquisition_date)
    z, cos_i, cos_sz = TerrainOnFineGrid(RasterSource(paths['dem']), terrain_scene.fine_grid, sun).read(
        terrain_scene.fine_grid.full_window())
    rng = np.random.default_rng(5)
    ndvi = read(paths['ndvi'])
    planted_lapse, planted_illumination = -6.5e-3, 15.0
    lst = (300.0 + planted_lapse * (z - z.mean()) + planted_illumination * (cos_i - cos_sz) - 8.0 * ndvi
           + smooth_field(rng, z.shape, 5, 1.0) + 0.5 * rng.standard_normal(z.shape))
    lst_source = write(tmp_path / 'lst.tif', terrain_scene.fine_grid, lst)
    result = correct_lst_raster(lst_source, RasterSource(paths['ndvi']), RasterSource(paths['dem']),
                                str(tmp_path / 'lst_star.tif'), sun=sun)
    assert result.correction.lapse_rate_k_per_km == pytest.approx(-6.5, abs=0.4)
    assert result.correction.illumination_k == pytest.approx(15.0, abs=0.6)
    assert abs(result.check.corr_lst_star_cos_i) < 0.05
    assert result.check.lst_star_sd < 0.5 * result.check.lst_sd
    lst_star = read(tmp_path / 'lst_star.tif')
    # What is left of elevation in LST* is the NDVI's own link to it, not the lapse rate.
    residual = lst_star + 8.0 * ndvi
    assert abs(np.corrcoef(residual.ravel(), z.ravel())[0, 1]) < 0.1
