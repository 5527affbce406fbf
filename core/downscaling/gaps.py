"""Seamless output (METHOD.md §7): fine gaps filled before the run, coarse gaps estimated
after the coarse fit.

Fine: LST cloud gaps and NDVI holes are filled block by block by a gap filler (spatial,
or the temporal one of a series); filled pixels are flagged. Coarse: cells without a
product value but with fine data get the value of their own local model, else one
interpolated from their neighbours; such cells are flagged and not checked for consistency.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..gap_filling import SpatialLstFiller, fill_by_normalized_convolution

if TYPE_CHECKING:
    from ..gap_filling import LstFiller
    from ..progress import Progress, StageTimer
    from .aggregate import CoarseCells
    from .methods import CoarseModel, DownscalingMethod
    from .options import DownscaleOptions
    from .scene import FineScene


def prepare_gap_filling(scene: FineScene, method: DownscalingMethod, options: DownscaleOptions,
                        gap_filler: Optional[LstFiller], progress: Progress, timer: StageTimer) -> None:
    """Give the scene a gap filler when LST or NDVI has holes (``gap_filler``: an unprepared
    filler, e.g. the temporal one of a series; else a spatial one)."""
    if not options.fill_gaps or not method.fills_gaps:
        return
    with timer('gap filling'):
        missing_lst, missing_ndvi = scene.count_gaps()
        if missing_lst == 0 and missing_ndvi == 0:
            return
        gap_filler = (gap_filler or SpatialLstFiller(scene.grid)).prepare(scene.raw_blocks)
        progress.info('Gap filling: {} LST and {} NDVI pixels missing; LST filled with {}.'.format(
            missing_lst, missing_ndvi, gap_filler.describe()))
        scene.set_filler(gap_filler)


@dataclass
class CoarseTargets:
    """The value each coarse cell's fine pixels must average to (flat, m³/m³): the product's,
    plus estimates where it has none (``filled``)."""
    values: np.ndarray
    filled: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return np.isfinite(self.values)


def coarse_targets(cells: CoarseCells, model: CoarseModel, method: DownscalingMethod, options: DownscaleOptions,
                   progress: Progress) -> CoarseTargets:
    """The targets of the cells: the product's values, with its gaps estimated when the
    options and the method fill gaps (quality bit 2)."""
    values = cells.theta.ravel()
    no_gaps = CoarseTargets(values, np.zeros(values.size, dtype=bool))
    if not (options.fill_gaps and method.fills_gaps):
        return no_gaps
    gaps = ~np.isfinite(values) & (cells.valid_count > 0)
    if not gaps.any():
        return no_gaps
    # Neighbours' values interpolated, replaced by the cell's own model where it has one.
    estimate = fill_by_normalized_convolution(cells.theta).ravel()
    modelled = model.cell_estimates(cells)
    if modelled is not None:
        estimate = np.where(np.isfinite(modelled), modelled, estimate)
    gaps &= np.isfinite(estimate)
    if not gaps.any():
        return no_gaps
    values = values.copy()
    values[gaps] = np.clip(estimate[gaps], options.sm_min, options.sm_max)
    progress.info('Gap filling: {} coarse cells without a value were estimated from their local model '
                  '(or their neighbours where there is none).'.format(int(gaps.sum())))
    return CoarseTargets(values, gaps)
