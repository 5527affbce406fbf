"""Value consistency (METHOD.md §6): the residual step and the bounds.

Residual: r_c = θ_c − ⟨θ̂⟩_c, spread to the pixels (bilinearly, or by area-to-point kriging:
``DownscaleOptions.residual``), plus the per-cell remainder
r_c − ⟨r_f⟩_c, so that every cell's mean is exact: θ0 = θ̂ + r_f + (r_c − ⟨r_f⟩_c).
Bounds: θ = clip(θ0 + δ_c, SM_MIN, SM_MAX) with a per-cell shift δ_c solved so that clipping
keeps every cell's mean (the fixed point of "move the clipped amount onto the other pixels").
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Tuple

import numpy as np

from .. import atpk
from ..residual import BoundedConsistency, SpreadSums

if TYPE_CHECKING:
    from ..progress import Progress, StageTimer
    from .aggregate import CoarseCells
    from .apply import FinePrediction
    from .gaps import CoarseTargets
    from .methods import DownscalingMethod
    from .options import DownscaleOptions
    from .outputs import WrittenOutput
    from .scene import Block, FineScene, PixelStore

#: Largest |cell mean − θ_c| (m³/m³) at which the clipping shifts stop.
CONSISTENCY_TOLERANCE = 1e-7
MAX_CLIP_PASSES = 40


class ResidualStep:
    """The residual correction of one run: spread sums collected in the apply pass, then
    :meth:`solve`, then :meth:`add_to` in the passes that follow. The residual is spread
    bilinearly between cell centres (METHOD.md §6)."""
    #: Name of the spread, one of options.RESIDUAL_SPREADS.
    name = 'bilinear'

    def __init__(self, scene: FineScene, targets: CoarseTargets, cells: CoarseCells):
        self.scene = scene
        self.targets = targets
        # Cells whose pixels carry a value, hence a residual (known before predicting).
        self.residual_cells = targets.valid & (cells.valid_count > 0)
        self.spread = self._spread_sums(cells)
        self.residual = np.full(targets.values.size, np.nan)
        self.remainder = np.zeros(targets.values.size)

    def _spread_sums(self, cells):
        return SpreadSums(self.scene.coarse_shape)

    def block_part(self, block: Block, zone: np.ndarray) -> Tuple[int, np.ndarray]:
        """A block's share of the spread sums (``zone``: the cells of the pixels with a value)."""
        nodes, weights = self.scene.bilinear(block, 'residual', self.residual_cells)
        return SpreadSums.block_part(zone, self.scene.bilinear_base(block).corner, weights)

    def add_part(self, part: Tuple[int, np.ndarray]) -> None:
        self.spread.add_part(*part)

    def solve(self, prediction: FinePrediction) -> None:
        """r_c and the remainder from the apply pass's FinePrediction."""
        has_output = prediction.output_count > 0
        if not has_output.any():
            return
        count = prediction.output_count[has_output]
        self.residual[has_output] = self.targets.values[has_output] - prediction.prediction_sum[has_output] / count
        interpolated_sum = self._zonal_sum_of_spread()
        self.remainder[has_output] = self.residual[has_output] - interpolated_sum[has_output] / count

    def _zonal_sum_of_spread(self):
        return self.spread.zonal_sum_of_interpolated(self.residual)

    def describe(self) -> str:
        """What the spread did, for the log."""
        return 'Residual spread bilinearly between cell centres, plus the per-cell remainder.'

    def add_to(self, block: Block, predicted: np.ndarray) -> np.ndarray:
        """θ0 = θ̂ + r_f + (r_c − ⟨r_f⟩_c), before the bounds are applied."""
        mask = np.isfinite(predicted)
        spread = self._spread_at(block)
        predicted = predicted.copy()
        predicted[mask] += spread[mask] + self.remainder[block.zone[mask]]
        return predicted

    def _spread_at(self, block):
        # NaN residuals count as 0 over the residual cells, exactly as in SpreadSums.
        return self.scene.interpolate(block, np.nan_to_num(self.residual), self.residual_cells)


