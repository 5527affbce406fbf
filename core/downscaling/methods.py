"""The methods: what each needs, whether it keeps the coarse values, and its coarse-scale fit.

One class per ``Method``. ``fit(cells)`` calibrates at the coarse scale and returns a
coarse model; the coarse model gives the fine-scale predictor (``apply.py``) and, for gap
filling, its estimate of cells the product leaves empty. The engine asks the method, never
which method it is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

import numpy as np

from .. import dispatch, linking
from ..errors import InputError
from . import apply, selection
from .options import AUTO_TERRAIN_MODES, DEFAULT_TERRAIN_MODE, Method

if TYPE_CHECKING:
    from ..lst_correction import TerrainCorrection
    from ..progress import Progress, StageTimer
    from .aggregate import CoarseCells
    from .gaps import CoarseTargets
    from .options import DownscaleOptions
    from .scene import Block, FineScene


class DownscalingMethod:
    """What every method shares; subclasses set the flags and implement ``fit``."""
    method = None
    #: NDVI is an input.
    needs_ndvi = True
    #: Output pixels need valid predictors (LST*, NDVI and, when used, elevation).
    needs_predictors = True
    #: LST is corrected for terrain (METHOD.md §3) before anything else.
    corrects_terrain = False
    #: The residual step keeps every coarse cell's value (METHOD.md §6).
    value_consistent = True
    #: The noise filter (DownscaleOptions.noise_filter) applies: the plugin's own methods only,
    #: comparison methods stay as published.
    filters_noise = False
    #: Gap filling (DownscaleOptions.fill_gaps) applies.
    fills_gaps = True

    def __init__(self, options: DownscaleOptions, has_dem: bool):
        self.options = options
        self.uses_elevation = self._uses_elevation(has_dem)
        self.noise_filtered = self.filters_noise and options.noise_filter

    def _uses_elevation(self, has_dem):
        return False

    @property
    def terrain_modes(self) -> Tuple[str, ...]:
        """The terrain corrections of LST the run fits and aggregates ('none' when there is none)."""
        if not self.corrects_terrain:
            return ('none',)
        if self.options.terrain_mode == 'auto':
            return AUTO_TERRAIN_MODES if self.selects else (DEFAULT_TERRAIN_MODE,)
        return (self.options.terrain_mode,)

    @property
    def selects(self) -> bool:
        """Whether the configuration is chosen by the self-adaptive selection (selection.py)."""
        return False

    def valid_predictors(self, block: Block, lst_star: Optional[np.ndarray]) -> np.ndarray:
        """Pixels of a block whose predictors are all valid (inside the coarse grid)."""
        valid = block.zone >= 0
        if not self.needs_predictors:
            return valid
        valid &= np.isfinite(lst_star)
        if block.ndvi is not None:
            valid &= np.isfinite(block.ndvi)
        if self.uses_elevation:
            valid &= np.isfinite(block.z)
        return valid

    def block_samples(self, block: Block, lst_star: np.ndarray, valid: np.ndarray, total_pixels: int) -> Any:
        """What the method collects from a block's pixels in the aggregation pass (None: nothing)."""
        return None

    def fit(self, cells_by_mode: Dict[str, CoarseCells], progress: Progress) -> CoarseModel:
        """The coarse model calibrated on the cells ({terrain mode: CoarseCells}, one mode unless the
        method compares them)."""
        raise NotImplementedError


def only_cells(cells_by_mode: Dict[str, CoarseCells]) -> Tuple[str, CoarseCells]:
    """(terrain mode, CoarseCells) of a run that aggregated one terrain mode."""
    (mode, cells), = cells_by_mode.items()
    return mode, cells


class CoarseModel:
    """A fitted method at the coarse scale."""
    #: The linking-model fit per cell (core.linking.CoarseFit), or None.
    fit = None
    #: The terrain mode of the cells the model was calibrated on (the run's LST*).
    terrain_mode = 'none'
    #: What the self-adaptive selection compared and chose (selection.Selection), or None.
    selection = None

    def cell_estimates(self, cells: CoarseCells) -> Optional[np.ndarray]:
        """The model's value for every cell from its own aggregated predictors (flat; NaN where it
        has none), or None when the model gives none."""
        return None

    def fine_predictor(self, scene: FineScene, cells: CoarseCells, targets: CoarseTargets,
                       correction: TerrainCorrection, method: DownscalingMethod, progress: Progress, timer: StageTimer
                       ) -> apply.FinePredictor:
        """The predictor of θ̂ at the fine scale (apply.py), given the cells (a CoarseCells), their
        final targets (gaps.CoarseTargets) and the terrain correction of LST."""
        raise NotImplementedError


