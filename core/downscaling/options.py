"""What a downscaling run is given and what it gives back: typed, with units.

``Method`` is the one list of the methods (their permanent indices, names and
labels); the Processing algorithms, the reports and the benchmarks read it.
"""
import enum
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..dispatch import SEE_MODELS
from ..errors import InputError
from ..linking import CoarseFit
from ..lst_correction import MODES as TERRAIN_MODES
from ..lst_correction import TerrainCheck, TerrainCorrection
from ..raster_io import GridSpec, RasterSource
from ..terrain import SunGeometry


class Method(enum.IntEnum):
    """A downscaling method. The index is permanent: models, scripts and output metadata store it."""

    def __new__(cls, index, title, label):
        member = int.__new__(cls, index)
        member._value_ = index
        member.title = title
        member.label = label
        return member

    #: The plugin's method (METHOD.md §2–§7).
    TERRAIN_AWARE = (0, 'terrain-aware adaptive window', 'Terrain-aware adaptive window (default)')
    #: The coarse field interpolated: the floor every method must beat.
    BILINEAR = (1, 'bilinear', 'Bilinear interpolation (reference)')
    #: One scene-wide linear fit plus the residual step (TsHARP-like).
    GLOBAL_LINEAR = (2, 'global linear with residual correction',
                     'Global linear with residual correction (TsHARP-like)')
    #: One scene-wide quadratic fit on min–max normalized predictors, no residual step.
    UNIVERSAL_TRIANGLE = (3, 'universal triangle', 'Universal triangle (Chauhan 2003, Piles 2011)')
    #: Soil evaporative efficiency from the LST–fractional cover trapezoid (Merlin 2012).
    DISPATCH = (4, 'DISPATCH', 'DISPATCH (Merlin 2012)')
    #: The plugin's method on the LST as given (ablation of the terrain correction).
    ADAPTIVE_NO_TERRAIN = (5, 'adaptive window without terrain correction',
                           'Adaptive window on the LST as given (no terrain correction)')

    @classmethod
    def labels(cls) -> List[str]:
        """Labels in index order (the options of a Processing enum parameter)."""
        return [method.label for method in cls]


#: Forms of the linking model θ = f(LST*, NDVI[, z]) (core.linking.term_indices).
MODELS = ('linear', 'quadratic')
#: How the coarse residual is spread to the pixels before the per-cell remainder (METHOD.md §6):
#: 'bilinear' between cell centres, or 'atpk', area-to-point kriging (core/atpk.py; the default: on the
#: 50 twin scenes of the accuracy benchmark it is more accurate on every DEM, docs/BENCHMARKS.md).
RESIDUAL_SPREADS = ('bilinear', 'atpk')
#: Predictor sets of the linking model: chosen among both ('auto'), or one imposed.
PREDICTORS = ('auto', 'LST*, NDVI', 'LST*, NDVI, elevation')
#: How the terrain-aware method chooses its configuration (core/downscaling/selection.py):
#: 'self-adaptive': per scene, the terrain mode, predictor set and window (or one scene-wide model)
#: with the lowest expected fine-scale error; 'per-cell AICc': per cell, the window and predictor set
#: with the lowest AICc (the method before issue 10; the terrain mode is then illumination+lapse
#: unless given).
SELECTIONS = ('self-adaptive', 'per-cell AICc')
#: Criteria of the self-adaptive selection (core/downscaling/selection.py): the default, and the
#: cross-scale self-validation kept for comparison (measured worse: docs/BENCHMARKS.md).
SELECTION_CRITERIA = ('neighbour validation', 'cross-scale validation')
#: Terrain correction modes: those of core.lst_correction, or 'auto' (chosen among AUTO_TERRAIN_MODES
#: by the self-adaptive selection).
TERRAIN_MODE_CHOICES = ('auto',) + TERRAIN_MODES
AUTO_TERRAIN_MODES = ('illumination+lapse', 'fixed lapse rate')
#: The terrain mode of 'auto' when nothing chooses (per-cell AICc selection, LST* written on its own).
DEFAULT_TERRAIN_MODE = 'illumination+lapse'
#: Threads used when DownscaleOptions.threads is 0 (each one holds a block of its own).
MAX_AUTO_THREADS = 4
#: Where the per-pixel geometry is kept between passes (the map is the same in every case):
#: 'auto' (in memory within a quarter of the budget, else on the scratch disk when it has room,
#: else only its coarse-cell part there, else recomputed), or one of those forced.
KEEP_GEOMETRY = ('auto', 'memory', 'disk', 'disk, coarse part only', 'none')


