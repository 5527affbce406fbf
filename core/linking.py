"""The coarse-scale linking model θ = f(LST*, NDVI[, z]) (METHOD.md §4).

Every candidate (half-window h, predictor set) is solved for all coarse cells
at once: each weighted sum Σw·a·b of the normal equations is one 2-D
correlation of a coarse image with the bisquare kernel, and the small p×p
systems are solved stacked. There is no Python loop over cells.

Coefficients live in one 7-term vector per cell, in the order of ``TERMS``,
on standardized predictors; terms a candidate does not use are 0. A
prediction is therefore linear in the coefficients, so interpolating
coefficient fields between cells interpolates the cells' predictions.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
from scipy import ndimage

if TYPE_CHECKING:
    from .progress import Progress

TERMS = ('const', 'lst', 'ndvi', 'elev', 'lst2', 'ndvi2', 'lst_ndvi')
PREDICTOR_SETS = ('LST*, NDVI', 'LST*, NDVI, elevation')
FALLBACK_LOCAL, FALLBACK_GLOBAL, FALLBACK_COARSE_VALUE, FALLBACK_NONE = 0, 1, 2, 3
#: A scene-wide model that was chosen (the self-adaptive selection), not fallen back on.
FALLBACK_SCENE_WIDE = 4
FALLBACK_NAMES = ('local window', 'global model', 'coarse value', 'no model', 'scene-wide model (chosen)')
#: Minimum spatial standard deviation of LST* (K) and NDVI within a fit (METHOD.md §4.3).
MIN_LST_SD_K = 0.5
MIN_NDVI_SD = 0.02
#: Half-window of a candidate with one scene-wide model (fit_each_candidate).
GLOBAL_WINDOW = 0


def term_indices(model: str, with_elevation: bool) -> Tuple[int, ...]:
    """Indices into TERMS of a candidate model ('linear' or 'quadratic')."""
    names = ['const', 'lst', 'ndvi']
    if with_elevation:
        names.append('elev')
    if model == 'quadratic':
        names += ['lst2', 'ndvi2', 'lst_ndvi']
    return tuple(TERMS.index(name) for name in names)


@dataclass(frozen=True)
class Standardizer:
    """Affine scaling of the predictors, x_std = (x − centre)/scale, for well-conditioned fits.

    ``support``: (LST low, high, NDVI low, high) of the calibration samples in standardized units, or
    None. With it, the quadratic terms are held at the edge of the support beyond it (the model
    continues with its linear terms): fine pixels range wider than cell means, and a parabola
    fitted on cell means diverges there (measured: benchmarks/NOTES.md, "Quadratic model").
    """
    lst_centre: float
    lst_scale: float
    ndvi_centre: float
    ndvi_scale: float
    elev_centre: float = 0.0
    elev_scale: float = 1.0
    support: Optional[Tuple[float, float, float, float]] = None

    @classmethod
    def from_samples(cls, lst: np.ndarray, ndvi: np.ndarray, elev: Optional[np.ndarray] = None, min_max: bool = False,
                     linear_tails: bool = False) -> Standardizer:
        def centre_scale(values):
            values = values[np.isfinite(values)]
            if values.size == 0:
                return 0.0, 1.0
            if min_max:
                low, high = float(values.min()), float(values.max())
                return low, (high - low) or 1.0
            return float(values.mean()), float(values.std()) or 1.0
        lc, ls = centre_scale(np.asarray(lst, dtype=float))
        nc, ns = centre_scale(np.asarray(ndvi, dtype=float))
        ec, es = centre_scale(np.asarray(elev, dtype=float)) if elev is not None else (0.0, 1.0)
        support = None
        if linear_tails:
            lst, ndvi = (np.asarray(v, dtype=float) for v in (lst, ndvi))
            lst, ndvi = lst[np.isfinite(lst)], ndvi[np.isfinite(ndvi)]
            if lst.size and ndvi.size:
                support = ((lst.min() - lc) / ls, (lst.max() - lc) / ls, (ndvi.min() - nc) / ns, (ndvi.max() - nc) / ns)
        return cls(lc, ls, nc, ns, ec, es, support)

    def terms(self, lst: np.ndarray, ndvi: np.ndarray, elev: Optional[np.ndarray] = None,
              columns: Optional[Iterable[int]] = None) -> np.ndarray:
        """The 7 terms (..., 7) of standardized predictors, or only ``columns`` (indices into
        TERMS); the elevation term is 0 without a DEM."""
        standardized = self.standardized(lst, ndvi, elev)
        return np.stack([term(k, *standardized, support=self.support)
                         for k in (range(len(TERMS)) if columns is None else columns)], axis=-1)

    def standardized(self, lst: np.ndarray, ndvi: np.ndarray, elev: Optional[np.ndarray] = None
                     ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(l, n, e): the standardized predictors (e = 0 without a DEM)."""
        l = (np.asarray(lst, dtype=np.float64) - self.lst_centre) / self.lst_scale
        n = (np.asarray(ndvi, dtype=np.float64) - self.ndvi_centre) / self.ndvi_scale
        e = (np.zeros_like(l) if elev is None
             else (np.asarray(elev, dtype=np.float64) - self.elev_centre) / self.elev_scale)
        return l, n, e