# -- bilinear -----------------------------------------------------------------------------------------------------

class BilinearMethod(DownscalingMethod):
    method = Method.BILINEAR
    needs_ndvi = False
    needs_predictors = False
    value_consistent = False
    fills_gaps = False

    def fit(self, cells_by_mode: Dict[str, CoarseCells], progress: Progress) -> InterpolatedValues:
        return InterpolatedValues()


class InterpolatedValues(CoarseModel):
    def fine_predictor(self, scene: FineScene, cells: CoarseCells, targets: CoarseTargets,
                       correction: TerrainCorrection, method: DownscalingMethod, progress: Progress, timer: StageTimer
                       ) -> apply.InterpolatedTargets:
        return apply.InterpolatedTargets(scene, targets)


# -- linking models (METHOD.md §4; global comparison methods of §8) -------------------------------------------------

class LinkingMethod(DownscalingMethod):
    """θ = f(LST*, NDVI[, z]) fitted at the coarse scale and applied with interpolated coefficients."""
    #: Standardize the predictors to [0, 1] (min–max) instead of mean 0, sd 1.
    min_max = False
    #: A quadratic model continues linearly beyond the predictors' calibration range (linking.Standardizer).
    linear_tails = False

    @property
    def model(self) -> str:
        """The linking model form, one of options.MODELS."""
        return self.options.model

    def fit(self, cells_by_mode: Dict[str, CoarseCells], progress: Progress) -> LinkingModel:
        mode, cells = only_cells(cells_by_mode)
        self.check_samples(cells)
        elevation = cells.mean_elevation if self.uses_elevation else None
        mask = cells.sample_mask
        standardizer = linking.Standardizer.from_samples(
            cells.mean_lst[mask], cells.mean_ndvi[mask], elevation[mask] if elevation is not None else None,
            min_max=self.min_max, linear_tails=self.linear_tails and self.model == 'quadratic')
        terms = standardizer.terms(cells.mean_lst, cells.mean_ndvi, elevation)
        fit = self.coarse_fit(cells.theta, terms, mask, standardizer, self.model, progress)
        return LinkingModel(fit, terms, mode)

    def check_samples(self, cells: CoarseCells) -> None:
        """InputError when too few cells can calibrate the model."""
        needed = max(3 * len(linking.term_indices(self.model, False)), 10)
        if cells.n_samples < needed:
            raise InputError(
                'Only {} coarse cells have both a soil moisture value and at least {:.0%} valid fine pixels; the '
                'fit needs at least {}. Use a larger area or a date with fewer gaps, or lower the minimum valid '
                'fraction.'.format(cells.n_samples, self.options.min_valid_fraction, needed))

    def coarse_fit(self, theta: np.ndarray, terms: np.ndarray, mask: np.ndarray, standardizer: linking.Standardizer,
                   model: str, progress: Progress) -> linking.CoarseFit:
        raise NotImplementedError


class AdaptiveWindowMethod(LinkingMethod):
    """Local fits in self-adaptive moving windows on the LST as given; elevation is a candidate
    predictor when a DEM is given."""
    method = Method.ADAPTIVE_NO_TERRAIN
    filters_noise = True
    linear_tails = True

    def _uses_elevation(self, has_dem):
        return has_dem

    @property
    def predictor_sets(self) -> Tuple[bool, ...]:
        """Candidate predictor sets as 'with elevation' flags (DownscaleOptions.predictors)."""
        if not self.uses_elevation:
            return (False,)
        return {'auto': (False, True), 'LST*, NDVI': (False,), 'LST*, NDVI, elevation': (True,)}[
            self.options.predictors]

    def coarse_fit(self, theta: np.ndarray, terms: np.ndarray, mask: np.ndarray, standardizer: linking.Standardizer,
                   model: str, progress: Progress) -> linking.CoarseFit:
        options = self.options
        fit = linking.fit_adaptive_window(
            theta, terms, mask, standardizer, model, range(options.min_half_window, options.max_half_window + 1),
            self.predictor_sets, progress=progress, workers=options.workers)
        _log_adaptive_fit(fit, progress)
        return fit


