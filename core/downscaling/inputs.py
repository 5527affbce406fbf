"""Opening the inputs of a run: the checks every input must pass, then the fine scene.

The fine grid is the LST grid (METHOD.md §1). NDVI and the DEM are warped onto it; the
coarse product keeps its own grid and CRS, and each fine pixel is mapped to the coarse
cell its centre falls in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Tuple

import numpy as np

from .. import units
from ..alignment import CoarseIndexer, align_to_grid, coarse_window_over, ground_pixel_size_m
from ..errors import EmptySceneError, InputError
from ..raster_io import GridSpec, RasterSource, Window, read_array
from ..terrain import prepare_terrain
from .scene import FineScene

if TYPE_CHECKING:
    from ..progress import Progress, StageTimer
    from .methods import DownscalingMethod
    from .options import DownscaleInputs, DownscaleOptions

#: Coarse cells must be at least this many times larger (in ground distance) than fine pixels.
MIN_SCALE_RATIO = 2.0


@dataclass
class CoarseInput:
    """The part of the coarse product over the scene: its grid, the window of the product it
    comes from, and its values θ_c (m³/m³, NaN where missing), shape (rows, columns)."""
    grid: GridSpec
    window: Window
    theta: np.ndarray


def check_fine_grid(grid: GridSpec) -> None:
    """Refuse a fine grid the block-wise passes cannot handle (rotated or south-up)."""
    if not grid.is_north_up:
        raise InputError('The LST raster must be a north-up grid; warp it first (Raster ▸ Projections ▸ Warp).')


def check_requirements(inputs: DownscaleInputs, method: DownscalingMethod) -> None:
    """Refuse inputs that lack what ``method`` (a DownscalingMethod) needs."""
    if method.corrects_terrain and inputs.dem is None:
        raise InputError('The {} method ({}) needs a DEM: give one, or choose method 5 (adaptive window without '
                         'terrain correction).'.format(method.method.title, int(method.method)))
    if method.needs_ndvi and inputs.ndvi is None:
        raise InputError('The {} method needs an NDVI raster.'.format(method.method.title))


def read_coarse(coarse_source: RasterSource, fine_grid: GridSpec, progress: Progress) -> CoarseInput:
    """The coarse product over the fine grid (one cell of margin), after the scale and unit checks."""
    coarse_full = coarse_source.grid()
    ratio = ground_pixel_size_m(coarse_full) / ground_pixel_size_m(fine_grid)
    if ratio < MIN_SCALE_RATIO:
        raise InputError(
            'The coarse soil moisture grid ({:.0f} m) is not coarser than the LST grid ({:.0f} m): downscaling '
            'needs coarse cells at least {:.0f}× larger than the fine pixels. Check that the inputs are not '
            'swapped, or resample the LST to a finer grid.'.format(
                ground_pixel_size_m(coarse_full), ground_pixel_size_m(fine_grid), MIN_SCALE_RATIO))
    window = coarse_window_over(fine_grid, coarse_full, margin=1)
    if window is None:
        raise InputError('The coarse soil moisture raster and the LST raster do not overlap. Check their CRSs '
                         '(coarse: {}; LST: {}) and extents.'.format(coarse_full.describe(), fine_grid.describe()))
    theta = read_array(coarse_source, window)
    valid_theta = theta[np.isfinite(theta)]
    if valid_theta.size == 0:
        raise EmptySceneError('The coarse soil moisture raster has no valid value over the LST extent (all nodata). '
                              'Choose another date or check its nodata value.')
    units.check_soil_moisture(valid_theta)
    progress.info('Coarse grid: {} cells of {} over the fine grid ({} valid).'.format(
        window.xsize * window.ysize, coarse_full.describe(), valid_theta.size))
    return CoarseInput(coarse_full.subgrid(window), window, theta)


def open_scene(inputs: DownscaleInputs, options: DownscaleOptions, method: DownscalingMethod, workdir: str,
               progress: Progress, timer: StageTimer, with_coarse: bool = True
               ) -> Tuple[FineScene, Optional[CoarseInput]]:
    """Check and align the inputs of ``method``; returns (FineScene, CoarseInput or None)."""
    check_requirements(inputs, method)
    fine_grid = inputs.lst.grid()
    check_fine_grid(fine_grid)
    coarse = read_coarse(inputs.coarse_sm, fine_grid, progress) if with_coarse else None
    units.check_lst_kelvin(units.sample_values(inputs.lst))
    progress.info('Fine grid (from the LST): {}.'.format(fine_grid.describe()))
    with timer('align'):
        ndvi = None
        if method.needs_ndvi:
            units.check_ndvi(units.sample_values(inputs.ndvi))
            ndvi = align_to_grid(inputs.ndvi, fine_grid, 'auto', workdir, progress.sub(0.0, 0.5), 'NDVI')
        terrain = None
        if method.corrects_terrain or method.uses_elevation:
            units.sample_values(inputs.dem)
            terrain = prepare_terrain(inputs.dem, fine_grid, options.sun, workdir, options.memory_mb,
                                      progress.sub(0.5, 1.0), need_illumination=method.corrects_terrain)
    indexer = CoarseIndexer(fine_grid, coarse.grid) if coarse is not None else None
    scene = FineScene(fine_grid, inputs.lst, ndvi, terrain, indexer, options.memory_mb, workdir, options.workers,
                      progress, options.keep_geometry, options.terrain_fit_pixels)
    return scene, coarse
