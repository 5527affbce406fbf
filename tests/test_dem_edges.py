"""Seamless along coasts and the edges of a DEM's data: pixels whose 3×3 slope window touches DEM
nodata get a one-sided slope, a value, and quality bit 32."""
import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.benchmarks.twin_scene import DATA_DIR, TwinSettings, make_twin_scene
from soil_moisture_downscaling.core import downscaling
from soil_moisture_downscaling.core.alignment import CoarseIndexer
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.residual import zonal_sums
from soil_moisture_downscaling.core.terrain import SunGeometry, horn_gradients, one_sided_gradients, partial_windows


def test_one_sided_slopes_of_a_plane_are_exact_next_to_holes():
    """A plane keeps its gradient wherever its window has holes, however they fall."""
    rng = np.random.default_rng(1)
    cols, rows = np.meshgrid(np.arange(40.0), np.arange(30.0))
    dx, dy = 30.0, 40.0
    # z rises 0.2 per metre eastwards and 0.05 per metre northwards (rows run south).
    z = 1000.0 + 0.2 * dx * cols - 0.05 * dy * rows
    z[rng.random(z.shape) < 0.25] = np.nan
    # Padded with nodata: beyond the raster's edge the plugin replicates the edge (as Horn's kernel
    # always did there), which flattens a plane; here every window edge is a hole.
    padded = np.pad(z, 1, constant_values=np.nan)
    partial = partial_windows(padded)
    assert partial.sum() > 300 and not partial[np.isnan(z)].any()
    east, north = one_sided_gradients(padded, dx, dy, np.flatnonzero(partial))
    # A pixel whose every neighbour along a direction is missing has no slope there (flat).
    def usable(before, centre, after):
        ok = np.isfinite([before, centre, after])
        return (ok[0] and ok[2]) or (ok[1] and (ok[0] or ok[2]))

    has_east = np.array([any(usable(*padded[r + a, c:c + 3]) for a in range(3)) for r, c in zip(*np.nonzero(partial))])
    np.testing.assert_allclose(east[has_east], 0.2, rtol=1e-12)
    has_north = np.array([any(usable(*padded[r:r + 3, c + a]) for a in range(3)) for r, c in zip(*np.nonzero(partial))])
    np.testing.assert_allclose(north[has_north], 0.05, rtol=1e-12)
    assert np.all(east[~has_east] == 0.0) and np.all(north[~has_north] == 0.0)
    assert (~has_east).sum() + (~has_north).sum() > 0
    # With a full window the weighted differences are Horn's kernel.
    full = np.flatnonzero(np.isfinite(horn_gradients(padded, dx, dy)[0]) & np.isfinite(z))
    curved = np.pad(np.sin(cols / 5.0) * np.cos(rows / 7.0) * 300.0, 1, mode='edge')
    expected = horn_gradients(curved, dx, dy)
    for got, horn in zip(one_sided_gradients(curved, dx, dy, full), expected):
        np.testing.assert_allclose(got, horn.ravel()[full], rtol=1e-10, atol=1e-14)


@pytest.fixture(scope='module')
def coastal_scene(tmp_path_factory):
    """200 × 200 km of the South Island's west coast at 1 km, sea = nodata in every layer, coarse
    cells of 0.1° in EPSG:4326."""
    return make_twin_scene(DATA_DIR + '/nz_elev.tif', str(tmp_path_factory.mktemp('coast')), TwinSettings(
        fine_crs='EPSG:2193', fine_resolution=1000.0, coarse_crs='EPSG:4326', coarse_resolution=0.1,
        coarse_origin=(-180.0, 90.0), extent=(1195456.5, 4941960.9, 1395456.5, 5141960.9), keep_dem_gaps=True,
        seed=21))


def scene_pixels(scene):
    """(DEM, flat coarse values, zone of each pixel, pixels with inputs inside a cell with a value)."""
    z = read(scene.paths['dem'])
    lst, ndvi = read(scene.paths['lst']), read(scene.paths['ndvi'])
    coarse = read(scene.paths['coarse_sm']).ravel()
    indexer = CoarseIndexer(scene.fine_grid, scene.coarse_grid)
    zone = indexer.zone(*indexer.index(scene.fine_grid.full_window())).reshape(z.shape)
    inside_valid_cell = (zone >= 0) & np.isfinite(coarse[np.maximum(zone, 0)])
    return z, coarse, zone, np.isfinite(z) & np.isfinite(lst) & np.isfinite(ndvi) & inside_valid_cell


