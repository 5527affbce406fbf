"""Downscaling coarse soil moisture onto the LST grid: the method's stages, one module each.

    inputs       open and check the inputs; the fine scene        (METHOD.md §1)
    lst_star     terrain model of LST and LST*                      (§2–§3)
    aggregate    fine predictors averaged over the coarse cells     (§1, §4)
    methods      each method's needs and coarse-scale fit           (§4, §8)
    selection    the self-adaptive choice of terrain mode, predictors and window (§4)
    gaps         seamless output: fine and coarse gaps              (§7)
    apply        the coarse model applied at the fine scale         (§5)
    consistency  residual step and bounds: every cell keeps θ_c     (§6)
    outputs      output and diagnostics rasters                     (§7)
    scene        blocks, thread pool, what is kept between passes
    options      options, inputs and results, typed with units

Every stage is a pass over the fine grid block by block (or work on the small coarse
grid), so rasters larger than memory work; see scene.py.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import numpy as np

from ..progress import Progress, StageTimer
from ..raster_io import gdal_cache_limit
from .aggregate import aggregate, log_noise_filter
from .apply import apply_pass
from .consistency import bounded_shifts, check_consistency, residual_step
from .gaps import coarse_targets, prepare_gap_filling
from .inputs import check_fine_grid, open_scene
from .lst_star import LstCorrectionResult, correct_lst_raster, fit_terrain
from .methods import CONSISTENT_METHODS, method_for
from .options import (MODELS, PREDICTORS, RESIDUAL_SPREADS, SELECTIONS, TERRAIN_MODE_CHOICES, CoarseSummary,
                      DownscaleInputs, DownscaleOptions, DownscaleResult, Method, SignalFraction)
from .selection import Candidate, CandidateScore, Selection
from .outputs import (DIAGNOSTIC_BANDS, QUALITY_CLIPPED, QUALITY_COARSE_FILLED, QUALITY_GLOBAL_FALLBACK,
                      QUALITY_LST_FILLED, QUALITY_OUTSIDE_COARSE, QUALITY_PARTIAL_TERRAIN, output_metadata,
                      write_outputs)
from .scene import FineScene, PixelStore, run_folder

if TYPE_CHECKING:
    from ..gap_filling import LstFiller
    from .inputs import CoarseInput
    from .methods import DownscalingMethod

__all__ = ['CONSISTENT_METHODS', 'DIAGNOSTIC_BANDS', 'MODELS', 'PREDICTORS', 'RESIDUAL_SPREADS', 'SELECTIONS',
           'TERRAIN_MODE_CHOICES', 'Candidate', 'CandidateScore', 'Selection', 'QUALITY_CLIPPED',
           'QUALITY_COARSE_FILLED', 'QUALITY_GLOBAL_FALLBACK', 'QUALITY_LST_FILLED', 'QUALITY_OUTSIDE_COARSE',
           'QUALITY_PARTIAL_TERRAIN', 'CoarseSummary', 'DownscaleInputs', 'DownscaleOptions', 'DownscaleResult',
           'FineScene', 'LstCorrectionResult', 'Method', 'SignalFraction', 'check_fine_grid', 'correct_lst_raster',
           'downscale']


def downscale(inputs: DownscaleInputs, output_path: str, options: Optional[DownscaleOptions] = None,
              diagnostics_path: Optional[str] = None, progress: Optional[Progress] = None,
              gap_filler: Optional[LstFiller] = None) -> DownscaleResult:
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
        with scene:
            return run_on_scene(scene, coarse, method, options, output_path, diagnostics_path, progress.sub(0.15, 1.0),
                                timer, messages, workdir, gap_filler)


def run_on_scene(scene: FineScene, coarse: CoarseInput, method: DownscalingMethod, options: DownscaleOptions,
                 output_path: str, diagnostics_path: Optional[str], progress: Progress, timer: StageTimer,
                 messages: List[str], workdir: str, gap_filler: Optional[LstFiller] = None) -> DownscaleResult:
    """The stages of a run on an opened scene (a FineScene, or any scene with its interface, e.g. a
    date cut into tiles: core/tiling.py); ``coarse`` is the scene's CoarseInput. Returns a DownscaleResult."""
    with PixelStore(scene, workdir) as store:
        step = progress
        prepare_gap_filling(scene, method, options, gap_filler, step, timer)
        corrections = fit_terrain(scene, method, options, step.sub(0.0, 0.15), timer)
        cells_by_mode = aggregate(scene, coarse, corrections, method, options, step.sub(0.15, 0.3), timer)
        with timer('coarse fit'):
            model = method.fit(cells_by_mode, step.sub(0.3, 0.4))
            # The run goes on with the LST* of the terrain mode the model was calibrated on.
            mode = model.terrain_mode if len(cells_by_mode) > 1 else next(iter(cells_by_mode))
            cells, correction = cells_by_mode[mode], corrections[mode]
            if len(cells_by_mode) > 1:
                log_noise_filter(cells, correction, progress)
            targets = coarse_targets(cells, model, method, options, step)
        predictor = model.fine_predictor(scene, cells, targets, correction, method, step.sub(0.4, 0.45), timer)
        residual = residual_step(scene, targets, cells, options) if method.value_consistent else None
        prediction = apply_pass(scene, predictor, method, correction, targets, residual, store,
                                step.sub(0.45, 0.65), timer)
        if residual is not None:
            with timer('residual'):
                residual.solve(prediction)
            progress.info(residual.describe())
        shifts = bounded_shifts(scene, store, residual, targets, prediction, options, step.sub(0.65, 0.8), timer)
        written = write_outputs(scene, store, shifts, residual is not None, targets, model,
                                output_metadata(method.method, options, correction), output_path,
                                diagnostics_path, step.sub(0.8, 1.0), timer,
                                scene.terrain.partial_window if correction.mode != 'none' else None)
        max_error, n_checked, n_infeasible, infeasible_error = check_consistency(written, prediction, targets,
                                                                                 shifts, method, progress)
        step.report(1.0)
        return DownscaleResult(
            output_path, diagnostics_path or None, method.method, scene.grid, cells.grid,
            _coarse_summary(cells, targets, prediction, written), model.fit, correction, cells.terrain_check,
            max_error, n_checked, cells.n_samples, written.n_output_pixels, written.n_clipped_pixels,
            cells.n_filled_pixels, int(targets.filled.sum()), cells.signal_fraction, scene.kept_geometry,
            dict(timer.seconds), messages, n_infeasible_cells=n_infeasible, infeasible_max_error=infeasible_error,
            selection=model.selection)


def _coarse_summary(cells, targets, prediction, written):
    with np.errstate(invalid='ignore', divide='ignore'):
        final_mean = written.final_sum / prediction.output_count
    shape = cells.shape
    return CoarseSummary(cells.theta, cells.mean_lst, cells.mean_ndvi, cells.mean_elevation, cells.valid_fraction,
                         cells.sample_mask, final_mean.reshape(shape), prediction.output_count.reshape(shape),
                         targets.filled.reshape(shape))
