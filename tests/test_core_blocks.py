"""Block-wise processing: the result does not depend on the memory budget, and progress moves."""
import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.core.downscaling import (CONSISTENT_METHODS, DIAGNOSTIC_BANDS, DownscaleInputs,
                                                        DownscaleOptions, Method, downscale)
from soil_moisture_downscaling.core.downscaling.scene import BYTES_PER_FINE_PIXEL
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.progress import Progress
from soil_moisture_downscaling.core.raster_io import RasterSource, row_windows
from soil_moisture_downscaling.core.terrain import SunGeometry


def scene_inputs(scene):
    return DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))


@pytest.mark.parametrize('method', [Method.TERRAIN_AWARE, Method.DISPATCH, Method.BILINEAR])
def test_small_memory_budget_gives_the_same_map(colorado_scene, tmp_path, method):
    """Across CRSs (UTM fine grid, EPSG:4326 cells): many blocks or one, the same map."""
    options = dict(method=method, sun=SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date))
    whole = downscale(scene_inputs(colorado_scene), str(tmp_path / 'whole.tif'), DownscaleOptions(**options),
                      diagnostics_path=str(tmp_path / 'whole_diag.tif'))
    blocks = downscale(scene_inputs(colorado_scene), str(tmp_path / 'blocks.tif'),
                       DownscaleOptions(memory_mb=4, **options), diagnostics_path=str(tmp_path / 'blocks_diag.tif'))
    assert len(row_windows(colorado_scene.fine_grid, BYTES_PER_FINE_PIXEL, 4)) > 5
    a, b = read(tmp_path / 'whole.tif'), read(tmp_path / 'blocks.tif')
    assert np.array_equal(np.isfinite(a), np.isfinite(b))
    # The terrain fit's block sums differ in their last bits, which can move LST* (float32) by one
    # unit in the last place (3e-5 K); DISPATCH divides the soil temperature by 1 − fv (up to 10×).
    assert np.nanmax(np.abs(a - b)) < (1e-5 if method == Method.DISPATCH else 1e-6)
    band = DIAGNOSTIC_BANDS.index('quality') + 1
    assert np.array_equal(read(tmp_path / 'whole_diag.tif', band), read(tmp_path / 'blocks_diag.tif', band),
                          equal_nan=True)
    assert whole.n_output_pixels == blocks.n_output_pixels
    if method in CONSISTENT_METHODS:
        assert blocks.consistency_max_error < 1e-4


def test_progress_moves_and_ends_at_100(terrain_scene, tmp_path):
    seen = []
    downscale(scene_inputs(terrain_scene), str(tmp_path / 'out.tif'),
              DownscaleOptions(memory_mb=2, sun=SunGeometry(acquisition_date=terrain_scene.settings.acquisition_date)),
              progress=Progress(seen.append))
    assert len(seen) > 20
    assert seen[-1] == pytest.approx(100.0)
    assert all(b >= a - 1e-9 for a, b in zip(seen, seen[1:])), 'progress never goes back'