@pytest.mark.parametrize('method', [Method.TERRAIN_AWARE, Method.GLOBAL_LINEAR])
def test_coastal_pixels_get_a_value_and_the_partial_terrain_flag(coastal_scene, tmp_path, method):
    """Bit 32 marks exactly the written pixels whose illumination came from a partial window (none for
    a method that does not correct LST for terrain); the map covers every pixel that has inputs."""
    scene = coastal_scene
    inputs = DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    result = downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(
        method=method, sun=SunGeometry(acquisition_date=scene.settings.acquisition_date)),
        diagnostics_path=str(tmp_path / 'diag.tif'))
    out = read(tmp_path / 'out.tif')
    quality = read(tmp_path / 'diag.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1).astype(int)
    z, coarse, zone, wanted = scene_pixels(scene)
    # The scene has a coast: land pixels next to the sea.
    touching = np.isfinite(z) & ~np.all([np.isfinite(np.pad(z, 1, mode='edge')[r:r + z.shape[0], c:c + z.shape[1]])
                                         for r in range(3) for c in range(3)], axis=0)
    assert touching.sum() > 100 and np.isnan(z).mean() > 0.02
    assert np.isfinite(out[wanted]).all(), 'every pixel with inputs inside a valid coarse cell has a value'
    flagged = (quality & downscaling.QUALITY_PARTIAL_TERRAIN) > 0
    uses_illumination = method == Method.TERRAIN_AWARE
    assert np.array_equal(flagged, touching & np.isfinite(out) & uses_illumination)
    assert result.consistency_max_error < 1e-4
    sums, counts = zonal_sums(zone.ravel(), out.ravel(), coarse.size)
    checked = (counts > 0) & np.isfinite(coarse)
    assert np.max(np.abs(sums[checked] / counts[checked] - coarse[checked])) < 1e-4


def test_methods_without_illumination_set_no_partial_terrain_flag(coastal_scene, tmp_path):
    scene = coastal_scene
    inputs = DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(method=Method.ADAPTIVE_NO_TERRAIN),
              diagnostics_path=str(tmp_path / 'diag.tif'))
    quality = read(tmp_path / 'diag.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1).astype(int)
    assert not (quality & downscaling.QUALITY_PARTIAL_TERRAIN).any()
    assert np.isfinite(read(tmp_path / 'out.tif')).sum() > 0


def test_coast_with_a_dem_on_another_grid(coastal_scene, tmp_path):
    """A finer DEM in another CRS: slopes on the DEM's own grid (one-sided at the coast), then
    averaged onto the fine grid with the share of partial windows; coastal pixels keep a value
    and carry the flag, inland pixels do not."""
    from osgeo import gdal
    scene = coastal_scene
    dem = str(tmp_path / 'dem_utm.tif')
    gdal.Warp(dem, scene.paths['dem'], dstSRS='EPSG:32759', xRes=500.0, yRes=500.0, resampleAlg='bilinear',
              srcNodata=float('nan'), dstNodata=float('nan'), outputType=gdal.GDT_Float32)
    inputs = DownscaleInputs(*(RasterSource(p, name=p) for p in (scene.paths['coarse_sm'], scene.paths['lst'],
                                                                  scene.paths['ndvi'], dem)))
    result = downscale(inputs, str(tmp_path / 'out.tif'), DownscaleOptions(
        sun=SunGeometry(acquisition_date=scene.settings.acquisition_date)), diagnostics_path=str(tmp_path / 'd.tif'))
    out = read(tmp_path / 'out.tif')
    quality = read(tmp_path / 'd.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1).astype(int)
    # The warped DEM has a value wherever the 1 km one has (500 m pixels averaged back).
    z, coarse, zone, wanted = scene_pixels(scene)
    assert np.isfinite(out[wanted]).all()
    flagged = (quality & downscaling.QUALITY_PARTIAL_TERRAIN) > 0
    from scipy import ndimage
    near_coast = ndimage.binary_dilation(~np.isfinite(z), iterations=2)
    # The reprojected DEM's data also ends near the fine grid's border: its edge is flagged too.
    near_coast[:3] = near_coast[-3:] = near_coast[:, :3] = near_coast[:, -3:] = True
    assert flagged.sum() > 100 and not (flagged & ~near_coast).any()
    assert (flagged & np.pad(np.zeros((z.shape[0] - 6, z.shape[1] - 6), bool), 3, constant_values=True)).any()
    assert result.consistency_max_error < 1e-4
