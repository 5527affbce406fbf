"""The downscaling run: fine passes block by block, coarse fits in memory.

``downscale()`` implements METHOD.md §1–§6 and the comparison methods of §8;
``correct_lst_raster()`` writes LST* (§3) with the same scene reader and the
same terrain fit, so a model "correct LST → downscale without terrain
correction" gives the same map as the terrain-aware method run directly.

Passes over the fine grid (each block by block under ``memory_mb``):
terrain fit (two passes), aggregation to coarse cells, prediction (with the
sums needed by the residual step), then the write pass (plus a few passes
only when values must be clipped). When the whole scene fits in one block,
every pass reuses the same arrays.
"""
import collections
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import dispatch, linking, scratch, units
from .alignment import CoarseIndexer, align_to_grid, cell_capacity, coarse_window_over, ground_pixel_size_m
from .errors import InputError
from .lst_correction import MODES as TERRAIN_MODES
from .lst_correction import CorrectionCheck, TerrainCorrection, fit_terrain_correction
from .noise import NuggetEstimate
from .progress import Progress, StageTimer
from .raster_io import (GridSpec, RasterReader, RasterSource, RasterWriter,
                        gdal_cache_limit, read_array, row_windows)
from .residual import BilinearWeights, BoundedConsistency, SpreadSums, bilinear_geometry, zonal_sums
from .gap_filling import SpatialLstFiller, fill_by_normalized_convolution
from .terrain import SunGeometry, prepare_terrain
from .window_store import WindowStore

METHODS = ('terrain-aware adaptive window', 'bilinear', 'global linear with residual correction',
           'universal triangle', 'DISPATCH', 'adaptive window without terrain correction')
(TERRAIN_AWARE, BILINEAR, GLOBAL_LINEAR, UNIVERSAL_TRIANGLE, DISPATCH,
 ADAPTIVE_NO_TERRAIN) = range(len(METHODS))
MODELS = ('linear', 'quadratic')
#: Methods whose output keeps every coarse cell's value (METHOD.md §6).
CONSISTENT_METHODS = (TERRAIN_AWARE, GLOBAL_LINEAR, DISPATCH, ADAPTIVE_NO_TERRAIN)

QUALITY_LST_FILLED, QUALITY_COARSE_FILLED, QUALITY_GLOBAL_FALLBACK = 1, 2, 4
QUALITY_CLIPPED, QUALITY_OUTSIDE_COARSE = 8, 16

#: Working memory per fine pixel of a block, all temporary arrays together (bytes): numpy's
#: traced peak is 217 B/px on the clear 13 Mpx speed scene and 260 B/px with 30 % clouds to fill.
BYTES_PER_FINE_PIXEL = 400
#: Largest block (pixels per worker): arrays that stay nearer the caches are faster (13 Mpx speed
#: scene, one thread: 8.0 s with 1.3 Mpx blocks, 6.3 s with 0.77 Mpx; two threads, median of 5:
#: 4.6 s with 0.5 Mpx, 4.2 s with 0.25 Mpx). Per-block sums cover only the block's cells.
MAX_BLOCK_PIXELS = 250_000
#: Bands of rows the terrain fit samples beyond TERRAIN_FIT_PIXELS: many, so the sample spans the
#: terrain of the whole scene (16 bands missed the illumination coefficient by 16 % on the
#: Colorado test scene), few enough that on big scenes most blocks are not read for the fit.
TERRAIN_FIT_BANDS = 64
#: Threads used when DownscaleOptions.threads is 0 (each one holds a block of its own).
MAX_AUTO_THREADS = 4
#: Pixels used to fit the terrain model of LST (evenly spaced rows beyond this).
TERRAIN_FIT_PIXELS = 4_000_000
#: Coarse cells must be at least this many times larger (in ground distance) than fine pixels.
MIN_SCALE_RATIO = 2.0
_CONSISTENCY_TOLERANCE = 1e-7
_CLIP_FLAG_TOLERANCE = 1e-9
_MAX_CLIP_PASSES = 40


@dataclass
class DownscaleOptions:
    """Options of a run; defaults are METHOD.md's."""
    method: int = TERRAIN_AWARE
    model: str = 'linear'
    min_half_window: int = 2
    max_half_window: int = 6
    min_valid_fraction: float = 0.5
    sm_min: float = 0.0
    sm_max: float = 0.6
    terrain_mode: str = 'illumination+lapse'
    sun: SunGeometry = field(default_factory=SunGeometry)
    memory_mb: float = 1024.0
    fill_gaps: bool = True
    noise_filter: bool = True
    #: Threads for the fine passes; 0 = one per core, at most MAX_AUTO_THREADS.
    threads: int = 0

    @property
    def workers(self):
        return self.threads if self.threads > 0 else max(1, min(os.cpu_count() or 1, MAX_AUTO_THREADS))

    def validate(self):
        if self.method not in range(len(METHODS)):
            raise InputError('Unknown method {}; choose 0–{}.'.format(self.method, len(METHODS) - 1))
        if self.model not in MODELS:
            raise InputError('Unknown linking model {!r}; choose linear or quadratic.'.format(self.model))
        if not 1 <= self.min_half_window <= self.max_half_window <= 25:
            raise InputError('The half-window sizes must satisfy 1 ≤ minimum ≤ maximum ≤ 25 coarse cells '
                             '(got {} and {}).'.format(self.min_half_window, self.max_half_window))
        if not 0.0 < self.min_valid_fraction <= 1.0:
            raise InputError('The minimum valid fraction must be in (0, 1] (got {}).'.format(self.min_valid_fraction))
        if not self.sm_min < self.sm_max:
            raise InputError('The soil moisture bounds must satisfy minimum < maximum (got {} and {}).'.format(
                self.sm_min, self.sm_max))
        if self.terrain_mode not in TERRAIN_MODES:
            raise InputError('Unknown terrain correction mode {!r}.'.format(self.terrain_mode))
        if self.threads < 0:
            raise InputError('The number of threads must be 0 (automatic) or more (got {}).'.format(self.threads))


@dataclass
class DownscaleInputs:
    coarse_sm: RasterSource
    lst: RasterSource
    ndvi: Optional[RasterSource] = None
    dem: Optional[RasterSource] = None


@dataclass
class DownscaleResult:
    """What a run produced and measured; coarse arrays are on ``coarse_grid``."""
    output: str
    diagnostics: Optional[str]
    method: int
    fine_grid: GridSpec
    coarse_grid: GridSpec
    coarse: dict
    fit: Optional[linking.CoarseFit]
    terrain: TerrainCorrection
    terrain_check: dict
    consistency_max_error: float
    n_consistent_cells: int
    n_sample_cells: int
    n_output_pixels: int
    n_clipped_pixels: int
    n_filled_pixels: int
    n_filled_cells: int
    signal_fraction: dict
    stage_seconds: dict
    messages: list
    #: Coarse cells with output whose value lies outside [sm_min, sm_max] (they cannot keep it), and
    #: their largest |cell mean − coarse value| (m³/m³).
    n_infeasible_cells: int = 0
    infeasible_max_error: float = 0.0


class _Block:
    """The fine inputs of one window, flattened to 1-D arrays."""
    __slots__ = ('window', 'lst', 'lst_clear', 'ndvi', 'filled', 'z', 'cos_i', 'cos_sz', 'zone', 'geometry',
                 'has_inputs', 'cache')


