"""soilmoisture:importmodis and core/modis.py on the real MOD11A1 (LST, h11v05) and MOD13A2 (NDVI, h11v06) tiles.

Expected values are read independently here, straight from the HDF subdatasets with GDAL, and the
documented scale factors (LST = DN × 0.02 K, NDVI = DN / 10000) are applied in the test.
"""
import dataclasses
import json
import math
import os
import shutil
from datetime import date

import numpy as np
import pytest
from osgeo import gdal, osr

from soil_moisture_downscaling.core import modis
from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import Cancelled, InputError
from soil_moisture_downscaling.core.progress import Progress
from soil_moisture_downscaling.core.raster_io import RasterSource

gdal.UseExceptions()

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
LST_FILE = os.path.join(DATA, 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf')
NDVI_FILE = os.path.join(DATA, 'MOD13A2.A2021225.h11v06.061.2021320163717.hdf')
NODATA = -9999.0

# Documented numbers of the h11v05 tile (file metadata / MODIS land grid): upper-left corner, pixel size,
# and the GRINGPOINTs (lon of the tile's west/east edges at the latitude of the first/last pixel rows).
H11V05_UPPER_LEFT = (-7783653.638, 4447802.079)
MODIS_PIXEL_M = 926.625433
MODIS_SPHERE_M = 6371007.181
H11V05_WEST_AT_TOP = (-91.3839397474365, 39.9958333333333)
H11V05_EAST_AT_BOTTOM = (-69.2926738917516, 30.0041666666667)


def raw(path, grid, field):
    """A subdataset as stored in the file (no scaling, no nodata masking)."""
    quoted = '"{}"'.format(field) if ' ' in field else field
    return gdal.Open('HDF4_EOS:EOS_GRID:"{}":{}:{}'.format(path, grid, quoted)).ReadAsArray()


def read_all(path):
    """All bands of an output as float64, nodata → NaN; plus the dataset."""
    dataset = gdal.Open(str(path))
    values = dataset.ReadAsArray().astype(np.float64)
    if values.ndim == 2:
        values = values[None]
    nodata = dataset.GetRasterBand(1).GetNoDataValue()
    values[values == nodata] = np.nan
    return values, dataset


def wgs84():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


@pytest.fixture(scope='module')
def lst_raw():
    grid = 'MODIS_Grid_Daily_1km_LST'
    return {'dn': raw(LST_FILE, grid, 'LST_Day_1km'), 'qc': raw(LST_FILE, grid, 'QC_Day'),
            'view': raw(LST_FILE, grid, 'Day_view_time')}


@pytest.fixture(scope='module')
def lst_import(tmp_path_factory):
    folder = tmp_path_factory.mktemp('lst_import')
    result = modis.import_modis([LST_FILE], folder / 'lst.tif', view_time_output=folder / 'view_time.tif')
    return result, folder / 'lst.tif', folder / 'view_time.tif'


# -- values, quality and units ----------------------------------------------------------------
def test_lst_is_raw_times_0_02_kelvin_where_qc_is_good(lst_import, lst_raw):
    result, path, _ = lst_import
    values, dataset = read_all(path)
    assert dataset.RasterCount == 1 and dataset.GetRasterBand(1).DataType == gdal.GDT_Float32
    assert dataset.GetRasterBand(1).GetNoDataValue() == NODATA
    lst = values[0]
    dn, qc = lst_raw['dn'].astype(np.float64), lst_raw['qc']
    good = (dn > 0) & ((qc & 3) == 0)
    assert good.sum() == 40077                       # measured: 2.8 % of the tile is good-quality LST
    assert np.array_equal(np.isfinite(lst), good)    # fill, cloud and "other quality" pixels are nodata
    np.testing.assert_allclose(lst[good], dn[good] * 0.02, rtol=1e-6)
    assert 285.0 < np.nanmin(lst) and np.nanmax(lst) < 310.0   # an August day, eastern US: 287.2–308.1 K
    assert np.isnan(lst[dn == 0]).all()
    assert np.isnan(lst[(dn > 0) & ((qc & 3) == 1)]).all()
    assert result.valid_pixels == [40077] and result.units == 'K' and result.variable == 'LST'


def test_other_quality_is_kept_only_when_asked(tmp_path, lst_raw):
    result = modis.import_modis([LST_FILE], tmp_path / 'lst.tif', quality=modis.QUALITY_GOOD_AND_OTHER)
    lst = read_all(tmp_path / 'lst.tif')[0][0]
    dn, qc = lst_raw['dn'].astype(np.float64), lst_raw['qc']
    kept = (dn > 0) & ((qc & 3) <= 1)
    assert kept.sum() == 40077 + 23052
    assert np.array_equal(np.isfinite(lst), kept)
    np.testing.assert_allclose(lst[kept], dn[kept] * 0.02, rtol=1e-6)
    assert result.valid_pixels == [63129]


def test_view_time_is_local_solar_hours_where_lst_is_kept(lst_import, lst_raw):
    _, lst_path, view_path = lst_import
    lst = read_all(lst_path)[0][0]
    view, dataset = read_all(view_path)
    view = view[0]
    assert np.array_equal(np.isfinite(view), np.isfinite(lst))
    kept = np.isfinite(lst)
    np.testing.assert_allclose(view[kept], lst_raw['view'][kept] * 0.1, rtol=1e-6)
    assert 10.0 <= np.nanmin(view) and np.nanmax(view) <= 11.6   # Terra's morning overpass
    assert dataset.GetMetadataItem('VARIABLE') == 'Day_view_time'
    assert band_dates(view_path) == [date(2021, 8, 15)]


def test_scaling_functions_follow_the_documented_conventions():
    dn = np.array([0, 7499, 7500, 15000, 15000, 15000, 15000])
    qc = np.array([0, 0, 0, 0b00, 0b01, 0b10, 0b01000001])
    np.testing.assert_array_equal(modis.lst_kelvin(dn, qc), [np.nan, np.nan, 150.0, 300.0, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(modis.lst_kelvin(dn, qc, True), [np.nan, np.nan, 150.0, 300.0, 300.0, np.nan,
                                                                   300.0])
    np.testing.assert_array_equal(modis.view_time_hours(np.array([105, 255, 241, 0])), [10.5, np.nan, np.nan, 0.0])
    vi = np.array([-3000, -2001, -2000, 5000, 10000, 10001, 5000, 5000, 5000])
    reliability = np.array([0, 0, 0, 0, 0, 0, 1, 255, 3], dtype=np.uint8)
    np.testing.assert_array_equal(modis.vegetation_index(vi, reliability),
                                  [np.nan, np.nan, -0.2, 0.5, 1.0, np.nan, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(modis.vegetation_index(vi, reliability, True)[6:], [0.5, np.nan, np.nan])
    assert modis.parse_modis_name(LST_FILE) == ('MOD11A1', date(2021, 8, 15), 'h11v05', '061')
    assert modis.parse_modis_name('MOD13Q1.A2020366.h10v05.061.x.hdf')[1] == date(2020, 12, 31)
    assert modis.parse_modis_name('lst.tif') is None


def test_dates_follow_the_project_convention(lst_import):
    _, path, _ = lst_import
    dataset = gdal.Open(str(path))
    assert dataset.GetMetadataItem('ACQUISITION_DATE') == '2021-08-15'
    assert dataset.GetMetadataItem('ACQUISITION_DATES') == '2021-08-15'
    assert dataset.GetRasterBand(1).GetDescription() == '2021-08-15'
    assert dataset.GetRasterBand(1).GetMetadataItem('ACQUISITION_DATE') == '2021-08-15'
    assert dataset.GetMetadataItem('MODIS_PRODUCT') == 'MOD11A1' and dataset.GetMetadataItem('UNITS') == 'K'


def test_sinusoidal_grid_matches_the_documented_tile_bounds(lst_import):
    _, path, _ = lst_import
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    assert (dataset.RasterXSize, dataset.RasterYSize) == (1200, 1200)
    assert abs(gt[0] - H11V05_UPPER_LEFT[0]) < 1e-3 and abs(gt[3] - H11V05_UPPER_LEFT[1]) < 1e-3
    assert abs(gt[1] - MODIS_PIXEL_M) < 1e-5 and abs(gt[5] + MODIS_PIXEL_M) < 1e-5
    # The MODIS land grid, independently: 36 × 18 tiles of 2πR/36 from (-πR, πR/2) on a sphere of R.
    tile = 2 * math.pi * MODIS_SPHERE_M / 36
    assert abs(gt[0] - (-math.pi * MODIS_SPHERE_M + 11 * tile)) < 1e-3
    assert abs(gt[3] - (math.pi * MODIS_SPHERE_M / 2 - 5 * tile)) < 1e-3
    # Corners in lat/lon, through GDAL/PROJ: the tile spans 30–40 N exactly, its longitudes follow the
    # sinusoidal formula lon = x / (R cos lat), and they agree with the file's documented bounding
    # coordinates (GRINGPOINTs, which MODIS gives to about 0.01°: measured 0.005–0.012° from the exact corners).
    sinusoidal = osr.SpatialReference(wkt=dataset.GetProjection())
    geographic = sinusoidal.CloneGeogCS()
    for srs in (sinusoidal, geographic):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_lonlat = osr.CoordinateTransformation(sinusoidal, geographic)
    corners = {'upper left': (gt[0], gt[3]), 'lower right': (gt[0] + 1200 * gt[1], gt[3] + 1200 * gt[5])}
    documented = {'upper left': (H11V05_WEST_AT_TOP[0], 40.0), 'lower right': (H11V05_EAST_AT_BOTTOM[0], 30.0)}
    for name, (x, y) in corners.items():
        lon, lat, _ = to_lonlat.TransformPoint(x, y)
        assert abs(lat - documented[name][1]) < 1e-6, name
        assert abs(lon - math.degrees(x / (MODIS_SPHERE_M * math.cos(math.radians(lat))))) < 1e-9, name
        assert abs(lon - documented[name][0]) < 0.015, name


def test_ndvi_is_raw_divided_by_10000_where_reliability_is_good(tmp_path):
    grid = 'MODIS_Grid_16DAY_1km_VI'
    dn = raw(NDVI_FILE, grid, '1 km 16 days NDVI').astype(np.float64)
    reliability = raw(NDVI_FILE, grid, '1 km 16 days pixel reliability')
    result = modis.import_modis([NDVI_FILE], tmp_path / 'ndvi.tif')
    ndvi = read_all(tmp_path / 'ndvi.tif')[0][0]
    good = (dn != -3000) & (reliability == 0)
    assert good.sum() == 2847 and result.valid_pixels == [2847]
    assert np.array_equal(np.isfinite(ndvi), good)
    np.testing.assert_allclose(ndvi[good], dn[good] * 0.0001, rtol=1e-6)
    assert -0.2 <= np.nanmin(ndvi) and np.nanmax(ndvi) <= 1.0   # not 10000 × (GDAL's scale_factor attribute)
    assert result.variable == 'NDVI' and result.dates == [date(2021, 8, 13)]  # composite start (RANGEBEGINNINGDATE)
    marginal = modis.import_modis([NDVI_FILE], tmp_path / 'ndvi_marginal.tif', quality=modis.QUALITY_GOOD_AND_OTHER)
    assert marginal.valid_pixels == [2847 + 5608]   # reliability 1 added; 3 (cloudy) still out


def test_evi_is_read_when_chosen(tmp_path):
    dn = raw(NDVI_FILE, 'MODIS_Grid_16DAY_1km_VI', '1 km 16 days EVI').astype(np.float64)
    reliability = raw(NDVI_FILE, 'MODIS_Grid_16DAY_1km_VI', '1 km 16 days pixel reliability')
    result = modis.import_modis([NDVI_FILE], tmp_path / 'evi.tif', variable='EVI')
    evi = read_all(tmp_path / 'evi.tif')[0][0]
    good = (dn != -3000) & (reliability == 0)
    assert result.variable == 'EVI'
    np.testing.assert_allclose(evi[good], dn[good] * 0.0001, rtol=1e-6)


# -- mosaicking and stacking ------------------------------------------------------------------------
def _piece(granule, folder, name, window, scale=None):
    """The granule cut to a pixel window through VRTs of its subdatasets (a stand-in for a neighbouring tile)."""
    subdatasets = {}
    for role, source in granule.subdatasets.items():
        path = str(folder / '{}_{}.vrt'.format(name, role))
        options = dict(format='VRT', srcWin=list(window))
        if scale and role == 'value':
            options['scaleParams'] = [[0, 60000, 0, 60000 * scale]]
        gdal.Translate(path, source, **options)
        subdatasets[role] = path
    return dataclasses.replace(granule, subdatasets=subdatasets, grid=modis.subdataset_grid(subdatasets['value']),
                               tile='{}-{}'.format(granule.tile, name))


@pytest.mark.parametrize('first, second', [((0, 0, 700, 1200), (500, 0, 700, 1200)),     # overlapping halves
                                           ((0, 0, 1200, 600), (0, 600, 1200, 600))])    # edge-to-edge halves
def test_two_pieces_of_a_tile_mosaic_back_into_the_tile(lst_import, tmp_path, first, second):
    """Only one real tile per product is available, so two pieces of it stand in for two neighbouring tiles."""
    _, full_path, _ = lst_import
    granule = modis.open_granule(LST_FILE)
    pieces = [_piece(granule, tmp_path, 'b', second), _piece(granule, tmp_path, 'a', first)]
    modis.import_granules(pieces, tmp_path / 'mosaic.tif')
    mosaic, dataset = read_all(tmp_path / 'mosaic.tif')
    full, full_dataset = read_all(full_path)
    assert dataset.GetGeoTransform() == pytest.approx(full_dataset.GetGeoTransform(), abs=1e-6)
    assert np.array_equal(np.isfinite(mosaic), np.isfinite(full))
    assert np.array_equal(mosaic[np.isfinite(mosaic)], full[np.isfinite(full)])


def test_the_same_tile_twice_gives_the_same_result_as_once(lst_import, tmp_path):
    _, once_path, _ = lst_import
    messages = []
    modis.import_modis([LST_FILE, LST_FILE], tmp_path / 'twice.tif', progress=Progress(log=messages.append))
    twice, dataset = read_all(tmp_path / 'twice.tif')
    once, _ = read_all(once_path)
    assert dataset.RasterCount == 1
    assert np.array_equal(np.isfinite(twice), np.isfinite(once))
    assert np.array_equal(twice[np.isfinite(twice)], once[np.isfinite(once)])
    assert any('given 2 times' in message for message in messages)


def test_overlapping_tiles_with_different_values_are_refused(tmp_path):
    granule = modis.open_granule(LST_FILE)
    pieces = [_piece(granule, tmp_path, 'a', (0, 0, 700, 1200)),
              _piece(granule, tmp_path, 'b', (500, 0, 700, 1200), scale=1.01)]   # a "second version" of the tile
    with pytest.raises(InputError, match='different values for the same pixels on 2021-08-15'):
        modis.import_granules(pieces, tmp_path / 'conflict.tif')
    assert not (tmp_path / 'conflict.tif').exists()


def test_dates_become_bands_in_date_order(tmp_path):
    """Only one real LST date is available: a piece of the tile is relabelled as a later date."""
    granule = modis.open_granule(LST_FILE)
    later = dataclasses.replace(_piece(granule, tmp_path, 'left', (0, 0, 600, 1200)), acquired=date(2021, 8, 20))
    modis.import_granules([later, granule], tmp_path / 'stack.tif')   # the later date first
    stack, dataset = read_all(tmp_path / 'stack.tif')
    assert band_dates(tmp_path / 'stack.tif') == [date(2021, 8, 15), date(2021, 8, 20)]
    assert dataset.GetMetadataItem('ACQUISITION_DATES') == '2021-08-15,2021-08-20'
    assert dataset.GetMetadataItem('ACQUISITION_DATE') is None   # a stack has no single date
    assert [dataset.GetRasterBand(b).GetDescription() for b in (1, 2)] == ['2021-08-15', '2021-08-20']
    assert np.isfinite(stack[0][:, 600:]).sum() > 0 and np.isfinite(stack[1][:, 600:]).sum() == 0
    np.testing.assert_array_equal(stack[0][:, :600], stack[1][:, :600])


# -- target grids ------------------------------------------------------------------------------------
def _native_pixels_under(native_path, warped_path):
    """Native LST at the native pixel containing each valid warped pixel's centre, and the warped values."""
    native, native_dataset = read_all(native_path)
    warped, warped_dataset = read_all(warped_path)
    src = osr.SpatialReference(wkt=warped_dataset.GetProjection())
    dst = osr.SpatialReference(wkt=native_dataset.GetProjection())
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    gt, ngt = warped_dataset.GetGeoTransform(), native_dataset.GetGeoTransform()
    rows, cols = np.nonzero(np.isfinite(warped[0]))
    points = np.column_stack([gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]])
    xy = np.asarray(osr.CoordinateTransformation(src, dst).TransformPoints(points))
    ncol = np.floor((xy[:, 0] - ngt[0]) / ngt[1]).astype(int)
    nrow = np.floor((xy[:, 1] - ngt[3]) / ngt[5]).astype(int)
    return native[0][nrow, ncol], warped[0][rows, cols]


def test_warp_to_crs_extent_and_pixel_size_gives_that_grid(lst_import, tmp_path):
    _, native_path, _ = lst_import
    target = modis.TargetGrid(crs_wkt=wgs84(), extent=(-90.0, 38.5, -88.0, 39.5), resolution=0.01)
    result = modis.import_modis([LST_FILE], tmp_path / 'lst_4326.tif', target=target)
    dataset = gdal.Open(str(tmp_path / 'lst_4326.tif'))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (200, 100)
    assert dataset.GetGeoTransform() == pytest.approx((-90.0, 0.01, 0.0, 39.5, 0.0, -0.01), abs=1e-12)
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    assert srs.IsGeographic() and srs.GetAuthorityCode(None) == '4326'
    assert result.resampling == 'average' and band_dates(tmp_path / 'lst_4326.tif') == [date(2021, 8, 15)]
    native, warped = _native_pixels_under(native_path, tmp_path / 'lst_4326.tif')
    close = np.isfinite(native)
    assert close.sum() > 10000
    difference = np.abs(warped[close] - native[close])
    # Measured: median 0.10 K, 98.8 % within 1 K; a one-pixel (926 m) shift gives 0.25 K and 91.7 %.
    assert np.median(difference) < 0.2 and (difference < 1.0).mean() > 0.97


def test_reference_grid_is_copied_and_an_aligned_one_keeps_the_values(lst_import, tmp_path):
    _, native_path, _ = lst_import
    native, native_dataset = read_all(native_path)
    ngt = native_dataset.GetGeoTransform()
    # 1) A reference on the native lattice (a window of the tile): the values come through unchanged.
    reference = gdal.GetDriverByName('GTiff').Create(str(tmp_path / 'ref_native.tif'), 300, 200, 1, gdal.GDT_Byte)
    reference.SetGeoTransform((ngt[0] + 100 * ngt[1], ngt[1], 0.0, ngt[3] + 50 * ngt[5], 0.0, ngt[5]))
    reference.SetProjection(native_dataset.GetProjection())
    reference = None
    grid = RasterSource(str(tmp_path / 'ref_native.tif')).grid()
    modis.import_modis([LST_FILE], tmp_path / 'on_ref.tif', target=modis.TargetGrid(reference=grid))
    on_reference, dataset = read_all(tmp_path / 'on_ref.tif')
    assert dataset.GetGeoTransform() == pytest.approx(grid.geotransform, abs=1e-6)
    window = native[0][50:250, 100:400]
    assert np.array_equal(np.isfinite(on_reference[0]), np.isfinite(window))
    np.testing.assert_allclose(on_reference[0][np.isfinite(window)], window[np.isfinite(window)], rtol=1e-6)
    # 2) A UTM 16N reference with 2 km pixels: its grid is copied exactly.
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32616)
    reference = gdal.GetDriverByName('GTiff').Create(str(tmp_path / 'ref_utm.tif'), 90, 60, 1, gdal.GDT_Byte)
    reference.SetGeoTransform((100000.0, 2000.0, 0.0, 4400000.0, 0.0, -2000.0))
    reference.SetProjection(utm.ExportToWkt())
    reference = None
    grid = RasterSource(str(tmp_path / 'ref_utm.tif')).grid()
    modis.import_modis([LST_FILE], tmp_path / 'on_utm.tif', target=modis.TargetGrid(reference=grid))
    values, dataset = read_all(tmp_path / 'on_utm.tif')
    assert (dataset.RasterXSize, dataset.RasterYSize) == (90, 60)
    assert dataset.GetGeoTransform() == pytest.approx(grid.geotransform, abs=1e-9)
    assert osr.SpatialReference(wkt=dataset.GetProjection()).IsSame(utm)
    assert np.isfinite(values).sum() > 100 and 280 < np.nanmean(values) < 310


def test_extent_alone_cuts_the_native_grid_without_resampling(lst_import, tmp_path):
    _, native_path, _ = lst_import
    target = modis.TargetGrid(extent=(-90.0, 38.5, -88.0, 39.5), extent_crs_wkt=wgs84())
    result = modis.import_modis([LST_FILE], tmp_path / 'cut.tif', target=target)
    assert result.resampling is None
    cut, dataset = read_all(tmp_path / 'cut.tif')
    native, native_dataset = read_all(native_path)
    gt, ngt = dataset.GetGeoTransform(), native_dataset.GetGeoTransform()
    col, row = (gt[0] - ngt[0]) / ngt[1], (gt[3] - ngt[3]) / ngt[5]
    assert abs(col - round(col)) < 1e-6 and abs(row - round(row)) < 1e-6 and gt[1] == pytest.approx(ngt[1])
    col, row = int(round(col)), int(round(row))
    window = native[0][row:row + dataset.RasterYSize, col:col + dataset.RasterXSize]
    assert np.array_equal(np.isfinite(cut[0]), np.isfinite(window))
    assert np.array_equal(cut[0][np.isfinite(cut[0])], window[np.isfinite(window)])
    # The box covers 38.5–39.5 N: 1.0° of latitude ≈ 120 pixels of 926.6 m.
    assert 119 <= dataset.RasterYSize <= 122


# -- bad input -----------------------------------------------------------------------------------------
def test_a_file_that_is_not_modis_is_refused(tmp_path):
    tif = tmp_path / 'lst.tif'
    gdal.GetDriverByName('GTiff').Create(str(tif), 4, 4, 1, gdal.GDT_Float32)
    with pytest.raises(InputError, match='is not a MODIS HDF4-EOS tile .*GTiff'):
        modis.import_modis([str(tif)], tmp_path / 'out.tif')
    cci = os.path.join(DATA, 'ESACCI-SOILMOISTURE-L3S-SSMV-COMBINED-20100701000000-fv04.5.nc')
    with pytest.raises(InputError, match='is not a MODIS HDF4-EOS tile .*netCDF'):
        modis.import_modis([cci], tmp_path / 'out.tif')
    text = tmp_path / 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf'
    text.write_text('not an HDF file')
    with pytest.raises(InputError, match='is not a MODIS HDF4-EOS tile .*GDAL cannot open it'):
        modis.import_modis([str(text)], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_mixing_lst_and_ndvi_files_is_refused(tmp_path):
    with pytest.raises(InputError, match=r'mix MODIS products: MOD11A1 \(1 file\); MOD13A2 \(1 file\)'):
        modis.import_modis([LST_FILE, NDVI_FILE], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_an_lst_file_where_ndvi_is_expected_is_refused(tmp_path):
    with pytest.raises(InputError, match='MOD11A1 land surface temperature file, but NDVI was requested'):
        modis.import_modis([LST_FILE], tmp_path / 'out.tif', variable='NDVI')
    with pytest.raises(InputError, match='MOD13A2 vegetation index file, but LST was requested'):
        modis.import_modis([NDVI_FILE], tmp_path / 'out.tif', variable='LST')


def test_an_hdf_without_the_expected_subdatasets_is_refused(tmp_path):
    fake = tmp_path / os.path.basename(LST_FILE)   # a plain HDF4 file that only has a MODIS name
    dataset = gdal.GetDriverByName('HDF4Image').Create(str(fake), 10, 10, 1, gdal.GDT_UInt16)
    dataset.GetRasterBand(1).WriteArray(np.full((10, 10), 15000, np.uint16))
    dataset = None
    with pytest.raises(InputError, match='not a complete MOD11A1 HDF-EOS file: it has no "LST_Day_1km", "QC_Day", '
                                         '"Day_view_time" subdatasets'):
        modis.import_modis([str(fake)], tmp_path / 'out.tif')


def test_a_renamed_file_whose_name_and_metadata_disagree_is_refused(tmp_path):
    other_date = tmp_path / 'MOD13A2.A2021241.h11v06.061.2021320163717.hdf'
    shutil.copy(NDVI_FILE, other_date)
    with pytest.raises(InputError, match=r'date in its name \(2021-08-29\) does not match its metadata '
                                         r'\(RANGEBEGINNINGDATE 2021-08-13\)'):
        modis.import_modis([str(other_date)], tmp_path / 'out.tif')
    other_product = tmp_path / 'MOD11A1.A2021225.h11v06.061.2021320163717.hdf'
    shutil.copy(NDVI_FILE, other_product)
    with pytest.raises(InputError, match='its name says MOD11A1 but its metadata .SHORTNAME. says MOD13A2'):
        modis.import_modis([str(other_product)], tmp_path / 'out.tif')


def test_an_extent_outside_the_tiles_is_refused(tmp_path):
    colorado = (-109.0, 37.0, -102.0, 41.0)
    for target in (modis.TargetGrid(extent=colorado, extent_crs_wkt=wgs84()),
                   modis.TargetGrid(crs_wkt=wgs84(), extent=colorado, resolution=0.01)):
        with pytest.raises(InputError, match='does not overlap the MODIS tiles given .they cover longitude -9'):
            modis.import_modis([LST_FILE], tmp_path / 'out.tif', target=target)
    assert not (tmp_path / 'out.tif').exists()


def test_an_extent_with_only_cloud_is_refused(tmp_path):
    cloudy = modis.TargetGrid(extent=(-80.0, 30.5, -79.0, 31.5), extent_crs_wkt=wgs84())
    with pytest.raises(InputError, match='No pixel of the output passed the quality filter'):
        modis.import_modis([LST_FILE], tmp_path / 'out.tif', target=cloudy)
    assert sorted(os.listdir(tmp_path)) == []


def test_contradictory_or_impossible_requests_are_refused(tmp_path):
    grid = modis.open_granule(LST_FILE).grid
    with pytest.raises(InputError, match='either a reference grid layer or a target CRS'):
        modis.import_modis([LST_FILE], tmp_path / 'out.tif', target=modis.TargetGrid(crs_wkt=wgs84(), reference=grid))
    with pytest.raises(InputError, match='view time output exists only for LST products'):
        modis.import_modis([NDVI_FILE], tmp_path / 'out.tif', view_time_output=tmp_path / 'vt.tif')
    with pytest.raises(InputError, match='pixel size must be positive'):
        modis.import_modis([LST_FILE], tmp_path / 'out.tif', target=modis.TargetGrid(resolution=-1.0))
    assert sorted(os.listdir(tmp_path)) == []


def test_cancel_stops_and_leaves_nothing(tmp_path):
    calls = []

    def cancel_after_a_few():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        modis.import_modis([LST_FILE], tmp_path / 'out.tif', view_time_output=tmp_path / 'vt.tif',
                           progress=Progress(is_canceled=cancel_after_a_few))
    assert sorted(os.listdir(tmp_path)) == []


# -- through Processing and qgis_process ---------------------------------------------------------------
ALG = 'soilmoisture:importmodis'


def test_algorithm_is_registered_with_its_parameters(qgis_app):
    from qgis.core import QgsApplication
    algorithm = QgsApplication.processingRegistry().algorithmById(ALG)
    assert algorithm is not None and algorithm.displayName() == 'Import MODIS LST / NDVI'
    ids = [p.name() for p in algorithm.parameterDefinitions()]
    assert ids == ['INPUT', 'PRODUCT_VARIABLE', 'QUALITY', 'TARGET_CRS', 'TARGET_EXTENT', 'TARGET_RESOLUTION',
                   'REFERENCE_GRID', 'OUTPUT', 'VIEW_TIME']
    assert algorithm.parameterDefinition('QUALITY').flags() & algorithm.parameterDefinition('QUALITY').FlagAdvanced
    assert all(p.help() for p in algorithm.parameterDefinitions())
    assert algorithm.shortHelpString() and 'MOD13Q1' in algorithm.shortHelpString()
    import processing
    dialog = processing.createAlgorithmDialog(ALG)
    assert dialog is not None
    dialog.close()


def test_processing_run_imports_lst_with_view_time_and_style(qgis_app, lst_import, tmp_path):
    import processing
    _, core_path, _ = lst_import
    result = processing.run(ALG, {'INPUT': [LST_FILE], 'OUTPUT': str(tmp_path / 'lst.tif'),
                                  'VIEW_TIME': str(tmp_path / 'vt.tif')})
    assert result['OUTPUT'] == str(tmp_path / 'lst.tif') and result['VIEW_TIME'] == str(tmp_path / 'vt.tif')
    assert result['PRODUCT'] == 'MOD11A1' and result['DATES'] == '2021-08-15'
    via_processing, _ = read_all(tmp_path / 'lst.tif')
    via_core, _ = read_all(core_path)
    assert np.array_equal(np.isfinite(via_processing), np.isfinite(via_core))
    assert np.array_equal(via_processing[np.isfinite(via_processing)], via_core[np.isfinite(via_core)])
    assert (tmp_path / 'lst.qml').exists() and '320 K' in (tmp_path / 'lst.qml').read_text()
    assert np.isfinite(read_all(tmp_path / 'vt.tif')[0]).sum() == 40077


def test_processing_run_warps_to_crs_extent_and_pixel_size(qgis_app, tmp_path):
    import processing
    processing.run(ALG, {'INPUT': [LST_FILE], 'TARGET_CRS': 'EPSG:4326',
                         'TARGET_EXTENT': '-90,-88,38.5,39.5 [EPSG:4326]', 'TARGET_RESOLUTION': 0.01,
                         'OUTPUT': str(tmp_path / 'lst.tif')})
    dataset = gdal.Open(str(tmp_path / 'lst.tif'))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (200, 100)
    assert dataset.GetGeoTransform() == pytest.approx((-90.0, 0.01, 0.0, 39.5, 0.0, -0.01), abs=1e-9)
    # The extent may be given in another CRS: in Web Mercator, the same box, output in UTM 16N at 2 km.
    to_mercator = osr.CoordinateTransformation(*[_srs(code) for code in (4326, 3857)])
    (x0, y0, _), (x1, y1, _) = to_mercator.TransformPoint(-90.0, 38.5), to_mercator.TransformPoint(-88.0, 39.5)
    processing.run(ALG, {'INPUT': [LST_FILE], 'TARGET_CRS': 'EPSG:32616', 'TARGET_RESOLUTION': 2000,
                         'TARGET_EXTENT': '{},{},{},{} [EPSG:3857]'.format(x0, x1, y0, y1),
                         'OUTPUT': str(tmp_path / 'utm.tif')})
    dataset = gdal.Open(str(tmp_path / 'utm.tif'))
    assert osr.SpatialReference(wkt=dataset.GetProjection()).GetAuthorityCode(None) == '32616'
    assert dataset.GetGeoTransform()[1] == 2000.0
    west, north, _ = osr.CoordinateTransformation(_srs(4326), _srs(32616)).TransformPoint(-90.0, 39.5)
    assert dataset.GetGeoTransform()[0] <= west + 1.0 and dataset.GetGeoTransform()[3] >= north - 1.0


def _srs(code):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(code)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def test_processing_run_copies_a_reference_layer_grid(qgis_app, tmp_path):
    import processing
    reference = gdal.GetDriverByName('GTiff').Create(str(tmp_path / 'ref.tif'), 50, 40, 1, gdal.GDT_Byte)
    reference.SetGeoTransform((-89.5, 0.02, 0.0, 39.6, 0.0, -0.02))
    reference.SetProjection(wgs84())
    reference = None
    processing.run(ALG, {'INPUT': [LST_FILE], 'REFERENCE_GRID': str(tmp_path / 'ref.tif'),
                         'OUTPUT': str(tmp_path / 'lst.tif')})
    dataset = gdal.Open(str(tmp_path / 'lst.tif'))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (50, 40)
    assert dataset.GetGeoTransform() == pytest.approx((-89.5, 0.02, 0.0, 39.6, 0.0, -0.02), abs=1e-12)


def test_processing_run_reports_bad_input(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match='mix MODIS products'):
        processing.run(ALG, {'INPUT': [LST_FILE, NDVI_FILE], 'OUTPUT': str(tmp_path / 'out.tif')})
    with pytest.raises(QgsProcessingException, match='NDVI was requested'):
        processing.run(ALG, {'INPUT': [LST_FILE], 'PRODUCT_VARIABLE': 2, 'OUTPUT': str(tmp_path / 'out.tif')})
    assert not (tmp_path / 'out.tif').exists()


@pytest.mark.slow
def test_qgis_process_imports_a_tile(tmp_path):
    from test_cli import qgis_process
    out = tmp_path / 'ndvi.tif'
    completed = qgis_process(['--json', 'run', ALG, '--', 'INPUT=' + NDVI_FILE, 'INPUT=' + NDVI_FILE,
                              'QUALITY=1', 'OUTPUT=' + str(out)], tmp_path)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)['results']
    assert results['PRODUCT'] == 'MOD13A2' and results['DATES'] == '2021-08-13'
    values, dataset = read_all(out)
    assert np.isfinite(values).sum() == 2847 + 5608
    assert dataset.GetMetadataItem('ACQUISITION_DATE') == '2021-08-13'