class TerrainAwareMethod(AdaptiveWindowMethod):
    """The plugin's method: terrain-corrected LST, elevation always a candidate predictor; the
    configuration chosen per scene by the self-adaptive selection (or per cell by AICc)."""
    method = Method.TERRAIN_AWARE
    corrects_terrain = True

    def _uses_elevation(self, has_dem):
        return True

    @property
    def selects(self) -> bool:
        return self.options.selection == 'self-adaptive'

    @property
    def half_windows(self) -> Tuple[int, ...]:
        """Windows the selection compares: h = min..max and one scene-wide model (last), unless given."""
        options = self.options
        if options.candidate_windows is not None:
            return tuple(int(h) for h in options.candidate_windows)
        return tuple(range(options.min_half_window, options.max_half_window + 1)) + (linking.GLOBAL_WINDOW,)

    def fit(self, cells_by_mode: Dict[str, CoarseCells], progress: Progress) -> LinkingModel:
        if not self.selects:
            return super().fit(cells_by_mode, progress)
        for cells in cells_by_mode.values():
            self.check_samples(cells)
        scores, fits = selection.score_candidates(cells_by_mode, self.half_windows, self.predictor_sets, self.model,
                                                  self.options.selection_criterion, workers=self.options.workers)
        chosen = selection.choose(scores)
        if chosen is None:
            # Nothing could be scored (e.g. too few cells with neighbours): the first candidate.
            chosen = next(iter(fits))
        cells = cells_by_mode[chosen.terrain_mode]
        fit = fits[chosen]
        terms = fit.standardizer.terms(cells.mean_lst, cells.mean_ndvi, cells.mean_elevation)
        choice = selection.Selection(scores, chosen, fit)
        _log_selection(choice, progress)
        _log_adaptive_fit(fit, progress)
        return LinkingModel(fit, terms, chosen.terrain_mode, choice)


class GlobalLinearMethod(LinkingMethod):
    """One scene-wide fit plus the residual step (TsHARP-like)."""
    method = Method.GLOBAL_LINEAR

    @property
    def model(self) -> str:
        return 'linear'

    def coarse_fit(self, theta: np.ndarray, terms: np.ndarray, mask: np.ndarray, standardizer: linking.Standardizer,
                   model: str, progress: Progress) -> linking.CoarseFit:
        fit = linking.global_coarse_fit(theta, terms, mask, standardizer, model)
        if fit.global_beta is None:
            progress.info('Warning: the scene-wide fit failed (too little spread of LST or NDVI, or soil moisture '
                          'rising with LST); every cell keeps its coarse value, spread smoothly by the residual step.')
        else:
            progress.info('Scene-wide {} fit: R² {:.3f} on {} cells.'.format(
                model, fit.global_r_squared, int(np.count_nonzero(mask))))
        return fit


class UniversalTriangleMethod(GlobalLinearMethod):
    """One scene-wide quadratic fit on min–max normalized predictors, no residual step."""
    method = Method.UNIVERSAL_TRIANGLE
    value_consistent = False
    min_max = True

    @property
    def model(self) -> str:
        return 'quadratic'


class LinkingModel(CoarseModel):
    """A CoarseFit and the terms of the cells' own predictors it was fitted on."""

    def __init__(self, fit: linking.CoarseFit, cell_terms: np.ndarray, terrain_mode: str,
                 choice: Optional[selection.Selection] = None):
        self.fit = fit
        self.cell_terms = cell_terms
        self.terrain_mode = terrain_mode
        self.selection = choice
        self.beta_flat = fit.beta.reshape(-1, fit.beta.shape[-1])

    def cell_estimates(self, cells: CoarseCells) -> np.ndarray:
        terms = self.cell_terms.reshape(self.beta_flat.shape[0], -1)
        with np.errstate(invalid='ignore'):
            modelled = linking.predict(self.beta_flat, terms)
        has_model = np.isfinite(modelled) & (self.fit.fallback.ravel() != linking.FALLBACK_COARSE_VALUE)
        return np.where(has_model, modelled, np.nan)

    def fine_predictor(self, scene: FineScene, cells: CoarseCells, targets: CoarseTargets,
                       correction: TerrainCorrection, method: DownscalingMethod, progress: Progress, timer: StageTimer
                       ) -> apply.CoefficientPredictor:
        return apply.CoefficientPredictor(scene, self.fit, cells, method)


def _log_selection(choice, progress):
    if len(choice.scores) == 1:
        progress.info('Configuration: {} (the only candidate).'.format(choice.chosen.label))
        return
    ranked = sorted(choice.scores, key=lambda s: s.criterion)
    best = choice.chosen_score
    progress.info('Self-adaptive selection: {} (expected fine-scale error {:.4f} m³/m³: validation {:.4f}, pixel '
                  'noise {:.4f}) among {} candidates; next: {}.'.format(
                      best.candidate.label, np.sqrt(best.criterion), np.sqrt(best.validation), np.sqrt(best.noise),
                      len(choice.scores), '; '.join('{} {:.4f}'.format(s.candidate.label, np.sqrt(s.criterion))
                                                    for s in ranked[1:3])))


