"""VIIRS HDF-EOS5 tiles (core/viirs.py through core/modis.py's import) on the synthetic VNP21A1D / VNP13A1 tiles.

Expected values are read with h5py straight from the files and scaled with the documented numbers (LST = DN × 0.02 K,
view time = DN × 0.1 h, NDVI = DN / 10000); georeferencing is checked against the MODIS / VIIRS land grid computed
here from its definition (36 × 18 tiles of 2πR/36 from (-πR, πR/2), R = 6371007.181 m).
"""
import math
import shutil
from datetime import date

import numpy as np
import pytest
from osgeo import gdal, osr

from soil_moisture_downscaling.core import modis, viirs
from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.progress import Progress
from synthetic import VNP13, VNP21, fixtures, h5, read_all

h5py = pytest.importorskip('h5py')   # only to write variants and read expected values; see scripts/ensure_deps.sh

LST_FIELDS = 'HDFEOS/GRIDS/VIIRS_Grid_Daily_1km_LST21/Data Fields/'
VI_FIELDS = 'HDFEOS/GRIDS/VIIRS_Grid_16Day_VI_500m/Data Fields/'
SPHERE_M = 6371007.181
TILE_M = 2 * math.pi * SPHERE_M / 36


@pytest.fixture(scope='module')
def lst_import(tmp_path_factory):
    folder = tmp_path_factory.mktemp('viirs_lst')
    messages = []
    result = modis.import_modis([VNP21], folder / 'lst.tif', view_time_output=folder / 'vt.tif',
                                progress=Progress(log=messages.append))
    return result, folder / 'lst.tif', folder / 'vt.tif', messages


def _variant(tmp_path, name, source=VNP21, edit=None):
    """A copy of a fixture under another name, optionally edited with h5py."""
    path = tmp_path / name
    shutil.copy(source, path)
    if edit is not None:
        with h5py.File(path, 'r+') as f:
            edit(f)
    return str(path)


def _replace_struct(f, old, new):
    text = f['HDFEOS INFORMATION/StructMetadata.0'][()].decode()
    assert old in text
    del f['HDFEOS INFORMATION/StructMetadata.0']
    f['HDFEOS INFORMATION'].create_dataset('StructMetadata.0', data=np.bytes_(text.replace(old, new)))


# -- values, quality and units ----------------------------------------------------------------------
def test_lst_is_dn_times_0_02_kelvin_where_qc_is_good(lst_import):
    result, path, _, _ = lst_import
    lst = read_all(path)[0][0]
    dn = h5(VNP21, LST_FIELDS + 'LST_1KM').astype(np.float64)
    qc = h5(VNP21, LST_FIELDS + 'QC')
    good = (dn != 0) & (dn >= 7500) & ((qc & 3) == 0)
    assert good.sum() > 30000 and np.array_equal(np.isfinite(lst), good)
    np.testing.assert_allclose(lst[good], dn[good] * 0.02, rtol=1e-6)
    # The "unreliable quality" (mandatory QA 1) and cloud (2) pixels of the fixture hold values or fill: all nodata.
    assert ((qc & 3) == 1).sum() > 1000 and np.isnan(lst[(qc & 3) == 1]).all()
    assert result.product == 'VNP21A1D' and result.units == 'K' and result.valid_pixels == [int(good.sum())]
    assert 270 < np.nanmin(lst) and np.nanmax(lst) < 320


def test_lst_follows_the_field_it_was_made_from(lst_import):
    """The synthetic LST is an analytic function of the DEM: the import gives it back to the 0.01 K of DN rounding."""
    _, path, _, _ = lst_import
    lst = read_all(path)[0][0]
    lon, lat = fixtures.tile_lonlat(9, 5, 1200)
    dem = fixtures.Dem()
    rows, cols = np.nonzero(np.isfinite(lst))
    expected = fixtures.lst_kelvin(lon[rows, cols], lat[rows, cols], dem(lon[rows, cols], lat[rows, cols]))
    assert np.abs(lst[rows, cols] - expected).max() <= 0.0101


