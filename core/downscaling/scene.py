"""The fine scene of a run: its blocks, the thread pool that maps over them, and what is
kept between passes (each pixel's coarse-cell geometry and terrain, θ̂).

Every pass over the fine grid is a map over row windows ("blocks") under the memory
budget; with several workers the blocks are read and processed in a thread pool and the
results come back in window order, so sums combined by the caller do not depend on the
number of threads.
"""
from __future__ import annotations

import collections
import contextlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

import numpy as np

from .. import scratch
from ..raster_io import GridSpec, RasterReader, RasterSource, Window, row_windows
from ..residual import BilinearWeights, bilinear_geometry
from ..window_store import WindowStore
from .options import KEEP_GEOMETRY

if TYPE_CHECKING:
    from ..alignment import CoarseIndexer
    from ..gap_filling import LstFiller
    from ..progress import Progress
    from ..terrain import TerrainReader

#: Working memory per fine pixel of a block, all temporary arrays together (bytes): numpy's
#: traced peak is 217 B/px on the clear 13 Mpx speed scene and 260 B/px with 30 % clouds to fill.
BYTES_PER_FINE_PIXEL = 400
#: Largest block (pixels per worker): arrays that stay nearer the caches are faster (13 Mpx speed
#: scene, one thread: 8.0 s with 1.3 Mpx blocks, 6.3 s with 0.77 Mpx; two threads, median of 5:
#: 4.6 s with 0.5 Mpx, 4.2 s with 0.25 Mpx). Per-block sums cover only the block's cells.
MAX_BLOCK_PIXELS = 250_000
#: Bands of rows the terrain fit samples beyond DownscaleOptions.terrain_fit_pixels: many, so the
#: sample spans the terrain of the whole scene (16 bands missed the illumination coefficient by
#: 16 % on the Colorado test scene), few enough that on big scenes most blocks are not read for the fit.
TERRAIN_FIT_BANDS = 64
#: The coarse-cell part of a pixel's kept geometry (from bilinear_geometry).
COARSE_GEOMETRY = ('zone', 'node0', 'wx', 'wy', 'corner')
#: Bytes per fine pixel of the kept geometry: zone, first node, fractions, corner; terrain (z, cos i, cos θz).
GEOMETRY_BYTES = 4 + 4 + 2 * 4 + 1
TERRAIN_BYTES = 3 * 4
#: Share of the memory budget the kept geometry may use in memory (else it goes to a scratch file).
GEOMETRY_MEMORY_SHARE = 0.25


class Block:
    """The fine inputs of one window, flattened to 1-D arrays (None where not read or not used).

    lst: LST with gaps filled when the scene has a filler (K); lst_clear: LST as read;
    ndvi; filled: pixels whose LST or NDVI was filled; z (m), cos_i, cos_sz: terrain (float32);
    zone: the flat index of the pixel's coarse cell (−1 outside the coarse grid); geometry:
    every kept array of the window; cache: per-block results (bilinear weights).
    """
    __slots__ = ('window', 'lst', 'lst_clear', 'ndvi', 'filled', 'z', 'cos_i', 'cos_sz', 'zone', 'geometry',
                 'has_inputs', 'cache')

    @property
    def shape(self) -> Tuple[int, int]:
        return (self.window.ysize, self.window.xsize)


