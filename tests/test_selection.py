"""The self-adaptive selection (core/downscaling/selection.py), tested with science: small twins
built so that one configuration is right by construction, exactness, invariants."""
import numpy as np
import pytest
from helpers import aligned_coarse_grid, block_means, fine_grid, read, smooth_field, write

from soil_moisture_downscaling.core import linking
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.metrics import agreement
from soil_moisture_downscaling.core.terrain import SunGeometry

FACTOR = 8
SHAPE = (176, 208)   # 22 × 26 coarse cells


def twin(tmp_path, theta_of, seed, lst_noise_k=0.0):
    """A fine scene (LST without terrain effects, NDVI, a smooth DEM) whose truth is theta_of(lst, ndvi, z,
    rows, cols); LST as the method sees it may carry white noise. Returns (inputs, truth)."""
    rng = np.random.default_rng(seed)
    grid = fine_grid(SHAPE[1], SHAPE[0], 500.0)
    lst = 300.0 + smooth_field(rng, SHAPE, 6, 4.0) + smooth_field(rng, SHAPE, 1.5, 1.5)
    ndvi = np.clip(0.45 + smooth_field(rng, SHAPE, 5, 0.12) + smooth_field(rng, SHAPE, 1, 0.03), 0.05, 0.9)
    z = 2000.0 + smooth_field(rng, SHAPE, 8, 400.0) + smooth_field(rng, SHAPE, 2, 60.0)
    rows, cols = np.mgrid[0:SHAPE[0], 0:SHAPE[1]] / np.array(SHAPE).reshape(2, 1, 1)
    truth = theta_of(lst, ndvi, z, rows, cols)
    seen_lst = lst + lst_noise_k * rng.standard_normal(SHAPE)
    coarse = aligned_coarse_grid(grid, FACTOR)
    inputs = DownscaleInputs(write(tmp_path / 'coarse.tif', coarse, block_means(truth, FACTOR)),
                             write(tmp_path / 'lst.tif', grid, seen_lst), write(tmp_path / 'ndvi.tif', grid, ndvi),
                             write(tmp_path / 'dem.tif', grid, z))
    return inputs, truth


def run(tmp_path, inputs, name, **options):
    options.setdefault('terrain_mode', 'none')
    result = downscale(inputs, str(tmp_path / (name + '.tif')), DownscaleOptions(
        method=Method.TERRAIN_AWARE, sun=SunGeometry(35.0, 140.0), **options))
    return result, read(tmp_path / (name + '.tif'))


def ubrmse(estimate, truth):
    return agreement(estimate.ravel(), truth.ravel())['ubrmse']


def test_elevation_is_chosen_where_soil_moisture_follows_it(tmp_path):
    """θ rises with elevation, which LST does not carry: only the family with z̄ can be right."""
    inputs, truth = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.9 - 0.0025 * lst + 0.15 * ndvi + 0.0001 * (z - 2000.0),
                         seed=1)
    result, chosen = run(tmp_path, inputs, 'auto')
    assert result.selection.chosen.with_elevation
    _, without = run(tmp_path, inputs, 'without', predictors='LST*, NDVI',
                     candidate_windows=(result.selection.chosen.half_window,))
    assert ubrmse(chosen, truth) < 0.5 * ubrmse(without, truth)


def test_local_windows_are_chosen_where_the_relation_changes_across_the_scene(tmp_path):
    """The cooling per unit of soil moisture triples from west to east: one scene-wide model cannot follow it."""
    inputs, truth = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.25 - (0.001 + 0.005 * c) * (lst - 300.0) + 0.1 * ndvi,
                         seed=2)
    result, chosen = run(tmp_path, inputs, 'auto', predictors='LST*, NDVI')
    assert result.selection.chosen.half_window != linking.GLOBAL_WINDOW
    _, scene_wide = run(tmp_path, inputs, 'scene_wide', predictors='LST*, NDVI',
                        candidate_windows=(linking.GLOBAL_WINDOW,))
    assert ubrmse(chosen, truth) < ubrmse(scene_wide, truth)