def test_other_quality_is_kept_only_when_asked(tmp_path):
    modis.import_modis([VNP21], tmp_path / 'lst.tif', quality=modis.QUALITY_GOOD_AND_OTHER)
    lst = read_all(tmp_path / 'lst.tif')[0][0]
    dn = h5(VNP21, LST_FIELDS + 'LST_1KM').astype(np.float64)
    qc = h5(VNP21, LST_FIELDS + 'QC')
    kept = (dn >= 7500) & ((qc & 3) <= 1)
    assert np.array_equal(np.isfinite(lst), kept)


def test_view_time_is_local_solar_hours_where_lst_is_kept(lst_import):
    _, lst_path, view_path, _ = lst_import
    lst = read_all(lst_path)[0][0]
    view = read_all(view_path)[0][0]
    stored = h5(VNP21, LST_FIELDS + 'View_Time').astype(np.float64)
    kept = np.isfinite(lst)
    assert np.array_equal(np.isfinite(view), kept)
    np.testing.assert_allclose(view[kept], stored[kept] * 0.1, rtol=1e-6)
    assert 12.8 <= np.nanmin(view) and np.nanmax(view) <= 13.9     # the afternoon overpass of the fixture


def test_scale_offset_and_fill_come_from_the_attributes(tmp_path):
    """A file whose attributes say scale 0.01 and fill 1 is read with them (and the difference is logged)."""
    def edit(f):
        field = f[LST_FIELDS + 'LST_1KM']
        field.attrs['scale_factor'] = np.float64(0.04)
        field.attrs['add_offset'] = np.float64(-300.0)
        field.attrs['_FillValue'] = np.uint16(15000)
        field.attrs['valid_range'] = np.array([1, 65535], np.uint16)
    path = _variant(tmp_path, 'VNP21A1D.A2021227.h09v05.002.2021228103000.h5', edit=edit)
    messages = []
    modis.import_modis([path], tmp_path / 'lst.tif', progress=Progress(log=messages.append))
    lst = read_all(tmp_path / 'lst.tif')[0][0]
    dn = h5(VNP21, LST_FIELDS + 'LST_1KM').astype(np.float64)
    qc = h5(VNP21, LST_FIELDS + 'QC')
    good = (dn >= 1) & (dn != 15000) & ((qc & 3) == 0)
    assert np.array_equal(np.isfinite(lst), good)
    np.testing.assert_allclose(lst[good], dn[good] * 0.04 - 300.0, rtol=1e-6)
    assert any('scale 0.04 from the file differs from the documented 0.02' in m for m in messages)


def test_ndvi_and_evi_are_dn_over_10000_where_reliability_is_good(tmp_path):
    messages = []
    result = modis.import_modis([VNP13], tmp_path / 'ndvi.tif', progress=Progress(log=messages.append))
    ndvi = read_all(tmp_path / 'ndvi.tif')[0][0]
    dn = h5(VNP13, VI_FIELDS + '500 m 16 days NDVI').astype(np.float64)
    reliability = h5(VNP13, VI_FIELDS + '500 m 16 days pixel reliability')
    good = (dn != -15000) & (reliability <= 2)     # VNP13: excellent, good, acceptable
    assert np.array_equal(np.isfinite(ndvi), good) and good.sum() > 100000
    np.testing.assert_allclose(ndvi[good], dn[good] / 10000, rtol=1e-6)
    assert result.product == 'VNP13A1' and band_dates(tmp_path / 'ndvi.tif') == [date(2021, 8, 13)]
    assert any('divide by 10000' in m for m in messages)
    gt = gdal.Open(str(tmp_path / 'ndvi.tif')).GetGeoTransform()
    assert abs(gt[1] - TILE_M / 2400) < 1e-6              # 463.3 m
    modis.import_modis([VNP13], tmp_path / 'evi.tif', variable='EVI', quality=modis.QUALITY_GOOD_AND_OTHER)
    evi = read_all(tmp_path / 'evi.tif')[0][0]
    dn = h5(VNP13, VI_FIELDS + '500 m 16 days EVI').astype(np.float64)
    kept = (dn != -15000) & (reliability <= 3)             # marginal (3) kept when asked; cloud (9) never
    assert np.array_equal(np.isfinite(evi), kept)
    np.testing.assert_allclose(evi[kept], dn[kept] / 10000, rtol=1e-6)


