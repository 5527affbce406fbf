"""One date cut into tiles: a continental scene read as strips of rows, each with its own inputs.

Every stage of core.downscaling is a pass over blocks of the fine grid whose results are
summed per coarse cell (or per residual-grid cell, or into normal equations), then a step on
the small coarse grid. So a date cut into tiles gives the untiled map when the tiles' sums
are reduced before each coarse step: the scene-wide terrain fit, the gap filler, the noise
estimate, the cell means and the coarse fit with its global fallback are computed once for
the scene from the sums of all tiles, and every tile's pixels then use the same coarse
model, residuals and shifts.

A tile is a strip of full rows (the noise estimate pairs pixels along rows, so full-width
strips keep it exact) read with HALO_ROWS rows of halo above and below: its own LST window,
NDVI and DEM windows (or warps onto the tile), its terrain (Horn's slope needs the neighbours
of its edge rows), and the coarse cells of the whole scene, so each pixel gets the cell index,
interpolation weights and terrain it has in the untiled scene. Only the tile's own rows are
blocks of the run. Tiles start on multiples of the coordinate lattice step (alignment.GridMapper),
so their pixels map into the coarse CRS exactly as in the untiled scene.

Because the coarse-scale steps run once on the whole coarse grid (a continent at 0.25° is a
few tens of thousands of cells), a tile needs no halo of MAX_HALF_WINDOW coarse cells: the
moving-window fits and the interpolation margin are taken care of at the coarse scale.
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Tuple

from osgeo import gdal

from .alignment import CoarseIndexer
from .downscaling import DownscaleInputs, DownscaleOptions, DownscaleResult, run_on_scene
from .downscaling.inputs import check_fine_grid, open_scene, read_coarse
from .downscaling.methods import method_for
from .downscaling.scene import BYTES_PER_FINE_PIXEL, Block, FineScene, run_folder
from .gap_filling import LstFiller
from .progress import Progress, StageTimer
from .raster_io import GridSpec, RasterSource, Window, gdal_cache_limit, row_windows

#: Rows read above and below a tile: Horn's kernel and the resampling kernels of the
#: alignment see the same neighbours as in the untiled scene (a multiple of LATTICE_ROWS).
HALO_ROWS = 8
#: Tiles start on multiples of GridMapper's lattice step (pixels).
LATTICE_ROWS = 8


def tile_rows(height: int, rows_per_tile: int) -> List[Tuple[int, int]]:
    """[(first row, end row)] of strips of about ``rows_per_tile`` rows (multiples of LATTICE_ROWS)."""
    step = max(LATTICE_ROWS, rows_per_tile - rows_per_tile % LATTICE_ROWS)
    return [(start, min(height, start + step)) for start in range(0, height, step)]


def _window_vrt(source, rows, folder, label):
    """A VRT of ``rows`` (first, end) of one band of a raster on the fine grid."""
    path = os.path.join(folder, '{}_{}_{}.vrt'.format(label, *rows))
    dataset = source.open()
    gdal.Translate(path, dataset, format='VRT', bandList=[source.band],
                   srcWin=[0, rows[0], dataset.RasterXSize, rows[1] - rows[0]])
    return RasterSource(path, 1, source.crs_wkt, source.name)


class TiledScene(FineScene):
    """The fine scene of a date read tile by tile, with the interface of a FineScene: windows
    and blocks are in the date's grid, so the stages of core.downscaling run on it unchanged.

    tiles: [(FineScene of the tile with its halo, first row of that scene in the date's grid)];
    windows: the date's blocks (each inside one tile's own rows)."""

    def __init__(self, grid: GridSpec, tiles: Sequence[Tuple[FineScene, int]], windows: List[Window],
                 coarse_grid: GridSpec, workers: int, progress: Progress, terrain_fit_pixels: int):
        # The FineScene machinery (thread pool, terrain sample, bilinear weights) on tiles'
        # readers: nothing of its own is opened.
        self.grid = grid
        self.tiles = tiles
        self.windows = windows
        self._window_set = set(windows)
        self.workers = max(1, int(workers))
        self.progress = progress
        self.terrain_fit_pixels = terrain_fit_pixels
        self.terrain = tiles[0][0].terrain
        self.indexer = CoarseIndexer(grid, coarse_grid)
        self.kept, self.keeps_terrain = None, False
        self.filler = None
        self._cached = None

    @property
    def single_block(self) -> bool:
        return False

    def _tile_of(self, window):
        for scene, first_row in self.tiles:
            if first_row <= window.yoff and window.yoff + window.ysize <= first_row + scene.grid.height:
                return scene, first_row
        raise ValueError('window {} is in no tile'.format(window))

    def read(self, window: Window, inputs: bool = True) -> Block:
        scene, first_row = self._tile_of(window)
        local = scene.read(Window(window.xoff, window.yoff - first_row, window.xsize, window.ysize), inputs)
        block = type(local)()
        for name in type(local).__slots__:
            setattr(block, name, getattr(local, name))
        block.window = window
        block.cache = {}
        # The gap filler is the scene's (prepared on every tile), given windows of the date's grid.
        if inputs and self.filler is not None:
            block.lst, block.ndvi, block.filled = self.filler.fill(window, block.lst_clear, block.ndvi, block.z,
                                                                    block.cos_i)
        return block

    def count_gaps(self) -> Tuple[int, int]:
        counts = [scene.count_gaps() for scene, _ in self.tiles]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def close(self) -> None:
        for scene, _ in self.tiles:
            scene.close()


def downscale_tiled(inputs: DownscaleInputs, output_path: str, options: Optional[DownscaleOptions] = None,
                    rows_per_tile: int = 512, diagnostics_path: Optional[str] = None,
                    progress: Optional[Progress] = None, gap_filler: Optional[LstFiller] = None) -> DownscaleResult:
    """``core.downscaling.downscale`` with the date read as strips of ``rows_per_tile`` rows
    (each opened with its own input windows and terrain); the same map, to rounding."""
    options = options or DownscaleOptions()
    options.validate()
    method = method_for(options, has_dem=inputs.dem is not None)
    progress, messages = (progress or Progress()).recording()
    timer = StageTimer()
    grid = inputs.lst.grid()
    check_fine_grid(grid)
    with run_folder('smtiled_') as workdir, gdal_cache_limit(options.memory_mb):
        coarse = read_coarse(inputs.coarse_sm, grid, progress)
        strips = tile_rows(grid.height, rows_per_tile)
        progress.info('The date is read as {} tiles of up to {} rows (halo {} rows).'.format(
            len(strips), strips[0][1] - strips[0][0], HALO_ROWS))
        tiles, windows = [], []
        try:
            opening = progress.sub(0.0, 0.15)
            for index, (first, end) in enumerate(strips):
                rows = (max(0, first - HALO_ROWS), min(grid.height, end + HALO_ROWS))
                folder = os.path.join(workdir, 'tile{}'.format(index))
                os.makedirs(folder)
                scene, _ = open_scene(_tile_inputs(inputs, grid, rows, folder), options, method, folder,
                                      opening.sub(index / len(strips), (index + 1) / len(strips)).quiet(), timer,
                                      with_coarse=False)
                # Cells of the whole scene: every pixel gets its untiled cell index and weights.
                scene.indexer = CoarseIndexer(scene.grid, coarse.grid)
                tiles.append((scene, rows[0]))
                own = grid.subgrid(Window(0, first, grid.width, end - first))
                windows += [Window(0, first + w.yoff, w.xsize, w.ysize)
                            for w in row_windows(own, BYTES_PER_FINE_PIXEL * options.workers,
                                                 options.memory_mb / max(1, options.workers))]
            tiled = TiledScene(grid, tiles, windows, coarse.grid, options.workers, progress,
                               options.terrain_fit_pixels)
            return run_on_scene(tiled, coarse, method, options, output_path, diagnostics_path,
                                progress.sub(0.15, 1.0), timer, messages, workdir, gap_filler)
        finally:
            for scene, _ in tiles:
                scene.close()


def _tile_inputs(inputs, grid, rows, folder):
    """The date's inputs over ``rows`` of the fine grid: windows of the rasters on that grid
    (the coarse product and rasters on other grids are given whole: they are warped onto the tile)."""
    def window_of(source, label):
        if source is None:
            return None
        if source.grid().same_grid(grid):
            return _window_vrt(source, rows, folder, label)
        return source
    return type(inputs)(inputs.coarse_sm, _window_vrt(inputs.lst, rows, folder, 'lst'),
                        window_of(inputs.ndvi, 'ndvi'), window_of(inputs.dem, 'dem'))