#: The coarse-cell part of a pixel's kept geometry (from bilinear_geometry).
_COARSE_GEOMETRY = ('zone', 'node0', 'wx', 'wy', 'corner')
#: Bytes per fine pixel of the kept geometry: zone, first node, fractions, corner (+ terrain).
_GEOMETRY_BYTES = 4 + 4 + 2 * 4 + 1
_TERRAIN_BYTES = 3 * 4
#: Share of the memory budget the kept geometry may use in memory (else it goes to a scratch file).
_GEOMETRY_MEMORY_SHARE = 0.25


class FineScene:
    """Reads aligned fine inputs and the coarse-cell mapping window by window.

    What does not change between passes, the coarse-cell geometry of each pixel (zone and
    bilinear nodes) and its terrain (z, cos i, cos θz, as float32), is computed in the first
    pass over a window and kept in a :class:`WindowStore` (in memory within a quarter of the
    budget, else in a scratch file in ``workdir``). The last window read is cached, so when
    the whole grid is one window all passes share the same arrays.
    """

    def __init__(self, grid, lst, ndvi, terrain, indexer, memory_mb, workdir=None, workers=1):
        self.grid = grid
        self.workers = max(1, int(workers))
        self.lst = RasterReader(lst)
        self.ndvi = RasterReader(ndvi) if ndvi is not None else None
        self.terrain = terrain
        self.indexer = indexer
        coarse_bytes = _GEOMETRY_BYTES if indexer is not None else 0
        bytes_per_pixel = coarse_bytes + (_TERRAIN_BYTES if terrain is not None else 0)
        kept_mb = grid.n_pixels * bytes_per_pixel / 2.0 ** 20
        in_memory = kept_mb <= _GEOMETRY_MEMORY_SHARE * memory_mb
        working_mb = memory_mb - kept_mb if in_memory else memory_mb
        # Each worker holds a block of its own.
        block_mb = min(working_mb, MAX_BLOCK_PIXELS * BYTES_PER_FINE_PIXEL * self.workers / 2.0 ** 20)
        self.windows = row_windows(grid, BYTES_PER_FINE_PIXEL * self.workers, block_mb)
        self._window_set = set(self.windows)
        # Keep all of the geometry in memory, else on disk, else (a big scene on a full disk) only
        # its coarse-cell part on disk, else nothing. What is not kept is recomputed in every
        # pass that needs it: slower, same values.
        self.kept = None
        self.keeps_terrain = terrain is not None
        if bytes_per_pixel and in_memory:
            self.kept = WindowStore()
        elif bytes_per_pixel and workdir is not None:
            if _disk_allows(workdir, grid.n_pixels * bytes_per_pixel):
                self.kept = WindowStore(os.path.join(workdir, 'geometry.bin'))
            elif coarse_bytes and _disk_allows(workdir, grid.n_pixels * coarse_bytes):
                self.kept = WindowStore(os.path.join(workdir, 'geometry.bin'))
                self.keeps_terrain = False
        self.filler = None
        self.progress = None
        self._cached = None

    def set_filler(self, filler):
        """From now on, blocks come with LST and NDVI gaps filled (``block.filled`` marks them)."""
        self.filler = filler
        self._cached = None

    @property
    def single_block(self):
        return len(self.windows) == 1

    def geometry(self, window, with_terrain=True):
        """name → 1-D array of the window's geometry: zone (int32, −1 outside the coarse grid),
        node0/wx/wy/corner (:func:`bilinear_geometry`) and, with terrain, z/cos_i/cos_sz (float32).
        Computed once per window of the run and then kept."""
        kept = self.kept
        wanted = self.terrain is not None and with_terrain
        if kept is not None and window in kept:
            # Passes without inputs (residual, clipping, writing) read back the coarse-cell part only.
            arrays = kept.get(window, None if wanted else _COARSE_GEOMETRY)
            if wanted and not self.keeps_terrain:
                arrays = dict(arrays, **self._terrain_arrays(window, self._coarse_arrays(window)[1]))
            return arrays
        # A window computed for the first time gets its terrain too when the terrain is kept.
        compute_terrain = wanted or (self.terrain is not None and kept is not None and self.keeps_terrain)
        arrays, latitude = self._coarse_arrays(window)
        terrain = self._terrain_arrays(window, latitude) if compute_terrain else {}
        if kept is not None and window in self._window_set:
            kept.put(window, dict(arrays, **terrain) if self.keeps_terrain else arrays)
        arrays.update(terrain)
        return arrays

    def _coarse_arrays(self, window):
        """(zone/node0/wx/wy/corner of a window, latitudes of its pixels or None)."""
        if self.indexer is None:
            return {}, None
        arrays = {}
        latitude = None
        fcol, frow = self.indexer.index(window)
        if self.indexer.coarse_is_geographic:
            # The sun needs latitudes: those of the coarse CRS serve (no second projection).
            gt = self.indexer.coarse_grid.geotransform
            latitude = gt[3] + frow * gt[5]
        coarse = self.indexer.coarse_grid
        (arrays['zone'], arrays['node0'], arrays['wx'], arrays['wy'],
         arrays['corner']) = bilinear_geometry(fcol.ravel(), frow.ravel(), (coarse.height, coarse.width))
        return arrays, latitude

    def _terrain_arrays(self, window, latitude):
        """z, cos_i, cos_sz of a window: float32 whether kept or not, so every pass sees the same values."""
        return {name: np.asarray(values, dtype=np.float32).ravel()
                for name, values in zip(('z', 'cos_i', 'cos_sz'), self.terrain.read(window, latitude))}

    def read(self, window, inputs=True):
        """The block of a window; with ``inputs=False`` only its coarse-cell mapping (cheap)."""
        cached = self._cached
        if cached is not None and cached.window == window and (cached.has_inputs or not inputs):
            return cached
        if not self.single_block:
            # Blocks are read by several threads; only a one-window scene keeps its block.
            return self._read(window, inputs)
        block = self._read(window, inputs)
        if inputs or cached is None or cached.window != window:
            self._cached = block
        return block

    def _read(self, window, inputs):
        block = _Block()
        block.window = window
        block.has_inputs = inputs
        block.cache = {}
        block.lst = block.lst_clear = block.ndvi = block.filled = None
        block.geometry = self.geometry(window, with_terrain=inputs)
        block.zone = block.geometry.get('zone')
        block.z, block.cos_i, block.cos_sz = (block.geometry.get(name) for name in ('z', 'cos_i', 'cos_sz'))
        if inputs:
            block.lst = block.lst_clear = self.lst.read(window).ravel()
            block.ndvi = self.ndvi.read(window).ravel() if self.ndvi is not None else None
            if self.filler is not None:
                block.lst, block.ndvi, block.filled = self.filler.fill(window, block.lst, block.ndvi, block.z,
                                                                        block.cos_i)
        return block

    def bilinear_base(self, block):
        """The block's BilinearWeights (cached with the block)."""
        if 'bilinear' not in block.cache:
            coarse = self.indexer.coarse_grid
            g = block.geometry
            block.cache['bilinear'] = BilinearWeights(g['node0'], g['wx'], g['wy'], g['corner'],
                                                      (coarse.height, coarse.width))
        return block.cache['bilinear']

    def bilinear(self, block, key, valid_nodes):
        """Bilinear (nodes, weights) of every pixel of a block, normalized over ``valid_nodes``
        and cached under ``key``. Every pixel, not a subset: indexing (n, 4) arrays by a mask
        costs more than interpolating the few pixels that are not needed."""
        if key not in block.cache:
            block.cache[key] = self.bilinear_base(block).normalized(valid_nodes)
        return block.cache[key]

    def interpolate(self, block, cell_values, valid_nodes):
        """Coarse values interpolated bilinearly at every pixel of a block (NaN where no node is valid)."""
        return self.bilinear_base(block).interpolate(cell_values, valid_nodes)

    def blocks(self, progress=None):
        """Every block of the scene, in order (read ahead by the workers)."""
        return self.map(None, progress)

    def map(self, function, progress=None, inputs=True, windows=None):
        """``function(block)`` (or the block itself) for every window, in window order.

        With several workers the windows are read and ``function`` runs in a thread pool
        (numpy, scipy and GDAL release the interpreter lock while they compute), at most
        ``workers`` windows ahead of the caller, so memory stays within the budget.
        ``function`` must not change shared state; the caller combines the results.
        """
        def task(window):
            block = self.read(window, inputs)
            return block if function is None else function(block)
        return self._map_windows(task, progress, windows)

    def _map_windows(self, task, progress=None, windows=None):
        """task(window) for every window, in order: the thread pool of :meth:`map`."""
        windows = self.windows if windows is None else windows

        if self.workers == 1 or len(windows) == 1:
            for index, window in enumerate(windows):
                if progress is not None:
                    progress.report(index / len(windows))
                else:
                    self.progress_check()
                yield task(window)
        else:
            pending = collections.deque()
            with ThreadPoolExecutor(self.workers) as pool:
                try:
                    for index in range(len(windows)):
                        while len(pending) < self.workers and index + len(pending) < len(windows):
                            pending.append(pool.submit(task, windows[index + len(pending)]))
                        if progress is not None:
                            progress.report(index / len(windows))
                        else:
                            self.progress_check()
                        yield pending.popleft().result()
                finally:
                    for future in pending:
                        future.cancel()
        if progress is not None:
            progress.report(1.0)

    def terrain_blocks(self, progress=None, function=None):
        """``function(lst, ndvi, z, cos_i)`` (or the tuple) of the pixels used to fit the terrain
        model, block by block in a fixed order: clear LST only, never filled values.

        A 4-coefficient fit needs no billion pixels: beyond TERRAIN_FIT_PIXELS it uses
        TERRAIN_FIT_BANDS evenly spaced bands of full rows. The bands are chosen on the grid,
        not on the blocks, so the fit does not depend on the memory budget or the number of
        threads; only the windows they cross are read (their geometry is kept for later passes).
        """
        sampled = terrain_fit_rows(self.grid)

        def rows_of(window):
            """Rows of the window (relative to it) that belong to the sample."""
            return np.flatnonzero(sampled[window.yoff:window.yoff + window.ysize])

        windows = [window for window in self.windows if rows_of(window).size]

        def task(block):
            arrays = (block.lst_clear, block.ndvi, block.z, block.cos_i)
            window = block.window
            rows = rows_of(window)
            if rows.size < window.ysize:
                arrays = tuple(None if values is None else
                               np.reshape(values, (window.ysize, window.xsize))[rows].ravel() for values in arrays)
            return arrays if function is None else function(*arrays)
        return self.map(task, progress, windows=windows)

    def count_gaps(self):
        """(missing LST, missing NDVI) pixels, reading only those two rasters."""
        def count(window):
            return (int(np.isnan(self.lst.read(window)).sum()),
                    int(np.isnan(self.ndvi.read(window)).sum()) if self.ndvi is not None else 0)
        # The counts read the rasters only: the windows themselves are the "blocks" mapped.
        counts = list(self._map_windows(count))
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def raw_blocks(self):
        """(window, lst, ndvi, z, cos_i) as read, for preparing a gap filler."""
        for block in self.map(None):
            yield block.window, block.lst_clear, block.ndvi, block.z, block.cos_i

    def progress_check(self):
        if self.progress is not None:
            self.progress.check()

    def close(self):
        self.lst.close()
        if self.ndvi is not None:
            self.ndvi.close()
        if self.terrain is not None:
            self.terrain.close()
        if self.kept is not None:
            self.kept.close()
        self._cached = None


