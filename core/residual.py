"""Coarse-to-fine interpolation, zonal means, residual correction and bounded
value consistency (METHOD.md §5–§6)."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from scipy import sparse


def bilinear_geometry(fcol: np.ndarray, frow: np.ndarray, grid_shape: Tuple[int, int]
                      ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The coarse cell and the compact bilinear geometry of fine pixels in a coarse grid.

    fcol, frow: fractional coarse indices of the pixels (cell (i, j) spans [i, i+1) ×
    [j, j+1), so its centre is at i + 0.5); grid_shape: (ny, nx). Returns (zone, node0, wx,
    wy, corner): the flat index of the pixel's own cell (int32, −1 outside the grid or where
    the indices are not finite), the flat index of the first of the four surrounding cell
    centres (int32), the fractional position between the centres (float32, in [0, 1]) and
    where the first node lies in the 3×3 neighbourhood of the pixel's own cell (int8, for
    :class:`SpreadSums`). Beyond the outer centres the nodes are clamped into the grid with
    the weight on the inner node, which is bilinear interpolation renormalized over the
    nodes inside the grid.
    """
    ny, nx = grid_shape
    fcol = np.asarray(fcol, dtype=np.float64)
    frow = np.asarray(frow, dtype=np.float64)
    with np.errstate(invalid='ignore'):
        finite = np.isfinite(fcol) & np.isfinite(frow)
    index_dtype = np.int32 if ny * nx < 2 ** 31 else np.int64

    def axis(position, size):
        position = np.where(finite, position, 0.5)
        cell = np.floor(position)
        inside = (cell >= 0) & (cell < size)
        u = position - 0.5
        first = np.floor(u)
        fraction = u - first
        # Outside the outer centres all weight goes to the nearest inner node.
        np.copyto(fraction, 0.0, where=first < 0)
        np.copyto(fraction, 1.0, where=first > size - 2)
        if size == 1:
            fraction[:] = 0.0
        first = np.clip(first, 0, max(size - 2, 0))
        offset = np.clip(first - cell + 1, 0, 2)
        return cell, inside, first.astype(index_dtype), fraction.astype(np.float32), offset.astype(np.int8)

    col, inside_col, i0, wx, dcol = axis(fcol, nx)
    row, inside_row, j0, wy, drow = axis(frow, ny)
    inside = inside_col & inside_row & finite
    zone = np.where(inside, row * nx + col, -1).astype(index_dtype)
    return zone, j0 * nx + i0, wx, wy, drow * np.int8(3) + dcol