def test_terrain_fit_on_sampled_rows_matches_the_full_fit(terrain_scene, tmp_path):
    sun = SunGeometry(acquisition_date=terrain_scene.settings.acquisition_date)
    # One terrain mode: the fit is compared, not the self-adaptive choice of the mode.
    full = downscale(scene_inputs(terrain_scene), str(tmp_path / 'full.tif'), DownscaleOptions(
        sun=sun, terrain_mode='illumination+lapse')).terrain
    sampled = downscale(scene_inputs(terrain_scene), str(tmp_path / 'sampled.tif'), DownscaleOptions(
        sun=sun, terrain_mode='illumination+lapse', terrain_fit_pixels=terrain_scene.fine_grid.n_pixels // 5)).terrain
    assert sampled.n_pixels < full.n_pixels / 3
    assert sampled.lapse_rate_k_per_km == pytest.approx(full.lapse_rate_k_per_km, rel=0.1)
    assert sampled.illumination_k == pytest.approx(full.illumination_k, rel=0.05)


def test_threads_do_not_change_the_map(colorado_scene, tmp_path):
    """Blocks computed by several threads are combined in window order: the same map to the bit.

    Each thread holds a block of its own, so three threads get three times the budget here
    to cut the scene into the same windows as one thread."""
    sun = SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date)
    one = downscale(scene_inputs(colorado_scene), str(tmp_path / 'one.tif'),
                    DownscaleOptions(threads=1, memory_mb=4, sun=sun))
    three = downscale(scene_inputs(colorado_scene), str(tmp_path / 'three.tif'),
                      DownscaleOptions(threads=3, memory_mb=12, sun=sun))
    assert len(row_windows(colorado_scene.fine_grid, BYTES_PER_FINE_PIXEL, 4)) > 5
    assert np.array_equal(read(tmp_path / 'one.tif'), read(tmp_path / 'three.tif'), equal_nan=True)
    assert one.terrain.lapse_rate_k_per_km == three.terrain.lapse_rate_k_per_km
    assert np.array_equal(one.coarse.downscaled_mean, three.coarse.downscaled_mean, equal_nan=True)


def test_negative_thread_count_is_refused(colorado_scene, tmp_path):
    with pytest.raises(InputError, match='threads'):
        downscale(scene_inputs(colorado_scene), str(tmp_path / 'x.tif'), DownscaleOptions(threads=-1))
    assert not (tmp_path / 'x.tif').exists()


@pytest.mark.parametrize('in_file', [False, True])
def test_window_store_gives_back_what_it_kept(tmp_path, in_file):
    from soil_moisture_downscaling.core.raster_io import Window
    from soil_moisture_downscaling.core.window_store import WindowStore
    path = tmp_path / 'kept.bin'
    store = WindowStore(str(path) if in_file else None)
    rng = np.random.default_rng(3)
    kept = {}
    for row in range(4):
        window = Window(0, row * 5, 7, 5)
        kept[window] = {'zone': rng.integers(-1, 99, 35).astype(np.int32), 'z': rng.normal(size=35).astype(np.float32),
                        'corner': rng.integers(0, 9, 35).astype(np.int8)}
        store.put(window, kept[window])
    # Overwriting a window keeps the others intact.
    first = Window(0, 0, 7, 5)
    kept[first] = dict(kept[first], z=np.full(35, 2.5, dtype=np.float32))
    store.put(first, kept[first])
    for window, arrays in kept.items():
        assert window in store
        got = store.get(window)
        for name, values in arrays.items():
            assert got[name].dtype == values.dtype
            assert np.array_equal(got[name], values)
    only_z = store.get(first, ('z',))
    assert list(only_z) == ['z'] and np.array_equal(only_z['z'], kept[first]['z'])
    assert path.exists() == in_file
    store.close()
    assert not path.exists()


@pytest.mark.parametrize('where', ['none', 'disk, coarse part only', 'memory'])
def test_where_the_geometry_is_kept_does_not_change_the_map(colorado_scene, tmp_path, where):
    """Recomputed in every pass (a full scratch disk), only its coarse-cell part kept on disk, or all
    in memory: the same map as the automatic choice (the whole geometry on disk with this budget)."""
    sun = SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date)
    kept = downscale(scene_inputs(colorado_scene), str(tmp_path / 'kept.tif'), DownscaleOptions(memory_mb=4, sun=sun))
    assert kept.kept_geometry == 'disk'
    other = downscale(scene_inputs(colorado_scene), str(tmp_path / 'other.tif'),
                      DownscaleOptions(memory_mb=4, sun=sun, keep_geometry=where))
    assert other.kept_geometry == where
    assert np.array_equal(read(tmp_path / 'kept.tif'), read(tmp_path / 'other.tif'), equal_nan=True)


def test_sampled_terrain_fit_does_not_depend_on_budget_or_threads(colorado_scene, tmp_path):
    """The sampled rows are chosen on the grid, not on the blocks (found in review: sampling
    every k-th block made the lapse rate, hence the map, depend on the budget and threads)."""
    sampled_pixels = colorado_scene.fine_grid.n_pixels // 5
    sun = SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date)
    fits = []
    for memory_mb, threads in ((1024, 1), (4, 1), (6, 2), (3, 3)):
        result = downscale(scene_inputs(colorado_scene), str(tmp_path / 'out_{}_{}.tif'.format(memory_mb, threads)),
                           DownscaleOptions(memory_mb=memory_mb, threads=threads, sun=sun,
                                            terrain_fit_pixels=sampled_pixels))
        fits.append(result.terrain)
    for fit in fits[1:]:
        assert fit.n_pixels == fits[0].n_pixels
        # Same pixels; only the order of the block sums differs.
        assert fit.lapse_rate_k_per_km == pytest.approx(fits[0].lapse_rate_k_per_km, rel=1e-8)
        assert fit.illumination_k == pytest.approx(fits[0].illumination_k, rel=1e-8)


def test_passes_without_inputs_read_back_only_the_coarse_geometry(colorado_scene, tmp_path, monkeypatch):
    """The residual, clipping and write passes need no terrain: they do not read it back."""
    from soil_moisture_downscaling.core.window_store import WindowStore
    requested = []
    original = WindowStore.get

    def record(self, window, names=None):
        requested.append(names)
        return original(self, window, names)
    monkeypatch.setattr(WindowStore, 'get', record)
    sun = SunGeometry(acquisition_date=colorado_scene.settings.acquisition_date)
    downscale(scene_inputs(colorado_scene), str(tmp_path / 'out.tif'), DownscaleOptions(memory_mb=4, sun=sun))
    coarse_only = [names for names in requested if names is not None and 'cos_i' not in names]
    full = [names for names in requested if names is None]
    assert coarse_only and full