def test_one_scene_wide_model_is_chosen_where_pixel_noise_would_be_amplified(tmp_path):
    """One relation everywhere, seen through noisy LST (2 K per pixel) and a coarse product whose cells
    carry 0.01 m³/m³ of their own noise: local slopes are noisy and carry the pixel noise."""
    rng = np.random.default_rng(30)
    cell_noise = np.kron(rng.normal(0.0, 0.01, (SHAPE[0] // FACTOR, SHAPE[1] // FACTOR)), np.ones((FACTOR, FACTOR)))
    inputs, truth = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.9 - 0.0025 * lst + 0.1 * ndvi + cell_noise,
                         seed=3, lst_noise_k=2.0)
    result, chosen = run(tmp_path, inputs, 'auto', predictors='LST*, NDVI')
    assert result.selection.chosen.half_window == linking.GLOBAL_WINDOW
    _, local = run(tmp_path, inputs, 'local', predictors='LST*, NDVI', candidate_windows=(2,))
    assert ubrmse(chosen, truth) < ubrmse(local, truth)
    noise = {s.candidate.half_window: s.noise for s in result.selection.scores}
    assert noise[2] > noise[linking.GLOBAL_WINDOW], 'steeper local slopes carry more pixel noise'


def test_linear_truth_is_recovered_exactly_by_the_self_adaptive_default(tmp_path):
    inputs, truth = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.9 - 0.0025 * lst + 0.15 * ndvi, seed=4)
    result, out = run(tmp_path, inputs, 'exact')
    assert result.selection is not None and len(result.selection.scores) == 12
    # float32 output: agreement to its precision, far below any physical meaning.
    assert np.max(np.abs(out - truth)) < 1e-6
    assert result.consistency_max_error < 1e-6


def test_the_chosen_configuration_gives_the_map_of_that_configuration_imposed(tmp_path):
    inputs, _ = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.9 - 0.0025 * lst + 0.15 * ndvi + 0.0001 * (z - 2000.0),
                     seed=5, lst_noise_k=0.8)
    result, chosen = run(tmp_path, inputs, 'auto', terrain_mode='auto')
    choice = result.selection.chosen
    imposed, imposed_map = run(tmp_path, inputs, 'imposed', terrain_mode=choice.terrain_mode,
                               predictors=linking.PREDICTOR_SETS[int(choice.with_elevation)],
                               candidate_windows=(choice.half_window,))
    assert imposed.selection.chosen == choice
    assert result.terrain.mode == choice.terrain_mode
    np.testing.assert_array_equal(chosen, imposed_map)


@pytest.mark.parametrize('options', [dict(memory_mb=4, threads=1), dict(memory_mb=4, threads=3)])
def test_selection_does_not_depend_on_the_memory_budget_or_threads(tmp_path, options):
    inputs, _ = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.25 - (0.001 + 0.005 * c) * (lst - 300.0) + 0.1 * ndvi,
                     seed=6, lst_noise_k=0.8)
    whole, whole_map = run(tmp_path, inputs, 'whole', terrain_mode='auto', memory_mb=1024, threads=1)
    blocks, blocks_map = run(tmp_path, inputs, 'blocks', terrain_mode='auto', **options)
    assert blocks.selection.chosen == whole.selection.chosen
    # The terrain fit adds its block sums in another grouping: equal to rounding (1e-7 relative).
    np.testing.assert_allclose([s.criterion for s in blocks.selection.scores],
                               [s.criterion for s in whole.selection.scores], rtol=1e-5)
    assert np.nanmax(np.abs(blocks_map - whole_map)) < 1e-6


def test_left_out_fits_equal_refits_without_the_cell():
    rng = np.random.default_rng(7)
    shape = (14, 16)
    lst = 295 + rng.normal(0, 3, shape)
    ndvi = np.clip(0.4 + rng.normal(0, 0.1, shape), 0, 1)
    z = rng.normal(2000, 300, shape)
    theta = 1.1 - 0.003 * lst + 0.2 * ndvi + rng.normal(0, 0.01, shape)
    mask = np.ones(shape, bool)
    mask[3, 4] = False
    standardizer = linking.Standardizer.from_samples(lst, ndvi, z)
    terms = standardizer.terms(lst, ndvi, z)
    fits = linking.fit_each_candidate(theta, terms, mask, standardizer, 'linear', (linking.GLOBAL_WINDOW, 2, 3),
                                      (False, True), leave_one_out=True)
    for (h, with_elevation), candidate in fits.items():
        assert np.isnan(candidate.left_out[3, 4]), 'a cell that is no sample is not predicted'
        for row, col in ((5, 6), (0, 0), (13, 15), (7, 2)):
            without = mask.copy()
            without[row, col] = False
            refit = linking.fit_each_candidate(theta, terms, without, standardizer, 'linear', (h,),
                                               (with_elevation,))[(h, with_elevation)].fit
            expected = linking.predict(refit.beta[row, col], terms[row, col])
            assert candidate.left_out[row, col] == pytest.approx(expected, abs=1e-12)