class AtpkResidualStep(ResidualStep):
    """The residual spread by area-to-point kriging (core/atpk.py) instead of bilinearly, plus the
    per-cell remainder: the covariance is fitted to the coarse residuals once they are known."""
    name = 'atpk'

    def _spread_sums(self, cells):
        self.aspect = atpk.cell_aspect(cells.grid)
        self.covariance = None
        self.field = None
        return atpk.LatticeSums(self.targets.values.size)

    def _lattice(self, block):
        """The block's LatticeWeights (cached with the block)."""
        if 'atpk' not in block.cache:
            g = block.geometry
            block.cache['atpk'] = atpk.LatticeWeights(block.zone, g['corner'], g['wx'], g['wy'],
                                                      self.targets.values.size)
        return block.cache['atpk']

    def block_part(self, block: Block, zone: np.ndarray) -> Tuple[int, np.ndarray]:
        return atpk.LatticeSums.block_part(zone, self._lattice(block))

    def _zonal_sum_of_spread(self):
        shape = self.scene.coarse_shape
        residual = np.where(self.residual_cells, self.residual, np.nan).reshape(shape)
        rows = np.flatnonzero(self.residual_cells.reshape(shape).any(axis=1))
        aspect = float(np.median(self.aspect[rows])) if rows.size else 1.0
        self.covariance = atpk.fit_point_covariance(residual, aspect)
        self.field = atpk.AtpkField(self.residual, self.residual_cells, shape, self.aspect, self.covariance)
        return self.field.zonal_sums(self.spread)

    def describe(self) -> str:
        if self.field is None:
            return 'Residual: no cell had a residual to spread.'
        return ('Residual spread by area-to-point kriging ({}; {} neighbourhood patterns), plus the per-cell '
                'remainder.'.format(self.covariance.describe(), self.field.n_patterns))

    def _spread_at(self, block):
        if self.field is None:
            return np.zeros(block.zone.size)
        return self.field.at_pixels(self._lattice(block))


def residual_step(scene: FineScene, targets: CoarseTargets, cells: CoarseCells, options: DownscaleOptions
                  ) -> ResidualStep:
    """The residual step of ``options.residual`` (one of options.RESIDUAL_SPREADS)."""
    return (AtpkResidualStep if options.residual == 'atpk' else ResidualStep)(scene, targets, cells)


def stored_blocks(scene: FineScene, store: PixelStore, function: Callable[[Block, np.ndarray, np.ndarray], Any],
                  progress: Optional[Progress], inputs: bool = False) -> Iterator[Any]:
    """function(block, stored values, zone of the pixels with a value) for every block, in order."""
    def task(block):
        values = store.get(block.window)
        return function(block, values, np.where(np.isfinite(values), block.zone, -1))
    return scene.map(task, progress, inputs=inputs)


def bounded_shifts(scene: FineScene, store: PixelStore, residual_step: Optional[ResidualStep], targets: CoarseTargets,
                   prediction: FinePrediction, options: DownscaleOptions, progress: Progress, timer: StageTimer
                   ) -> BoundedConsistency:
    """θ0 (kept in ``store`` in place of θ̂) and the per-cell shifts that keep the cell means
    within the bounds (a BoundedConsistency; no shift without a residual step)."""
    n_cells = targets.values.size
    lower, upper = options.sm_min, options.sm_max
    low, high = np.nan, np.nan
    if residual_step is not None:
        low, high, first_statistics = _residual_pass(scene, store, residual_step, n_cells, lower, upper,
                                                     progress.sub(0.0, 0.65), timer)
    # The scene's extremes bracket every cell's shift (a cell's own would be tighter, but cost a pass).
    consistency = BoundedConsistency(targets.values, prediction.output_count, lower, upper,
                                     np.full(n_cells, low), np.full(n_cells, high))
    if residual_step is not None and (low < lower or high > upper):
        _redistribute_clipped(scene, store, consistency, first_statistics, progress.sub(0.65, 1.0), timer)
    return consistency