@dataclass
class DownscaleOptions:
    """Options of a run; the defaults are the method's."""
    method: Method = Method.TERRAIN_AWARE
    #: Linking model form, one of MODELS.
    model: str = 'linear'
    #: Predictor set of the linking model, one of PREDICTORS (elevation only where the method has a DEM).
    predictors: str = 'auto'
    #: How the terrain-aware method chooses its configuration, one of SELECTIONS.
    selection: str = 'self-adaptive'
    #: Criterion of the self-adaptive selection, one of selection.CRITERIA (the second is for comparison).
    selection_criterion: str = 'neighbour validation'
    #: Windows the self-adaptive selection compares, as half-widths h (0 = one scene-wide model);
    #: None: min_half_window..max_half_window and the scene-wide model.
    candidate_windows: Optional[Tuple[int, ...]] = None
    #: Smallest and largest half-width h of the moving window, in coarse cells (window (2h+1)²).
    min_half_window: int = 2
    max_half_window: int = 6
    #: A coarse cell takes part in the calibration when at least this fraction (0–1] of its
    #: fine pixels has valid predictors.
    min_valid_fraction: float = 0.5
    #: Physical bounds of the output (m³/m³).
    sm_min: float = 0.0
    sm_max: float = 0.6
    #: Terrain correction of LST, one of TERRAIN_MODE_CHOICES.
    terrain_mode: str = 'auto'
    sun: SunGeometry = field(default_factory=SunGeometry)
    #: Memory budget of the fine passes (MB), GDAL's block cache included.
    memory_mb: float = 1024.0
    #: Fill LST/NDVI gaps and estimate coarse cells without a value (seamless output).
    fill_gaps: bool = True
    #: Weight fine predictor anomalies by their signal fraction (core.noise), where the method allows it.
    noise_filter: bool = True
    #: Threads for the fine passes; 0 = one per core, at most MAX_AUTO_THREADS.
    threads: int = 0
    #: Fine pixels used to fit the terrain model of LST; beyond it, evenly spaced bands of grid rows.
    terrain_fit_pixels: int = 4_000_000
    #: Where the per-pixel geometry is kept between passes, one of KEEP_GEOMETRY.
    keep_geometry: str = 'auto'
    #: How the coarse residual r_c (m³/m³) is spread to the pixels before the per-cell remainder
    #: makes every cell mean exact, one of RESIDUAL_SPREADS (value-consistent methods only).
    residual: str = 'atpk'
    #: DISPATCH's SEE(θ) model for ∂θ/∂SEE, one of core.dispatch.SEE_MODELS ('nonlinear': SEE =
    #: (1 − cos(πθ/θp))/2, Merlin et al. 2012, 2013; 'linear': SEE = θ/θp, Merlin et al. 2008).
    see_model: str = 'nonlinear'

    def __post_init__(self):
        if not isinstance(self.method, Method) and self.method in set(Method):
            self.method = Method(self.method)

    @property
    def workers(self) -> int:
        """Threads the fine passes use."""
        return self.threads if self.threads > 0 else max(1, min(os.cpu_count() or 1, MAX_AUTO_THREADS))

    def validate(self) -> None:
        if not isinstance(self.method, Method):
            raise InputError('Unknown method {}; choose 0–{}.'.format(self.method, len(Method) - 1))
        if self.model not in MODELS:
            raise InputError('Unknown linking model {!r}; choose linear or quadratic.'.format(self.model))
        if not 1 <= self.min_half_window <= self.max_half_window <= 25:
            raise InputError('The half-window sizes must satisfy 1 ≤ minimum ≤ maximum ≤ 25 coarse cells '
                             '(got {} and {}).'.format(self.min_half_window, self.max_half_window))
        if not 0.0 < self.min_valid_fraction <= 1.0:
            raise InputError('The minimum valid fraction must be in (0, 1] (got {}).'.format(self.min_valid_fraction))
        if not self.sm_min < self.sm_max:
            raise InputError('The soil moisture bounds must satisfy minimum < maximum (got {} and {}).'.format(
                self.sm_min, self.sm_max))
        if self.terrain_mode not in TERRAIN_MODE_CHOICES:
            raise InputError('Unknown terrain correction mode {!r}; choose one of {}.'.format(
                self.terrain_mode, ', '.join(TERRAIN_MODE_CHOICES)))
        if self.selection not in SELECTIONS:
            raise InputError('Unknown selection {!r}; choose one of {}.'.format(self.selection, ', '.join(SELECTIONS)))
        if self.selection_criterion not in SELECTION_CRITERIA:
            raise InputError('Unknown selection criterion {!r}; choose one of {}.'.format(
                self.selection_criterion, ', '.join(SELECTION_CRITERIA)))
        if self.candidate_windows is not None and (
                not self.candidate_windows or any(not 0 <= int(h) <= 25 for h in self.candidate_windows)):
            raise InputError('Candidate windows must be half-widths from 0 (one scene-wide model) to 25 coarse cells '
                             '(got {}).'.format(self.candidate_windows))
        if self.threads < 0:
            raise InputError('The number of threads must be 0 (automatic) or more (got {}).'.format(self.threads))
        if self.keep_geometry not in KEEP_GEOMETRY:
            raise InputError('Unknown geometry store {!r}; choose one of {}.'.format(
                self.keep_geometry, ', '.join(KEEP_GEOMETRY)))
        if self.residual not in RESIDUAL_SPREADS:
            raise InputError('Unknown residual spread {!r}; choose one of {}.'.format(
                self.residual, ', '.join(RESIDUAL_SPREADS)))
        if self.see_model not in SEE_MODELS:
            raise InputError('Unknown SEE model {!r}; choose one of {}.'.format(self.see_model, ', '.join(SEE_MODELS)))
        if self.terrain_fit_pixels < 1:
            raise InputError('The terrain fit needs at least one pixel (got {}).'.format(self.terrain_fit_pixels))