def test_window_sums_in_threads_give_the_same_fits_to_the_bit():
    """The window sums computed in a thread pool are the same sums: every fit and left-out value equal."""
    rng = np.random.default_rng(3)
    shape = (23, 19)
    lst, ndvi, z = 295 + rng.normal(0, 3, shape), np.clip(0.4 + rng.normal(0, 0.1, shape), 0, 1), rng.normal(
        2000, 300, shape)
    theta = 1.1 - 0.003 * lst + 0.2 * ndvi + 0.00002 * z + rng.normal(0, 0.01, shape)
    mask = rng.random(shape) > 0.1
    standardizer = linking.Standardizer.from_samples(lst[mask], ndvi[mask], z[mask])
    terms = standardizer.terms(lst, ndvi, z)
    arguments = (theta, terms, mask, standardizer, 'linear', (linking.GLOBAL_WINDOW, 2, 3, 4), (False, True))
    alone = linking.fit_each_candidate(*arguments, leave_one_out=True, workers=1)
    threaded = linking.fit_each_candidate(*arguments, leave_one_out=True, workers=3)
    for key, candidate in alone.items():
        assert np.array_equal(candidate.fit.beta, threaded[key].fit.beta, equal_nan=True)
        assert np.array_equal(candidate.left_out, threaded[key].left_out, equal_nan=True)
    per_cell = [linking.fit_adaptive_window(theta, terms, mask, standardizer, workers=w) for w in (1, 3)]
    assert np.array_equal(per_cell[0].beta, per_cell[1].beta, equal_nan=True)
    assert np.array_equal(per_cell[0].half_window, per_cell[1].half_window)


def test_quadratic_terms_stop_growing_beyond_the_calibration_range():
    standardizer = linking.Standardizer.from_samples(np.array([290.0, 300.0, 310.0]), np.array([0.2, 0.4, 0.6]),
                                                     linear_tails=True)
    inside = standardizer.terms(np.array([305.0]), np.array([0.5]))[0]
    l, n, _ = standardizer.standardized(np.array([305.0]), np.array([0.5]))
    np.testing.assert_allclose(inside[4:], [l[0] ** 2, n[0] ** 2, l[0] * n[0]])
    edge = standardizer.terms(np.array([310.0]), np.array([0.6]))[0]
    beyond = standardizer.terms(np.array([330.0]), np.array([0.9]))[0]
    np.testing.assert_allclose(beyond[4:], edge[4:])
    assert beyond[1] > edge[1] and beyond[2] > edge[2], 'the linear terms go on'


def test_diagnostics_and_report_show_the_choice(tmp_path):
    from soil_moisture_downscaling.core.downscaling import DIAGNOSTIC_BANDS
    from soil_moisture_downscaling.core.lst_correction import MODES
    from soil_moisture_downscaling.report.downscaling import write_downscaling_report
    inputs, _ = twin(tmp_path, lambda lst, ndvi, z, r, c: 0.9 - 0.0025 * lst + 0.15 * ndvi + 0.0001 * (z - 2000.0),
                     seed=8, lst_noise_k=0.8)
    result = downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(sun=SunGeometry(35.0, 140.0)),
                       diagnostics_path=str(tmp_path / 'diag.tif'))
    chosen = result.selection.chosen
    mode = read(tmp_path / 'diag.tif', band=DIAGNOSTIC_BANDS.index('terrain_mode') + 1)
    assert np.all(mode == MODES.index(chosen.terrain_mode))
    expected = read(tmp_path / 'diag.tif', band=DIAGNOSTIC_BANDS.index('expected_error') + 1)
    assert np.nanmin(expected) > 0 and np.isfinite(expected).mean() > 0.8
    # The scene-wide mean of the per-cell criterion is the chosen candidate's criterion.
    assert np.sqrt(result.selection.chosen_score.criterion) < np.nanmax(expected)
    predictors = read(tmp_path / 'diag.tif', band=DIAGNOSTIC_BANDS.index('predictor_set') + 1)
    assert np.all(predictors == int(chosen.with_elevation))
    page = write_downscaling_report(str(tmp_path / 'report.html'), result, [], [])
    with open(page, encoding='utf-8') as handle:
        text = handle.read()
    assert 'Self-adaptive choice' in text and chosen.label in text