def _residual_pass(scene, store, residual_step, n_cells, lower, upper, progress, timer):
    """θ0 of every block into the store; (lowest θ0, highest θ0, the first clipping statistics).

    The statistics of the first clipping iteration (no shift yet) come with this pass: a few
    bincounts per block, which saves a pass whenever values must be clipped."""
    low, high = np.inf, -np.inf
    clipped_sums, free = np.zeros(n_cells), np.zeros(n_cells)

    def block_residual(block):
        theta0 = residual_step.add_to(block, store.get(block.window))
        store.put(block.window, theta0)
        if not np.isfinite(theta0).any():
            return np.inf, -np.inf, None
        zone = np.where(np.isfinite(theta0), block.zone, -1)
        statistics = BoundedConsistency.statistics(theta0, np.clip(theta0, lower, upper), zone, n_cells, lower, upper)
        return np.nanmin(theta0), np.nanmax(theta0), statistics

    with timer('residual'):
        # θ̂ comes from the store and the geometry is kept: the inputs are not read again.
        for block_low, block_high, statistics in scene.map(block_residual, progress, inputs=False):
            low, high = min(low, block_low), max(high, block_high)
            if statistics is not None:
                clipped_sums += statistics[0]
                free += statistics[1]
    return low, high, (clipped_sums, free)


def _redistribute_clipped(scene, store, consistency, first_statistics, progress, timer):
    """Find per-cell shifts so that clipping keeps every cell's mean (a few passes; the
    statistics of the first, with no shift, come from the residual pass)."""
    lower, upper = consistency.lower, consistency.upper
    n_cells = consistency.target.size
    passes = 0
    with timer('clip'):
        for passes in range(1, MAX_CLIP_PASSES + 1):
            if passes == 1:
                sums, free = first_statistics
            else:
                sums = np.zeros(n_cells)
                free = np.zeros(n_cells)

                def block_statistics(block, values, zone):
                    clipped = consistency.clip(values, zone)
                    return BoundedConsistency.statistics(values, clipped, zone, n_cells, lower, upper)

                for s, f in stored_blocks(scene, store, block_statistics,
                                          progress.sub((passes - 1) / MAX_CLIP_PASSES, passes / MAX_CLIP_PASSES)):
                    sums += s
                    free += f
            if consistency.update(sums, free) < CONSISTENCY_TOLERANCE:
                break
    progress.info('Values outside [{}, {}] m³/m³ were clipped and the clipped amount moved onto the other '
                  'pixels of their cells ({} pass(es)).'.format(lower, upper, passes))


def check_consistency(written: WrittenOutput, prediction: FinePrediction, targets: CoarseTargets,
                      consistency: BoundedConsistency, method: DownscalingMethod, progress: Progress
                      ) -> Tuple[float, int, int, float]:
    """(largest |cell mean − θ_c| in m³/m³, number of cells checked, number of infeasible cells, their largest
    |cell mean − θ_c|), computed from what was written over every cell with output: cells whose value lies
    outside [SM_MIN, SM_MAX] cannot keep it, so they are counted and reported, never left out of the figure."""
    output_count = prediction.output_count
    with np.errstate(invalid='ignore', divide='ignore'):
        final_mean = written.final_sum / output_count
    checked = output_count > 0
    errors = np.abs(final_mean - targets.values)
    max_error, n_checked = (float(errors[checked].max()) if checked.any() else 0.0), int(checked.sum())
    infeasible = checked & ~consistency.feasible
    n_infeasible = int(infeasible.sum())
    infeasible_error = float(errors[infeasible].max()) if n_infeasible else 0.0
    if method.value_consistent:
        progress.info('Value consistency: largest |cell mean − coarse value| over {} cells = {:.2e} '
                      'm³/m³.'.format(n_checked, max_error))
    if n_infeasible:
        progress.warn('{} coarse cells have values outside the soil moisture bounds [{}, {}] m³/m³ and cannot keep '
                      'them (largest |cell mean − coarse value| {:.3f} m³/m³); check the product\'s units or raise the '
                      'highest soil moisture.'.format(n_infeasible, consistency.lower, consistency.upper,
                                                      infeasible_error))
    return max_error, n_checked, n_infeasible, infeasible_error