def _log_adaptive_fit(fit, progress):
    own = fit.fallback == linking.FALLBACK_LOCAL
    if (fit.fallback == linking.FALLBACK_SCENE_WIDE).any():
        progress.info('One scene-wide model{}: R² {:.3f}.'.format(
            ' with elevation' if fit.global_predictor_set == 1 else '', fit.global_r_squared))
        return
    if not own.any():
        progress.info('Adaptive window: no cell had enough samples for a local model; the global model is used.')
        return
    sizes, counts = np.unique(fit.half_window[own], return_counts=True)
    share = ', '.join('h={}: {}'.format(s, c) for s, c in zip(sizes, counts))
    progress.info('Adaptive window: {} cells with a local model ({}); {} chose elevation as a predictor; {} use the '
                  'global model, {} their own coarse value.'.format(
                      int(own.sum()), share, int((fit.predictor_set[own] == 1).sum()),
                      int((fit.fallback == linking.FALLBACK_GLOBAL).sum()),
                      int((fit.fallback == linking.FALLBACK_COARSE_VALUE).sum())))


# -- DISPATCH (METHOD.md §8) ----------------------------------------------------------------------------------------

class DispatchMethod(DownscalingMethod):
    """DISPATCH on LST* (terrain-corrected LST) when a DEM and the sun position are given, else on the
    LST as given: in mountains the lapse rate and illumination would otherwise read as soil moisture."""
    method = Method.DISPATCH
    #: Pixels the trapezoid is fitted on at most (a regular subsample).
    MAX_SAMPLES = 2_000_000

    def __init__(self, options: DownscaleOptions, has_dem: bool):
        super().__init__(options, has_dem)
        sun = options.sun
        self.corrects_terrain = has_dem and (sun.fixed or sun.acquisition_date is not None)

    def block_samples(self, block: Block, lst_star: np.ndarray, valid: np.ndarray, total_pixels: int
                      ) -> Tuple[np.ndarray, np.ndarray]:
        """A regular subsample of (fv, LST) for the LST–fv trapezoid."""
        step = max(1, int(total_pixels // self.MAX_SAMPLES))
        index = np.flatnonzero(valid)[::step]
        return dispatch.fractional_cover(block.ndvi[index]), np.asarray(lst_star, dtype=float)[index]

    def fit(self, cells_by_mode: Dict[str, CoarseCells], progress: Progress) -> DispatchModel:
        _, cells = only_cells(cells_by_mode)
        cover = np.concatenate([s[0] for s in cells.samples])
        lst = np.concatenate([s[1] for s in cells.samples])
        if cover.size < 10:
            raise InputError('DISPATCH needs valid LST and NDVI pixels; too few were found.')
        trapezoid = dispatch.fit_trapezoid(cover, lst)
        progress.info('DISPATCH trapezoid ({}): bare soil {:.1f} K (wet) to {:.1f} K (dry), full cover {:.1f} K to '
                      '{:.1f} K; {} SEE model.'.format(
                          'LST* (terrain-corrected)' if self.corrects_terrain else 'LST as given',
                          trapezoid.soil_min, trapezoid.soil_max, trapezoid.vegetation_min, trapezoid.vegetation_max,
                          self.options.see_model))
        return DispatchModel(trapezoid)


class DispatchModel(CoarseModel):
    def __init__(self, trapezoid: dispatch.Trapezoid):
        self.trapezoid = trapezoid

    def fine_predictor(self, scene: FineScene, cells: CoarseCells, targets: CoarseTargets,
                       correction: TerrainCorrection, method: DownscalingMethod, progress: Progress, timer: StageTimer
                       ) -> apply.DispatchPredictor:
        return apply.DispatchPredictor.from_scene(scene, self.trapezoid, targets, correction, method, progress,
                                                  timer)


METHOD_CLASSES = {cls.method: cls for cls in (TerrainAwareMethod, BilinearMethod, GlobalLinearMethod,
                                              UniversalTriangleMethod, DispatchMethod, AdaptiveWindowMethod)}


#: Methods whose output keeps every coarse cell's value (METHOD.md §6).
CONSISTENT_METHODS = tuple(method for method, cls in METHOD_CLASSES.items() if cls.value_consistent)


def method_for(options: DownscaleOptions, has_dem: bool) -> DownscalingMethod:
    """The DownscalingMethod of ``options.method``."""
    return METHOD_CLASSES[Method(options.method)](options, has_dem)
