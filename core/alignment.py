"""The one alignment routine: fine inputs onto the fine grid, fine pixels into coarse cells.

METHOD.md §1: every fine input is warped onto the fine (LST) grid; the coarse
product keeps its native grid and CRS, and each fine pixel centre is mapped
into the coarse CRS to find the coarse cell ("zone") it falls in.
"""
from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Optional, Tuple

import numpy as np
from osgeo import gdal, osr

from .errors import InputError
from .raster_io import SCRATCH_OPTIONS, GridSpec, RasterSource, Window, spatial_reference
from .residual import bilinear_geometry, bilinear_on_lattice

if TYPE_CHECKING:
    from .progress import Progress

#: Mean Earth radius (m, IUGG), for ground distances on geographic grids.
EARTH_RADIUS_M = 6371008.8


def ground_pixel_size_m(grid: GridSpec) -> float:
    """Approximate ground size (m) of one pixel at the grid centre: sqrt(dx·dy)."""
    if not grid.is_geographic:
        factor = grid.srs().GetLinearUnits() or 1.0
        return math.sqrt(grid.pixel_width * grid.pixel_height) * factor
    xmin, ymin, xmax, ymax = grid.bounds
    latitude = math.radians(0.5 * (ymin + ymax))
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180.0
    return metres_per_degree * math.sqrt(grid.pixel_width * grid.pixel_height * max(math.cos(latitude), 1e-6))


def choose_resampling(source_grid: GridSpec, target_grid: GridSpec) -> str:
    """'average' when the source is finer than the target, 'bilinear' otherwise (METHOD.md §1)."""
    return 'average' if ground_pixel_size_m(source_grid) < ground_pixel_size_m(target_grid) else 'bilinear'


