"""Area-to-point kriging of the residual (core/atpk.py; DownscaleOptions.residual = 'atpk').

Science: a field whose cell means are the only data is reproduced from them, coherently;
deconvolution recovers a planted point-support range; the pipeline keeps every cell mean and
gives the same map whatever the blocks and threads, with cells in EPSG:4326 over UTM."""
import numpy as np
import pytest
from helpers import block_means, read

from soil_moisture_downscaling.core import atpk
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.residual import BilinearWeights, SpreadSums, bilinear_geometry, zonal_sums
from soil_moisture_downscaling.core.terrain import SunGeometry

FACTOR = 10


def pixel_indices(ny, nx, factor=FACTOR):
    """Fractional coarse indices (col, row) of the centres of a fine grid nested factor × factor in the cells."""
    cols, rows = np.meshgrid((np.arange(nx * factor) + 0.5) / factor, (np.arange(ny * factor) + 0.5) / factor)
    return cols.ravel(), rows.ravel()


def smooth_truth(fcol, frow, aspect):
    """A smooth field in ground distance (one column = ``aspect`` rows): waves of 5–9 cells and a bump."""
    x, y = fcol * aspect, frow
    return (0.02 * np.sin(2 * np.pi * x / 7.0 + 0.4) * np.cos(2 * np.pi * y / 9.0)
            + 0.015 * np.sin(2 * np.pi * (x + y) / 5.0)
            + 0.03 * np.exp(-((x - 6.0) ** 2 + (y - 8.0) ** 2) / 6.0))


def spread_with_remainder(kind, fcol, frow, shape, cell_means, valid, aspect):
    """Pixel values of the residual step's spread plus the per-cell remainder (METHOD.md §6),
    with cell means as residuals: the bilinear spread or ATPK, as the pipeline computes them."""
    zone, node0, wx, wy, corner = bilinear_geometry(fcol, frow, shape)
    n_cells = shape[0] * shape[1]
    residual = np.where(valid, cell_means, np.nan)
    has_value = np.where(valid[np.maximum(zone, 0)] & (zone >= 0), zone, -1)
    if kind == 'bilinear':
        bilinear = BilinearWeights(node0, wx, wy, corner, shape)
        nodes, weights = bilinear.normalized(valid)
        sums = SpreadSums(shape)
        sums.add_part(*SpreadSums.block_part(has_value, corner, weights))
        spread = bilinear.interpolate(np.nan_to_num(residual), valid)
        spread_sums = sums.zonal_sum_of_interpolated(residual)
    else:
        lattice = atpk.LatticeWeights(zone, corner, wx, wy, n_cells)
        sums = atpk.LatticeSums(n_cells)
        sums.add_part(*atpk.LatticeSums.block_part(has_value, lattice))
        covariance = atpk.fit_point_covariance(residual.reshape(shape), float(np.median(aspect)))
        field = atpk.AtpkField(residual, valid, shape, aspect, covariance)
        spread = field.at_pixels(lattice)
        spread_sums = field.zonal_sums(sums)
    _, counts = zonal_sums(has_value, np.ones(zone.size), n_cells)
    with np.errstate(invalid='ignore', divide='ignore'):
        remainder = residual - spread_sums / counts
    values = spread + remainder[np.maximum(zone, 0)]
    return np.where(has_value >= 0, values, np.nan), has_value, n_cells


@pytest.mark.parametrize('aspect', [1.0, 0.6])
def test_atpk_reproduces_a_smooth_field_from_its_cell_means_better_than_bilinear(aspect):
    """Residuals that are exactly the cell means of a smooth field: ATPK recovers the field more
    closely than the bilinear spread, and both keep every cell mean (aspect 0.6: cells in
    EPSG:4326 at 53° of latitude, narrower than tall)."""
    shape = (18, 22)
    fcol, frow = pixel_indices(*shape)
    truth = smooth_truth(fcol, frow, aspect)
    cell_means = block_means(truth.reshape(shape[0] * FACTOR, -1), FACTOR).ravel()
    valid = np.ones(cell_means.size, dtype=bool)
    errors = {}
    for kind in ('bilinear', 'atpk'):
        values, has_value, n_cells = spread_with_remainder(kind, fcol, frow, shape, cell_means, valid,
                                                           np.full(shape[0], aspect))
        sums, counts = zonal_sums(has_value, values, n_cells)
        assert np.max(np.abs(sums / counts - cell_means)) < 1e-12
        errors[kind] = np.sqrt(np.mean((values - truth) ** 2))
    assert errors['atpk'] < 0.85 * errors['bilinear'], errors


def test_atpk_keeps_cell_means_next_to_missing_cells():
    shape = (14, 16)
    fcol, frow = pixel_indices(*shape)
    truth = smooth_truth(fcol, frow, 0.8)
    cell_means = block_means(truth.reshape(shape[0] * FACTOR, -1), FACTOR).ravel()
    valid = np.ones(cell_means.size, dtype=bool)
    valid[[20, 21, 37, 100, 101, 117, 118, 223]] = False       # scattered holes, a pair, a corner
    values, has_value, n_cells = spread_with_remainder('atpk', fcol, frow, shape, cell_means, valid,
                                                       np.linspace(0.7, 0.9, shape[0]))
    assert np.isfinite(values[has_value >= 0]).all()
    assert np.isnan(values[has_value < 0]).all()
    sums, counts = zonal_sums(has_value, values, n_cells)
    assert np.max(np.abs(sums[valid] / counts[valid] - cell_means[valid])) < 1e-12