# -- georeferencing and dates ------------------------------------------------------------------------------
def test_grid_is_the_tile_of_the_structmetadata_and_of_the_land_grid(lst_import):
    result, path, _, messages = lst_import
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    assert (dataset.RasterXSize, dataset.RasterYSize) == (1200, 1200)
    # h09v05 from the land grid's definition, independently of the file.
    assert abs(gt[0] - (-math.pi * SPHERE_M + 9 * TILE_M)) < 1e-3
    assert abs(gt[3] - (math.pi * SPHERE_M / 2 - 5 * TILE_M)) < 1e-3
    assert abs(gt[1] - TILE_M / 1200) < 1e-6 and abs(gt[5] + TILE_M / 1200) < 1e-6
    sinusoidal = osr.SpatialReference(wkt=dataset.GetProjection())
    geographic = sinusoidal.CloneGeogCS()
    for srs in (sinusoidal, geographic):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(sinusoidal, geographic).TransformPoint(gt[0], gt[3])
    assert abs(lat - 40.0) < 1e-9 and abs(lon - math.degrees(gt[0] / (SPHERE_M * math.cos(math.radians(40))))) < 1e-9
    assert any('from StructMetadata.0' in m for m in messages)


def test_struct_metadata_parser_reads_the_grid_keys():
    text = fixtures.struct_metadata('VIIRS_Grid_Daily_1km_LST21', 1200, 9, 5, [('LST_1KM', 'H5T_NATIVE_USHORT')])
    grids = viirs.parse_struct_metadata(text)
    info = grids['VIIRS_Grid_Daily_1km_LST21']
    assert (info['XDim'], info['YDim']) == (1200, 1200) and info['Projection'] == 'HE5_GCTP_SNSOID'
    assert info['UpperLeftPointMtrs'] == pytest.approx((-10007554.677899, 4447802.079066), abs=1e-5)
    assert info['ProjParams'][0] == pytest.approx(SPHERE_M)
    assert 'DataFieldName' not in info          # nested groups are not mixed into the grid's keys


def test_dates_follow_the_project_convention(lst_import):
    _, path, _, _ = lst_import
    dataset = gdal.Open(str(path))
    assert band_dates(path) == [date(2021, 8, 15)]
    assert dataset.GetMetadataItem('MODIS_PRODUCT') == 'VNP21A1D'
    assert dataset.GetMetadataItem('PRODUCT_DOI') == '10.5067/VIIRS/VNP21A1D.002'


# -- mosaics and stacks ----------------------------------------------------------------------------------
def _neighbour(tmp_path):
    """The tile relabelled as h10v05 (StructMetadata corners and tile numbers moved one tile east)."""
    x0, y0, x1, y1 = fixtures.tile_corners(9, 5)
    n0, _, n1, _ = fixtures.tile_corners(10, 5)

    def edit(f):
        _replace_struct(f, 'UpperLeftPointMtrs=({:.6f},{:.6f})'.format(x0, y0),
                        'UpperLeftPointMtrs=({:.6f},{:.6f})'.format(n0, y0))
        _replace_struct(f, 'LowerRightMtrs=({:.6f},{:.6f})'.format(x1, y1),
                        'LowerRightMtrs=({:.6f},{:.6f})'.format(n1, y1))
        f['HDFEOS/ADDITIONAL/FILE_ATTRIBUTES'].attrs['HorizontalTileNumber'] = np.int32(10)
    return _variant(tmp_path, 'VNP21A1D.A2021227.h10v05.002.2021228103000.h5', edit=edit)


def test_two_tiles_of_a_date_are_mosaicked_side_by_side(lst_import, tmp_path):
    _, single_path, _, _ = lst_import
    modis.import_modis([_neighbour(tmp_path), VNP21], tmp_path / 'mosaic.tif')
    mosaic, dataset = read_all(tmp_path / 'mosaic.tif')
    single = read_all(single_path)[0][0]
    assert (dataset.RasterXSize, dataset.RasterYSize) == (2400, 1200)
    assert dataset.GetGeoTransform()[0] == pytest.approx(-math.pi * SPHERE_M + 9 * TILE_M, abs=1e-3)
    for half in (mosaic[0][:, :1200], mosaic[0][:, 1200:]):    # h09v05 left, its copy as h10v05 right
        assert np.array_equal(np.isfinite(half), np.isfinite(single))
        assert np.array_equal(half[np.isfinite(half)], single[np.isfinite(single)])


