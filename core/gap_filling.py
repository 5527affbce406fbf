"""Seamless fine inputs: filling cloud gaps in LST and holes in NDVI (METHOD.md §7).

Spatial (one date): LST = a0 + a1·z + a2·cos i + a3·NDVI (the terrain model of §3, with
the terms that are available) fitted on clear pixels, plus its residual interpolated into
the gaps. Temporal (a stack of dates): an annual cycle per pixel,
LST(d) = c0 + c1·sin(2πd/N) + c2·cos(2πd/N), fitted on clear days, plus the date's
anomaly from the cycle interpolated into the gaps. NDVI holes are filled by
interpolating NDVI itself.

Interpolation into gaps works on a "residual grid" of k × k fine pixels (about 5 km):
block-wise passes accumulate its cell means, empty cells are filled by normalized
Gaussian convolution at growing scales, and gap pixels take the bilinear interpolation
of that small grid. Only the small grid is held whole, so this works for rasters larger
than memory.
"""
from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import ndimage

from .alignment import ground_pixel_size_m
from .errors import InputError
from .lst_correction import _NormalEquations
from .raster_io import GridSpec, Window
from .residual import bilinear_on_lattice

if TYPE_CHECKING:
    from .progress import Progress

#: Target size of a residual-grid cell (m).
RESIDUAL_CELL_M = 5000.0
_DAYS_PER_YEAR = 365.25
#: The ``read_blocks`` a filler prepares from: a fresh iterator of (window, LST K, NDVI, z m, cos i) per block,
#: flattened (None for an absent input).
BlockReader = Callable[[], Iterable[Tuple[Window, np.ndarray, Optional[np.ndarray], Optional[np.ndarray],
                                          Optional[np.ndarray]]]]


