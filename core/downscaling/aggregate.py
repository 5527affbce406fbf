"""Aggregation: the fine predictors averaged over the coarse cells (METHOD.md §1, §4).

One pass over the fine grid gives, per coarse cell, the mean LST* (LST for methods
without terrain correction), NDVI and elevation over the pixels with valid predictors,
their number, the noise statistics of the predictors and the terrain-correction check.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Tuple

import numpy as np

from ..alignment import cell_capacity
from ..errors import InputError
from ..lst_correction import CorrectionCheck, TerrainCheck
from ..noise import NuggetEstimate
from ..raster_io import GridSpec
from ..residual import zonal_sums
from .options import SignalFraction

if TYPE_CHECKING:
    from ..lst_correction import TerrainCorrection
    from ..progress import Progress, StageTimer
    from .inputs import CoarseInput
    from .methods import DownscalingMethod
    from .options import DownscaleOptions
    from .scene import FineScene

_PREDICTORS = ('lst', 'ndvi', 'elev')


@dataclass
class CoarseCells:
    """The coarse scale of a run, arrays of shape (rows, columns) on ``grid`` unless said otherwise."""
    grid: GridSpec
    #: The product's values (m³/m³, NaN where missing).
    theta: np.ndarray
    #: Means over each cell's pixels with valid predictors: LST* (K), NDVI, elevation (m; NaN when
    #: the method does not use it); NaN in cells without such pixels.
    mean_lst: np.ndarray
    mean_ndvi: np.ndarray
    mean_elevation: np.ndarray
    #: Pixels with valid predictors per cell (flat, n_cells).
    valid_count: np.ndarray
    #: valid_count over the number of fine pixel centres in the cell (0–1).
    valid_fraction: np.ndarray
    #: Cells that calibrate the model: a product value and at least the minimum valid fraction.
    sample_mask: np.ndarray
    signal_fraction: SignalFraction = field(default_factory=SignalFraction)
    terrain_check: TerrainCheck = field(default_factory=TerrainCheck)
    #: Fine pixels whose LST or NDVI was filled and that have valid predictors.
    n_filled_pixels: int = 0
    #: What the method collected from the pixels during the pass (DownscalingMethod.block_samples).
    samples: List = field(default_factory=list)

    @property
    def shape(self) -> Tuple[int, int]:
        return self.theta.shape

    @property
    def n_cells(self) -> int:
        return self.theta.size

    @property
    def n_samples(self) -> int:
        return int(self.sample_mask.sum())


def aggregate(scene: FineScene, coarse: CoarseInput, corrections: Dict[str, TerrainCorrection],
              method: DownscalingMethod, options: DownscaleOptions, progress: Progress, timer: StageTimer
              ) -> Dict[str, CoarseCells]:
    """Zonal means of the predictors and valid-pixel counts per coarse cell, for each terrain
    correction in one pass over the fine grid.

    coarse: the CoarseInput of the scene; corrections: {terrain mode: fitted TerrainCorrection}
    (several when the self-adaptive choice compares terrain modes); method: the
    DownscalingMethod (which pixels are valid, whether noise is filtered).
    Returns {terrain mode: CoarseCells}, each exactly what a run with that mode alone aggregates.
    """
    n_cells = coarse.theta.size
    shape = coarse.theta.shape
    modes = tuple(corrections)
    totals = {mode: _ModeSums(n_cells, method) for mode in modes}
    samples = []

    def block_sums(block):
        """This block's share of every sum, per mode (combined below, in window order)."""
        parts = {}
        for mode in modes:
            # Sums that do not depend on LST* are shared with the first mode where the valid pixels agree.
            parts[mode] = totals[mode].block_part(block, corrections[mode], method, n_cells,
                                                  parts[modes[0]] if parts else None)
        # What the method collects does not depend on the terrain mode: the first mode's LST*.
        first = parts[modes[0]]
        samples_part = method.block_samples(block, first.pop('lst_star'), first.pop('valid'), scene.grid.n_pixels)
        for part in parts.values():
            part.pop('lst_star', None)
            part.pop('valid', None)
        return parts, samples_part

    with timer('aggregate'):
        for parts, samples_part in scene.map(block_sums, progress):
            for mode in modes:
                totals[mode].add(parts[mode])
            if samples_part is not None:
                samples.append(samples_part)
    capacity = cell_capacity(coarse.grid, scene.grid)
    result = {}
    for mode in modes:
        result[mode] = totals[mode].cells(coarse, capacity, shape, options, method, samples)
        if len(modes) == 1 and method.noise_filtered:
            log_noise_filter(result[mode], corrections[mode], progress)
    cells = result[modes[0]]
    progress.info('{} coarse cells have a soil moisture value and at least {:.0%} valid fine pixels.'.format(
        cells.n_samples, options.min_valid_fraction))
    if not (cells.valid_count > 0).any() and method.needs_predictors:
        raise InputError('No fine pixel has valid LST and NDVI{} inside the coarse grid: check that the inputs '
                         'overlap and are not all nodata.'.format(' and DEM' if method.uses_elevation else ''))
    return result