def test_dates_become_bands_in_date_order(tmp_path):
    def later(f):
        f['HDFEOS/ADDITIONAL/FILE_ATTRIBUTES'].attrs['RangeBeginningDate'] = np.bytes_('2021-08-20')
        f['HDFEOS/ADDITIONAL/FILE_ATTRIBUTES'].attrs['RangeEndingDate'] = np.bytes_('2021-08-20')
    second = _variant(tmp_path, 'VNP21A1D.A2021232.h09v05.002.2021233103000.h5', edit=later)
    modis.import_modis([second, VNP21], tmp_path / 'stack.tif')
    stack, dataset = read_all(tmp_path / 'stack.tif')
    assert band_dates(tmp_path / 'stack.tif') == [date(2021, 8, 15), date(2021, 8, 20)]
    np.testing.assert_array_equal(stack[0], stack[1])


# -- bad input ----------------------------------------------------------------------------------------
def test_wrong_product_for_the_variable_is_refused(tmp_path):
    with pytest.raises(InputError, match='VNP21A1D land surface temperature file, but NDVI was requested'):
        modis.import_modis([VNP21], tmp_path / 'out.tif', variable='NDVI')
    with pytest.raises(InputError, match='VNP13A1 vegetation index file, but LST was requested'):
        modis.import_modis([VNP13], tmp_path / 'out.tif', variable='LST')
    with pytest.raises(InputError, match=r'mix products: VNP21A1D \(1 file\); VNP13A1 \(1 file\)'):
        modis.import_modis([VNP21, VNP13], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_viirs_and_modis_tiles_are_not_mixed(tmp_path):
    from synthetic import MOD11A1
    with pytest.raises(InputError, match='mix products: VNP21A1D .* MOD11A1'):
        modis.import_modis([VNP21, MOD11A1], tmp_path / 'out.tif')


def test_a_renamed_tile_whose_name_and_metadata_disagree_is_refused(tmp_path):
    renamed = _variant(tmp_path, 'VNP21A1D.A2021230.h09v05.002.2021228103000.h5')
    with pytest.raises(InputError, match=r'date in its name \(2021-08-18\) does not match its metadata '
                                         r'\(RangeBeginningDate 2021-08-15\)'):
        modis.import_modis([renamed], tmp_path / 'out.tif')
    other = _variant(tmp_path, 'VJ121A1D.A2021227.h09v05.002.2021228103000.h5')
    with pytest.raises(InputError, match='its name says VJ121A1D but its metadata .ShortName. says VNP21A1D'):
        modis.import_modis([other], tmp_path / 'out.tif')


def test_a_tile_whose_fields_do_not_match_its_structmetadata_is_refused(tmp_path):
    damaged = _variant(tmp_path, 'VNP21A1D.A2021227.h09v05.002.2021228103000.h5',
                       edit=lambda f: _replace_struct(f, 'XDim=1200', 'XDim=2400'))
    with pytest.raises(InputError, match='field "LST_1KM" has 1200 × 1200 cells but StructMetadata.0 says 2400 × 1200'):
        modis.import_modis([damaged], tmp_path / 'out.tif')
    no_struct = _variant(tmp_path, 'VNP13A1.A2021225.h09v05.002.2021243120000.h5', source=VNP13,
                         edit=lambda f: f.__delitem__('HDFEOS INFORMATION/StructMetadata.0'))
    with pytest.raises(InputError, match='not a VIIRS HDF-EOS5 tile .it has no HDF-EOS5 StructMetadata.0'):
        modis.import_modis([no_struct], tmp_path / 'out.tif')
    no_qc = _variant(tmp_path, 'VNP21A1D.A2021227.h09v05.002.2021228103000.h5',
                     edit=lambda f: f.__delitem__(LST_FIELDS + 'QC'))
    with pytest.raises(InputError, match='not a complete VNP21A1D HDF-EOS5 file: it has no "QC" field'):
        modis.import_modis([no_qc], tmp_path / 'out.tif')
