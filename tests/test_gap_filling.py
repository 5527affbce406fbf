"""Gap filling on a twin scene with a planted cloud mask (METHOD.md §7)."""
import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.benchmarks.twin_scene import FRONT_RANGE_DEM, TwinSettings, make_twin_scene
from soil_moisture_downscaling.core import downscaling
from soil_moisture_downscaling.core.downscaling import Method
from soil_moisture_downscaling.core.gap_filling import annual_cycle, fill_by_normalized_convolution, fit_annual_cycle
from soil_moisture_downscaling.core.metrics import agreement
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry


@pytest.fixture(scope='module')
def cloudy_scene(tmp_path_factory):
    return make_twin_scene(FRONT_RANGE_DEM, str(tmp_path_factory.mktemp('cloudy')),
                           TwinSettings(fine_resolution=250, coarse_factor=10, seed=21, cloud_fraction=0.3))


def test_cloudy_scene_is_downscaled_without_holes_and_keeps_cell_values(cloudy_scene, tmp_path):
    inputs = DownscaleInputs(*(RasterSource(cloudy_scene.paths[k], name=k)
                               for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    lst = read(cloudy_scene.paths['lst'])
    clouds = np.isnan(lst)
    assert 0.25 < clouds.mean() < 0.35
    options = DownscaleOptions(sun=SunGeometry(acquisition_date=cloudy_scene.settings.acquisition_date))
    result = downscale(inputs, str(tmp_path / 'sm.tif'), options, diagnostics_path=str(tmp_path / 'diag.tif'))
    out = read(tmp_path / 'sm.tif')
    coarse_has_data = np.isfinite(read(cloudy_scene.paths['truth']))  # the product covers the whole scene
    assert np.isfinite(out[coarse_has_data]).all(), 'no holes where the coarse product has data'
    assert result.consistency_max_error < 1e-4
    quality = read(tmp_path / 'diag.tif', band=downscaling.DIAGNOSTIC_BANDS.index('quality') + 1).astype(int)
    assert np.array_equal((quality & downscaling.QUALITY_LST_FILLED) > 0, clouds)
    truth = cloudy_scene.truth
    under = agreement(out[clouds], truth[clouds])
    clear = agreement(out[~clouds], truth[~clouds])
    downscale(inputs, str(tmp_path / 'bl.tif'), DownscaleOptions(method=Method.BILINEAR))
    reference = agreement(read(tmp_path / 'bl.tif')[clouds], truth[clouds])
    print('\nubRMSE under clouds {:.4f}, clear {:.4f}; bilinear under clouds {:.4f}'.format(
        under['ubrmse'], clear['ubrmse'], reference['ubrmse']))
    assert under['ubrmse'] < reference['ubrmse'] * 1.05, 'filled pixels are not worse than bilinear'


def test_filled_lst_is_close_to_the_hidden_clear_sky_lst(cloudy_scene, tmp_path):
    from soil_moisture_downscaling.core.gap_filling import SpatialLstFiller
    from soil_moisture_downscaling.core.terrain import TerrainOnFineGrid
    grid = cloudy_scene.fine_grid
    window = grid.full_window()
    lst = read(cloudy_scene.paths['lst']).ravel()
    ndvi = read(cloudy_scene.paths['ndvi']).ravel()
    z, cos_i, _ = TerrainOnFineGrid(RasterSource(cloudy_scene.paths['dem']), grid,
                                    SunGeometry(acquisition_date=cloudy_scene.settings.acquisition_date)).read(window)
    z, cos_i = z.ravel(), cos_i.ravel()

    def blocks():
        yield window, lst, ndvi, z, cos_i
    filler = SpatialLstFiller(grid).prepare(blocks)
    filled, _, mask = filler.fill(window, lst, ndvi, z, cos_i)
    hidden = read(cloudy_scene.paths['clear_sky_lst']).ravel()
    clouds = np.isnan(lst)
    assert np.array_equal(mask, clouds) and np.isfinite(filled).all()
    assert np.array_equal(filled[~clouds], lst[~clouds]), 'clear pixels are untouched'
    error = filled[clouds] - hidden[clouds]
    rmse = float(np.sqrt(np.mean(error ** 2)))
    spread = float(np.std(hidden[clouds]))
    print('\nfilled LST under clouds: RMSE {:.2f} K, bias {:.2f} K, against a spread of {:.2f} K'.format(
        rmse, error.mean(), spread))
    assert rmse < 0.6 * spread
    assert abs(error.mean()) < 1.0


def test_normalized_convolution_fills_holes_from_neighbours():
    values = np.full((9, 9), 2.0)
    values[3:6, 3:6] = np.nan
    filled = fill_by_normalized_convolution(values)
    np.testing.assert_allclose(filled, 2.0)
    ramp = np.tile(np.arange(9.0), (9, 1))
    ramp[:, 4] = np.nan
    filled = fill_by_normalized_convolution(ramp)
    np.testing.assert_allclose(filled[:, 4], 4.0, atol=0.2)


def test_annual_cycle_is_recovered_from_clear_days():
    from datetime import date, timedelta
    dates = [date(2021, 1, 1) + timedelta(days=7 * k) for k in range(52)]
    angle = np.array([2 * np.pi * (d.timetuple().tm_yday - 1) / 365.25 for d in dates])
    truth = np.array([[290.0, 10.0, -12.0], [280.0, 3.0, 5.0]])
    series = truth[:, 0] + np.outer(np.sin(angle), truth[:, 1]) + np.outer(np.cos(angle), truth[:, 2])
    rng = np.random.default_rng(0)
    cloudy = series.copy()
    cloudy[rng.random(cloudy.shape) < 0.5] = np.nan
    coefficients = fit_annual_cycle(cloudy, dates)
    np.testing.assert_allclose(coefficients, truth, atol=1e-9)
    np.testing.assert_allclose(annual_cycle(coefficients, dates[10]), series[10], atol=1e-9)


def test_annual_cycle_file_matches_the_fit_of_each_pixel(tmp_path):
    """write_annual_cycle reads every band through one shared dataset, block by block, and
    writes the same coefficients as fitting each pixel's whole series at once."""
    from datetime import date, timedelta
    from osgeo import gdal, osr
    from soil_moisture_downscaling.core.gap_filling import write_annual_cycle
    from soil_moisture_downscaling.core.progress import Progress
    from soil_moisture_downscaling.core.raster_io import GridSpec
    rng = np.random.default_rng(11)
    dates = [date(2021, 1, 1) + timedelta(days=7 * k) for k in range(40)]
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32613)
    grid = GridSpec(30, 20, (500000.0, 1000.0, 0.0, 4400000.0, 0.0, -1000.0), utm.ExportToWkt())
    angle = 2 * np.pi * np.array([d.timetuple().tm_yday - 1 for d in dates]) / 365.25
    cube = 290.0 + 8.0 * np.sin(angle)[:, None, None] + rng.normal(0, 1.0, (len(dates), 20, 30))
    cube[rng.random(cube.shape) < 0.3] = np.nan
    stack = str(tmp_path / 'lst.tif')
    dataset = gdal.GetDriverByName('GTiff').Create(stack, 30, 20, len(dates), gdal.GDT_Float32)
    dataset.SetGeoTransform(grid.geotransform)
    dataset.SetProjection(grid.crs_wkt)
    for band, values in enumerate(cube, start=1):
        dataset.GetRasterBand(band).SetNoDataValue(-9999)
        dataset.GetRasterBand(band).WriteArray(np.where(np.isnan(values), -9999, values))
    dataset = None
    path = write_annual_cycle(stack, dates, grid, str(tmp_path / 'cycle.tif'), memory_mb=0.05, progress=Progress())
    written = gdal.Open(path).ReadAsArray().reshape(3, -1).T
    expected = fit_annual_cycle(cube.reshape(len(dates), -1).astype(np.float32).astype(np.float64), dates)
    assert np.allclose(written, expected, atol=1e-3, equal_nan=True)
    assert abs(np.nanmean(written[:, 1]) - 8.0) < 0.5
    # Strips of rows (as cluster tasks write them) joined by a VRT give the same values, bit for bit.
    from soil_moisture_downscaling.core.gap_filling import annual_cycle_windows
    windows = annual_cycle_windows(grid, len(dates), 0.05)
    assert len(windows) >= 2
    starts = [w.yoff for w in windows]
    strips = [write_annual_cycle(stack, dates, grid, str(tmp_path / 'strip{}.tif'.format(first)), memory_mb=0.05,
                                 progress=Progress(), rows=(first, end))
              for first, end in zip(starts, starts[1:] + [grid.height])]
    gdal.BuildVRT(str(tmp_path / 'cycle.vrt'), strips)
    joined = gdal.Open(str(tmp_path / 'cycle.vrt')).ReadAsArray().reshape(3, -1).T
    assert np.array_equal(joined, written.astype(np.float32), equal_nan=True)


def test_gap_filler_keeps_ndvi_when_the_first_block_has_none(tmp_path):
    """A nodata strip covering the first block must not drop NDVI from the filling model."""
    from osgeo import osr
    from soil_moisture_downscaling.core.gap_filling import SpatialLstFiller
    from soil_moisture_downscaling.core.raster_io import GridSpec, Window
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32613)
    grid = GridSpec(40, 30, (500000.0, 1000.0, 0.0, 4400000.0, 0.0, -1000.0), utm.ExportToWkt())
    rng = np.random.default_rng(2)
    ndvi = rng.uniform(0.1, 0.8, (30, 40))
    z = rng.uniform(1500, 3500, (30, 40))
    lst = 320.0 - 20.0 * ndvi - 0.0065 * z + rng.normal(0, 0.1, (30, 40))
    ndvi[:10] = np.nan                      # the whole first block
    ndvi[20:24, 5:9] = np.nan               # an interior hole
    lst[rng.random(lst.shape) < 0.2] = np.nan
    windows = [Window(0, row, 40, 10) for row in (0, 10, 20)]

    def read_blocks():
        for w in windows:
            rows = slice(w.yoff, w.yoff + w.ysize)
            yield w, lst[rows].ravel(), ndvi[rows].ravel(), z[rows].ravel(), None

    filler = SpatialLstFiller(grid).prepare(read_blocks)
    assert 'ndvi' in filler.terms and 'elevation' in filler.terms
    rows = slice(20, 30)
    filled_lst, filled_ndvi, mask = filler.fill(windows[2], lst[rows].ravel(), ndvi[rows].ravel(), z[rows].ravel(),
                                               None)
    assert np.isfinite(filled_ndvi).all() and np.isfinite(filled_lst).all()
    assert mask.reshape(10, 40)[0:4, 5:9].all()