class ResidualGrid:
    """Mean of a quantity over k × k blocks of the fine grid, interpolated back to pixels."""

    def __init__(self, fine_grid: GridSpec, cell_size_m: float = RESIDUAL_CELL_M):
        pixel = ground_pixel_size_m(fine_grid)
        self.k = max(1, int(round(cell_size_m / pixel)))
        self.shape = (-(-fine_grid.height // self.k), -(-fine_grid.width // self.k))
        self.sums = np.zeros(self.shape[0] * self.shape[1])
        self.counts = np.zeros_like(self.sums)
        self.values = None

    def _cells(self, window):
        rows = (window.yoff + np.arange(window.ysize)) // self.k
        cols = (window.xoff + np.arange(window.xsize)) // self.k
        return (rows[:, None] * self.shape[1] + cols[None, :]).ravel()

    def add(self, window: Window, values: np.ndarray) -> None:
        """Accumulate the finite values of a window (flattened, row-major)."""
        values = np.asarray(values, dtype=np.float64).ravel()
        keep = np.isfinite(values)
        cells = self._cells(window)[keep]
        self.sums += np.bincount(cells, weights=values[keep], minlength=self.sums.size)
        self.counts += np.bincount(cells, minlength=self.sums.size)

    def finish(self) -> ResidualGrid:
        """Cell means, with empty cells filled by normalized convolution at growing scales."""
        if not self.counts.any():
            raise InputError('Gap filling found no clear pixel to learn from.')
        with np.errstate(invalid='ignore', divide='ignore'):
            means = (self.sums / self.counts).reshape(self.shape)
        self.values = fill_by_normalized_convolution(means)
        return self

    def interpolate(self, window: Window) -> np.ndarray:
        """Bilinear interpolation of the cell means at the pixel centres of a window (flattened)."""
        rows = (window.yoff + np.arange(window.ysize) + 0.5) / self.k - 0.5
        cols = (window.xoff + np.arange(window.xsize) + 0.5) / self.k - 0.5
        return bilinear_on_lattice(self.values, rows, cols).ravel()


def fill_by_normalized_convolution(values: np.ndarray) -> np.ndarray:
    """Fill NaN cells of a small 2-D array from their neighbours (Gaussian, growing sigma)."""
    values = np.asarray(values, dtype=np.float64)
    known = np.isfinite(values)
    if known.all() or not known.any():
        return values.copy()
    filled = values.copy()
    weights = known.astype(float)
    data = np.where(known, values, 0.0)
    missing = ~known
    sigma = 1.0
    while missing.any():
        num = ndimage.gaussian_filter(data, sigma, mode='nearest', truncate=3.0)
        den = ndimage.gaussian_filter(weights, sigma, mode='nearest', truncate=3.0)
        reach = missing & (den > 1e-6)
        filled[reach] = num[reach] / den[reach]
        missing &= ~reach
        sigma *= 2.0
        if sigma > 4 * max(values.shape):
            filled[missing] = np.nanmean(values)
            break
    return filled


class SpatialLstFiller:
    """Fills LST (and NDVI) gaps of one date: terrain/NDVI model + interpolated residual."""

    def __init__(self, fine_grid: GridSpec):
        self.fine_grid = fine_grid
        self.beta = None
        self.terms = ()
        self.residual = ResidualGrid(fine_grid)
        self.ndvi_grid = ResidualGrid(fine_grid)

    def describe(self) -> str:
        return ('a model of LST on {} plus its residual interpolated from {}×{} px cells; NDVI by '
                'interpolation'.format(', '.join(self.terms) or 'a constant', self.residual.k, self.residual.k))

    @staticmethod
    def _design(terms, lst_len, ndvi, z, cos_i):
        columns = [np.ones(lst_len)]
        for name, values in (('elevation', z), ('illumination', cos_i), ('ndvi', ndvi)):
            if name in terms:
                columns.append(values)
        return np.column_stack(columns)

    def prepare(self, read_blocks: BlockReader) -> SpatialLstFiller:
        """Fit on clear pixels, then accumulate the residual and NDVI grids.

        ``read_blocks()`` yields (window, lst, ndvi, z, cos_i) flattened arrays (None for absent inputs).
        """
        # A term enters the model when it has a value somewhere in the scene (not just in the
        # first block: a nodata strip along an edge must not drop NDVI); the NDVI grid is
        # accumulated in the same pass.
        present = {'elevation': False, 'illumination': False, 'ndvi': False}
        for window, _lst, ndvi, z, cos_i in read_blocks():
            for name, values in (('elevation', z), ('illumination', cos_i), ('ndvi', ndvi)):
                present[name] = present[name] or (values is not None and bool(np.isfinite(values).any()))
            if ndvi is not None:
                self.ndvi_grid.add(window, ndvi)
        self.terms = tuple(name for name in ('elevation', 'illumination', 'ndvi') if present[name])
        equations = _NormalEquations(1 + len(self.terms))
        for _window, lst, ndvi, z, cos_i in read_blocks():
            valid = np.isfinite(lst) & self._terms_valid(ndvi, z, cos_i)
            if valid.any():
                x = self._design(self.terms, int(valid.sum()), *(v[valid] if v is not None else None
                                                                for v in (ndvi, z, cos_i)))
                equations.add(x, lst[valid], np.zeros(int(valid.sum())))
        if equations.n < 10:
            raise InputError('Too few clear LST pixels ({}) to fill the gaps: choose a clearer date.'.format(
                equations.n))
        self.beta = equations.solve()[0]
        if 'ndvi' in self.terms:
            self.ndvi_grid.finish()
        for window, lst, ndvi, z, cos_i in read_blocks():
            ndvi = self._fill_ndvi(window, ndvi)[0]
            self.residual.add(window, lst - self.model(ndvi, z, cos_i))
        self.residual.finish()
        return self

    def _terms_valid(self, ndvi, z, cos_i):
        valid = True
        for name, values in (('elevation', z), ('illumination', cos_i), ('ndvi', ndvi)):
            if name in self.terms:
                valid = valid & np.isfinite(values)
        return valid

    def model(self, ndvi: Optional[np.ndarray], z: Optional[np.ndarray], cos_i: Optional[np.ndarray]) -> np.ndarray:
        """The fitted LST model (K) at every pixel (NaN where a term is missing)."""
        size = next(len(v) for v in (ndvi, z, cos_i) if v is not None)
        x = self._design(self.terms, size, ndvi, z, cos_i)
        # einsum, not BLAS: blocks are filled in worker threads (see lst_correction._NormalEquations.add).
        return np.einsum('ij,j->i', x, self.beta)

    def _fill_ndvi(self, window, ndvi):
        if ndvi is None or 'ndvi' not in self.terms:
            return ndvi, np.zeros(0 if ndvi is None else len(ndvi), dtype=bool)
        missing = ~np.isfinite(ndvi)
        if not missing.any():
            return ndvi, missing
        filled = ndvi.copy()
        filled[missing] = self.ndvi_grid.interpolate(window)[missing]
        return filled, missing

    def fill(self, window: Window, lst: np.ndarray, ndvi: Optional[np.ndarray], z: Optional[np.ndarray],
             cos_i: Optional[np.ndarray]) -> Tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
        """(LST, NDVI, filled mask) with gaps filled where the terrain terms exist."""
        ndvi, ndvi_missing = self._fill_ndvi(window, ndvi)
        missing = ~np.isfinite(lst)
        filled_lst = lst
        if missing.any():
            estimate = self.model(ndvi, z, cos_i) + self.residual.interpolate(window)
            filled_lst = np.where(missing, estimate, lst)
        mask = (missing & np.isfinite(filled_lst))
        if ndvi_missing.size:
            mask |= ndvi_missing
        return filled_lst, ndvi, mask


def day_angle(dates: Sequence[date]) -> np.ndarray:
    """2π·(day of year)/365.25 for a list of dates."""
    return np.array([2.0 * math.pi * (d.timetuple().tm_yday - 1) / _DAYS_PER_YEAR for d in dates])


def fit_annual_cycle(series: np.ndarray, dates: Sequence[date], min_clear: int = 5, overwrite: bool = False
                     ) -> np.ndarray:
    """Per-pixel annual cycle coefficients (c0, c1, c2) of a (dates, pixels) array
    (``overwrite``: the series may be used as scratch, which saves a copy of it).

    LST(d) = c0 + c1·sin(2πd/N) + c2·cos(2πd/N), least squares on the finite values
    of each pixel; pixels with fewer than ``min_clear`` clear dates get the mean of the
    clear dates as c0 and no cycle (c1 = c2 = 0), or NaN when never clear.
    """
    angle = day_angle(dates)
    basis = np.column_stack([np.ones_like(angle), np.sin(angle), np.cos(angle)])   # (dates, 3)
    clear = np.isfinite(series)
    values = np.nan_to_num(series, copy=not overwrite, nan=0.0, posinf=0.0, neginf=0.0)
    weights = clear.astype(float)
    # Normal equations per pixel: A (pixels, 3, 3), b (pixels, 3), as matrix products
    # (an einsum over dates × pixels × 3 × 3 would build a 9× larger temporary).
    products = (basis[:, :, None] * basis[:, None, :]).reshape(len(angle), 9)
    a = (weights.T @ products).reshape(-1, 3, 3)
    b = values.T @ basis
    n = clear.sum(axis=0)
    coefficients = np.full((series.shape[1], 3), np.nan)
    enough = n >= min_clear
    if enough.any():
        sub = a[enough]
        # Dates spanning less than a season can make the system singular: fall back to lstsq.
        try:
            coefficients[enough] = np.linalg.solve(sub, b[enough][..., None])[..., 0]
        except np.linalg.LinAlgError:
            coefficients[enough] = np.einsum('pij,pj->pi', np.linalg.pinv(sub), b[enough])
    few = (n > 0) & ~enough
    with np.errstate(invalid='ignore', divide='ignore'):
        coefficients[few] = np.column_stack([values[:, few].sum(axis=0) / n[few], np.zeros(few.sum()),
                                             np.zeros(few.sum())])
    return coefficients


def annual_cycle(coefficients: np.ndarray, day: date) -> np.ndarray:
    """The cycle (K) of every pixel on one date from (pixels, 3) coefficients."""
    angle = day_angle([day])[0]
    return coefficients[:, 0] + coefficients[:, 1] * math.sin(angle) + coefficients[:, 2] * math.cos(angle)


class TemporalLstFiller:
    """Fills LST gaps of one date of a series: the pixel's annual cycle plus the date's
    anomaly from the cycle, interpolated from the clear pixels of that date.

    ``cycle_source`` is a 3-band raster of cycle coefficients on the fine grid
    (see :func:`write_annual_cycle`). NDVI holes are filled by interpolation.
    """

    def __init__(self, fine_grid: GridSpec, cycle_source: str, day: date):
        from .raster_io import RasterReader, RasterSource
        self.fine_grid = fine_grid
        self.day = day
        self.readers = [RasterReader(RasterSource(cycle_source, band, name='annual cycle')) for band in (1, 2, 3)]
        self.anomaly = ResidualGrid(fine_grid)
        self.ndvi_grid = ResidualGrid(fine_grid)
        self.has_ndvi = False

    def describe(self) -> str:
        return 'the annual LST cycle of each pixel plus the day\'s anomaly interpolated from {}×{} px cells'.format(
            self.anomaly.k, self.anomaly.k)

    def cycle(self, window: Window) -> np.ndarray:
        coefficients = np.column_stack([reader.read(window).ravel() for reader in self.readers])
        return annual_cycle(coefficients, self.day)

    def prepare(self, read_blocks: BlockReader) -> TemporalLstFiller:
        for window, lst, ndvi, _z, _cos_i in read_blocks():
            self.anomaly.add(window, lst - self.cycle(window))
            if ndvi is not None:
                self.has_ndvi = True
                self.ndvi_grid.add(window, ndvi)
        self.anomaly.finish()
        if self.has_ndvi:
            self.ndvi_grid.finish()
        return self

    def fill(self, window: Window, lst: np.ndarray, ndvi: Optional[np.ndarray], z: Optional[np.ndarray],
             cos_i: Optional[np.ndarray]) -> Tuple[np.ndarray, Optional[np.ndarray], np.ndarray]:
        mask = np.zeros(len(lst), dtype=bool)
        if ndvi is not None and self.has_ndvi:
            ndvi_missing = ~np.isfinite(ndvi)
            if ndvi_missing.any():
                ndvi = np.where(ndvi_missing, self.ndvi_grid.interpolate(window), ndvi)
                mask |= ndvi_missing
        missing = ~np.isfinite(lst)
        if missing.any():
            lst = np.where(missing, self.cycle(window) + self.anomaly.interpolate(window), lst)
            mask |= missing & np.isfinite(lst)
        return lst, ndvi, mask

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


def annual_cycle_windows(grid: GridSpec, n_dates: int, memory_mb: float) -> List[Window]:
    """The row windows the cycle is fitted on (per pixel and date: the series, its clear mask,
    values and weights in float64, and the band being read)."""
    from .raster_io import row_windows
    return row_windows(grid, 40 * n_dates + 200, memory_mb)


def write_annual_cycle(lst_stack: str, dates: Sequence[date], grid: GridSpec, path: str, memory_mb: float,
                       progress: Progress, bands: Optional[Sequence[int]] = None, rows: Optional[Tuple[int, int]] = None
                       ) -> str:
    """Fit the annual cycle of every pixel of an LST stack (one band per date) and write
    its coefficients (c0 K, c1 K, c2 K) as a 3-band float32 raster; block by block.

    ``rows`` (first, end): only the windows that start in these rows, written as a strip
    (a raster on those rows of ``grid``) with the values the whole raster would have there."""
    from .raster_io import SCRATCH_OPTIONS, RasterReader, RasterSource, RasterWriter, Window
    bands = bands or list(range(1, len(dates) + 1))
    windows = annual_cycle_windows(grid, len(bands), memory_mb)
    first = 0
    if rows is not None:
        windows = [w for w in windows if rows[0] <= w.yoff < rows[1]]
        first, end = windows[0].yoff, windows[-1].yoff + windows[-1].ysize
        grid = grid.subgrid(Window(0, first, grid.width, end - first))
    # One dataset for all bands: a handle per band would hold bands × bands band objects.
    dataset = RasterSource(lst_stack, bands[0], name='LST').open()
    readers = [RasterReader(RasterSource(lst_stack, band, name='LST'), dataset) for band in bands]
    try:
        with RasterWriter(path, grid, 3, descriptions=['cycle_mean_K', 'cycle_sin_K', 'cycle_cos_K'],
                          nodata=float('nan'), options=SCRATCH_OPTIONS) as writer:
            for index, window in enumerate(windows):
                progress.report(index / len(windows))
                series = np.empty((len(readers), window.xsize * window.ysize))
                for row, reader in enumerate(readers):
                    series[row] = reader.read(window).ravel()
                coefficients = fit_annual_cycle(series, dates, overwrite=True)
                target = Window(window.xoff, window.yoff - first, window.xsize, window.ysize)
                for band in range(3):
                    writer.write(target, coefficients[:, band].reshape(window.ysize, window.xsize).astype(np.float32),
                                 band=band + 1)
            writer.commit()
    finally:
        for reader in readers:
            reader.close()
    return path


#: A gap filler of either kind (what a FineScene fills its blocks with).
LstFiller = Union[SpatialLstFiller, TemporalLstFiller]