class BilinearWeights:
    """Bilinear interpolation from coarse cell centres in the coarse grid's index space.

    Built from the compact geometry of :func:`bilinear_geometry` (or from fractional
    indices with :meth:`from_indices`). Interpolation is a sparse matrix product (one
    compiled call for any number of fields), renormalized over the cells that have a
    value. No block edges appear, since the weights depend only on the position in the
    coarse grid.
    """

    def __init__(self, node0: np.ndarray, wx: np.ndarray, wy: np.ndarray, corner: np.ndarray,
                 grid_shape: Tuple[int, int]):
        ny, nx = grid_shape
        self.grid_shape = (ny, nx)
        self.n_cells = ny * nx
        self.corner = corner
        step_x, step_y = (1 if nx > 1 else 0), (nx if ny > 1 else 0)
        # Column by column: broadcasting into (n, 4) arrays is several times slower.
        self.nodes = np.empty((node0.size, 4), dtype=node0.dtype)
        for k, step in enumerate((0, step_x, step_y, step_x + step_y)):
            # A scalar of the array's own type: a Python int would make this a slow casting loop.
            np.add(node0, node0.dtype.type(step), out=self.nodes[:, k])
        wx = wx.astype(np.float64)
        wy = wy.astype(np.float64)
        ax, ay = 1.0 - wx, 1.0 - wy
        self.weights = np.empty((node0.size, 4))
        for k, (u, v) in enumerate(((ax, ay), (wx, ay), (ax, wy), (wx, wy))):
            np.multiply(u, v, out=self.weights[:, k])
        self._matrix = None

    @classmethod
    def from_indices(cls, fcol: np.ndarray, frow: np.ndarray, grid_shape: Tuple[int, int]) -> BilinearWeights:
        return cls(*bilinear_geometry(np.ravel(fcol), np.ravel(frow), grid_shape)[1:], grid_shape)

    @property
    def matrix(self) -> sparse.csr_matrix:
        """The (pixels × cells) CSR matrix of the raw weights."""
        if self._matrix is None:
            n = self.nodes.shape[0]
            indptr = np.arange(0, 4 * n + 1, 4, dtype=np.int64 if 4 * n >= 2 ** 31 else np.int32)
            self._matrix = sparse.csr_matrix((self.weights.ravel(), self.nodes.ravel(), indptr),
                                             shape=(n, self.n_cells))
        return self._matrix

    def interpolate(self, cell_values: np.ndarray, valid_nodes: Optional[np.ndarray] = None) -> np.ndarray:
        """Σ w·value / Σ w over the four nodes that have a value; NaN where none has.

        cell_values: (ncells,) or (ncells, k) flat coarse values; valid_nodes: bool (ncells,)
        or None (= where all of a cell's values are finite).
        """
        values = np.asarray(cell_values, dtype=np.float64)
        finite = np.isfinite(values) if values.ndim == 1 else np.all(np.isfinite(values), axis=1)
        valid = finite if valid_nodes is None else np.asarray(valid_nodes, dtype=bool).ravel() & finite
        masked = np.where(valid if values.ndim == 1 else valid[:, None], values, 0.0)
        numerator = self.matrix @ masked
        if valid.all():
            # Every row of weights sums to 1: nothing to renormalize.
            return numerator
        total = self.matrix @ valid.astype(np.float64)
        # Only pixels next to a cell without a value need dividing (NaN where no node has one).
        partial = np.flatnonzero(total < 1.0 - 1e-9)
        with np.errstate(invalid='ignore', divide='ignore'):
            scale = np.where(total[partial] > 0, 1.0 / total[partial], np.nan)
        numerator[partial] *= scale if values.ndim == 1 else scale[:, None]
        return numerator

    def normalized(self, valid_nodes: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(nodes, weights) of every pixel, weights renormalized over the nodes where
        ``valid_nodes`` (bool, flat or 2-D) is true; all 0 where none is."""
        nodes, weights = self.nodes, self.weights
        if valid_nodes is None or np.all(valid_nodes):
            return nodes, weights
        valid = np.asarray(valid_nodes, dtype=bool).ravel()
        # Only pixels with an invalid node among their four (weight on valid nodes < 1) need new weights.
        valid_weight = self.matrix @ valid.astype(np.float64)
        partial = np.flatnonzero(valid_weight < 1.0 - 1e-9)
        if partial.size == 0:
            return nodes, weights
        weights = weights.copy()
        rows = weights[partial] * valid[nodes[partial]]
        total = rows.sum(axis=-1, keepdims=True)
        with np.errstate(invalid='ignore', divide='ignore'):
            weights[partial] = np.where(total > 0, rows / total, 0.0)
        return nodes, weights


def bilinear_on_lattice(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a small 2-D array at the lattice rows × cols of fractional
    indices (sample k sits at index k); positions beyond the first or last sample take its
    value. Returns an array (len(rows), len(cols))."""
    def axis(positions, n):
        positions = np.asarray(positions, dtype=np.float64)
        first = np.clip(np.floor(positions).astype(np.int64), 0, max(n - 2, 0))
        weight = np.clip(positions - first, 0.0, 1.0) if n > 1 else np.zeros_like(positions)
        return first, np.minimum(first + 1, n - 1), weight
    r0, r1, wr = axis(rows, values.shape[0])
    c0, c1, wc = axis(cols, values.shape[1])
    along_cols = values[:, c0] * (1.0 - wc) + values[:, c1] * wc
    return along_cols[r0] * (1.0 - wr)[:, None] + along_cols[r1] * wr[:, None]


def zonal_sums(zone: np.ndarray, values: np.ndarray, n_cells: int, counts: bool = True
               ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Per-cell sum and (unless ``counts`` is false) count of the finite values of pixels with
    zone ≥ 0 (np.bincount)."""
    zone = np.asarray(zone).ravel()
    values = np.asarray(values, dtype=np.float64).ravel()
    # Skipped pixels go to an extra bin that is dropped: no masked copies of the inputs.
    bins = np.where((zone >= 0) & np.isfinite(values), zone, n_cells)
    sums = np.bincount(bins, weights=values, minlength=n_cells + 1)[:n_cells]
    if not counts:
        return sums, None
    return sums, np.bincount(bins, minlength=n_cells + 1)[:n_cells]


class SpreadSums:
    """M[c, k] = Σ over the pixels of cell c of their interpolation weight on the neighbour k
    of c (k over the 3×3 neighbourhood, which holds every bilinear node of c's pixels).

    Then the zonal sum of an interpolated coarse field r is Σ_k M[c, k]·r[c + offset_k]: the
    remainder r_c − ⟨r_f⟩_c needs no second pass over the fine pixels. Accumulated with
    np.bincount, block by block.
    """

    def __init__(self, grid_shape: Tuple[int, int]):
        self.ny, self.nx = grid_shape
        self.sums = np.zeros(self.ny * self.nx * 9)

    #: Offsets of the four bilinear nodes from the first one, in the 3×3 neighbourhood index.
    NODE_STEPS = np.array([0, 1, 3, 4], dtype=np.int64)

    @staticmethod
    def block_part(zone: np.ndarray, corner: np.ndarray, weights: np.ndarray) -> Tuple[int, np.ndarray]:
        """(offset, sums): one block's share of M, over the range of cells its pixels fall in
        (a block covers a few rows of cells: no full-size array per block)."""
        zone = np.asarray(zone)
        inside = zone >= 0
        if not inside.any():
            return 0, np.zeros(0)
        first = int(np.where(inside, zone, np.iinfo(zone.dtype).max).min()) * 9
        size = (int(zone.max()) + 1) * 9 - first
        # One bincount per node; pixels outside every cell go to an extra bin that is dropped.
        base = np.where(inside, zone.astype(np.int64) * 9 + corner - first, size)
        part = np.zeros(size)
        for k, step in enumerate(SpreadSums.NODE_STEPS):
            bins = np.minimum(base + step, size) if step else base
            part += np.bincount(bins, weights=weights[:, k], minlength=size + 1)[:size]
        return first, part

    def add_part(self, offset: int, part: np.ndarray) -> None:
        """Add a :meth:`block_part`."""
        self.sums[offset:offset + part.size] += part

    def zonal_sum_of_interpolated(self, field: np.ndarray) -> np.ndarray:
        """Σ over each cell's pixels of the bilinear interpolation of ``field`` (flat, NaN → 0)."""
        values = np.where(np.isfinite(field), field, 0.0).reshape(self.ny, self.nx)
        padded = np.pad(values, 1)
        sums = self.sums.reshape(self.ny, self.nx, 9)
        total = np.zeros((self.ny, self.nx))
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                neighbour = padded[1 + dr:1 + dr + self.ny, 1 + dc:1 + dc + self.nx]
                total += sums[:, :, (dr + 1) * 3 + (dc + 1)] * neighbour
        return total.ravel()


class BoundedConsistency:
    """Per-cell shift δ_c so that the mean of clip(θ0 + δ_c, lo, hi) over the cell equals θ_c.

    This is the fixed point of "clip, then move the clipped amount onto the
    other pixels of the cell, repeat" (METHOD.md §6), solved by a safeguarded
    Newton iteration, one pass over the fine pixels per iteration.
    """

    #: Coarse values this close outside a bound (e.g. float32 rounding of 0.6) count as on it.
    BOUND_TOLERANCE = 1e-6

    def __init__(self, target: np.ndarray, n_pixels: np.ndarray, lower: float, upper: float, cell_min: np.ndarray,
                 cell_max: np.ndarray):
        self.lower, self.upper = float(lower), float(upper)
        target = np.asarray(target, dtype=np.float64)
        self.n = np.asarray(n_pixels, dtype=np.float64)
        self.delta = np.zeros_like(target)
        with np.errstate(invalid='ignore'):
            self.bracket_low = np.where(np.isfinite(cell_max), self.lower - cell_max, 0.0)
            self.bracket_high = np.where(np.isfinite(cell_min), self.upper - cell_min, 0.0)
        with np.errstate(invalid='ignore'):
            self.feasible = ((self.n > 0) & (target >= self.lower - self.BOUND_TOLERANCE)
                             & (target <= self.upper + self.BOUND_TOLERANCE))
        self.target = np.clip(target, self.lower, self.upper)

    def clip(self, theta0: np.ndarray, zone: np.ndarray) -> np.ndarray:
        """clip(θ0 + δ_zone) for pixels (zone ≥ 0)."""
        shift = np.where(zone >= 0, self.delta[np.maximum(zone, 0)], 0.0)
        return np.clip(theta0 + shift, self.lower, self.upper)

    @staticmethod
    def statistics(theta0: np.ndarray, clipped: np.ndarray, zone: np.ndarray, n_cells: int, lower: float,
                   upper: float) -> Tuple[np.ndarray, np.ndarray]:
        """(Σ clipped θ, number of pixels strictly inside the bounds) per cell."""
        sums, _ = zonal_sums(zone, clipped, n_cells, counts=False)
        inside = np.isfinite(clipped) & (clipped > lower) & (clipped < upper)
        free = np.bincount(zone[inside & (zone >= 0)], minlength=n_cells)
        return sums, free

    def error(self, sums: np.ndarray) -> np.ndarray:
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(self.feasible, sums / np.maximum(self.n, 1) - self.target, 0.0)

    def update(self, sums: np.ndarray, free: np.ndarray) -> float:
        """One safeguarded Newton step; returns the largest |cell mean − θ_c| before the step."""
        error = self.error(sums)
        too_high = error > 0
        self.bracket_high = np.where(too_high, np.minimum(self.bracket_high, self.delta), self.bracket_high)
        self.bracket_low = np.where(~too_high & (error < 0), np.maximum(self.bracket_low, self.delta),
                                    self.bracket_low)
        with np.errstate(invalid='ignore', divide='ignore'):
            newton = self.delta - error * self.n / np.maximum(free, 1)
        outside = (newton <= self.bracket_low) | (newton >= self.bracket_high) | (free == 0)
        step = np.where(outside, 0.5 * (self.bracket_low + self.bracket_high), newton)
        self.delta = np.where(self.feasible & (error != 0), step, self.delta)
        return float(np.max(np.abs(error))) if error.size else 0.0
