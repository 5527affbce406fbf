"""Area-to-point kriging (ATPK) of the coarse residual (Kyriakidis 2004; METHOD.md §6 option).

The residual r_c of a coarse cell is an areal datum: the mean over the cell of an unknown
point field r(x). ATPK predicts r(x) = Σ_k λ_k(x)·r_k from the cells k of a neighbourhood,
with ordinary-kriging weights built from a point-support covariance C(h) and its
regularizations, block-to-block C̄(v_i, v_j) and block-to-point C̄(v_i, x). Its prediction is
coherent: averaged over a cell it gives back the cell's datum (up to the discretization of the
integrals; the residual step's per-cell remainder makes the cell means exact).

Geometry: everything lives in the coarse grid's index space, where a cell is 1 × 1 and, in
ground distance, one column is ``aspect`` rows wide (the cells' ground anisotropy: cells in
EPSG:4326 are cos(latitude) times narrower than tall). The weights of a point then depend
only on its position inside its own cell, on which neighbours have a residual, and on the
aspect of its row. They are solved once per such pattern at a LATTICE × LATTICE set of
positions inside the cell, the lattice values of each cell are computed on the coarse grid
(:class:`AtpkField`), and a pixel takes the bilinear interpolation of its own cell's lattice
values: the same value in any block, for any memory budget or number of threads.

Covariance: C(h) = s·exp(−h/a), h in cell heights (ground distance along the columns), fitted
by deconvolution: the areal semivariogram γ_v(h) = n0 + s·[C̄₁(v, v) − C̄₁(v, v_h)] (C̄₁ the
regularized unit-sill model) is fitted by weighted least squares to the empirical
semivariogram of the coarse residuals, the range on a grid of candidates. n0, an areal nugget
(variability between neighbouring cells that the smooth point model does not explain), is
fitted so that it does not distort the range, but the kriging treats the data as exact: as a
nugget in the kriging system it would smooth the residual, and the per-cell remainder would
add the difference back as a constant per cell. On the 50 twin scenes of the accuracy
benchmark (one run with a 9 × 9 lattice, each run scored on its own pixels) that was worse (mean
ubRMSE / bilinear interpolation 0.759) than exact data (0.755) and than the bilinear spread
(0.764). On the ten Rocky Mountain NP scenes a 5 × 5 lattice was as good as 9 × 9, a 3 × 3
neighbourhood 0.7 % worse than 5 × 5 and 7 × 7 0.1 % better. docs/BENCHMARKS.md has the final table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Tuple, Union

import numpy as np

if TYPE_CHECKING:
    from .raster_io import GridSpec

#: Half-width of the kriging neighbourhood in cells ((2m+1)² cells around the point's own).
NEIGHBOURHOOD = 2
#: Positions per axis of the lattice inside a cell at which the weights are solved (corners included).
LATTICE = 5
#: Points per axis that discretize a cell in the covariance integrals.
SUBCELLS = 6
#: Largest lag (cells, per axis) of the empirical semivariogram, and the pairs a lag needs to count.
MAX_LAG = 5
MIN_PAIRS = 10
#: Candidate ranges of the exponential point covariance (cell heights).
RANGES = np.geomspace(0.1, 60.0, 48)
#: Aspect ratios are grouped in steps of this relative size (2 %): one set of weights per group.
ASPECT_STEP = 0.02
#: Cells whose residuals the field combines at once (bounds the temporary arrays to ~20 MB).
CHUNK_CELLS = 1024

_OFFSETS = np.array([(dr, dc) for dr in range(-NEIGHBOURHOOD, NEIGHBOURHOOD + 1)
                     for dc in range(-NEIGHBOURHOOD, NEIGHBOURHOOD + 1)], dtype=np.int64)
#: The four lattice nodes around a position, as steps in the flat lattice index.
_NODE_STEPS = np.array([0, 1, LATTICE, LATTICE + 1], dtype=np.intp)


def cell_aspect(grid: GridSpec) -> np.ndarray:
    """Ground width over ground height of the cells of each row of ``grid`` (array (rows,))."""
    gt = grid.geotransform
    ratio = abs(gt[1]) / abs(gt[5])
    if not grid.is_geographic:
        return np.full(grid.height, ratio)
    latitude = gt[3] + (np.arange(grid.height) + 0.5) * gt[5]
    return ratio * np.maximum(np.cos(np.radians(latitude)), 1e-3)


@dataclass(frozen=True)
class PointCovariance:
    """C(h) = sill·exp(−h/range_cells) at point support, plus an areal nugget.

    sill and nugget in (m³/m³)²; range_cells in cell heights (ground distance along a column)."""
    sill: float = 1.0
    range_cells: float = 1.0
    nugget: float = 0.0
    #: Whether the model was fitted (False: too few residual pairs, the default model is used).
    fitted: bool = False

    def __call__(self, h):
        return self.sill * np.exp(-np.asarray(h, dtype=float) / self.range_cells)

    def describe(self) -> str:
        if not self.fitted:
            return 'too few residual pairs to fit a covariance: exponential with a range of 1 cell assumed'
        return ('exponential point covariance with a range of {:.2f} cells and a sill of {:.3g} (m³/m³)², '
                'areal nugget {:.3g} (m³/m³)²'.format(self.range_cells, self.sill, self.nugget))


def _difference_weights(n):
    """Offsets (in cells) between the discretization points of two cells along one axis, and
    the share of point pairs at each: the triangular distribution of u1 − u2."""
    steps = np.arange(-(n - 1), n)
    return steps / n, (n - np.abs(steps)) / float(n * n)


def block_covariance(covariance: PointCovariance, drow: Union[float, np.ndarray], dcol: Union[float, np.ndarray],
                     aspect: float, n: int = SUBCELLS) -> Union[float, np.ndarray]:
    """C̄(v, v') of cells offset by (drow, dcol) (arrays, broadcast), discretized by n × n points."""
    d, share = _difference_weights(n)
    drow = np.asarray(drow, dtype=float)[..., None, None]
    dcol = np.asarray(dcol, dtype=float)[..., None, None]
    h = np.hypot((dcol + d[None, :]) * aspect, drow + d[:, None])
    return (covariance(h) * (share[:, None] * share[None, :])).sum(axis=(-1, -2))


def point_block_covariance(covariance: PointCovariance, px: np.ndarray, py: np.ndarray, drow: np.ndarray,
                           dcol: np.ndarray, aspect: float, n: int = SUBCELLS) -> np.ndarray:
    """C̄(x, v) of points (px, py) inside their cell (fractions 0..1 along columns and rows, arrays
    (L,)) with the cells offset by (drow, dcol) (arrays (K,)): array (L, K)."""
    u = (np.arange(n) + 0.5) / n
    dx = (np.asarray(dcol, float)[None, :, None, None] + u[None, None, None, :] - np.asarray(px)[:, None, None, None])
    dy = (np.asarray(drow, float)[None, :, None, None] + u[None, None, :, None] - np.asarray(py)[:, None, None, None])
    return covariance(np.hypot(dx * aspect, dy)).mean(axis=(-1, -2))


def areal_semivariogram(residual: np.ndarray, max_lag: int = MAX_LAG, min_pairs: int = MIN_PAIRS
                        ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empirical semivariogram of a coarse field (2-D, NaN where missing) at every cell offset
    (drow, dcol) up to ``max_lag`` (half of the offsets: γ is symmetric). Returns (drow, dcol,
    γ, number of pairs) of the offsets with at least ``min_pairs`` pairs."""
    ny, nx = residual.shape
    rows, cols, gammas, counts = [], [], [], []
    for drow in range(0, max_lag + 1):
        for dcol in range(-max_lag, max_lag + 1):
            if (drow == 0 and dcol <= 0) or drow >= ny or abs(dcol) >= nx:
                continue
            a = residual[drow:, max(dcol, 0):nx + min(dcol, 0)]
            b = residual[:ny - drow, max(-dcol, 0):nx - max(dcol, 0)]
            difference = a - b
            valid = np.isfinite(difference)
            n = int(valid.sum())
            if n >= min_pairs:
                rows.append(drow)
                cols.append(dcol)
                gammas.append(0.5 * float(np.mean(difference[valid] ** 2)))
                counts.append(n)
    return (np.array(rows, dtype=float), np.array(cols, dtype=float), np.array(gammas), np.array(counts, dtype=float))


def fit_point_covariance(residual: np.ndarray, aspect: float, ranges: Iterable[float] = RANGES) -> PointCovariance:
    """The PointCovariance whose regularization fits the areal semivariogram of ``residual``
    (2-D coarse field, NaN where missing; ``aspect``: the cells' ground width over height).

    For each candidate range the areal nugget and the sill follow by non-negative weighted least
    squares (weights: pairs per lag); the range with the smallest weighted misfit wins."""
    drow, dcol, gamma, pairs = areal_semivariogram(residual)
    if gamma.size < 3 or not np.any(gamma > 0):
        return PointCovariance()
    best = None
    for range_cells in ranges:
        unit = PointCovariance(1.0, float(range_cells))
        shape = block_covariance(unit, 0.0, 0.0, aspect) - block_covariance(unit, drow, dcol, aspect)
        nugget, sill = _nonnegative_fit(shape, gamma, pairs)
        if sill <= 0:
            continue
        misfit = float(np.sum(pairs * (gamma - nugget - sill * shape) ** 2))
        if best is None or misfit < best[0]:
            best = (misfit, PointCovariance(sill, float(range_cells), nugget, True))
    return best[1] if best is not None else PointCovariance()


def _nonnegative_fit(shape, gamma, weights):
    """(n0, s) ≥ 0 minimizing Σ w·(γ − n0 − s·shape)²."""
    design = np.column_stack([np.ones_like(shape), shape]) * np.sqrt(weights)[:, None]
    target = gamma * np.sqrt(weights)
    nugget, sill = np.linalg.lstsq(design, target, rcond=None)[0]
    if nugget >= 0 and sill >= 0:
        return float(nugget), float(sill)
    candidates = []
    # On the boundary: one of the two is zero.
    sill_only = float(np.dot(design[:, 1], target) / max(np.dot(design[:, 1], design[:, 1]), 1e-300))
    candidates.append((0.0, max(sill_only, 0.0)))
    candidates.append((max(float(np.sum(weights * gamma) / np.sum(weights)), 0.0), 0.0))
    return min(candidates, key=lambda c: float(np.sum(weights * (gamma - c[0] - c[1] * shape) ** 2)))


def lattice_positions() -> Tuple[np.ndarray, np.ndarray]:
    """(px, py) of the lattice points inside a cell (flat, row-major: index = row·LATTICE + column)."""
    t = np.linspace(0.0, 1.0, LATTICE)
    py, px = np.meshgrid(t, t, indexing='ij')
    return px.ravel(), py.ravel()


def kriging_weights(covariance: PointCovariance, aspect: float, valid: np.ndarray) -> np.ndarray:
    """Ordinary ATPK weights (P, LATTICE², K) of the lattice points of a cell on the K cells of its
    neighbourhood (_OFFSETS), for P patterns of valid neighbours (bool (P, K)); 0 on invalid cells.

    The kriging system uses the covariance relative to its sill (weights do not depend on the
    scale) and treats the data as exact: the areal nugget is left out (see the module notes).
    The system of the whole neighbourhood is inverted once; a pattern without some cells is then
    solved from that inverse (the inverse of a principal submatrix from the full inverse), one small
    system per pattern the size of its missing cells."""
    valid = np.asarray(valid, dtype=bool)
    n_patterns, k = valid.shape
    unit = PointCovariance(1.0, covariance.range_cells)
    difference = _OFFSETS[None, :, :] - _OFFSETS[:, None, :]
    lhs = np.zeros((k + 1, k + 1))
    lhs[:k, :k] = block_covariance(unit, difference[..., 0], difference[..., 1], aspect)
    # A tiny ridge keeps nearly singular systems (very long ranges) solvable.
    lhs[:k, :k] += np.eye(k) * 1e-10
    lhs[:k, k] = lhs[k, :k] = 1.0
    px, py = lattice_positions()
    rhs = np.ones((k + 1, px.size))
    rhs[:k] = point_block_covariance(unit, px, py, _OFFSETS[:, 0], _OFFSETS[:, 1], aspect).T
    inverse = np.linalg.inv(lhs)
    full = inverse @ rhs
    weights = np.empty((n_patterns, px.size, k))
    missing = (~valid).sum(axis=1)
    for q in np.unique(missing):
        members = np.flatnonzero(missing == q)
        if q == 0:
            weights[members] = full[:k].T
            continue
        for start in range(0, members.size, 2048):
            part = members[start:start + 2048]
            # With M the missing cells and B the full inverse, the reduced system's solution is
            # x = y − B[:, M]·B[M, M]⁻¹·y[M], where y = B·(rhs without the rows of M); x[M] = 0.
            cells = np.nonzero(~valid[part])[1].reshape(part.size, q)
            b_m = inverse[:, cells].transpose(1, 0, 2)
            b_mm = inverse[cells[:, :, None], cells[:, None, :]]
            y = full[None] - b_m @ rhs[cells]
            y_m = np.take_along_axis(y, cells[:, :, None], axis=1)
            x = y - b_m @ np.linalg.solve(b_mm, y_m)
            weights[part] = x[:, :k].transpose(0, 2, 1)
    weights[~np.broadcast_to(valid[:, None, :], weights.shape)] = 0.0
    return weights


class AtpkField:
    """The ATPK prediction of a coarse residual on the lattice of every cell (flat (cells, LATTICE²)).

    residual: flat (ny·nx) residual per cell (NaN counts as 0 on ``valid`` cells); valid: bool,
    the cells that carry a residual (the pattern of neighbours; known before the residual);
    aspect: per row (cell_aspect); covariance: a PointCovariance."""

    def __init__(self, residual: np.ndarray, valid: np.ndarray, grid_shape: Tuple[int, int], aspect: np.ndarray,
                 covariance: PointCovariance):
        ny, nx = grid_shape
        self.grid_shape = grid_shape
        valid = np.asarray(valid, dtype=bool).reshape(ny, nx)
        values = np.where(valid, np.nan_to_num(np.asarray(residual, dtype=float).reshape(ny, nx)), 0.0)
        m = NEIGHBOURHOOD
        padded_valid = np.pad(valid, m)
        padded_values = np.pad(values, m)
        rows, cols = np.nonzero(valid)
        neighbour_valid = padded_valid[rows[:, None] + m + _OFFSETS[:, 0], cols[:, None] + m + _OFFSETS[:, 1]]
        neighbour_values = padded_values[rows[:, None] + m + _OFFSETS[:, 0], cols[:, None] + m + _OFFSETS[:, 1]]
        # One set of weights per (aspect group, pattern of valid neighbours).
        aspect = np.asarray(aspect, dtype=float)
        aspect_group = np.round(np.log(aspect) / ASPECT_STEP).astype(np.int64)
        bits = (neighbour_valid.astype(np.int64) << np.arange(_OFFSETS.shape[0], dtype=np.int64)).sum(axis=1)
        keys = aspect_group[rows] * (1 << _OFFSETS.shape[0]) + bits
        unique_keys, first, pattern = np.unique(keys, return_index=True, return_inverse=True)
        weights = np.empty((unique_keys.size, LATTICE * LATTICE, _OFFSETS.shape[0]))
        groups = aspect_group[rows[first]]
        for group in np.unique(groups):
            members = np.flatnonzero(groups == group)
            weights[members] = kriging_weights(covariance, float(np.exp(group * ASPECT_STEP)),
                                               neighbour_valid[first[members]])
        self.n_patterns = unique_keys.size
        self.values = np.zeros((ny * nx, LATTICE * LATTICE))
        cells = rows * nx + cols
        for start in range(0, cells.size, CHUNK_CELLS):
            part = slice(start, start + CHUNK_CELLS)
            self.values[cells[part]] = np.einsum('clk,ck->cl', weights[pattern[part]], neighbour_values[part])

    def zonal_sums(self, lattice_sums: LatticeSums) -> np.ndarray:
        """Σ over each cell's pixels of their interpolated values, from the LatticeSums of the pixels."""
        return np.einsum('cl,cl->c', lattice_sums.sums.reshape(self.values.shape), self.values)

    def at_pixels(self, lattice: LatticeWeights) -> np.ndarray:
        """Values at pixels from their LatticeWeights (0 outside every cell)."""
        return lattice.interpolate(self.values.ravel())


class LatticeWeights:
    """The bilinear weights of pixels on the lattice nodes of their own cell (as residual.BilinearWeights
    on the cell centres).

    Built from the pixels' kept bilinear geometry (residual.bilinear_geometry): the first bilinear node's
    place around the pixel's own cell (``corner``) and the fractions between cell centres give the
    position inside the cell without any integer division. Beyond the outermost cell centres that
    geometry is clamped, so positions there are clamped to the middle of the cell."""

    def __init__(self, zone: np.ndarray, corner: np.ndarray, wx: np.ndarray, wy: np.ndarray, n_cells: int):
        zone = np.asarray(zone)
        self.n_nodes = n_cells * LATTICE * LATTICE
        steps = LATTICE - 1
        # Position inside the own cell (0..1): the first node's column/row offset from the cell (−1, 0
        # or 1) plus the fraction between centres, from the cell's left/top edge.
        corner = np.asarray(corner)
        gx = np.clip((corner % 3 - 0.5) + np.asarray(wx, dtype=np.float64), 0.0, 1.0) * steps
        gy = np.clip((corner // 3 - 0.5) + np.asarray(wy, dtype=np.float64), 0.0, 1.0) * steps
        ix = np.minimum(gx.astype(np.intp), steps - 1)
        iy = np.minimum(gy.astype(np.intp), steps - 1)
        fx, fy = gx - ix, gy - iy
        #: The first of each pixel's four lattice nodes (flat index into the cells' lattice values).
        #: Pixels outside every cell (zone −1) point before the first cell: callers never use them.
        self.base = zone.astype(np.intp) * (LATTICE * LATTICE) + iy * LATTICE + ix
        ax, ay = 1.0 - fx, 1.0 - fy
        self.weights = np.empty((zone.size, 4))
        for k, (u, v) in enumerate(((ax, ay), (fx, ay), (ax, fy), (fx, fy))):
            np.multiply(u, v, out=self.weights[:, k])

    def interpolate(self, lattice_values: np.ndarray) -> np.ndarray:
        """Σ weight·value over each pixel's four lattice nodes (``lattice_values``: flat, cells·LATTICE²)."""
        result = np.zeros(self.base.size)
        for k, step in enumerate(_NODE_STEPS):
            # Four gathers: cheaper than building a sparse matrix for a product or two.
            result += self.weights[:, k] * lattice_values.take(self.base + step, mode='wrap')
        return result


class LatticeSums:
    """Per cell and lattice node, the sum of the interpolation weights of the cell's pixels (the
    ATPK counterpart of residual.SpreadSums): then the zonal sum of the interpolated field needs no
    pass over the pixels. Accumulated block by block, in window order."""

    def __init__(self, n_cells: int):
        self.sums = np.zeros(n_cells * LATTICE * LATTICE)

    @staticmethod
    def block_part(zone: np.ndarray, lattice: LatticeWeights) -> Tuple[int, np.ndarray]:
        """(offset, sums) of one block's pixels with a value (``zone`` ≥ 0; ``lattice``: their
        LatticeWeights), over the lattice nodes of the range of cells they fall in."""
        zone = np.asarray(zone)
        inside = zone >= 0
        if not inside.any():
            return 0, np.zeros(0)
        first = int(np.where(inside, zone, np.iinfo(zone.dtype).max).min()) * LATTICE * LATTICE
        size = (int(zone.max()) + 1) * LATTICE * LATTICE - first
        # Pixels without a value go to an extra bin that is dropped.
        base = np.where(inside, lattice.base - first, size)
        part = np.zeros(size)
        for k, step in enumerate(_NODE_STEPS):
            bins = np.minimum(base + step, size) if step else base
            part += np.bincount(bins, weights=lattice.weights[:, k], minlength=size + 1)[:size]
        return first, part

    def add_part(self, offset: int, part: np.ndarray) -> None:
        self.sums[offset:offset + part.size] += part
