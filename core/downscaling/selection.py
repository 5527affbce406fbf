"""The self-adaptive choice (METHOD.md §4): the model family, terrain correction and window the
data support, judged by the error they predict at the fine scale after the residual step.

A candidate is a terrain-correction mode, a predictor set ({LST*, NDVI} or {LST*, NDVI, z̄})
and a window (half-width h in coarse cells, or one scene-wide model). Its criterion is the
expected squared error of the fine prediction within a coarse cell (m³/m³)², estimated as

    E = V + N

V, the validation part, is by default ('neighbour validation') the squared error of each cell left
out: θ_c − f₋c(x_c) − T_c, with f₋c the candidate refitted without the cell (the window sums less
its own sample) and T_c the weighted mean of its 8 neighbours' residuals, what the residual step
would spread onto it. The alternative kept for comparison ('cross-scale validation', measured
worse) is c · CSV: the coarse product and the cell means of the predictors are aggregated to
super-cells of k × k coarse cells (PARTITIONS: several k and offsets), the whole chain is run one
scale up (fit on the super-cells, coefficients interpolated bilinearly to the cells, residual step
with the remainder) and its errors at the cells are averaged; c carries this to the fine scale
(signal variance of LST* within a cell over the variance of the cell means within a super-cell).
N, the pixel noise the candidate carries into soil moisture: λ²·nugget·⟨b²⟩ for LST* and for
NDVI, with b the candidate's own coefficients fitted on the cells (physical units) and λ the
noise filter's weight. The coarse scale cannot see this term, yet it decides between steep
local slopes and flatter scene-wide ones wherever the fine predictors are noisy.

Every candidate is solved for all cells at once on the small coarse grid (2-D correlations;
core.linking); nothing loops over cells.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from scipy import ndimage

from .. import linking
from ..residual import BilinearWeights
from .options import SELECTION_CRITERIA

if TYPE_CHECKING:
    from .aggregate import CoarseCells

#: Super-cells of the cross-scale self-validation: (k, row offset, column offset) of a partition
#: of the coarse grid into k × k blocks.
PARTITIONS = ((2, 0, 0), (2, 1, 1), (3, 0, 0), (3, 1, 1), (3, 2, 2))
#: A super-cell calibrates when at least this share of its cells are sample cells.
MIN_SAMPLE_SHARE = 0.5


@dataclass(frozen=True)
class Candidate:
    """One configuration the choice compares."""
    terrain_mode: str
    with_elevation: bool
    #: Half-width h of the moving window (coarse cells); linking.GLOBAL_WINDOW = one scene-wide model.
    half_window: int

    @property
    def label(self) -> str:
        window = 'scene-wide' if self.half_window == linking.GLOBAL_WINDOW else 'h = {}'.format(self.half_window)
        return '{}; {}; {}'.format(self.terrain_mode, linking.PREDICTOR_SETS[int(self.with_elevation)], window)


CRITERIA = SELECTION_CRITERIA


@dataclass
class CandidateScore:
    """The criterion of one candidate and its parts ((m³/m³)², weighted means over the cells scored
    for every candidate)."""
    candidate: Candidate
    #: Expected squared error at the fine scale: validation + noise.
    criterion: float
    #: The validation part (left-out error, or c·CSV) and the pixel noise carried into soil moisture.
    validation: float
    noise: float
    #: Per cell (rows, columns): validation + noise (NaN where not scored).
    cells: Optional[np.ndarray] = field(repr=False, default=None)


@dataclass
class Selection:
    """What the self-adaptive choice compared and chose."""
    scores: List[CandidateScore]
    chosen: Candidate
    #: The chosen candidate's fit on the cells (core.linking.CoarseFit).
    fit: Optional[linking.CoarseFit] = field(default=None, repr=False)

    @property
    def chosen_score(self) -> CandidateScore:
        return next(s for s in self.scores if s.candidate == self.chosen)


def super_cells(shape: Tuple[int, int], k: int, row_offset: int, col_offset: int
                ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """(index (rows, cols) of each cell's super-cell, super-grid shape) for a partition into k × k blocks."""
    rows = (np.arange(shape[0]) + row_offset) // k
    cols = (np.arange(shape[1]) + col_offset) // k
    super_shape = (int(rows[-1]) + 1, int(cols[-1]) + 1)
    return rows[:, None] * super_shape[1] + cols[None, :], super_shape


def _block_means(values, weights, index, n):
    """Weighted means per super-cell of the finite values (NaN where none), and the weight sums."""
    ok = np.isfinite(values) & (weights > 0)
    w = np.where(ok, weights, 0.0).ravel()
    total = np.bincount(index.ravel(), weights=w * np.where(ok, values, 0.0).ravel(), minlength=n)
    weight = np.bincount(index.ravel(), weights=w, minlength=n)
    with np.errstate(invalid='ignore', divide='ignore'):
        return total / weight, weight


class CellData:
    """The cells of one terrain mode as the choice sees them: θ, predictor means, weights (valid pixels)."""

    def __init__(self, cells: CoarseCells):
        self.theta = cells.theta
        self.lst = cells.mean_lst
        self.ndvi = cells.mean_ndvi
        self.elev = cells.mean_elevation
        self.sample = cells.sample_mask & np.isfinite(cells.mean_lst) & np.isfinite(cells.mean_ndvi)
        self.weight = np.where(self.sample, cells.valid_count.reshape(cells.shape), 0.0).astype(float)
        self.signal = cells.signal_fraction


def cross_scale_errors(data: CellData, half_windows: Sequence[int], use_elevation: Sequence[bool], model: str,
                       partitions: Iterable[Tuple[int, int, int]] = PARTITIONS
                       ) -> Dict[Tuple[int, bool], Tuple[np.ndarray, np.ndarray]]:
    """{(h, with_elevation): (sum of squared errors per cell, number of partitions that scored it)}
    of the cross-scale self-validation of each candidate of one terrain mode."""
    shape = data.theta.shape
    totals = {(h, we): (np.zeros(shape), np.zeros(shape)) for h in half_windows for we in use_elevation}
    for k, row_offset, col_offset in partitions:
        index, super_shape = super_cells(shape, k, row_offset, col_offset)
        n = super_shape[0] * super_shape[1]
        means = [_block_means(np.where(data.sample, v, np.nan), data.weight, index, n)[0].reshape(super_shape)
                 for v in (data.theta, data.lst, data.ndvi, data.elev)]
        share = (np.bincount(index.ravel(), weights=data.sample.ravel().astype(float), minlength=n)
                 / np.bincount(index.ravel(), minlength=n)).reshape(super_shape)
        theta_s, lst_s, ndvi_s, elev_s = means
        mask_s = np.isfinite(theta_s) & np.isfinite(lst_s) & np.isfinite(ndvi_s) & (share >= MIN_SAMPLE_SHARE)
        if mask_s.sum() < 10:
            continue
        standardizer = linking.Standardizer.from_samples(lst_s[mask_s], ndvi_s[mask_s], elev_s[mask_s],
                                                         linear_tails=model == 'quadratic')
        fits = {key: candidate.fit for key, candidate in linking.fit_each_candidate(
            theta_s, standardizer.terms(lst_s, ndvi_s, elev_s), mask_s, standardizer, model, half_windows,
            use_elevation).items()}
        # Cell centres in the super grid's index space.
        frow = (np.arange(shape[0]) + row_offset + 0.5) / k
        fcol = (np.arange(shape[1]) + col_offset + 0.5) / k
        weights = BilinearWeights.from_indices(*np.meshgrid(fcol, frow), super_shape)
        cell_terms = standardizer.terms(data.lst, data.ndvi, data.elev).reshape(-1, len(linking.TERMS))
        for key, fit in fits.items():
            beta = fit.beta.reshape(n, -1)
            predicted = linking.predict(weights.interpolate(beta, np.all(np.isfinite(beta), axis=1)),
                                        cell_terms).reshape(shape)
            has = data.sample & np.isfinite(predicted)
            residual = theta_s.ravel() - _block_means(np.where(has, predicted, np.nan), data.weight, index, n)[0]
            residual_cells = np.isfinite(residual)
            spread = weights.interpolate(np.where(residual_cells, residual, 0.0), residual_cells).reshape(shape)
            spread_mean = _block_means(np.where(has, spread, np.nan), data.weight, index, n)[0]
            final = predicted + spread + (residual - spread_mean)[index]
            error = np.where(has, final - data.theta, np.nan)
            scored = np.isfinite(error)
            totals[key][0][scored] += error[scored] ** 2
            totals[key][1][scored] += 1
    return totals


def within_super_variance(data: CellData, partitions: Iterable[Tuple[int, int, int]] = PARTITIONS) -> float:
    """Mean over the partitions of the weighted variance of cell-mean LST* within super-cells (K²)."""
    shape = data.theta.shape
    values = []
    for k, row_offset, col_offset in partitions:
        index, super_shape = super_cells(shape, k, row_offset, col_offset)
        n = super_shape[0] * super_shape[1]
        mean = _block_means(np.where(data.sample, data.lst, np.nan), data.weight, index, n)[0]
        deviation = (data.lst - mean[index]) ** 2
        ok = data.sample & np.isfinite(deviation)
        if ok.any():
            values.append(float(np.sum(deviation[ok] * data.weight[ok]) / np.sum(data.weight[ok])))
    return float(np.mean(values)) if values else float('nan')


#: Weights of the 8 neighbours in the residual trend of a left-out cell: what bilinear spreading of
#: the neighbours' residuals gives a cell's centre region on average (edges 1/2, corners 1/4).
NEIGHBOUR_WEIGHTS = np.array([[0.25, 0.5, 0.25], [0.5, 0.0, 0.5], [0.25, 0.5, 0.25]])


def neighbour_trend(values: np.ndarray) -> np.ndarray:
    """Weighted mean of each cell's 8 neighbours (NEIGHBOUR_WEIGHTS) over those with a finite value."""
    finite = np.isfinite(values)
    total = ndimage.correlate(np.where(finite, values, 0.0), NEIGHBOUR_WEIGHTS, mode='constant', cval=0.0)
    weight = ndimage.correlate(finite.astype(float), NEIGHBOUR_WEIGHTS, mode='constant', cval=0.0)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(weight > 0, total / weight, np.nan)


def left_out_errors(data: CellData, candidate_fit: linking.CandidateFit, terms: np.ndarray) -> np.ndarray:
    """Per sample cell, the error of the left-out prediction after the residual step of its neighbours
    (m³/m³; NaN where not scored): θ_c − f₋c(x_c) − trend of the neighbours' in-sample residuals.

    A cell without a model (the candidate's checks fail, or it only keeps its own value) predicts
    nothing (0): its value then comes from the neighbours alone, as the residual step spreads it."""
    fit = candidate_fit.fit
    safe = np.where(np.isfinite(terms), terms, 0.0)
    with np.errstate(invalid='ignore'):
        fitted = np.where(fit.fallback == linking.FALLBACK_COARSE_VALUE, 0.0, linking.predict(fit.beta, safe))
    residual = np.where(data.sample, data.theta - fitted, np.nan)
    left_out = np.where(np.isfinite(candidate_fit.left_out), candidate_fit.left_out, 0.0)
    return np.where(data.sample, data.theta - left_out, np.nan) - neighbour_trend(residual)


def noise_per_cell(fit: linking.CoarseFit, data: CellData) -> np.ndarray:
    """Pixel noise each cell's coefficients carry into soil moisture ((m³/m³)²): λ²·nugget·b² for
    LST* and NDVI (b in physical units, λ the noise filter's weight)."""
    coefficients = linking.physical_coefficients(fit.beta, fit.standardizer)
    signal = data.signal
    with np.errstate(invalid='ignore'):
        return (signal.lst ** 2 * signal.lst_nugget * coefficients[..., 1] ** 2
                + signal.ndvi ** 2 * signal.ndvi_nugget * coefficients[..., 2] ** 2)


def score_candidates(cells_by_mode: Dict[str, CoarseCells], half_windows: Sequence[int],
                     use_elevation: Sequence[bool], model: str = 'linear', criterion: str = CRITERIA[0],
                     partitions: Sequence[Tuple[int, int, int]] = PARTITIONS, workers: int = 1
                     ) -> Tuple[List[CandidateScore], Dict[Candidate, linking.CoarseFit]]:
    """(list of CandidateScore, {Candidate: CoarseFit on the cells}) for every terrain mode of
    ``cells_by_mode`` ({mode: CoarseCells}) × predictor set (``use_elevation``) × window;
    ``workers`` threads compute the window sums (same scores for any number)."""
    parts, fits, weights = [], {}, None
    # One candidate alone is fitted, not judged.
    judged = len(cells_by_mode) * len(half_windows) * len(use_elevation) > 1
    for mode, cells in cells_by_mode.items():
        data = CellData(cells)
        if data.sample.sum() < 10:
            continue
        weights = data.weight if weights is None else np.minimum(weights, data.weight)
        standardizer = linking.Standardizer.from_samples(data.lst[data.sample], data.ndvi[data.sample],
                                                         data.elev[data.sample], linear_tails=model == 'quadratic')
        terms = standardizer.terms(data.lst, data.ndvi, data.elev)
        neighbour = criterion == CRITERIA[0]
        candidate_fits = linking.fit_each_candidate(data.theta, terms, data.sample, standardizer, model, half_windows,
                                                    use_elevation, leave_one_out=judged and neighbour, workers=workers)
        if judged and not neighbour:
            errors = cross_scale_errors(data, half_windows, use_elevation, model, partitions)
            signal_variance = max(data.signal.lst_within - data.signal.lst_nugget, 0.0)
            super_variance = within_super_variance(data, partitions)
            factor = signal_variance / super_variance if super_variance > 0 else float('nan')
        for (h, we), candidate_fit in candidate_fits.items():
            if not judged:
                validation = np.full(data.theta.shape, np.nan)
            elif neighbour:
                validation = left_out_errors(data, candidate_fit, terms) ** 2
            else:
                total, count = errors[(h, we)]
                with np.errstate(invalid='ignore', divide='ignore'):
                    validation = factor * total / np.where(count > 0, count, np.nan)
            candidate = Candidate(mode, bool(we), int(h))
            parts.append((candidate, validation, noise_per_cell(candidate_fit.fit, data)))
            fits[candidate] = candidate_fit.fit
    if not parts:
        return [], fits
    # Every candidate is judged on the same cells: those all of them score.
    common = weights > 0
    for _, validation, noise in parts:
        common &= np.isfinite(validation) & np.isfinite(noise)
    share = weights[common] / weights[common].sum() if common.any() else None
    scores = []
    for candidate, validation, noise in parts:
        if share is None:
            scores.append(CandidateScore(candidate, float('inf'), float('nan'), float('nan'), validation + noise))
            continue
        mean_validation = float(np.sum(share * validation[common]))
        mean_noise = float(np.sum(share * noise[common]))
        scores.append(CandidateScore(candidate, mean_validation + mean_noise, mean_validation, mean_noise,
                                     validation + noise))
    return scores, fits


def choose(scores: Iterable[CandidateScore]) -> Optional[Candidate]:
    """The candidate with the lowest criterion (ties: the first listed, i.e. the smaller window)."""
    finite = [s for s in scores if np.isfinite(s.criterion)]
    return min(finite, key=lambda s: s.criterion).candidate if finite else None