def test_weights_without_some_cells_solve_the_reduced_kriging_system():
    """The weights of a pattern with missing cells, from the full system's inverse, are those of
    the reduced ordinary-kriging system solved directly; they sum to 1 and are 0 on missing cells."""
    rng = np.random.default_rng(0)
    k = atpk._OFFSETS.shape[0]
    valid = rng.random((40, k)) > 0.35
    valid[:, k // 2] = True
    px, py = atpk.lattice_positions()
    for range_cells in (0.2, 2.0, 30.0):
        unit = atpk.PointCovariance(1.0, range_cells)
        weights = atpk.kriging_weights(unit, 0.7, valid)
        offsets = atpk._OFFSETS
        difference = offsets[None] - offsets[:, None]
        lhs = np.ones((k + 1, k + 1))
        lhs[k, k] = 0.0
        lhs[:k, :k] = atpk.block_covariance(unit, difference[..., 0], difference[..., 1], 0.7) + 1e-10 * np.eye(k)
        rhs = np.ones((k + 1, px.size))
        rhs[:k] = atpk.point_block_covariance(unit, px, py, offsets[:, 0], offsets[:, 1], 0.7).T
        for pattern in range(valid.shape[0]):
            kept = np.r_[np.flatnonzero(valid[pattern]), k]
            direct = np.linalg.solve(lhs[np.ix_(kept, kept)], rhs[kept])[:-1].T
            np.testing.assert_allclose(weights[pattern][:, kept[:-1]], direct, atol=1e-9)
            assert not weights[pattern][:, ~valid[pattern]].any()
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-9)


def exponential_field(rng, size, range_px):
    """A Gaussian random field with an exponential covariance (range in pixels), by spectral synthesis."""
    k = np.fft.fftfreq(size) * 2 * np.pi
    kx, ky = np.meshgrid(k, k)
    spectrum = (1.0 + (range_px ** 2) * (kx ** 2 + ky ** 2)) ** -1.5
    noise = np.fft.fft2(rng.standard_normal((size, size)))
    field = np.real(np.fft.ifft2(noise * np.sqrt(spectrum)))
    return field / field.std()


def test_deconvolution_recovers_the_point_support_range():
    """Cell means of a point field with an exponential covariance of range 2 cells: the fitted
    point-support range is near 2 cells, not the longer apparent range of the cell means."""
    rng = np.random.default_rng(4)
    field = exponential_field(rng, 800, 2.0 * FACTOR)
    means = block_means(field, FACTOR)
    covariance = atpk.fit_point_covariance(means, 1.0)
    assert covariance.fitted
    assert 1.4 < covariance.range_cells < 2.8, covariance
    assert covariance.nugget < 0.1 * covariance.sill


def scene_inputs(scene):
    return DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))


def test_atpk_residual_in_the_pipeline_keeps_cell_means_whatever_the_blocks(colorado_scene, tmp_path):
    """Coarse cells in EPSG:4326 over a UTM grid: every cell keeps its value, and one block, many
    blocks or three threads give the same map."""
    sun = SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date)
    runs = {}
    for name, memory_mb, threads in (('whole', 1024, 1), ('blocks', 4, 1), ('threads', 12, 3)):
        result = downscale(scene_inputs(colorado_scene), str(tmp_path / (name + '.tif')),
                           DownscaleOptions(residual='atpk', sun=sun, memory_mb=memory_mb, threads=threads))
        assert result.consistency_max_error < 1e-4
        assert any('area-to-point kriging' in message for message in result.messages)
        runs[name] = read(tmp_path / (name + '.tif'))
    assert np.array_equal(np.isfinite(runs['whole']), np.isfinite(runs['blocks']))
    assert np.nanmax(np.abs(runs['whole'] - runs['blocks'])) < 1e-6
    assert np.nanmax(np.abs(runs['whole'] - runs['threads'])) < 1e-6
    bilinear = downscale(scene_inputs(colorado_scene), str(tmp_path / 'bilinear.tif'),
                         DownscaleOptions(residual='bilinear', sun=sun))
    # The spread changes the map inside the cells, not the cell means.
    assert np.nanmax(np.abs(read(tmp_path / 'bilinear.tif') - runs['whole'])) > 1e-3
    np.testing.assert_allclose(bilinear.coarse.downscaled_mean, downscale(
        scene_inputs(colorado_scene), str(tmp_path / 'again.tif'),
        DownscaleOptions(residual='atpk', sun=sun)).coarse.downscaled_mean, atol=1e-6)


@pytest.mark.parametrize('method', [Method.TERRAIN_AWARE, Method.GLOBAL_LINEAR])
def test_atpk_residual_is_consistent_with_holes_and_bounds(tmp_path, method):
    """Random predictors, coarse values on both bounds, an LST hole and a missing cell."""
    from test_core_science import random_scene
    grid, coarse_values, inputs = random_scene(tmp_path, 2, with_nodata=True)
    downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(
        method=method, residual='atpk', sun=SunGeometry(35.0, 140.0), min_half_window=1, max_half_window=3,
        min_valid_fraction=0.3, fill_gaps=False))
    out = read(tmp_path / 'out.tif')
    assert np.nanmin(out) >= 0.0 and np.nanmax(out) <= 0.6 + 1e-6
    assert np.nanmax(np.abs(block_means(out, 8) - coarse_values)) < 1e-4


def test_unknown_residual_spread_is_refused(tmp_path):
    with pytest.raises(InputError, match='residual spread'):
        DownscaleOptions(residual='kriging').validate()
