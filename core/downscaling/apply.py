"""Applying a method at the fine scale (METHOD.md §5): θ̂ for every pixel.

The apply pass predicts every block, keeps θ̂ for the later passes and sums it per coarse
cell (the residual step needs ⟨θ̂⟩_c); the residual step collects its spread sums in the
same pass, so no pass over the fine grid is spent on them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Union

import numpy as np

from .. import dispatch, linking
from ..residual import zonal_sums

if TYPE_CHECKING:
    from ..linking import CoarseFit
    from ..lst_correction import TerrainCorrection
    from ..progress import Progress, StageTimer
    from .aggregate import CoarseCells
    from .consistency import ResidualStep
    from .gaps import CoarseTargets
    from .methods import DownscalingMethod
    from .scene import Block, FineScene, PixelStore


def lst_star(block: Block, correction: TerrainCorrection) -> np.ndarray:
    """LST* of a block's pixels (K, float32): the LST as given when there is no correction."""
    return correction.apply(block.lst, block.z, block.cos_i, block.cos_sz)


def output_mask(block: Block, targets: CoarseTargets, method: DownscalingMethod, corrected_lst: Optional[np.ndarray]
                ) -> np.ndarray:
    """Pixels that get a value: inside a coarse cell with a target value and with valid predictors."""
    zone = block.zone
    own = (zone >= 0) & targets.valid[np.maximum(zone, 0)]
    return own & method.valid_predictors(block, corrected_lst)


class InterpolatedTargets:
    """θ̂ = the coarse targets interpolated bilinearly (the bilinear method)."""

    def __init__(self, scene: FineScene, targets: CoarseTargets):
        self.scene = scene
        self.targets = targets

    def predict(self, block: Block, corrected_lst: Optional[np.ndarray], mask: np.ndarray) -> np.ndarray:
        predicted = np.full(block.zone.shape, np.nan)
        predicted[mask] = self.scene.interpolate(block, self.targets.values, self.targets.valid)[mask]
        return predicted


class CoefficientPredictor:
    """θ̂ = f(LST*, NDVI[, z]) with each coefficient interpolated bilinearly from the cell centres.

    Only the terms some cell uses (3–4 of 7 for a linear model) are interpolated and applied.
    With the noise filter, the fine anomalies of LST* and NDVI around their interpolated cell
    means are weighted by their signal fractions (core/noise.py) before the model is applied.
    """

    def __init__(self, scene: FineScene, fit: CoarseFit, cells: CoarseCells, method: DownscalingMethod):
        self.scene = scene
        self.standardizer = fit.standardizer
        self.uses_elevation = method.uses_elevation
        beta_flat = fit.beta.reshape(-1, fit.beta.shape[-1])
        self.columns = np.flatnonzero(np.any(np.nan_to_num(beta_flat) != 0, axis=0)
                                      | (np.arange(beta_flat.shape[1]) == 0))
        self.beta_columns = beta_flat[:, self.columns]
        self.beta_valid = np.all(np.isfinite(fit.beta), axis=-1)
        self.signal_fraction = cells.signal_fraction if method.noise_filtered else None
        self.means_valid = np.isfinite(cells.mean_lst).ravel() & np.isfinite(cells.mean_ndvi).ravel()
        self.background_means = np.column_stack([cells.mean_lst.ravel(), cells.mean_ndvi.ravel()])

    def predict(self, block: Block, corrected_lst: np.ndarray, mask: np.ndarray) -> np.ndarray:
        # Every pixel is computed and the mask applied once at the end: nearly all pixels are in
        # it, and selecting them from each array would cost more than the few extra values.
        beta = self.scene.interpolate(block, self.beta_columns, self.beta_valid)
        lst, ndvi = corrected_lst, block.ndvi
        if self.signal_fraction is not None:
            lst, ndvi = self.denoise(block, lst, ndvi)
        with np.errstate(invalid='ignore'):
            values = linking.predict_pixels(self.standardizer, np.ascontiguousarray(beta.T), lst, ndvi,
                                            block.z if self.uses_elevation else None, self.columns)
        return np.where(mask, values, np.nan)

    def denoise(self, block: Block, lst: np.ndarray, ndvi: np.ndarray) -> List[np.ndarray]:
        """Weight the fine anomalies of LST* and NDVI around their smooth coarse background
        by their signal fractions; filled pixels are kept as they are."""
        result = []
        backgrounds = None
        for index, (fraction, values) in enumerate(((self.signal_fraction.lst, lst),
                                                    (self.signal_fraction.ndvi, ndvi))):
            if fraction >= 1.0:
                result.append(values)
                continue
            if backgrounds is None:
                backgrounds = np.ascontiguousarray(
                    self.scene.interpolate(block, self.background_means, self.means_valid).T)
            background = backgrounds[index]
            shrunk = background + fraction * (values - background)
            keep = ~np.isfinite(background)
            if block.filled is not None:
                keep |= block.filled
            result.append(np.where(keep, values, shrunk) if keep.any() else shrunk)
        return result


