"""Terrain correction of LST (METHOD.md §3).

Fit LST = a0 + a1·z + a2·cos i + a3·NDVI on the valid fine pixels (least
squares with one pass of 3σ outlier trimming), then
LST* = LST − a1·(z − z_ref) − a2·(cos i − cos θz).
The normal equations are accumulated block by block, so the fit never needs
the whole fine raster in memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Sequence

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    from .progress import Progress

MODES = ('illumination+lapse', 'illumination', 'fixed lapse rate', 'none')
#: Environmental lapse rate used by the 'fixed lapse rate' mode (K per metre).
FIXED_LAPSE_K_PER_M = -0.0065
_MIN_PIXELS = 10


def _design(mode, lst, ndvi, z, cos_i):
    """Terms and response of the terrain model for one mode (1-D arrays of valid pixels).

    Elevation enters in km, so that every column is of order 1: in metres the normal
    equations are ill-conditioned and the coefficients depend on the order of the block sums
    at ~1e-8.
    """
    one = np.ones_like(lst)
    if mode == 'illumination+lapse':
        return np.column_stack([one, z / 1000.0, cos_i, ndvi]), lst
    if mode == 'illumination':
        return np.column_stack([one, cos_i, ndvi]), lst
    if mode == 'fixed lapse rate':
        return np.column_stack([one, cos_i, ndvi]), lst - FIXED_LAPSE_K_PER_M * z
    raise ValueError(mode)


@dataclass
class _NormalEquations:
    size: int
    xtx: np.ndarray = None
    xty: np.ndarray = None
    yty: float = 0.0
    n: int = 0
    sum_z: float = 0.0
    sum_y: float = 0.0

    def __post_init__(self):
        self.xtx = np.zeros((self.size, self.size))
        self.xty = np.zeros(self.size)

    def add(self, x, y, z):
        # einsum, not BLAS: blocks are added in worker threads, where a threaded BLAS (OpenBLAS)
        # would compete with the pool for the cores and can slow down by orders of magnitude.
        self.xtx += np.einsum('ij,ik->jk', x, x)
        self.xty += np.einsum('ij,i->j', x, y)
        self.yty += float(np.einsum('i,i->', y, y))
        self.n += len(y)
        self.sum_z += float(z.sum())
        self.sum_y += float(y.sum())

    def merge(self, other):
        """Add the equations of another block."""
        self.xtx += other.xtx
        self.xty += other.xty
        self.yty += other.yty
        self.n += other.n
        self.sum_z += other.sum_z
        self.sum_y += other.sum_y

    def solve(self):
        """Least-squares coefficients; terms without variance (e.g. a flat DEM) get 0."""
        mean = self.xtx[0] / self.n
        variance = np.diag(self.xtx) / self.n - mean ** 2
        keep = np.ones(self.size, dtype=bool)
        keep[1:] = variance[1:] > 1e-12 * (1.0 + mean[1:] ** 2)
        beta = np.zeros(self.size)
        sub = np.ix_(keep, keep)
        beta[keep] = np.linalg.lstsq(self.xtx[sub], self.xty[keep], rcond=None)[0]
        rss = max(self.yty - 2.0 * beta @ self.xty + beta @ self.xtx @ beta, 0.0)
        return beta, rss, keep


@dataclass
class TerrainCorrection:
    """A fitted terrain model of LST and the correction it implies.

    Units: lapse rate in K per metre (``lapse_rate_k_per_km`` for reports),
    illumination coefficient in K per unit of cos i, NDVI coefficient in K.
    """
    mode: str = 'none'
    intercept: float = 0.0
    lapse_k_per_m: float = 0.0
    illumination_k: float = 0.0
    ndvi_k: float = 0.0
    reference_elevation: float = 0.0
    n_pixels: int = 0
    n_trimmed: int = 0
    r_squared: float = float('nan')
    residual_sd: float = float('nan')
    fitted_terms: tuple = field(default_factory=tuple)

    @property
    def lapse_rate_k_per_km(self) -> float:
        return 1000.0 * self.lapse_k_per_m

    def apply(self, lst: np.ndarray, z: Optional[np.ndarray], cos_i: Optional[np.ndarray],
              cos_sun_zenith: Optional[np.ndarray]) -> np.ndarray:
        """LST* (K, float32: the precision of a written LST*, so that a two-step model
        that writes LST* and downscales it gives exactly the same map)."""
        if self.mode == 'none':
            return np.asarray(lst, dtype=np.float32)
        corrected = (np.asarray(lst, dtype=np.float64)
                     - self.lapse_k_per_m * (z - self.reference_elevation)
                     - self.illumination_k * (cos_i - cos_sun_zenith))
        return corrected.astype(np.float32)

    def describe(self) -> str:
        if self.mode == 'none':
            return 'No terrain correction.'
        return ('Terrain correction ({}): lapse rate {:.2f} K/km{}, illumination coefficient {:.2f} K per unit '
                'cos i, NDVI coefficient {:.2f} K, reference elevation {:.0f} m; fit on {} pixels ({} trimmed as '
                'outliers), R² {:.3f}, residual sd {:.2f} K.').format(
                    self.mode, self.lapse_rate_k_per_km, ' (fixed)' if self.mode == 'fixed lapse rate' else '',
                    self.illumination_k, self.ndvi_k, self.reference_elevation, self.n_pixels, self.n_trimmed,
                    self.r_squared, self.residual_sd)


def _valid_pixels(lst, ndvi, z, cos_i):
    valid = np.isfinite(lst) & np.isfinite(ndvi) & np.isfinite(z) & np.isfinite(cos_i)
    return lst[valid], ndvi[valid], z[valid], cos_i[valid]


def fit_terrain_correction(read_blocks: Callable[[Optional[Progress], Callable[..., Any]], Iterable[Any]],
                           mode: str = 'illumination+lapse', progress: Optional[Progress] = None) -> TerrainCorrection:
    """Fit the terrain model of LST over all blocks.

    ``read_blocks(progress, function)`` returns a fresh iterator of ``function(lst, ndvi,
    z, cos_i)`` (arrays in K, -, m, -), one per block, in a fixed order (it may compute them
    in worker threads); it is called twice (fit, then trimmed refit).
    """
    if mode not in MODES:
        raise InputError('Unknown terrain correction mode {!r}; choose one of {}.'.format(mode, ', '.join(MODES)))
    return fit_terrain_corrections(read_blocks, (mode,), progress)[mode]


def fit_terrain_corrections(read_blocks: Callable[[Optional[Progress], Callable[..., Any]], Iterable[Any]],
                            modes: Sequence[str], progress: Optional[Progress] = None) -> Dict[str, TerrainCorrection]:
    """{mode: TerrainCorrection} for several modes from the same two passes over the blocks
    (each mode's fit is the one :func:`fit_terrain_correction` gives)."""
    fitted = tuple(mode for mode in modes if mode != 'none')
    corrections = {mode: TerrainCorrection() for mode in modes if mode == 'none'}
    if not fitted:
        return corrections
    sizes = {mode: 4 if mode == 'illumination+lapse' else 3 for mode in fitted}

    def block_equations(lst, ndvi, z, cos_i):
        values = _valid_pixels(lst, ndvi, z, cos_i)
        equations = {}
        for mode in fitted:
            equations[mode] = _NormalEquations(sizes[mode])
            x, y = _design(mode, *values)
            equations[mode].add(x, y, values[2])
        return equations

    first = {mode: _NormalEquations(sizes[mode]) for mode in fitted}
    for equations in read_blocks(progress.sub(0.0, 0.5) if progress else None, block_equations):
        for mode in fitted:
            first[mode].merge(equations[mode])
    if first[fitted[0]].n < _MIN_PIXELS:
        raise InputError('Too few pixels ({}) have LST, NDVI and DEM values together for the terrain correction; '
                         'check that the three rasters overlap and share valid data.'.format(first[fitted[0]].n))
    betas, sigmas = {}, {}
    for mode in fitted:
        beta, rss, _ = first[mode].solve()
        betas[mode] = beta
        sigmas[mode] = np.sqrt(rss / max(first[mode].n - sizes[mode], 1))

    def block_trimmed_equations(lst, ndvi, z, cos_i):
        values = _valid_pixels(lst, ndvi, z, cos_i)
        equations = {}
        for mode in fitted:
            equations[mode] = _NormalEquations(sizes[mode])
            x, y = _design(mode, *values)
            # einsum, not BLAS: a worker thread (see _NormalEquations.add).
            fitted_values = np.einsum('ij,j->i', x, betas[mode])
            sigma = sigmas[mode]
            inlier = np.abs(y - fitted_values) <= 3.0 * sigma if sigma > 0 else np.ones(len(y), dtype=bool)
            equations[mode].add(x[inlier], y[inlier], values[2][inlier])
        return equations

    trimmed = {mode: _NormalEquations(sizes[mode]) for mode in fitted}
    for equations in read_blocks(progress.sub(0.5, 1.0) if progress else None, block_trimmed_equations):
        for mode in fitted:
            trimmed[mode].merge(equations[mode])
    for mode in fitted:
        corrections[mode] = _correction(mode, first[mode], trimmed[mode])
    return {mode: corrections[mode] for mode in modes}


def _correction(mode, first, trimmed):
    """The TerrainCorrection of one mode from its first and its trimmed normal equations."""
    size = trimmed.size
    beta, rss, keep = trimmed.solve()
    tss = trimmed.yty - trimmed.sum_y ** 2 / trimmed.n
    names = ['intercept', 'elevation', 'illumination', 'ndvi'] if size == 4 else ['intercept', 'illumination', 'ndvi']
    coefficients = dict(zip(names, beta))
    return TerrainCorrection(
        mode=mode, intercept=coefficients['intercept'],
        lapse_k_per_m=(coefficients['elevation'] / 1000.0 if 'elevation' in coefficients
                       else FIXED_LAPSE_K_PER_M if mode == 'fixed lapse rate' else 0.0),
        illumination_k=coefficients['illumination'], ndvi_k=coefficients['ndvi'],
        reference_elevation=trimmed.sum_z / trimmed.n, n_pixels=trimmed.n, n_trimmed=first.n - trimmed.n,
        r_squared=1.0 - rss / tss if tss > 0 else float('nan'),
        residual_sd=float(np.sqrt(rss / max(trimmed.n - size, 1))),
        fitted_terms=tuple(name for name, kept in zip(names, keep) if kept))


@dataclass
class TerrainCheck:
    """The checks of METHOD.md §3: spatial sd of LST and LST* (K) and corr(LST*, cos i) (NaN when unknown)."""
    lst_sd: float = float('nan')
    lst_star_sd: float = float('nan')
    corr_lst_star_cos_i: float = float('nan')


class CorrectionCheck:
    """Accumulates corr(LST*, cos i) and the spatial sd of LST and LST* (METHOD.md §3 checks)."""

    def __init__(self):
        self.sums = np.zeros(8)

    def add(self, lst: np.ndarray, lst_star: np.ndarray, cos_i: np.ndarray) -> None:
        valid = np.isfinite(lst) & np.isfinite(lst_star) & np.isfinite(cos_i)
        a = np.asarray(lst, dtype=float)[valid]
        b = np.asarray(lst_star, dtype=float)[valid]
        c = np.asarray(cos_i, dtype=float)[valid]
        # Shift by a constant to keep the sums well conditioned.
        a, b = a - 280.0, b - 280.0
        self.sums += [len(a), a.sum(), (a * a).sum(), b.sum(), (b * b).sum(), c.sum(), (c * c).sum(), (b * c).sum()]

    def merge(self, other: CorrectionCheck) -> None:
        """Add the sums of another check (e.g. of another block)."""
        self.sums += other.sums

    def result(self) -> TerrainCheck:
        n, sa, saa, sb, sbb, sc, scc, sbc = self.sums
        if n < 3:
            return TerrainCheck()
        var_a = saa / n - (sa / n) ** 2
        var_b = sbb / n - (sb / n) ** 2
        var_c = scc / n - (sc / n) ** 2
        cov_bc = sbc / n - sb * sc / n ** 2
        corr = cov_bc / np.sqrt(var_b * var_c) if var_b > 0 and var_c > 0 else float('nan')
        return TerrainCheck(float(np.sqrt(max(var_a, 0))), float(np.sqrt(max(var_b, 0))), float(corr))