class GridMapper:
    """Maps the pixel centres of ``grid`` into another CRS.

    Exact for an identical CRS. Otherwise the projection is evaluated exactly
    on a lattice every ``step`` pixels, anchored to the whole grid so that the
    result does not depend on how the grid is cut into blocks, and linearly
    interpolated in between (as GDAL's warper does; the error over 8 pixels is
    far below a pixel for any map projection at these scales).
    """

    def __init__(self, grid: GridSpec, target_wkt: str, step: int = 8):
        self.grid = grid
        self.step = int(step)
        target = spatial_reference(target_wkt)
        self.identity = bool(grid.srs().IsSame(target))
        self.transform = None if self.identity else osr.CoordinateTransformation(grid.srs(), target)
        # A coordinate transformation is not thread-safe: calls take turns.
        self._lock = threading.Lock()

    def exact(self, x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Transform arrays of coordinates exactly (NaN where the projection fails)."""
        shape = np.shape(x)
        points = np.column_stack([np.ravel(x), np.ravel(y)]).astype(np.float64)
        with self._lock:
            result = np.asarray(self.transform.TransformPoints(points), dtype=np.float64)
        result[~np.isfinite(result)] = np.nan
        return result[:, 0].reshape(shape), result[:, 1].reshape(shape)

    def coords(self, window: Window) -> Tuple[np.ndarray, np.ndarray]:
        """Target-CRS coordinates of the pixel centres of a window, each (ysize, xsize)."""
        if self.identity:
            return self.grid.pixel_centres(window)
        if self.step <= 1:
            return self.exact(*self.grid.pixel_centres(window))
        rows = _lattice(window.yoff, window.ysize, self.step)
        cols = _lattice(window.xoff, window.xsize, self.step)
        gt = self.grid.geotransform
        c, r = np.meshgrid(cols + 0.5, rows + 0.5)
        lx, ly = self.exact(gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5])
        return (_interpolate_lattice(lx, rows, cols, window, self.step),
                _interpolate_lattice(ly, rows, cols, window, self.step))


def _lattice(offset, size, step):
    first = (offset // step) * step
    last = -(-(offset + size - 1) // step) * step
    last = max(last, first + step)
    return np.arange(first, last + 1, step, dtype=np.float64)


def _interpolate_lattice(values, rows, cols, window, step):
    """Values on the lattice (rows × cols of pixel indices, every ``step``) interpolated at the window's pixels."""
    return bilinear_on_lattice(values, (window.yoff + np.arange(window.ysize, dtype=np.float64) - rows[0]) / step,
                               (window.xoff + np.arange(window.xsize, dtype=np.float64) - cols[0]) / step)


class CoarseIndexer:
    """Fractional coarse-grid indices (col, row) of fine pixel centres.

    Cell (i, j) of the coarse grid covers col ∈ [i, i+1), row ∈ [j, j+1); the
    zone of a fine pixel is floor(row)·width + floor(col), or -1 outside.
    """

    def __init__(self, fine_grid: GridSpec, coarse_grid: GridSpec):
        if not coarse_grid.is_north_up:
            raise InputError('The coarse soil moisture raster must be a north-up grid.')
        self.fine_grid = fine_grid
        self.coarse_grid = coarse_grid
        self.mapper = GridMapper(fine_grid, coarse_grid.crs_wkt)
        self.coarse_is_geographic = coarse_grid.is_geographic

    def index(self, window: Window) -> Tuple[np.ndarray, np.ndarray]:
        x, y = self.mapper.coords(window)
        gt = self.coarse_grid.geotransform
        return (x - gt[0]) / gt[1], (y - gt[3]) / gt[5]

    def zone(self, fcol: np.ndarray, frow: np.ndarray) -> np.ndarray:
        """Flat cell index of fractional indices, -1 outside the coarse grid: the same cells the
        pipeline uses (:func:`residual.bilinear_geometry`, the one definition)."""
        shape = np.shape(fcol)
        zone = bilinear_geometry(np.ravel(fcol), np.ravel(frow), (self.coarse_grid.height, self.coarse_grid.width))[0]
        return zone.reshape(shape)


def grid_outline(grid: GridSpec, points_per_edge: int = 64) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel-corner coordinates along the border and a coarse interior lattice of a grid."""
    t = np.linspace(0.0, 1.0, points_per_edge)
    cols = np.concatenate([t, t, np.zeros_like(t), np.ones_like(t)]) * grid.width
    rows = np.concatenate([np.zeros_like(t), np.ones_like(t), t, t]) * grid.height
    ic, ir = np.meshgrid(np.linspace(0, 1, 9) * grid.width, np.linspace(0, 1, 9) * grid.height)
    cols = np.concatenate([cols, ic.ravel()])
    rows = np.concatenate([rows, ir.ravel()])
    gt = grid.geotransform
    return gt[0] + cols * gt[1] + rows * gt[2], gt[3] + cols * gt[4] + rows * gt[5]


def coarse_window_over(fine_grid: GridSpec, coarse_grid: GridSpec, margin: int = 1) -> Optional[Window]:
    """The window of the coarse grid that covers the fine grid (plus margin cells), or None."""
    x, y = grid_outline(fine_grid)
    if not fine_grid.same_crs(coarse_grid):
        x, y = GridMapper(fine_grid, coarse_grid.crs_wkt, step=1).exact(x, y)
        keep = np.isfinite(x) & np.isfinite(y)
        if not keep.any():
            return None
        x, y = x[keep], y[keep]
    gt = coarse_grid.geotransform
    cols = (x - gt[0]) / gt[1]
    rows = (y - gt[3]) / gt[5]
    c0 = max(0, int(math.floor(cols.min())) - margin)
    c1 = min(coarse_grid.width, int(math.ceil(cols.max())) + margin)
    r0 = max(0, int(math.floor(rows.min())) - margin)
    r1 = min(coarse_grid.height, int(math.ceil(rows.max())) + margin)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def cell_capacity(coarse_grid: GridSpec, fine_grid: GridSpec) -> np.ndarray:
    """Number of fine pixels each coarse cell would hold if the fine grid covered it (float, (ny, nx)).

    It is the cell's area in the fine CRS over the fine pixel area, so that a
    cell cut by the edge of the fine raster shows its true valid fraction.
    """
    gt = coarse_grid.geotransform
    c, r = np.meshgrid(np.arange(coarse_grid.width + 1.0), np.arange(coarse_grid.height + 1.0))
    x, y = gt[0] + c * gt[1], gt[3] + r * gt[5]
    if not coarse_grid.same_crs(fine_grid):
        x, y = GridMapper(coarse_grid, fine_grid.crs_wkt, step=1).exact(x, y)
    # Shoelace formula over the four corners of each cell.
    corners = [(x[:-1, :-1], y[:-1, :-1]), (x[:-1, 1:], y[:-1, 1:]), (x[1:, 1:], y[1:, 1:]), (x[1:, :-1], y[1:, :-1])]
    area = np.zeros((coarse_grid.height, coarse_grid.width))
    for k in range(4):
        (xa, ya), (xb, yb) = corners[k], corners[(k + 1) % 4]
        area += xa * yb - xb * ya
    return np.abs(area) / 2.0 / (fine_grid.pixel_width * fine_grid.pixel_height)


def _as_float_vrt(source, path):
    """A VRT of the source band in physical units (scale/offset applied), with its CRS."""
    grid = source.grid()
    dataset = source.open()
    band = dataset.GetRasterBand(source.band)
    unscale = band.GetScale() not in (None, 1.0) or band.GetOffset() not in (None, 0.0)
    gdal.Translate(path, dataset, format='VRT', bandList=[source.band], outputType=gdal.GDT_Float32,
                   unscale=unscale, outputSRS=grid.crs_wkt)
    return path


def align_to_grid(source: RasterSource, grid: GridSpec, resampling: str, workdir: str, progress: Progress,
                  label: str) -> RasterSource:
    """Return a RasterSource of ``source`` on ``grid``: the source itself when already
    on it, otherwise a float32 GeoTIFF warped into ``workdir`` (nodata NaN).

    The warp is logged, with both grids, so the user sees every resampling.
    """
    source_grid = source.grid()
    if source_grid.same_grid(grid):
        return source
    if resampling == 'auto':
        resampling = choose_resampling(source_grid, grid)
    safe = ''.join(ch if ch.isalnum() else '_' for ch in label.lower())
    vrt = _as_float_vrt(source, os.path.join(workdir, '{}_source.vrt'.format(safe)))
    out = os.path.join(workdir, '{}_on_fine_grid.tif'.format(safe))
    nodata = source.nodata()
    xmin, ymin, xmax, ymax = grid.bounds
    options = gdal.WarpOptions(
        format='GTiff', outputBounds=(xmin, ymin, xmax, ymax), width=grid.width, height=grid.height,
        srcSRS=source_grid.crs_wkt, dstSRS=grid.crs_wkt, resampleAlg=resampling,
        srcNodata=nodata, dstNodata=float('nan'), outputType=gdal.GDT_Float32, multithread=True,
        creationOptions=list(SCRATCH_OPTIONS), callback=progress.gdal_callback())
    progress.info('{}: warped from {} onto the fine grid ({}) with {} resampling.'.format(
        label, source_grid.describe(), grid.describe(), resampling))
    try:
        result = gdal.Warp(out, vrt, options=options)
    except RuntimeError as error:
        progress.check()
        raise InputError('{} could not be warped onto the fine grid: {}'.format(label, error))
    if result is None:
        progress.check()
        raise InputError('{} could not be warped onto the fine grid.'.format(label))
    result = None
    return RasterSource(out, 1, grid.crs_wkt, label)