class FineScene:
    """Reads aligned fine inputs and the coarse-cell mapping window by window.

    What does not change between passes, the coarse-cell geometry of each pixel (zone and
    bilinear nodes) and its terrain (z, cos i, cos θz, as float32), is computed in the first
    pass over a window and kept in a :class:`WindowStore` (in memory within a quarter of the
    budget, else in a scratch file in ``workdir``). The last window read is cached, so when
    the whole grid is one window all passes share the same arrays.

    lst, ndvi: RasterSource on the fine grid; terrain: a TerrainOnFineGrid or None; indexer:
    a CoarseIndexer or None (scenes without coarse cells, e.g. gap filling alone).
    """

    def __init__(self, grid: GridSpec, lst: RasterSource, ndvi: Optional[RasterSource],
                 terrain: Optional[TerrainReader], indexer: Optional[CoarseIndexer], memory_mb: float,
                 workdir: Optional[str] = None, workers: int = 1, progress: Optional[Progress] = None,
                 keep_geometry: str = 'auto', terrain_fit_pixels: int = 4_000_000, owns_terrain: bool = True):
        self.grid = grid
        self.workers = max(1, int(workers))
        self.lst = RasterReader(lst)
        self.ndvi = RasterReader(ndvi) if ndvi is not None else None
        self.terrain = terrain
        self.owns_terrain = owns_terrain
        self.indexer = indexer
        self.progress = progress
        self.terrain_fit_pixels = terrain_fit_pixels
        assert keep_geometry in KEEP_GEOMETRY
        coarse_bytes = GEOMETRY_BYTES if indexer is not None else 0
        bytes_per_pixel = coarse_bytes + (TERRAIN_BYTES if terrain is not None else 0)
        kept_mb = grid.n_pixels * bytes_per_pixel / 2.0 ** 20
        if keep_geometry == 'auto':
            in_memory = kept_mb <= GEOMETRY_MEMORY_SHARE * memory_mb
        else:
            in_memory = keep_geometry == 'memory'
        working_mb = memory_mb - kept_mb if in_memory else memory_mb
        # Each worker holds a block of its own.
        block_mb = min(working_mb, MAX_BLOCK_PIXELS * BYTES_PER_FINE_PIXEL * self.workers / 2.0 ** 20)
        self.windows = row_windows(grid, BYTES_PER_FINE_PIXEL * self.workers, block_mb)
        self._window_set = set(self.windows)
        self.kept, self.keeps_terrain = self._geometry_store(keep_geometry, in_memory, workdir, coarse_bytes,
                                                             bytes_per_pixel)
        self.filler = None
        self._cached = None

    def _geometry_store(self, keep_geometry, in_memory, workdir, coarse_bytes, bytes_per_pixel):
        """(WindowStore or None, whether it keeps the terrain too).

        Keep all of the geometry in memory, else on disk, else (a big scene on a full disk) only
        its coarse-cell part on disk, else nothing. What is not kept is recomputed in every pass
        that needs it: slower, same values."""
        has_terrain = self.terrain is not None
        if not bytes_per_pixel or keep_geometry == 'none':
            return None, False
        if in_memory:
            return WindowStore(), has_terrain
        if workdir is None:
            return None, False
        path = os.path.join(workdir, 'geometry.bin')
        n_pixels = self.grid.n_pixels
        if keep_geometry == 'disk' or (keep_geometry == 'auto' and _disk_allows(workdir, n_pixels * bytes_per_pixel)):
            return WindowStore(path), has_terrain
        if coarse_bytes and (keep_geometry == 'disk, coarse part only'
                             or (keep_geometry == 'auto' and _disk_allows(workdir, n_pixels * coarse_bytes))):
            return WindowStore(path), False
        return None, False

    @property
    def kept_geometry(self) -> str:
        """Where the geometry is kept: one of KEEP_GEOMETRY but 'auto'."""
        if self.kept is None:
            return 'none'
        if self.kept.in_memory:
            return 'memory'
        return 'disk' if self.keeps_terrain or self.terrain is None else 'disk, coarse part only'

    def set_filler(self, filler: Optional[LstFiller]) -> None:
        """From now on, blocks come with LST and NDVI gaps filled (``block.filled`` marks them)."""
        self.filler = filler
        self._cached = None

    @property
    def single_block(self) -> bool:
        return len(self.windows) == 1

    @property
    def coarse_shape(self) -> Tuple[int, int]:
        coarse = self.indexer.coarse_grid
        return (coarse.height, coarse.width)

    def geometry(self, window: Window, with_terrain: bool = True) -> Dict[str, np.ndarray]:
        """name → 1-D array of the window's geometry: zone (int32, −1 outside the coarse grid),
        node0/wx/wy/corner (:func:`bilinear_geometry`) and, with terrain, z/cos_i/cos_sz (float32).
        Computed once per window of the run and then kept."""
        kept = self.kept
        wanted = self.terrain is not None and with_terrain
        if kept is not None and window in kept:
            # Passes without inputs (residual, clipping, writing) read back the coarse-cell part only.
            arrays = kept.get(window, None if wanted else COARSE_GEOMETRY)
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
        (arrays['zone'], arrays['node0'], arrays['wx'], arrays['wy'],
         arrays['corner']) = bilinear_geometry(fcol.ravel(), frow.ravel(), self.coarse_shape)
        return arrays, latitude

    def _terrain_arrays(self, window, latitude):
        """z, cos_i, cos_sz of a window: float32 whether kept or not, so every pass sees the same values."""
        return {name: np.asarray(values, dtype=np.float32).ravel()
                for name, values in zip(('z', 'cos_i', 'cos_sz'), self.terrain.read(window, latitude))}

    def read(self, window: Window, inputs: bool = True) -> Block:
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
        block = Block()
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

    def bilinear_base(self, block: Block) -> BilinearWeights:
        """The block's BilinearWeights (cached with the block)."""
        if 'bilinear' not in block.cache:
            g = block.geometry
            block.cache['bilinear'] = BilinearWeights(g['node0'], g['wx'], g['wy'], g['corner'], self.coarse_shape)
        return block.cache['bilinear']

    def bilinear(self, block: Block, key: str, valid_nodes: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Bilinear (nodes, weights) of every pixel of a block, normalized over ``valid_nodes``
        and cached under ``key``. Every pixel, not a subset: indexing (n, 4) arrays by a mask
        costs more than interpolating the few pixels that are not needed."""
        if key not in block.cache:
            block.cache[key] = self.bilinear_base(block).normalized(valid_nodes)
        return block.cache[key]

    def interpolate(self, block: Block, cell_values: np.ndarray, valid_nodes: Optional[np.ndarray]) -> np.ndarray:
        """Coarse values interpolated bilinearly at every pixel of a block (NaN where no node is valid)."""
        return self.bilinear_base(block).interpolate(cell_values, valid_nodes)

    def blocks(self, progress: Optional[Progress] = None) -> Iterator[Block]:
        """Every block of the scene, in order (read ahead by the workers)."""
        return self.map(None, progress)

    def map(self, function: Optional[Callable[[Block], Any]], progress: Optional[Progress] = None, inputs: bool = True,
            windows: Optional[Sequence[Window]] = None) -> Iterator[Any]:
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
                self._report(progress, index / len(windows))
                yield task(window)
        else:
            pending = collections.deque()
            with ThreadPoolExecutor(self.workers) as pool:
                try:
                    for index in range(len(windows)):
                        while len(pending) < self.workers and index + len(pending) < len(windows):
                            pending.append(pool.submit(task, windows[index + len(pending)]))
                        self._report(progress, index / len(windows))
                        yield pending.popleft().result()
                finally:
                    for future in pending:
                        future.cancel()
        if progress is not None:
            progress.report(1.0)

    def _report(self, progress, fraction):
        """Progress of a pass (or, without one, the cancel check of the scene's own progress)."""
        if progress is not None:
            progress.report(fraction)
        elif self.progress is not None:
            self.progress.check()

    def terrain_blocks(self, progress: Optional[Progress] = None, function: Optional[Callable[..., Any]] = None
                       ) -> Iterator[Any]:
        """``function(lst, ndvi, z, cos_i)`` (or the tuple) of the pixels used to fit the terrain
        model, block by block in a fixed order: clear LST only, never filled values.

        A 4-coefficient fit needs no billion pixels: beyond ``terrain_fit_pixels`` it uses
        TERRAIN_FIT_BANDS evenly spaced bands of full rows. The bands are chosen on the grid,
        not on the blocks, so the fit does not depend on the memory budget or the number of
        threads; only the windows they cross are read (their geometry is kept for later passes).
        """
        sampled = terrain_fit_rows(self.grid, self.terrain_fit_pixels)

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
                               np.reshape(values, block.shape)[rows].ravel() for values in arrays)
            return arrays if function is None else function(*arrays)
        return self.map(task, progress, windows=windows)

    def count_gaps(self) -> Tuple[int, int]:
        """(missing LST, missing NDVI) pixels, reading only those two rasters."""
        def count(window):
            return (int(np.isnan(self.lst.read(window)).sum()),
                    int(np.isnan(self.ndvi.read(window)).sum()) if self.ndvi is not None else 0)
        # The counts read the rasters only: the windows themselves are the "blocks" mapped.
        counts = list(self._map_windows(count))
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def raw_blocks(self) -> Iterator[Tuple[Window, np.ndarray, Optional[np.ndarray], Optional[np.ndarray],
                                           Optional[np.ndarray]]]:
        """(window, lst, ndvi, z, cos_i) as read, for preparing a gap filler."""
        for block in self.map(None):
            yield block.window, block.lst_clear, block.ndvi, block.z, block.cos_i

    def close(self) -> None:
        self.lst.close()
        if self.ndvi is not None:
            self.ndvi.close()
        if self.terrain is not None and self.owns_terrain:
            self.terrain.close()
        if self.kept is not None:
            self.kept.close()
        self._cached = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


@contextlib.contextmanager
def run_folder(prefix: str) -> Iterator[str]:
    """A scratch folder for one run (kept geometry, aligned inputs), removed when the run ends, also on
    SIGTERM; one left by a killed run is removed by the next (core.scratch)."""
    folder = scratch.work_folder(''.join(c for c in prefix.lower() if c.isalpha()) or 'run')
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def terrain_fit_rows(grid: GridSpec, max_pixels: int) -> np.ndarray:
    """Boolean per row of the grid: the rows the terrain fit uses (all of them up to
    ``max_pixels``, else TERRAIN_FIT_BANDS evenly spaced bands of full rows)."""
    rows = np.zeros(grid.height, dtype=bool)
    wanted = max(1, max_pixels // grid.width)
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
    the scene is a single block, else in a raw scratch file in ``workdir``."""

    def __init__(self, scene: FineScene, workdir: str):
        self.store = WindowStore(None if scene.single_block else os.path.join(workdir, 'pixels.bin'))

    def put(self, window: Window, values: np.ndarray) -> None:
        self.store.put(window, {'theta': np.asarray(values, dtype=np.float64)})

    def get(self, window: Window) -> np.ndarray:
        return self.store.get(window)['theta']

    def close(self) -> None:
        self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
