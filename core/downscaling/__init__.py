"""Downscaling coarse soil moisture onto the LST grid: the method's stages, one module each.

    inputs       open and check the inputs; the fine scene        (METHOD.md §1)
    lst_star     terrain model of LST and LST*                      (§2–§3)
    aggregate    fine predictors averaged over the coarse cells     (§1, §4)
    methods      each method's needs and coarse-scale fit           (§4, §8)
    gaps         seamless output: fine and coarse gaps              (§7)
    apply        the coarse model applied at the fine scale         (§5)
    consistency  residual step and bounds: every cell keeps θ_c     (§6)
    outputs      output and diagnostics rasters                     (§7)
    scene        blocks, thread pool, what is kept between passes
    options      options, inputs and results, typed with units

Every stage is a pass over the fine grid block by block (or work on the small coarse
grid), so rasters larger than memory work; see scene.py.
"""
from ..progress import Progress, StageTimer
from ..raster_io import gdal_cache_limit
from .aggregate import aggregate
from .apply import apply_pass
from .consistency import ResidualStep, bounded_shifts, consistency_error
from .gaps import coarse_targets, prepare_gap_filling
from .inputs import check_fine_grid, open_scene
from .lst_star import LstCorrectionResult, correct_lst_raster, fit_terrain
from .methods import CONSISTENT_METHODS, method_for
from .options import (MODELS, CoarseSummary, DownscaleInputs, DownscaleOptions, DownscaleResult, Method,
                      SignalFraction)
from .outputs import (DIAGNOSTIC_BANDS, QUALITY_CLIPPED, QUALITY_COARSE_FILLED, QUALITY_GLOBAL_FALLBACK,
                      QUALITY_LST_FILLED, QUALITY_OUTSIDE_COARSE, output_metadata, write_outputs)
from .scene import FineScene, PixelStore, run_folder


def downscale(inputs, output_path, options=None, diagnostics_path=None, progress=None, gap_filler=None):
    """Downscale ``inputs.coarse_sm`` onto the LST grid and write a float32 raster (m³/m³).

    With ``options.fill_gaps``, LST and NDVI gaps are filled first (spatially, or with
    ``gap_filler``, an unprepared filler such as the temporal one of a series) and coarse cells
    without a value but with fine data are estimated. Returns a :class:`DownscaleResult`.
    Raises InputError for bad inputs and Cancelled when cancelled; then nothing is written.
    """
    options = options or DownscaleOptions()
    options.validate()
    method = method_for(options, has_dem=inputs.dem is not None)
    progress, messages = (progress or Progress()).recording()
    timer = StageTimer()
    with run_folder('smdownscale_') as workdir, gdal_cache_limit(options.memory_mb):
        scene, coarse = open_scene(inputs, options, method, workdir, progress.sub(0.0, 0.15), timer)
        with scene, PixelStore(scene, workdir) as store:
            steps = progress.sub(0.15, 1.0)
            prepare_gap_filling(scene, method, options, gap_filler, steps, timer)
            correction = fit_terrain(scene, method, options, steps.sub(0.0, 0.15), timer)
            cells = aggregate(scene, coarse, correction, method, options, steps.sub(0.15, 0.3), timer)
            with timer('coarse fit'):
                model = method.fit(cells, steps.sub(0.3, 0.4))
                targets = coarse_targets(cells, model, method, options, steps)
            predictor = model.fine_predictor(scene, cells, targets, correction, method, steps.sub(0.4, 0.45), timer)
            residual_step = ResidualStep(scene, targets, cells) if method.value_consistent else None
            prediction = apply_pass(scene, predictor, method, correction, targets, residual_step, store,
                                    steps.sub(0.45, 0.65), timer)
            if residual_step is not None:
                residual_step.solve(prediction)
            shifts = bounded_shifts(scene, store, residual_step, targets, prediction, options, steps.sub(0.65, 0.8),
                                    timer)
            written = write_outputs(scene, store, shifts, residual_step is not None, targets, model.fit,
                                    output_metadata(method.method, options, correction), output_path,
                                    diagnostics_path, steps.sub(0.8, 1.0), timer)
            steps.report(1.0)
            max_error, n_checked = consistency_error(written.final_sum, prediction.output_count, targets, shifts)
            if method.value_consistent:
                progress.info('Value consistency: largest |cell mean − coarse value| over {} cells = {:.2e} '
                              'm³/m³.'.format(n_checked, max_error))
            return _result(output_path, diagnostics_path, method, scene, cells, model, targets, correction,
                           prediction, written, max_error, n_checked, timer, messages)


def _result(output_path, diagnostics_path, method, scene, cells, model, targets, correction, prediction, written,
            max_error, n_checked, timer, messages):
    import numpy as np
    with np.errstate(invalid='ignore', divide='ignore'):
        final_mean = written.final_sum / prediction.output_count
    shape = cells.shape
    coarse = CoarseSummary(cells.theta, cells.mean_lst, cells.mean_ndvi, cells.mean_elevation, cells.valid_fraction,
                           cells.sample_mask, final_mean.reshape(shape), prediction.output_count.reshape(shape),
                           targets.filled.reshape(shape))
    return DownscaleResult(
        output=output_path, diagnostics=diagnostics_path or None, method=method.method, fine_grid=scene.grid,
        coarse_grid=cells.grid, coarse=coarse, fit=model.fit, terrain=correction, terrain_check=cells.terrain_check,
        consistency_max_error=max_error, n_consistent_cells=n_checked, n_sample_cells=cells.n_samples,
        n_output_pixels=written.n_output_pixels, n_clipped_pixels=written.n_clipped_pixels,
        n_filled_pixels=cells.n_filled_pixels, n_filled_cells=int(targets.filled.sum()),
        signal_fraction=cells.signal_fraction, kept_geometry=scene.kept_geometry, stage_seconds=dict(timer.seconds),
        messages=messages)