def terrain_fit_rows(grid):
    """Boolean per row of the grid: the rows the terrain fit uses (all of them up to
    TERRAIN_FIT_PIXELS, else TERRAIN_FIT_BANDS evenly spaced bands of full rows)."""
    rows = np.zeros(grid.height, dtype=bool)
    wanted = max(1, TERRAIN_FIT_PIXELS // grid.width)
    if wanted >= grid.height:
        rows[:] = True
        return rows
    bands = min(TERRAIN_FIT_BANDS, wanted)
    per_band = wanted // bands
    for start in np.linspace(0, grid.height - per_band, bands).round().astype(int):
        rows[start:start + per_band] = True
    return rows


def _disk_allows(folder, nbytes):
    """Whether ``nbytes`` of kept geometry may go to ``folder``: at most half of its free space,
    so that the θ̂ store (8 bytes per pixel) and the output still fit."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return False
    return nbytes <= 0.5 * free


class PixelStore:
    """One float64 value per fine pixel kept between passes (θ̂, then θ0): in memory when
    the scene is a single block, else in a raw scratch file."""

    def __init__(self, scene, path):
        self.store = WindowStore(None if scene.single_block else path)

    def put(self, window, values):
        self.store.put(window, {'theta': np.asarray(values, dtype=np.float64)})

    def get(self, window):
        return self.store.get(window)['theta']

    def close(self):
        self.store.close()


def _check_fine_grid(grid):
    if not grid.is_north_up:
        raise InputError('The LST raster must be a north-up grid; warp it first (Raster ▸ Projections ▸ Warp).')


def _needs(method, has_dem):
    """(needs NDVI, uses terrain correction, uses elevation)."""
    needs_ndvi = method != BILINEAR
    terrain = method == TERRAIN_AWARE
    elevation = method == TERRAIN_AWARE or (method == ADAPTIVE_NO_TERRAIN and has_dem)
    return needs_ndvi, terrain, elevation


def _open_scene(inputs, options, workdir, progress, timer, with_coarse=True):
    """Checks and aligns the inputs; returns (scene, coarse grid window, θ_c, fine grid)."""
    method = options.method
    needs_ndvi, terrain_correction, uses_elevation = _needs(method, inputs.dem is not None)
    if terrain_correction and inputs.dem is None:
        raise InputError('The terrain-aware method (0) needs a DEM: give one, or choose method 5 (adaptive window '
                         'without terrain correction).')
    if needs_ndvi and inputs.ndvi is None:
        raise InputError('The {} method needs an NDVI raster.'.format(METHODS[method]))
    fine_grid = inputs.lst.grid()
    _check_fine_grid(fine_grid)
    coarse = None
    if with_coarse:
        coarse_full = inputs.coarse_sm.grid()
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
        theta = read_array(inputs.coarse_sm, window)
        valid_theta = theta[np.isfinite(theta)]
        if valid_theta.size == 0:
            raise InputError('The coarse soil moisture raster has no valid value over the LST extent (all nodata). '
                             'Choose another date or check its nodata value.')
        units.check_soil_moisture(valid_theta)
        coarse = (coarse_full.subgrid(window), window, theta)
        progress.info('Coarse grid: {} cells of {} over the fine grid ({} valid).'.format(
            window.xsize * window.ysize, coarse_full.describe(), valid_theta.size))
    units.check_lst_kelvin(units.sample_values(inputs.lst))
    progress.info('Fine grid (from the LST): {}.'.format(fine_grid.describe()))
    with timer('align'):
        ndvi = None
        if needs_ndvi:
            units.check_ndvi(units.sample_values(inputs.ndvi))
            ndvi = align_to_grid(inputs.ndvi, fine_grid, 'auto', workdir, progress.sub(0.0, 0.5), 'NDVI')
        terrain = None
        if terrain_correction or uses_elevation:
            units.sample_values(inputs.dem)
            terrain = prepare_terrain(inputs.dem, fine_grid, options.sun, workdir, options.memory_mb,
                                      progress.sub(0.5, 1.0), need_illumination=terrain_correction)
    indexer = CoarseIndexer(fine_grid, coarse[0]) if coarse is not None else None
    scene = FineScene(fine_grid, inputs.lst, ndvi, terrain, indexer, options.memory_mb, workdir, options.workers)
    scene.progress = progress
    return scene, coarse, fine_grid


def _prepare_gap_filling(scene, options, gap_filler, progress, timer):
    """Give the scene a gap filler when LST or NDVI has holes (METHOD.md §7)."""
    if not options.fill_gaps or options.method == BILINEAR:
        return
    with timer('gap filling'):
        missing_lst, missing_ndvi = scene.count_gaps()
        if missing_lst == 0 and missing_ndvi == 0:
            return
        gap_filler = (gap_filler or SpatialLstFiller(scene.grid)).prepare(scene.raw_blocks)
        progress.info('Gap filling: {} LST and {} NDVI pixels missing; LST filled with {}.'.format(
            missing_lst, missing_ndvi, gap_filler.describe()))
        scene.set_filler(gap_filler)


def _terrain_fit(scene, options, progress, timer):
    if options.method != TERRAIN_AWARE or options.terrain_mode == 'none':
        return TerrainCorrection()
    with timer('terrain correction'):
        correction = fit_terrain_correction(scene.terrain_blocks, options.terrain_mode, progress)
    progress.info(correction.describe())
    return correction


def physical_coefficients(beta, standardizer):
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


DIAGNOSTIC_BANDS = ('half_window', 'predictor_set', 'n_samples', 'r_squared', 'coef_const', 'coef_lst_K',
                    'coef_ndvi', 'coef_elevation_m', 'coef_lst2', 'coef_ndvi2', 'coef_lst_ndvi', 'fallback',
                    'quality')


def downscale(inputs, output_path, options=None, diagnostics_path=None, progress=None, gap_filler=None):
    """Downscale ``inputs.coarse_sm`` onto the LST grid and write a float32 GeoTIFF (m³/m³).

    With ``options.fill_gaps``, LST and NDVI gaps are filled first (spatially, or with
    ``gap_filler``, an unprepared filler such as the temporal one of a series) and coarse cells
    without a value but with fine data are estimated from the local model. Returns a :class:`DownscaleResult`. Raises :class:`InputError` for bad
    inputs and :class:`Cancelled` when cancelled; then nothing is written.
    """
    options = options or DownscaleOptions()
    options.validate()
    progress, messages = _recording(progress or Progress())
    timer = StageTimer()
    workdir = scratch.work_folder('downscale')
    scene = None
    try:
        with gdal_cache_limit(options.memory_mb):
            scene, coarse, fine_grid = _open_scene(inputs, options, workdir, progress.sub(0.0, 0.15), timer)
            _prepare_gap_filling(scene, options, gap_filler, progress.sub(0.15, 0.15), timer)
            run = _Run(scene, coarse, options, progress.sub(0.15, 1.0), timer, messages, workdir)
            return run.execute(output_path, diagnostics_path)
    finally:
        if scene is not None:
            scene.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _recording(progress):
    """A Progress that also keeps every log line (for reports and results)."""
    messages = []
    log = progress._log

    def info(message):
        messages.append(message)
        if log is not None:
            log(message)
    return Progress(progress._set_percent, progress._is_canceled, info, progress.start, progress.end), messages


class _Run:
    """One downscaling run over an opened scene: the passes of the module docstring."""

    def __init__(self, scene, coarse, options, progress, timer, messages, workdir):
        self.scene = scene
        self.fine_grid = scene.grid
        self.coarse_grid, _, self.theta = coarse
        self.options = options
        self.method = options.method
        self.progress = progress
        self.timer = timer
        self.messages = messages
        self.workdir = workdir
        self.shape = self.theta.shape
        self.n_cells = self.theta.size
        self.theta_flat = self.theta.ravel()
        self.theta_valid = np.isfinite(self.theta_flat)
        self.uses_elevation = _needs(self.method, scene.terrain is not None)[2]
        self.residual_step = self.method in CONSISTENT_METHODS
        self.correction = TerrainCorrection()
        self.check = CorrectionCheck()
        self.fit = None
        self.extra = {}
        self.coarse_filled = np.zeros(self.n_cells, dtype=bool)
        self.n_filled_pixels = 0
        # The noise filter belongs to the plugin's own methods; comparison methods stay as published.
        self.noise_filtered = options.noise_filter and self.method in (TERRAIN_AWARE, ADAPTIVE_NO_TERRAIN)
        self.signal_fraction = {'lst': 1.0, 'ndvi': 1.0}

    def execute(self, output_path, diagnostics_path):
        progress = self.progress
        self.correction = _terrain_fit(self.scene, self.options, progress.sub(0.0, 0.15), self.timer)
        self.aggregate(progress.sub(0.15, 0.3))
        with self.timer('coarse fit'):
            self.fit_coarse(progress.sub(0.3, 0.4))
        if self.method == DISPATCH:
            self.aggregate_see(progress.sub(0.4, 0.45))
        self.store = PixelStore(self.scene, os.path.join(self.workdir, 'pixels.bin'))
        try:
            self.predict_pass(progress.sub(0.45, 0.65))
            result = self.write(output_path, diagnostics_path, progress.sub(0.65, 1.0))
        finally:
            self.store.close()
        progress.report(1.0)
        return result

    # -- fine passes -------------------------------------------------------------------------
    def lst_star(self, block):
        return self.correction.apply(block.lst, block.z, block.cos_i, block.cos_sz)

    def output_mask(self, block, lst_star=None):
        """Pixels that get a value: inside a coarse cell with θ_c and (except bilinear) valid predictors."""
        zone = block.zone
        own = (zone >= 0) & self.theta_valid[np.maximum(zone, 0)]
        if self.method == BILINEAR:
            return own
        if lst_star is None:
            lst_star = self.lst_star(block)
        return own & _valid_predictors(block, lst_star, self.uses_elevation, self.method)

    def aggregate(self, progress):
        """Zonal means of the predictors and valid-pixel counts per coarse cell."""
        n_cells = self.n_cells
        sums = {name: np.zeros(n_cells) for name in ('lst', 'ndvi', 'elev')}
        count_valid = np.zeros(n_cells)
        samples = []
        noise = ({'lst': NuggetEstimate(n_cells), 'ndvi': NuggetEstimate(n_cells)}
                 if self.noise_filtered else None)

        def block_sums(block):
            """This block's share of every sum (combined below, in window order)."""
            part = {}
            lst_star = self.lst_star(block)
            if self.method == TERRAIN_AWARE:
                part['check'] = CorrectionCheck()
                part['check'].add(block.lst, lst_star, block.cos_i)
            valid = _valid_predictors(block, lst_star, self.uses_elevation, self.method)
            zone = np.where(valid, block.zone, -1)
            if noise is not None:
                # Filled pixels carry no sensor noise: the nugget is estimated on observed ones.
                observed = valid if block.filled is None else valid & ~block.filled
                shape = (block.window.ysize, block.window.xsize)
                part['noise'] = {}
                for name, values in (('lst', lst_star), ('ndvi', block.ndvi)):
                    part['noise'][name] = NuggetEstimate(n_cells)
                    part['noise'][name].add(np.where(observed, values, np.nan).reshape(shape), zone.reshape(shape))
            part['lst'], part['count'] = zonal_sums(zone, lst_star, n_cells)
            if block.ndvi is not None:
                part['ndvi'] = zonal_sums(zone, block.ndvi, n_cells, counts=False)[0]
            if self.uses_elevation:
                part['elev'] = zonal_sums(zone, block.z, n_cells, counts=False)[0]
            part['filled'] = int((block.filled & valid).sum()) if block.filled is not None else 0
            if self.method == DISPATCH:
                part['samples'] = _subsample(block, lst_star, valid, self.fine_grid.n_pixels)
            return part

        with self.timer('aggregate'):
            for part in self.scene.map(block_sums, progress):
                for name in ('lst', 'ndvi', 'elev'):
                    if name in part:
                        sums[name] += part[name]
                count_valid += part['count']
                if 'check' in part:
                    self.check.merge(part['check'])
                if noise is not None:
                    for name in noise:
                        noise[name].merge(part['noise'][name])
                self.n_filled_pixels += part['filled']
                if 'samples' in part:
                    samples.append(part['samples'])
        with np.errstate(invalid='ignore', divide='ignore'):
            self.means = {name: (values / count_valid).reshape(self.shape) for name, values in sums.items()}
        if noise is not None:
            self.signal_fraction = {}
            for name, label, unit in (('lst', 'LST*' if self.correction.mode != 'none' else 'LST', 'K²'),
                                      ('ndvi', 'NDVI', '')):
                nugget, within, fraction = noise[name].result()
                self.signal_fraction[name] = fraction
                self.progress.info('Noise filter: {} pixel noise (nugget) {:.3g}{} against a within-cell variance of '
                                   '{:.3g}{}: fine anomalies weighted {:.2f}.'.format(label, nugget, unit, within, unit,
                                                                                    fraction))
        capacity = cell_capacity(self.coarse_grid, self.fine_grid)
        with np.errstate(invalid='ignore', divide='ignore'):
            self.valid_fraction = np.where(capacity > 0, count_valid.reshape(self.shape) / capacity, 0.0)
        self.sample_mask = (np.isfinite(self.theta) & (count_valid.reshape(self.shape) > 0)
                            & (self.valid_fraction >= self.options.min_valid_fraction))
        self.n_samples = int(self.sample_mask.sum())
        # Cells whose pixels will carry a value, hence a residual (known before predicting).
        self.residual_cells = self.theta_valid & (count_valid > 0)
        self.count_valid = count_valid
        self.samples = samples
        self.progress.info('{} coarse cells have a soil moisture value and at least {:.0%} valid fine pixels.'.format(
            self.n_samples, self.options.min_valid_fraction))
        if not (count_valid > 0).any() and self.method != BILINEAR:
            raise InputError('No fine pixel has valid LST and NDVI{} inside the coarse grid: check that the inputs '
                             'overlap and are not all nodata.'.format(' and DEM' if self.uses_elevation else ''))

    def fit_coarse(self, progress):
        method, means = self.method, self.means
        if method in (TERRAIN_AWARE, ADAPTIVE_NO_TERRAIN, GLOBAL_LINEAR, UNIVERSAL_TRIANGLE):
            model = 'quadratic' if method == UNIVERSAL_TRIANGLE else (
                'linear' if method == GLOBAL_LINEAR else self.options.model)
            needed = max(3 * len(linking.term_indices(model, False)), 10)
            if self.n_samples < needed:
                raise InputError(
                    'Only {} coarse cells have both a soil moisture value and at least {:.0%} valid fine pixels; the '
                    'fit needs at least {}. Use a larger area or a date with fewer gaps, or lower the minimum valid '
                    'fraction.'.format(self.n_samples, self.options.min_valid_fraction, needed))
            elevation = means['elev'] if self.uses_elevation else None
            mask = self.sample_mask
            standardizer = linking.Standardizer.from_samples(
                means['lst'][mask], means['ndvi'][mask], elevation[mask] if elevation is not None else None,
                min_max=method == UNIVERSAL_TRIANGLE)
            terms = standardizer.terms(means['lst'], means['ndvi'], elevation)
            self.cell_terms = terms
            if method in (TERRAIN_AWARE, ADAPTIVE_NO_TERRAIN):
                self.fit = linking.fit_adaptive_window(
                    self.theta, terms, mask, standardizer, model,
                    range(self.options.min_half_window, self.options.max_half_window + 1),
                    (False, True) if self.uses_elevation else (False,), progress=progress)
                _log_fit(self.fit, self.progress)
            else:
                self.fit = linking.global_coarse_fit(self.theta, terms, mask, standardizer, model)
                if self.fit.global_beta is None:
                    self.progress.info('Warning: the scene-wide fit failed (too little spread of LST or NDVI, or soil '
                                       'moisture rising with LST); every cell keeps its coarse value, spread smoothly '
                                       'by the residual step.')
                else:
                    self.progress.info('Scene-wide {} fit: R² {:.3f} on {} cells.'.format(
                        model, self.fit.global_r_squared, self.n_samples))
            self.beta_flat = self.fit.beta.reshape(self.n_cells, -1)
            self.beta_valid = np.all(np.isfinite(self.fit.beta), axis=-1)
        elif method == DISPATCH:
            cover = np.concatenate([s[0] for s in self.samples])
            lst = np.concatenate([s[1] for s in self.samples])
            if cover.size < 10:
                raise InputError('DISPATCH needs valid LST and NDVI pixels; too few were found.')
            self.extra['trapezoid'] = dispatch.fit_trapezoid(cover, lst)
            self.progress.info('DISPATCH trapezoid: {}.'.format(self.extra['trapezoid']))
        self.samples = None
        if self.options.fill_gaps and method != BILINEAR:
            self.fill_coarse_gaps()

    def fill_coarse_gaps(self):
        """Estimate θ_c for cells without a value but with fine data (METHOD.md §7, quality bit 2).

        Fitted methods use the cell's own model (its window holds its neighbours) on its
        aggregated predictors; where there is no model, θ_c is interpolated from the neighbours.
        """
        gaps = ~self.theta_valid & (self.count_valid > 0)
        if not gaps.any():
            return
        # Neighbours' values interpolated, replaced by the cell's own model where it has one.
        estimate = fill_by_normalized_convolution(self.theta).ravel()
        if self.fit is not None:
            terms = self.cell_terms.reshape(self.n_cells, -1)
            with np.errstate(invalid='ignore'):
                modelled = linking.predict(self.beta_flat, terms)
            has_model = np.isfinite(modelled) & (self.fit.fallback.ravel() != linking.FALLBACK_COARSE_VALUE)
            estimate = np.where(has_model, modelled, estimate)
        gaps &= np.isfinite(estimate)
        if not gaps.any():
            return
        theta = self.theta_flat.copy()
        theta[gaps] = np.clip(estimate[gaps], self.options.sm_min, self.options.sm_max)
        self.coarse_filled = gaps
        self.theta_flat = theta
        self.theta_valid = np.isfinite(theta)
        self.residual_cells = self.theta_valid & (self.count_valid > 0)
        self.progress.info('Gap filling: {} coarse cells without a value were estimated from their local model '
                           '(or their neighbours where there is none).'.format(int(gaps.sum())))

    def aggregate_see(self, progress):
        see_sum = np.zeros(self.n_cells)
        see_count = np.zeros(self.n_cells)
        with self.timer('aggregate'):
            for block in self.scene.blocks(progress):
                mask = self.output_mask(block)
                see = dispatch.soil_evaporative_efficiency(block.lst, block.ndvi, self.extra['trapezoid'])
                s, c = zonal_sums(np.where(mask, block.zone, -1), see, self.n_cells)
                see_sum += s
                see_count += c
        with np.errstate(invalid='ignore', divide='ignore'):
            self.extra['mean_see'] = see_sum / see_count

    def predict(self, block):
        """(θ̂ for every pixel of the block, NaN outside the output; output mask)."""
        zone = block.zone
        predicted = np.full(zone.shape, np.nan)
        if self.method == BILINEAR:
            mask = self.output_mask(block)
            predicted[mask] = self.scene.interpolate(block, self.theta_flat, self.theta_valid)[mask]
            return predicted, mask
        lst_star = self.lst_star(block)
        mask = self.output_mask(block, lst_star)
        if self.method == DISPATCH:
            see = dispatch.soil_evaporative_efficiency(block.lst[mask], block.ndvi[mask], self.extra['trapezoid'])
            mean_see = self.extra['mean_see'][zone[mask]]
            cell_theta = self.theta_flat[zone[mask]]
            with np.errstate(invalid='ignore', divide='ignore'):
                predicted[mask] = np.where(mean_see >= dispatch.MIN_MEAN_SEE, cell_theta * see / mean_see, cell_theta)
            return predicted, mask
        # Only the terms some cell uses (3–4 of 7 for a linear model) are interpolated and applied.
        # Every pixel is computed and the mask applied once at the end: nearly all pixels are in
        # it, and selecting them from each array would cost more than the few extra values.
        columns = self.used_terms
        beta = self.scene.interpolate(block, self.beta_flat[:, columns], self.beta_valid)
        lst, ndvi = lst_star, block.ndvi
        if self.noise_filtered:
            lst, ndvi = self.denoise(block, lst, ndvi)
        with np.errstate(invalid='ignore'):
            values = linking.predict_pixels(self.fit.standardizer, np.ascontiguousarray(beta.T), lst, ndvi,
                                            block.z if self.uses_elevation else None, columns)
        return np.where(mask, values, np.nan), mask

    def denoise(self, block, lst, ndvi):
        """Weight the fine anomalies of LST* and NDVI around their smooth coarse background
        by their signal fractions (core/noise.py); filled pixels are kept as they are."""
        result = []
        backgrounds = None
        for index, (name, values) in enumerate((('lst', lst), ('ndvi', ndvi))):
            fraction = self.signal_fraction[name]
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

    def predict_pass(self, progress):
        """θ̂ of every pixel (kept for the write pass), its zonal sums, and the spread
        matrix of the residual step (METHOD.md §6)."""
        n_cells = self.n_cells
        prediction_sum = np.zeros(n_cells)
        self.output_count = np.zeros(n_cells)
        spread = SpreadSums(self.shape)
        if self.fit is not None:
            self.used_terms = np.flatnonzero(np.any(np.nan_to_num(self.beta_flat) != 0, axis=0) |
                                             (np.arange(self.beta_flat.shape[1]) == 0))
        self.means_valid = np.isfinite(self.means['lst']).ravel() & np.isfinite(self.means['ndvi']).ravel()
        self.background_means = np.column_stack([self.means['lst'].ravel(), self.means['ndvi'].ravel()])

        def block_prediction(block):
            predicted, mask = self.predict(block)
            self.store.put(block.window, predicted)
            zone = np.where(mask, block.zone, -1)
            sums, counts = zonal_sums(zone, predicted, n_cells)
            spread_part = None
            if self.residual_step:
                nodes, weights = self.scene.bilinear(block, 'residual', self.residual_cells)
                spread_part = SpreadSums.block_part(zone, self.scene.bilinear_base(block).corner, weights)
            return sums, counts, spread_part

        with self.timer('predict'):
            for sums, counts, spread_part in self.scene.map(block_prediction, progress):
                prediction_sum += sums
                self.output_count += counts
                if spread_part is not None:
                    spread.add_part(*spread_part)
        has_output = self.output_count > 0
        self.residual = np.full(n_cells, np.nan)
        self.remainder = np.zeros(n_cells)
        if self.residual_step and has_output.any():
            # r_c = θ_c − ⟨θ̂⟩_c; the remainder r_c − ⟨r_f⟩_c makes the cell means exact.
            self.residual[has_output] = self.theta_flat[has_output] - prediction_sum[has_output] / self.output_count[
                has_output]
            interpolated_sum = spread.zonal_sum_of_interpolated(self.residual)
            self.remainder[has_output] = (self.residual[has_output]
                                          - interpolated_sum[has_output] / self.output_count[has_output])

    def unclipped(self, block, predicted):
        """θ0 = θ̂ + r_f + (r_c − ⟨r_f⟩_c), before the bounds are applied."""
        if not self.residual_step:
            return predicted
        mask = np.isfinite(predicted)
        # NaN residuals count as 0 over the residual cells, exactly as in SpreadSums.
        spread = self.scene.interpolate(block, np.nan_to_num(self.residual), self.residual_cells)
        predicted = predicted.copy()
        predicted[mask] += spread[mask] + self.remainder[block.zone[mask]]
        return predicted

    def write(self, output_path, diagnostics_path, progress):
        n_cells = self.n_cells
        lower, upper = self.options.sm_min, self.options.sm_max
        low, high = np.inf, -np.inf
        # The statistics of the first clipping iteration (no shift yet) come with this pass:
        # a few bincounts per block, which saves a pass whenever values must be clipped.
        clipped_sums, free = np.zeros(n_cells), np.zeros(n_cells)

        def block_residual(block):
            theta0 = self.unclipped(block, self.store.get(block.window))
            self.store.put(block.window, theta0)
            if not np.isfinite(theta0).any():
                return np.inf, -np.inf, None
            statistics = None
            if self.residual_step:
                zone = np.where(np.isfinite(theta0), block.zone, -1)
                statistics = BoundedConsistency.statistics(theta0, np.clip(theta0, lower, upper), zone, n_cells,
                                                           lower, upper)
            return np.nanmin(theta0), np.nanmax(theta0), statistics

        with self.timer('residual'):
            # θ̂ comes from the store and the geometry is kept: the inputs are not read again.
            for block_low, block_high, statistics in self.scene.map(block_residual, progress.sub(0.0, 0.4),
                                                                    inputs=False):
                low, high = min(low, block_low), max(high, block_high)
                if statistics is not None:
                    clipped_sums += statistics[0]
                    free += statistics[1]

        def theta0_blocks(step_progress, function, inputs=False):
            """function(block, θ0, zone of the pixels with a value) for every block, in order."""
            def task(block):
                values = self.store.get(block.window)
                return function(block, values, np.where(np.isfinite(values), block.zone, -1))
            return self.scene.map(task, step_progress, inputs=inputs)

        # The scene's extremes bracket every cell's shift (a cell's own would be tighter, but cost a pass).
        self.consistency = BoundedConsistency(self.theta_flat, self.output_count, lower, upper,
                                              np.full(n_cells, low), np.full(n_cells, high))
        if self.residual_step and (low < lower or high > upper):
            self.redistribute_clipped(theta0_blocks, progress.sub(0.4, 0.6), (clipped_sums, free))
        return self.final_pass(theta0_blocks, output_path, diagnostics_path, progress.sub(0.6, 1.0))

    def redistribute_clipped(self, theta0_blocks, progress, first_statistics):
        """Find per-cell shifts so that clipping keeps every cell's mean (a few passes; the
        statistics of the first, with no shift, come from the residual pass)."""
        lower, upper = self.options.sm_min, self.options.sm_max
        passes = 0
        with self.timer('clip'):
            for passes in range(1, _MAX_CLIP_PASSES + 1):
                if passes == 1:
                    sums, free = first_statistics
                else:
                    sums = np.zeros(self.n_cells)
                    free = np.zeros(self.n_cells)

                    def block_statistics(block, values, zone):
                        clipped = self.consistency.clip(values, zone)
                        return BoundedConsistency.statistics(values, clipped, zone, self.n_cells, lower, upper)

                    for s, f in theta0_blocks(progress.sub((passes - 1) / _MAX_CLIP_PASSES,
                                                           passes / _MAX_CLIP_PASSES), block_statistics):
                        sums += s
                        free += f
                if self.consistency.update(sums, free) < _CONSISTENCY_TOLERANCE:
                    break
        self.progress.info('Values outside [{}, {}] m³/m³ were clipped and the clipped amount moved onto the other '
                           'pixels of their cells ({} pass(es)).'.format(lower, upper, passes))

    def final_pass(self, theta0_blocks, output_path, diagnostics_path, progress):
        n_cells = self.n_cells
        options = self.options
        lower, upper = options.sm_min, options.sm_max
        metadata = self.output_metadata()
        final_sum = np.zeros(n_cells)
        n_clipped = n_output = 0
        cell_fields = _cell_fields(self.fit, self.theta) if diagnostics_path else None
        diagnostics = None
        with self.timer('write'):
            with RasterWriter(output_path, self.fine_grid, 1, descriptions=['soil_moisture_m3_m3'],
                              metadata=metadata) as writer:
                if diagnostics_path:
                    diagnostics = RasterWriter(diagnostics_path, self.fine_grid, len(DIAGNOSTIC_BANDS),
                                               descriptions=list(DIAGNOSTIC_BANDS), metadata=metadata)
                def block_final(block, values, zone):
                    shifted = values
                    if self.residual_step:
                        shifted = values + np.where(zone >= 0, self.consistency.delta[np.maximum(zone, 0)], 0.0)
                    final = np.clip(shifted, lower, upper)
                    # A value on a bound up to rounding (e.g. DISPATCH's SEE = 0) is not "clipped".
                    clipped = np.isfinite(shifted) & ((shifted < lower - _CLIP_FLAG_TOLERANCE)
                                                      | (shifted > upper + _CLIP_FLAG_TOLERANCE))
                    return block, final, clipped, zonal_sums(zone, final, n_cells, counts=False)[0]

                try:
                    # Diagnostics flag filled pixels: then the inputs (and the filler) are read again.
                    with_inputs = diagnostics is not None and self.scene.filler is not None
                    for block, final, clipped, sums in theta0_blocks(progress, block_final, with_inputs):
                        n_clipped += int(clipped.sum())
                        n_output += int(np.isfinite(final).sum())
                        final_sum += sums
                        window = block.window
                        # GDAL datasets are not shared between threads: the caller's thread writes.
                        writer.write(window, final.reshape(window.ysize, window.xsize).astype(np.float32))
                        if diagnostics is not None:
                            _write_diagnostics(diagnostics, block, cell_fields, final, clipped, self.theta_flat,
                                               self.coarse_filled)
                    if diagnostics is not None:
                        diagnostics.commit()
                    writer.commit()
                finally:
                    if diagnostics is not None and not diagnostics.committed:
                        diagnostics.abort()
        with np.errstate(invalid='ignore', divide='ignore'):
            final_mean = final_sum / self.output_count
        # Measured over every cell with output, also those whose value lies outside [SM_MIN, SM_MAX]
        # and so cannot be kept (they are counted and reported, never left out of the figure).
        checked = self.output_count > 0
        errors = np.abs(final_mean - self.theta_flat)[checked]
        max_error = float(errors.max()) if errors.size else 0.0
        infeasible = checked & ~self.consistency.feasible
        n_infeasible = int(infeasible.sum())
        infeasible_error = float(np.abs(final_mean - self.theta_flat)[infeasible].max()) if n_infeasible else 0.0
        if self.method in CONSISTENT_METHODS:
            self.progress.info('Value consistency: largest |cell mean − coarse value| over {} cells = {:.2e} '
                               'm³/m³.'.format(int(checked.sum()), max_error))
        if n_infeasible:
            self.progress.warn('{} coarse cells have values outside the soil moisture bounds [{}, {}] m³/m³ and cannot '
                               'keep them (largest |cell mean − coarse value| {:.3f} m³/m³); check the product\'s '
                               'units or raise the highest soil moisture.'.format(n_infeasible, lower, upper,
                                                                                  infeasible_error))
        coarse = {
            'theta': self.theta, 'mean_lst': self.means['lst'], 'mean_ndvi': self.means['ndvi'],
            'mean_elevation': self.means['elev'], 'valid_fraction': self.valid_fraction,
            'sample_mask': self.sample_mask, 'downscaled_mean': final_mean.reshape(self.shape),
            'output_pixels': self.output_count.reshape(self.shape),
            'coarse_filled': self.coarse_filled.reshape(self.shape),
        }
        return DownscaleResult(
            output=output_path, diagnostics=diagnostics_path or None, method=self.method,
            fine_grid=self.fine_grid, coarse_grid=self.coarse_grid, coarse=coarse, fit=self.fit,
            terrain=self.correction, terrain_check=self.check.result(), consistency_max_error=max_error,
            n_consistent_cells=int(checked.sum()), n_sample_cells=self.n_samples, n_output_pixels=n_output,
            n_clipped_pixels=n_clipped, n_filled_pixels=self.n_filled_pixels,
            n_filled_cells=int(self.coarse_filled.sum()), signal_fraction=dict(self.signal_fraction),
            stage_seconds=dict(self.timer.seconds),
            messages=self.messages, n_infeasible_cells=n_infeasible, infeasible_max_error=infeasible_error)

    def output_metadata(self):
        options, correction = self.options, self.correction
        metadata = {
            'METHOD': METHODS[self.method], 'METHOD_INDEX': self.method, 'MODEL': options.model,
            'HALF_WINDOWS': '{}..{}'.format(options.min_half_window, options.max_half_window),
            'MIN_VALID_FRACTION': options.min_valid_fraction,
            'SM_RANGE': '{}..{}'.format(options.sm_min, options.sm_max),
            'UNITS': 'm3/m3', 'SOFTWARE': 'QGIS plugin Soil Moisture Downscaling',
        }
        if correction.mode != 'none':
            metadata.update({'TERRAIN_CORRECTION': correction.mode,
                             'LAPSE_RATE_K_PER_KM': '{:.4f}'.format(correction.lapse_rate_k_per_km),
                             'ILLUMINATION_COEFFICIENT_K': '{:.4f}'.format(correction.illumination_k)})
        if options.sun.acquisition_date is not None:
            metadata['ACQUISITION_DATE'] = options.sun.acquisition_date.isoformat()
        return metadata


def _valid_predictors(block, lst_star, uses_elevation, method):
    valid = block.zone >= 0
    if method == BILINEAR:
        return valid
    valid &= np.isfinite(lst_star)
    if block.ndvi is not None:
        valid &= np.isfinite(block.ndvi)
    if uses_elevation:
        valid &= np.isfinite(block.z)
    return valid


def _subsample(block, lst, valid, total_pixels, max_samples=2_000_000):
    """A regular subsample of (fv, LST) for the DISPATCH trapezoid."""
    step = max(1, int(total_pixels // max_samples))
    index = np.flatnonzero(valid)[::step]
    return dispatch.fractional_cover(block.ndvi[index]), np.asarray(lst, dtype=float)[index]


def _log_fit(fit, progress):
    own = fit.fallback == linking.FALLBACK_LOCAL
    if not own.any():
        progress.info('Adaptive window: no cell had enough samples for a local model; the global model is used.')
        return
    sizes, counts = np.unique(fit.half_window[own], return_counts=True)
    share = ', '.join('h={}: {}'.format(s, c) for s, c in zip(sizes, counts))
    progress.info('Adaptive window: {} cells with a local model ({}); {} chose elevation as a predictor; {} use the '
                  'global model, {} their own coarse value.'.format(
                      int(own.sum()), share, int((fit.predictor_set[own] == 1).sum()),
                      int((fit.fallback == linking.FALLBACK_GLOBAL).sum()),
                      int((fit.fallback == linking.FALLBACK_COARSE_VALUE).sum())))


def _cell_fields(fit, theta):
    """Per-cell diagnostic values (n_cells, bands − 1): all bands but quality."""
    n_cells = theta.size
    fields = np.full((n_cells, len(DIAGNOSTIC_BANDS) - 1), np.nan)
    if fit is None:
        return fields
    fields[:, 0] = fit.half_window.ravel()
    fields[:, 1] = fit.predictor_set.ravel()
    fields[:, 2] = fit.n.ravel()
    fields[:, 3] = fit.r_squared.ravel()
    fields[:, 4:11] = physical_coefficients(fit.beta, fit.standardizer).reshape(n_cells, -1)
    fields[:, 11] = fit.fallback.ravel()
    return fields


def _write_diagnostics(writer, block, cell_fields, final, clipped, theta_flat, coarse_filled):
    window = block.window
    zone = block.zone
    inside = zone >= 0
    cell = np.maximum(zone, 0)
    quality = np.zeros(zone.shape)
    quality[~(inside & np.isfinite(theta_flat[cell]))] = QUALITY_OUTSIDE_COARSE
    written = np.isfinite(final)
    if block.filled is not None:
        quality[block.filled & written] += QUALITY_LST_FILLED
    quality[inside & coarse_filled[cell] & written] += QUALITY_COARSE_FILLED
    fallback = np.where(inside, cell_fields[cell, 11], np.nan)
    quality[np.isin(fallback, (linking.FALLBACK_GLOBAL, linking.FALLBACK_COARSE_VALUE)) & np.isfinite(final)] += \
        QUALITY_GLOBAL_FALLBACK
    quality[clipped] += QUALITY_CLIPPED
    for band in range(cell_fields.shape[1]):
        values = np.where(inside, cell_fields[cell, band], np.nan)
        writer.write(window, values.reshape(window.ysize, window.xsize).astype(np.float32), band=band + 1)
    writer.write(window, quality.reshape(window.ysize, window.xsize).astype(np.float32), band=len(DIAGNOSTIC_BANDS))


@dataclass
class LstCorrectionResult:
    output: str
    correction: TerrainCorrection
    check: dict
    messages: list


def correct_lst_raster(lst, ndvi, dem, output_path, mode='illumination+lapse', sun=None, memory_mb=1024.0,
                       progress=None):
    """Write LST* (K, float32) on the LST grid: METHOD.md §3, the same fit as ``downscale``."""
    progress, messages = _recording(progress or Progress())
    info = progress.info
    options = DownscaleOptions(method=TERRAIN_AWARE, terrain_mode=mode, sun=sun or SunGeometry(), memory_mb=memory_mb)
    options.validate()
    if mode == 'none':
        raise InputError('Choose a terrain correction mode other than "none".')
    if dem is None:
        raise InputError('The terrain correction needs a DEM.')
    workdir = scratch.work_folder('correct')
    timer = StageTimer()
    scene = None
    try:
        scene, _, fine_grid = _open_scene(DownscaleInputs(None, lst, ndvi, dem), options, workdir,
                                          progress.sub(0.0, 0.2), timer, with_coarse=False)
        correction = _terrain_fit(scene, options, progress.sub(0.2, 0.6), timer)
        check = CorrectionCheck()
        metadata = {'TERRAIN_CORRECTION': mode, 'LAPSE_RATE_K_PER_KM': '{:.4f}'.format(correction.lapse_rate_k_per_km),
                    'ILLUMINATION_COEFFICIENT_K': '{:.4f}'.format(correction.illumination_k),
                    'REFERENCE_ELEVATION_M': '{:.1f}'.format(correction.reference_elevation), 'UNITS': 'K'}
        with RasterWriter(output_path, fine_grid, 1, descriptions=['terrain_corrected_lst_K'],
                          metadata=metadata) as writer:
            for block in scene.blocks(progress.sub(0.6, 1.0)):
                corrected = correction.apply(block.lst, block.z, block.cos_i, block.cos_sz)
                check.add(block.lst, corrected, block.cos_i)
                window = block.window
                writer.write(window, corrected.reshape(window.ysize, window.xsize))
            writer.commit()
        result = check.result()
        info('Check: spatial sd of LST {:.2f} K → LST* {:.2f} K; corr(LST*, cos i) = {:.3f}.'.format(
            result['lst_sd'], result['lst_star_sd'], result['corr_lst_star_cos_i']))
        return LstCorrectionResult(output_path, correction, result, messages)
    finally:
        if scene is not None:
            scene.close()
        shutil.rmtree(workdir, ignore_errors=True)