class DispatchPredictor:
    """θ_f = θ_c + (∂θ/∂SEE)_c·(SEE_f − ⟨SEE⟩_c) (DISPATCH, core/dispatch.py), SEE from LST* when the
    method corrects LST for terrain."""

    def __init__(self, trapezoid: dispatch.Trapezoid, mean_see: np.ndarray, targets: CoarseTargets, slope: np.ndarray):
        self.trapezoid = trapezoid
        self.mean_see = mean_see
        self.targets = targets
        #: ∂θ/∂SEE per cell (m³/m³ per unit SEE).
        self.slope = slope

    @classmethod
    def from_scene(cls, scene: FineScene, trapezoid: dispatch.Trapezoid, targets: CoarseTargets,
                   correction: TerrainCorrection, method: DownscalingMethod, progress: Progress, timer: StageTimer
                   ) -> DispatchPredictor:
        """⟨SEE⟩_c over the output pixels of each cell (a pass over the fine grid)."""
        n_cells = targets.values.size
        see_sum = np.zeros(n_cells)
        see_count = np.zeros(n_cells)
        with timer('aggregate'):
            for block in scene.blocks(progress):
                corrected = lst_star(block, correction)
                mask = output_mask(block, targets, method, corrected)
                see = dispatch.soil_evaporative_efficiency(corrected, block.ndvi, trapezoid)
                s, c = zonal_sums(np.where(mask, block.zone, -1), see, n_cells)
                see_sum += s
                see_count += c
        with np.errstate(invalid='ignore', divide='ignore'):
            mean_see = see_sum / see_count
        options = method.options
        slope = dispatch.moisture_slope(targets.values, mean_see, options.see_model, options.sm_max)
        return cls(trapezoid, mean_see, targets, slope)

    def predict(self, block: Block, corrected_lst: np.ndarray, mask: np.ndarray) -> np.ndarray:
        zone = block.zone
        predicted = np.full(zone.shape, np.nan)
        see = dispatch.soil_evaporative_efficiency(corrected_lst[mask], block.ndvi[mask], self.trapezoid)
        cells = zone[mask]
        predicted[mask] = self.targets.values[cells] + self.slope[cells] * (see - self.mean_see[cells])
        return predicted


@dataclass
class FinePrediction:
    """Per coarse cell (flat): Σ θ̂ and the number of pixels with a value."""
    prediction_sum: np.ndarray
    output_count: np.ndarray


#: What predicts θ̂ at the fine scale (CoarseModel.fine_predictor).
FinePredictor = Union[InterpolatedTargets, CoefficientPredictor, DispatchPredictor]


def apply_pass(scene: FineScene, predictor: FinePredictor, method: DownscalingMethod, correction: TerrainCorrection,
               targets: CoarseTargets, residual_step: Optional[ResidualStep], store: PixelStore, progress: Progress,
               timer: StageTimer) -> FinePrediction:
    """θ̂ of every pixel (kept in ``store``), its zonal sums, and the residual step's spread sums."""
    n_cells = targets.values.size
    prediction_sum = np.zeros(n_cells)
    output_count = np.zeros(n_cells)

    def block_prediction(block):
        corrected = lst_star(block, correction) if method.needs_predictors else None
        mask = output_mask(block, targets, method, corrected)
        predicted = predictor.predict(block, corrected, mask)
        store.put(block.window, predicted)
        zone = np.where(mask, block.zone, -1)
        sums, counts = zonal_sums(zone, predicted, n_cells)
        spread_part = residual_step.block_part(block, zone) if residual_step is not None else None
        return sums, counts, spread_part

    with timer('predict'):
        for sums, counts, spread_part in scene.map(block_prediction, progress):
            prediction_sum += sums
            output_count += counts
            if spread_part is not None:
                residual_step.add_part(spread_part)
    return FinePrediction(prediction_sum, output_count)