def term(k: int, l: np.ndarray, n: np.ndarray, e: np.ndarray,
         support: Optional[Tuple[float, float, float, float]] = None) -> np.ndarray:
    """Term k of TERMS (1, l, n, e, l², n², l·n) from the standardized predictors; with a
    ``support`` (Standardizer.support) the quadratic terms use the predictors clipped to it."""
    if k == 0:
        return np.ones_like(l)
    if k in (1, 2, 3):
        return (l, n, e)[k - 1]
    if support is None:
        return l * l if k == 4 else n * n if k == 5 else l * n
    lc = np.clip(l, support[0], support[1])
    nc = np.clip(n, support[2], support[3])
    if k == 4:
        return lc * lc
    if k == 5:
        return nc * nc
    return lc * nc


def predict(beta: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """θ = Σ β_k·term_k over the last axis."""
    return np.einsum('...k,...k->...', beta, terms)


def predict_pixels(standardizer: Standardizer, beta_rows: np.ndarray, lst: np.ndarray, ndvi: np.ndarray,
                   elev: Optional[np.ndarray], columns: Iterable[int]) -> np.ndarray:
    """θ = Σ β_j·term_columns[j] for 1-D pixel arrays, with β given as rows (k, n) so that each
    coefficient is contiguous: :func:`predict` of ``standardizer.terms(..., columns=columns)``
    without stacking the terms (one term at a time)."""
    standardized = standardizer.standardized(lst, ndvi, elev)
    total = np.zeros(len(lst))
    for j, column in enumerate(columns):
        # The constant term needs no array of ones.
        total += beta_rows[j] if column == 0 else beta_rows[j] * term(column, *standardized,
                                                                       support=standardizer.support)
    return total


def physical_coefficients(beta: np.ndarray, standardizer: Standardizer) -> np.ndarray:
    """Coefficients of θ = b0 + b1·LST + b2·NDVI + b3·z + b4·LST² + b5·NDVI² + b6·LST·NDVI (SI units)."""
    s = standardizer
    b = np.moveaxis(np.asarray(beta, dtype=float), -1, 0)
    lc, ls, nc, ns, ec, es = s.lst_centre, s.lst_scale, s.ndvi_centre, s.ndvi_scale, s.elev_centre, s.elev_scale
    out = np.empty_like(b)
    out[4] = b[4] / ls ** 2
    out[5] = b[5] / ns ** 2
    out[6] = b[6] / (ls * ns)
    out[1] = b[1] / ls - 2 * b[4] * lc / ls ** 2 - b[6] * nc / (ls * ns)
    out[2] = b[2] / ns - 2 * b[5] * nc / ns ** 2 - b[6] * lc / (ls * ns)
    out[3] = b[3] / es
    out[0] = (b[0] - b[1] * lc / ls - b[2] * nc / ns - b[3] * ec / es + b[4] * lc ** 2 / ls ** 2
              + b[5] * nc ** 2 / ns ** 2 + b[6] * lc * nc / (ls * ns))
    return np.moveaxis(out, 0, -1)


def bisquare_kernel(half_width: int) -> np.ndarray:
    """Weights (1 − (d/b)²)² with d the distance in cells and b = h + 1; 0 at d ≥ b."""
    offsets = np.arange(-half_width, half_width + 1, dtype=float)
    d = np.hypot(*np.meshgrid(offsets, offsets))
    b = half_width + 1.0
    return np.where(d < b, (1.0 - (d / b) ** 2) ** 2, 0.0)


@dataclass
class CoarseFit:
    """Per coarse cell: coefficients (ny, nx, 7) and the diagnostics of METHOD.md §4.6."""
    beta: np.ndarray
    half_window: np.ndarray
    predictor_set: np.ndarray
    n: np.ndarray
    r_squared: np.ndarray
    fallback: np.ndarray
    standardizer: Standardizer
    model: str
    global_beta: Optional[np.ndarray] = None
    global_predictor_set: int = -1
    global_r_squared: float = float('nan')


class _WindowMoments:
    """Window-weighted sums of products of the terms and the response, for every cell at
    once; each is computed once and shared by the predictor sets of one window size."""

    def __init__(self, weighted_sum, terms, response, mask, pool=None):
        self.weighted_sum = weighted_sum
        self.terms = terms
        self.masked_terms = terms * mask[..., None]
        self.y = np.where(mask, response, 0.0)
        # pool: a thread pool for the window sums (2-D correlations release the GIL); None = here.
        self.pool = pool
        self.sum_w, self.syy, self.sy = self._weighted_sums([mask.astype(float), self.y * self.y, self.y])
        self._cross = {}
        self._cross_y = {}

    def _weighted_sums(self, images):
        if self.pool is None or len(images) < 2:
            return [self.weighted_sum(values) for values in images]
        return list(self.pool.map(self.weighted_sum, images))

    def prefetch(self, index_sets):
        """Compute at once (in the pool, if any) every sum the normal equations of these predictor
        sets need; the same sums as :meth:`cross` and :meth:`cross_y` compute one by one."""
        pairs = sorted({(min(i, j), max(i, j)) for indices in index_sets for i in indices for j in indices}
                       - set(self._cross))
        singles = sorted({i for indices in index_sets for i in indices} - set(self._cross_y))
        sums = self._weighted_sums([self._product(i, j) for i, j in pairs] + [self._product_y(i) for i in singles])
        self._cross.update(zip(pairs, sums[:len(pairs)]))
        self._cross_y.update(zip(singles, sums[len(pairs):]))

    def cross(self, i, j):
        """Σ w·term_i·term_j over the window's samples."""
        key = (min(i, j), max(i, j))
        if key not in self._cross:
            self._cross[key] = self.weighted_sum(self._product(*key))
        return self._cross[key]

    def cross_y(self, i):
        """Σ w·term_i·θ over the window's samples."""
        if i not in self._cross_y:
            self._cross_y[i] = self.weighted_sum(self._product_y(i))
        return self._cross_y[i]

    def _product(self, i, j):
        return self.masked_terms[..., i] * self.terms[..., j]

    def _product_y(self, i):
        return self.masked_terms[..., i] * self.y


class _LeaveOwnOut:
    """The sums of a :class:`_WindowMoments` without each cell's own sample: the window of a cell
    with the cell itself left out (its weight at distance 0 is 1), for every cell at once."""

    def __init__(self, moments):
        self.base = moments
        own = moments.masked_terms[..., 0]  # 1 where the cell is a sample
        self.sum_w = moments.sum_w - own
        self.syy = moments.syy - moments.y * moments.y
        self.sy = moments.sy - moments.y

    def cross(self, i, j):
        base = self.base
        return base.cross(i, j) - base.masked_terms[..., i] * base.terms[..., j]

    def cross_y(self, i):
        base = self.base
        return base.cross_y(i) - base.masked_terms[..., i] * base.y


class _Candidate:
    """The weighted normal equations of one predictor set, for every cell at once."""

    def __init__(self, indices, moments, min_lst_sd, min_ndvi_sd, standardizer):
        p = len(indices)
        self.p = p
        self.indices = indices
        self.sum_w = moments.sum_w
        self.a = np.empty(self.sum_w.shape + (p, p))
        for i in range(p):
            for j in range(i, p):
                self.a[..., i, j] = self.a[..., j, i] = moments.cross(indices[i], indices[j])
        self.b = np.stack([moments.cross_y(k) for k in indices], axis=-1)
        self.syy = moments.syy
        self.sy = moments.sy
        lst, ndvi = TERMS.index('lst'), TERMS.index('ndvi')
        with np.errstate(invalid='ignore', divide='ignore'):
            mean_l = moments.cross(0, lst) / self.sum_w
            mean_n = moments.cross(0, ndvi) / self.sum_w
            var_l = moments.cross(lst, lst) / self.sum_w - mean_l ** 2
            var_n = moments.cross(ndvi, ndvi) / self.sum_w - mean_n ** 2
        self.mean_l, self.mean_n = mean_l, mean_n
        self.sd_ok = ((np.sqrt(np.maximum(var_l, 0)) * standardizer.lst_scale > min_lst_sd)
                      & (np.sqrt(np.maximum(var_n, 0)) * standardizer.ndvi_scale > min_ndvi_sd))

    def solve(self, n, usable, with_fit_statistics=True):
        """β (cells, p), RSS, R² and the physics check for the cells in ``usable`` (RSS and R² None
        without ``with_fit_statistics``: the leave-one-out fits need only β)."""
        p = self.p
        ok = usable & (n >= max(3 * p, 10)) & self.sd_ok & (self.sum_w > 0)
        beta = np.full(ok.shape + (p,), np.nan)
        if ok.any():
            a, b = self.a[ok], self.b[ok]
            try:
                solution = np.linalg.solve(a, b[..., None])[..., 0]
            except np.linalg.LinAlgError:
                solution = np.einsum('cij,cj->ci', np.linalg.pinv(a), b)
            beta[ok] = solution
        rss = r_squared = None
        with np.errstate(invalid='ignore'):
            if with_fit_statistics:
                rss = self.syy - 2.0 * np.einsum('...i,...i->...', beta, self.b) \
                    + np.einsum('...i,...ij,...j->...', beta, self.a, beta)
                # Exact fits leave rounding noise: floor RSS so that ln(RSS) stays finite.
                rss = np.maximum(rss, 1e-14 * np.maximum(self.syy, 1e-300))
                tss = self.syy - self.sy ** 2 / self.sum_w
                r_squared = np.where(tss > 0, 1.0 - rss / tss, np.nan)
            # Wetter soil is cooler: ∂θ/∂LST* ≤ 0 at the window's mean predictors.
            slope = beta[..., 1].copy()
            if TERMS.index('lst2') in self.indices:
                position = {term: i for i, term in enumerate(self.indices)}
                slope += (2.0 * beta[..., position[TERMS.index('lst2')]] * self.mean_l
                          + beta[..., position[TERMS.index('lst_ndvi')]] * self.mean_n)
        ok &= np.all(np.isfinite(beta), axis=-1) & (slope <= 0.0)
        return ok, beta, rss, r_squared


def _aicc(n, rss, p):
    """AICc of METHOD.md §4.4 (n samples, RSS the weighted residual sum, p coefficients)."""
    with np.errstate(divide='ignore', invalid='ignore'):
        return n * np.log(rss / n) + n * (n + p) / (n - p - 2.0)


def _scatter(beta, indices):
    full = np.zeros(beta.shape[:-1] + (len(TERMS),))
    full[..., list(indices)] = beta
    return full


def fit_global(theta: np.ndarray, terms: np.ndarray, sample_mask: np.ndarray, standardizer: Standardizer,
               model: str = 'linear', use_elevation: Sequence[bool] = (False,), min_lst_sd: float = MIN_LST_SD_K,
               min_ndvi_sd: float = MIN_NDVI_SD) -> Tuple[Optional[np.ndarray], int, int, float]:
    """One scene-wide fit (all sample cells, unit weights); the candidate with the lowest AICc.

    Returns (beta (7,), predictor_set, n, r_squared); beta is None if no candidate is usable.
    """
    mask = sample_mask & np.isfinite(theta) & np.all(np.isfinite(terms), axis=-1)
    flat_mask = mask.reshape(1, -1)
    flat_terms = np.where(np.isfinite(terms), terms, 0.0).reshape(1, -1, terms.shape[-1])
    flat_theta = np.where(mask, theta, 0.0).reshape(1, -1)
    n = np.array([mask.sum()], dtype=float)

    def total(values):
        return values.sum(axis=-1)
    best = (None, -1, int(n[0]), float('nan'))
    best_aicc = np.inf
    moments = _WindowMoments(total, flat_terms, flat_theta, flat_mask)
    for with_elevation in use_elevation:
        indices = term_indices(model, with_elevation)
        candidate = _Candidate(indices, moments, min_lst_sd, min_ndvi_sd, standardizer)
        ok, beta, rss, r_squared = candidate.solve(n, np.ones(1, dtype=bool))
        if ok[0]:
            aicc = _aicc(n, rss, len(indices))[0]
            if aicc < best_aicc:
                best_aicc = aicc
                best = (_scatter(beta, indices)[0], int(with_elevation), int(n[0]), float(r_squared[0]))
    return best


def _select_better(fits, h, n, best_aicc, beta, half_window, predictor_set, n_used, r_squared):
    """Where a candidate of half-window h has a lower AICc than the best so far, take it (in place)."""
    for with_elevation, indices, ok, cand_beta, rss, cand_r2 in fits:
        aicc = np.where(ok, _aicc(n, rss, len(indices)), np.inf)
        better = ok & (aicc < best_aicc)
        best_aicc[better] = aicc[better]
        beta[better] = _scatter(cand_beta[better], indices)
        half_window[better] = h
        predictor_set[better] = int(with_elevation)
        n_used[better] = n[better]
        r_squared[better] = cand_r2[better]


def _prepare(theta, terms, sample_mask):
    """(θ as float, the cells usable as samples, terms with 0 where not finite)."""
    theta = np.asarray(theta, dtype=float)
    mask = sample_mask & np.isfinite(theta) & np.all(np.isfinite(terms), axis=-1)
    return theta, mask, np.where(np.isfinite(terms), terms, 0.0)


def _window_sum(kernel):
    """Σ w·values over each cell's window: a 2-D correlation with the kernel (0 beyond the grid)."""
    def weighted_sum(values):
        return ndimage.correlate(values, kernel, mode='constant', cval=0.0)
    return weighted_sum


def _window_moments(h, safe_terms, theta, mask, model, use_elevation, pool=None):
    """(samples per cell's window, _WindowMoments with every sum the predictor sets need) for half-window h."""
    kernel = bisquare_kernel(h)
    n = np.rint(ndimage.correlate(mask.astype(float), (kernel > 0).astype(float), mode='constant', cval=0.0))
    moments = _WindowMoments(_window_sum(kernel), safe_terms, theta, mask, pool)
    moments.prefetch([term_indices(model, we) for we in use_elevation])
    return n, moments


def _window_fits(theta, mask, safe_terms, standardizer, model, h, use_elevation, min_lst_sd, min_ndvi_sd, pool=None):
    """(n, [(with_elevation, indices, ok, β, RSS, R²) per predictor set]) for half-window h, every cell
    at once; the window sums are shared by the predictor sets."""
    n, moments = _window_moments(h, safe_terms, theta, mask, model, use_elevation, pool)
    fits = []
    for with_elevation in use_elevation:
        indices = term_indices(model, with_elevation)
        candidate = _Candidate(indices, moments, min_lst_sd, min_ndvi_sd, standardizer)
        fits.append((with_elevation, indices) + candidate.solve(n, np.ones(theta.shape, dtype=bool)))
    return n, fits


def fit_adaptive_window(theta: np.ndarray, terms: np.ndarray, sample_mask: np.ndarray, standardizer: Standardizer,
                        model: str = 'linear', half_windows: Iterable[int] = range(2, 7),
                        use_elevation: Sequence[bool] = (False, True), min_lst_sd: float = MIN_LST_SD_K,
                        min_ndvi_sd: float = MIN_NDVI_SD, progress: Optional[Progress] = None,
                        workers: int = 1) -> CoarseFit:
    """Local weighted fits in self-adaptive moving windows (METHOD.md §4).

    theta (ny, nx): coarse soil moisture (m³/m³, NaN where missing).
    terms (ny, nx, 7): ``Standardizer.terms`` of the cells' mean predictors.
    sample_mask (ny, nx): cells allowed as samples (valid θ and enough valid fine pixels).
    For each cell, the (h, predictor set) with the lowest AICc among the
    candidates that pass the sample-size, spread and physics checks wins; ties
    go to the smaller h and the smaller set. Cells with no candidate take the
    global fit, else their own coarse value (fallback flags).
    """
    theta, mask, safe_terms = _prepare(theta, terms, sample_mask)
    shape = theta.shape
    best_aicc = np.full(shape, np.inf)
    beta = np.full(shape + (len(TERMS),), np.nan)
    half_window = np.zeros(shape, dtype=np.int16)
    predictor_set = np.full(shape, -1, dtype=np.int16)
    n_used = np.zeros(shape, dtype=np.int32)
    r_squared = np.full(shape, np.nan)
    half_windows = list(half_windows)
    # Window sizes one after the other: the batched LAPACK solves of _Candidate.solve may be threaded
    # by the BLAS itself (OpenBLAS); fitting sizes in threads of our own made them up to 100× slower.
    # Only the window sums of each size are computed in threads.
    with _window_sum_pool(workers) as pool:
        for step, h in enumerate(half_windows):
            if progress is not None:
                progress.report(step / len(half_windows))
            n, fits = _window_fits(theta, mask, safe_terms, standardizer, model, h, use_elevation, min_lst_sd,
                                   min_ndvi_sd, pool)
            _select_better(fits, h, n, best_aicc, beta, half_window, predictor_set, n_used, r_squared)
    fallback = np.where(np.isfinite(best_aicc), FALLBACK_LOCAL, FALLBACK_NONE).astype(np.int8)
    global_fit = fit_global(theta, terms, sample_mask, standardizer, model, use_elevation, min_lst_sd, min_ndvi_sd)
    return _with_fallback(CoarseFit(beta, half_window, predictor_set, n_used, r_squared, fallback, standardizer,
                                    model), theta, global_fit)


def _with_fallback(fit, theta, global_fit):
    """The fit with its cells without a local model given the global model, else their own value (in place)."""
    global_beta, global_set, global_n, global_r2 = global_fit
    fit.global_beta, fit.global_predictor_set, fit.global_r_squared = global_beta, global_set, global_r2
    missing = fit.fallback == FALLBACK_NONE
    if global_beta is not None:
        fit.beta[missing] = global_beta
        fit.predictor_set[missing] = global_set
        fit.n[missing] = global_n
        fit.r_squared[missing] = global_r2
        fit.fallback[missing] = FALLBACK_GLOBAL
    else:
        own = missing & np.isfinite(theta)
        fit.beta[own] = 0.0
        fit.beta[own, 0] = theta[own]
        fit.fallback[own] = FALLBACK_COARSE_VALUE
    return fit


@dataclass
class CandidateFit:
    """One candidate's fit on the cells and, for each sample cell, its prediction by the same
    candidate fitted without that cell (leave-one-out; NaN where no model is left)."""
    fit: CoarseFit
    left_out: Optional[np.ndarray]


def fit_each_candidate(theta: np.ndarray, terms: np.ndarray, sample_mask: np.ndarray, standardizer: Standardizer,
                       model: str = 'linear', half_windows: Iterable[int] = (2,),
                       use_elevation: Sequence[bool] = (False,), min_lst_sd: float = MIN_LST_SD_K,
                       min_ndvi_sd: float = MIN_NDVI_SD, leave_one_out: bool = False, workers: int = 1
                       ) -> Dict[Tuple[int, bool], CandidateFit]:
    """{(h, with_elevation): CandidateFit} of every candidate on its own (no choice between them).

    h = GLOBAL_WINDOW (0) is one scene-wide model; for h > 0, cells whose local fit fails the
    checks of METHOD.md §4 take the candidate's scene-wide fit, else their own value. Window
    sums are computed once per h and shared by the predictor sets; the leave-one-out fits reuse
    them less each cell's own sample (``leave_one_out``; else ``left_out`` is None). ``workers``
    threads compute the window sums (the same sums: the fits do not depend on it).
    """
    with _window_sum_pool(workers) as pool:
        return _fit_each_candidate(theta, terms, sample_mask, standardizer, model, half_windows, use_elevation,
                                   min_lst_sd, min_ndvi_sd, leave_one_out, pool)


def _window_sum_pool(workers):
    """A thread pool for window sums (scipy's correlation releases the GIL), or none for one worker.
    The small batched solves stay in the calling thread: threaded, the BLAS made them far slower."""
    return ThreadPoolExecutor(workers) if workers > 1 else nullcontext(None)


def _fit_each_candidate(theta, terms, sample_mask, standardizer, model, half_windows, use_elevation, min_lst_sd,
                        min_ndvi_sd, leave_one_out, pool):
    theta, mask, safe_terms = _prepare(theta, terms, sample_mask)
    shape = theta.shape
    globals_, global_left_out = {}, {}
    for we in use_elevation:
        globals_[we] = fit_global(theta, terms, sample_mask, standardizer, model, (we,), min_lst_sd, min_ndvi_sd)
        if leave_one_out:
            global_left_out[we] = _global_left_out(theta, mask, safe_terms, standardizer, model, we, min_lst_sd,
                                                   min_ndvi_sd)
    fits = {}
    for h in half_windows:
        if h == GLOBAL_WINDOW:
            for we in use_elevation:
                fit = _with_fallback(CoarseFit(
                    np.full(shape + (len(TERMS),), np.nan), np.zeros(shape, dtype=np.int16),
                    np.full(shape, -1, dtype=np.int16), np.zeros(shape, dtype=np.int32), np.full(shape, np.nan),
                    np.full(shape, FALLBACK_NONE, dtype=np.int8), standardizer, model), theta, globals_[we])
                fit.fallback[fit.fallback == FALLBACK_GLOBAL] = FALLBACK_SCENE_WIDE
                fits[(h, we)] = CandidateFit(fit, global_left_out.get(we))
            continue
        n, moments = _window_moments(h, safe_terms, theta, mask, model, use_elevation, pool)
        left_out_moments = _LeaveOwnOut(moments) if leave_one_out else None
        for we in use_elevation:
            indices = term_indices(model, we)
            ok, beta, rss, r_squared = _Candidate(indices, moments, min_lst_sd, min_ndvi_sd, standardizer).solve(
                n, np.ones(shape, dtype=bool))
            full = np.full(shape + (len(TERMS),), np.nan)
            full[ok] = _scatter(beta[ok], indices)
            fit = _with_fallback(CoarseFit(
                full, np.where(ok, h, 0).astype(np.int16), np.where(ok, int(we), -1).astype(np.int16),
                np.where(ok, n, 0).astype(np.int32), np.where(ok, r_squared, np.nan),
                np.where(ok, FALLBACK_LOCAL, FALLBACK_NONE).astype(np.int8), standardizer, model), theta, globals_[we])
            left_out = None
            if leave_one_out:
                loo_ok, loo_beta, _, _ = _Candidate(indices, left_out_moments, min_lst_sd, min_ndvi_sd,
                                                    standardizer).solve(n - mask, mask, with_fit_statistics=False)
                with np.errstate(invalid='ignore'):
                    own = np.einsum('...i,...i->...', loo_beta, safe_terms[..., list(indices)])
                # Where the window left without the cell has no model, the scene-wide one would serve.
                left_out = np.where(loo_ok, own, global_left_out[we])
            fits[(h, we)] = CandidateFit(fit, left_out)
    return fits


def _global_left_out(theta, mask, safe_terms, standardizer, model, with_elevation, min_lst_sd, min_ndvi_sd):
    """Each sample cell's value predicted by the scene-wide fit on all the other sample cells (NaN elsewhere)."""
    indices = term_indices(model, with_elevation)
    flat_mask = mask.reshape(1, -1)
    flat_terms = safe_terms.reshape(1, -1, safe_terms.shape[-1])
    flat_theta = np.where(mask, theta, 0.0).reshape(1, -1)

    def total(values):
        return values.sum(axis=-1, keepdims=True)
    moments = _LeaveOwnOut(_WindowMoments(total, flat_terms, flat_theta, flat_mask))
    n = np.full(flat_mask.shape, float(mask.sum())) - flat_mask
    ok, beta, _, _ = _Candidate(indices, moments, min_lst_sd, min_ndvi_sd, standardizer).solve(n, flat_mask)
    with np.errstate(invalid='ignore'):
        predicted = np.einsum('...i,...i->...', beta, flat_terms[..., list(indices)])
    return np.where(ok, predicted, np.nan).reshape(theta.shape)


def global_coarse_fit(theta: np.ndarray, terms: np.ndarray, sample_mask: np.ndarray, standardizer: Standardizer,
                      model: str = 'linear', use_elevation: Sequence[bool] = (False,), min_lst_sd: float = MIN_LST_SD_K,
                      min_ndvi_sd: float = MIN_NDVI_SD) -> CoarseFit:
    """A CoarseFit whose every cell carries the one scene-wide model (comparison methods)."""
    shape = np.shape(theta)
    beta, predictor_set, n, r_squared = fit_global(theta, terms, sample_mask, standardizer, model, use_elevation,
                                                   min_lst_sd, min_ndvi_sd)
    fit = CoarseFit(np.full(shape + (len(TERMS),), np.nan), np.zeros(shape, dtype=np.int16),
                    np.full(shape, predictor_set, dtype=np.int16), np.full(shape, n, dtype=np.int32),
                    np.full(shape, r_squared), np.full(shape, FALLBACK_GLOBAL, dtype=np.int8), standardizer, model,
                    beta, predictor_set, r_squared)
    if beta is not None:
        fit.beta[...] = beta
    else:
        own = np.isfinite(theta)
        fit.beta[own] = 0.0
        fit.beta[own, 0] = theta[own]
        fit.fallback[:] = np.where(own, FALLBACK_COARSE_VALUE, FALLBACK_NONE)
    return fit