@dataclass
class DownscaleInputs:
    """The rasters of one date: coarse soil moisture (m³/m³), LST (K, its grid is the output grid),
    NDVI (−1..1) and a DEM (m)."""
    coarse_sm: RasterSource
    lst: RasterSource
    ndvi: Optional[RasterSource] = None
    dem: Optional[RasterSource] = None


@dataclass
class SignalFraction:
    """Weight (0–1) the noise filter gives the fine anomalies of each predictor (1 = unfiltered), and
    what it was computed from: the pixel noise (nugget) and the mean within-cell variance of LST* (K²)
    and NDVI (0 when not estimated)."""
    lst: float = 1.0
    ndvi: float = 1.0
    lst_nugget: float = 0.0
    lst_within: float = 0.0
    ndvi_nugget: float = 0.0
    ndvi_within: float = 0.0


@dataclass
class CoarseSummary:
    """Per coarse cell of ``DownscaleResult.coarse_grid``, arrays of shape (rows, columns)."""
    #: The product's own values (m³/m³, NaN where it has none).
    theta: np.ndarray
    #: Means of the fine predictors over each cell's valid pixels: LST* (K; LST without terrain
    #: correction), NDVI, elevation (m; NaN when the method does not use it).
    mean_lst: np.ndarray
    mean_ndvi: np.ndarray
    mean_elevation: np.ndarray
    #: Share of the cell's fine pixels with valid predictors (0–1).
    valid_fraction: np.ndarray
    #: Cells used to calibrate the model.
    sample_mask: np.ndarray
    #: Mean of the written fine pixels (m³/m³) and their number.
    downscaled_mean: np.ndarray
    output_pixels: np.ndarray
    #: Cells without a product value whose value was estimated (gap filling).
    coarse_filled: np.ndarray


@dataclass
class DownscaleResult:
    """What a run wrote and measured."""
    output: str
    diagnostics: Optional[str]
    method: Method
    fine_grid: GridSpec
    coarse_grid: GridSpec
    coarse: CoarseSummary
    #: The coarse-scale fit of the linking-model methods (None for the others).
    fit: Optional[CoarseFit]
    terrain: TerrainCorrection
    terrain_check: TerrainCheck
    #: Largest |cell mean − coarse value| (m³/m³) over every cell with output, and their number.
    consistency_max_error: float
    n_consistent_cells: int
    n_sample_cells: int
    n_output_pixels: int
    n_clipped_pixels: int
    n_filled_pixels: int
    n_filled_cells: int
    signal_fraction: SignalFraction
    #: Where the per-pixel geometry was kept (one of KEEP_GEOMETRY but 'auto').
    kept_geometry: str
    stage_seconds: Dict[str, float]
    messages: List[str]
    #: Coarse cells with output whose value lies outside [sm_min, sm_max] (they cannot keep it), and their
    #: largest |cell mean − coarse value| (m³/m³); both are included in consistency_max_error.
    n_infeasible_cells: int = 0
    infeasible_max_error: float = 0.0
    #: What the self-adaptive selection compared and chose (core.downscaling.selection.Selection), or
    #: None when nothing was chosen (other methods, or the per-cell AICc selection).
    selection: Optional[object] = None