def log_noise_filter(cells: CoarseCells, correction: TerrainCorrection, progress: Progress) -> None:
    """Log what the noise filter found for the cells' predictors."""
    signal = cells.signal_fraction
    if signal.lst_within == 0 and signal.ndvi_within == 0:
        return
    for label, unit, nugget, within, fraction in (
            ('LST*' if correction.mode != 'none' else 'LST', 'K²', signal.lst_nugget, signal.lst_within, signal.lst),
            ('NDVI', '', signal.ndvi_nugget, signal.ndvi_within, signal.ndvi)):
        progress.info('Noise filter: {} pixel noise (nugget) {:.3g}{} against a within-cell variance of '
                      '{:.3g}{}: fine anomalies weighted {:.2f}.'.format(label, nugget, unit, within, unit, fraction))


class _ModeSums:
    """The sums of the aggregation pass for one terrain correction."""

    def __init__(self, n_cells, method):
        self.sums = {name: np.zeros(n_cells) for name in _PREDICTORS}
        self.valid_count = np.zeros(n_cells)
        self.check = CorrectionCheck()
        self.n_filled_pixels = 0
        self.noise = ({'lst': NuggetEstimate(n_cells), 'ndvi': NuggetEstimate(n_cells)}
                      if method.noise_filtered else None)

    def block_part(self, block, correction, method, n_cells, first=None):
        """A block's share of the sums (a dict; 'lst_star' and 'valid' are for the caller). ``first``:
        the part of another mode of the same block, whose sums that do not depend on LST* are reused
        when its valid pixels are the same (they are, unless the DEM has holes)."""
        part = {}
        lst_star = correction.apply(block.lst, block.z, block.cos_i, block.cos_sz)
        if method.corrects_terrain:
            part['check'] = CorrectionCheck()
            part['check'].add(block.lst, lst_star, block.cos_i)
        valid = method.valid_predictors(block, lst_star)
        shared = first is not None and np.array_equal(valid, first['valid'])
        zone = np.where(valid, block.zone, -1)
        if self.noise is not None:
            # Filled pixels carry no sensor noise: the nugget is estimated on observed ones.
            observed = valid if block.filled is None else valid & ~block.filled
            part['noise'] = {}
            for name, values in (('lst', lst_star), ('ndvi', block.ndvi)):
                if shared and name == 'ndvi':
                    part['noise'][name] = first['noise'][name]
                    continue
                part['noise'][name] = NuggetEstimate(n_cells)
                part['noise'][name].add(np.where(observed, values, np.nan).reshape(block.shape),
                                        zone.reshape(block.shape))
        if shared:
            part['lst'] = zonal_sums(zone, lst_star, n_cells, counts=False)[0]
            for name in ('count', 'ndvi', 'elev', 'filled'):
                if name in first:
                    part[name] = first[name]
        else:
            part['lst'], part['count'] = zonal_sums(zone, lst_star, n_cells)
            if block.ndvi is not None:
                part['ndvi'] = zonal_sums(zone, block.ndvi, n_cells, counts=False)[0]
            if method.uses_elevation:
                part['elev'] = zonal_sums(zone, block.z, n_cells, counts=False)[0]
            part['filled'] = int((block.filled & valid).sum()) if block.filled is not None else 0
        part['lst_star'], part['valid'] = lst_star, valid
        return part

    def add(self, part):
        for name in _PREDICTORS:
            if name in part:
                self.sums[name] += part[name]
        self.valid_count += part['count']
        if 'check' in part:
            self.check.merge(part['check'])
        if self.noise is not None:
            for name in self.noise:
                self.noise[name].merge(part['noise'][name])
        self.n_filled_pixels += part['filled']

    def cells(self, coarse, capacity, shape, options, method, samples):
        """The CoarseCells of these sums."""
        valid_count = self.valid_count
        with np.errstate(invalid='ignore', divide='ignore'):
            means = {name: (values / valid_count).reshape(shape) for name, values in self.sums.items()}
        if not method.uses_elevation:
            means['elev'] = np.full(shape, np.nan)
        signal_fraction = SignalFraction()
        if self.noise is not None:
            for name in ('lst', 'ndvi'):
                nugget, within, fraction = self.noise[name].result()
                setattr(signal_fraction, name, fraction)
                setattr(signal_fraction, name + '_nugget', nugget)
                setattr(signal_fraction, name + '_within', within)
        with np.errstate(invalid='ignore', divide='ignore'):
            valid_fraction = np.where(capacity > 0, valid_count.reshape(shape) / capacity, 0.0)
        sample_mask = (np.isfinite(coarse.theta) & (valid_count.reshape(shape) > 0)
                       & (valid_fraction >= options.min_valid_fraction))
        return CoarseCells(coarse.grid, coarse.theta, means['lst'], means['ndvi'], means['elev'], valid_count,
                           valid_fraction, sample_mask, signal_fraction, self.check.result(), self.n_filled_pixels,
                           samples)
