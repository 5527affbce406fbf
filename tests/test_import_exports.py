"""AppEEARS and Earth Engine GeoTIFF exports (core/exports.py) of MODIS / VIIRS LST and vegetation index.

The exports are written here, at run time, from the real MOD11A1 / MOD13A2 tiles and the synthetic VNP21A1D tile,
the way AppEEARS (one layer per file, stored numbers, names <product>.<version>_<layer>_doy<YYYYDDD>_aid<NNNN>.tif)
and Earth Engine (bands named by description, scaled or not as the user chose) deliver them. Whatever the flavour,
the import must give the same map as the HDF tile: the scale applied exactly once, the same pixels screened.
"""
from datetime import date

import numpy as np
import pytest
from osgeo import gdal

from soil_moisture_downscaling.core import exports, modis
from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.progress import Progress
from synthetic import MOD11A1, MOD13A2, VNP21, read_all

gdal.UseExceptions()

LST_GRID = 'HDF4_EOS:EOS_GRID:"{}":MODIS_Grid_Daily_1km_LST:{}'
VI_GRID = 'HDF4_EOS:EOS_GRID:"{}":MODIS_Grid_16DAY_1km_VI:"1 km 16 days {}"'


def _layer(path, source, data_type=None, scale=None, offset=0.0, nodata=None):
    """One exported layer: the source as stored, or scaled (value × scale + offset) into Float32."""
    options = dict(format='GTiff')
    if scale is not None:
        array = gdal.Open(source).ReadAsArray().astype(np.float64)
        out = np.where(array == 0, np.nan, array * scale + offset).astype(np.float32)
        base = gdal.Open(source)
        dataset = gdal.GetDriverByName('GTiff').Create(str(path), base.RasterXSize, base.RasterYSize, 1,
                                                       gdal.GDT_Float32)
        dataset.SetGeoTransform(base.GetGeoTransform())
        dataset.SetProjection(base.GetProjection())
        band = dataset.GetRasterBand(1)
        band.SetNoDataValue(float('nan') if nodata is None else nodata)
        band.WriteArray(np.where(np.isnan(out), nodata if nodata is not None else np.nan, out))
        dataset = None
        return str(path)
    if data_type is not None:
        options['outputType'] = data_type
    gdal.Translate(str(path), source, **options)
    return str(path)


def _multiband(path, layers, descriptions):
    """An Earth Engine style multi-band export: the bands of ``layers`` (paths) with band descriptions."""
    vrt = gdal.BuildVRT('', layers, separate=True)
    gdal.Translate(str(path), vrt, format='GTiff', outputType=gdal.GDT_Float32)
    dataset = gdal.Open(str(path), gdal.GA_Update)
    for index, name in enumerate(descriptions, start=1):
        dataset.GetRasterBand(index).SetDescription(name)
    dataset = None
    return str(path)


@pytest.fixture(scope='module')
def hdf_lst(tmp_path_factory):
    folder = tmp_path_factory.mktemp('hdf_lst')
    modis.import_modis([MOD11A1], folder / 'lst.tif', view_time_output=folder / 'vt.tif')
    return read_all(folder / 'lst.tif')[0][0], read_all(folder / 'vt.tif')[0][0]


@pytest.fixture(scope='module')
def appeears_lst(tmp_path_factory):
    folder = tmp_path_factory.mktemp('appeears')
    names = {}
    for layer in ('LST_Day_1km', 'QC_Day', 'Day_view_time'):
        names[layer] = _layer(folder / 'MOD11A1.061_{}_doy2021227_aid0001.tif'.format(layer),
                              LST_GRID.format(MOD11A1, layer))
    return folder, names


def _same(a, b):
    return np.array_equal(np.isfinite(a), np.isfinite(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)],
                                                                         rtol=1e-6)


# -- AppEEARS ----------------------------------------------------------------------------------------
def test_appeears_files_give_the_map_of_the_hdf_tile(appeears_lst, hdf_lst, tmp_path):
    folder, names = appeears_lst
    messages = []
    result = modis.import_modis(sorted(names.values()), tmp_path / 'lst.tif', view_time_output=tmp_path / 'vt.tif',
                                progress=Progress(log=messages.append))
    lst, dataset = read_all(tmp_path / 'lst.tif')
    assert _same(lst[0], hdf_lst[0]) and _same(read_all(tmp_path / 'vt.tif')[0][0], hdf_lst[1])
    assert result.product == 'MOD11A1' and band_dates(tmp_path / 'lst.tif') == [date(2021, 8, 15)]
    assert dataset.GetGeoTransform() == pytest.approx(gdal.Open(LST_GRID.format(MOD11A1, 'LST_Day_1km'))
                                                      .GetGeoTransform())
    assert any('stored numbers (median' in m and 'LST = value × 0.02 K' in m for m in messages)
    assert any('quality from MOD11A1.061_QC_Day_doy2021227_aid0001.tif' in m for m in messages)
    assert any('view time in stored numbers' in m for m in messages)


def test_appeears_name_parts():
    match = exports.APPEEARS_NAME.match('SPL3SMP_E.005_Soil_Moisture_Retrieval_Data_AM_soil_moisture_doy2021227_'
                                        'aid0001.tif')
    assert match.group('product') == 'SPL3SMP_E' and match.group('layer').endswith('AM_soil_moisture')
    match = exports.APPEEARS_NAME.match('MOD13A2.061__1_km_16_days_NDVI_doy2021225_aid0002.tif')
    assert match.group('product') == 'MOD13A2' and exports.classify_layer(match.group('layer')).variable == 'NDVI'
    assert exports.classify_layer('_1_km_16_days_pixel_reliability').role == 'quality'
    assert exports.classify_layer('500 m 16 days pixel reliability').sensor == 'VIIRS'
    assert exports.classify_layer('EVI2') is None


def test_appeears_value_without_its_qc_file_is_refused_unless_no_screening(appeears_lst, hdf_lst, tmp_path):
    _, names = appeears_lst
    with pytest.raises(InputError, match=r'No quality layer was found for MOD11A1.061_LST_Day_1km_doy2021227_aid0001'
                                         r'.tif: give the matching ..._QC_Day_... file'):
        modis.import_modis([names['LST_Day_1km']], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()
    messages = []
    modis.import_modis([names['LST_Day_1km']], tmp_path / 'all.tif', quality=modis.QUALITY_NONE,
                       progress=Progress(log=messages.append))
    everything = read_all(tmp_path / 'all.tif')[0][0]
    dn = gdal.Open(names['LST_Day_1km']).ReadAsArray().astype(np.float64)
    assert np.array_equal(np.isfinite(everything), dn >= 7500)       # every non-fill value, cloud or not
    assert np.isfinite(everything).sum() > np.isfinite(hdf_lst[0]).sum()
    assert any('no quality layer: every valid value is kept' in m for m in messages)


# -- Earth Engine --------------------------------------------------------------------------------------
@pytest.mark.parametrize('scale, offset, expected_note', [
    (None, 0.0, 'stored numbers'),                 # exported as delivered
    (0.02, 0.0, 'values already in kelvin'),       # .multiply(0.02)
    (0.02, -273.15, 'values in degrees Celsius'),  # .multiply(0.02).subtract(273.15)
])
def test_earth_engine_export_is_scaled_exactly_once(tmp_path, hdf_lst, scale, offset, expected_note):
    lst = _layer(tmp_path / 'lst.tif', LST_GRID.format(MOD11A1, 'LST_Day_1km'), scale=scale, offset=offset,
                 nodata=-9999.0) if scale else _layer(tmp_path / 'lst.tif', LST_GRID.format(MOD11A1, 'LST_Day_1km'))
    qc = _layer(tmp_path / 'qc.tif', LST_GRID.format(MOD11A1, 'QC_Day'))
    export = _multiband(tmp_path / 'MOD11A1_2021_08_15.tif', [lst, qc], ['LST_Day_1km', 'QC_Day'])
    messages = []
    result = modis.import_modis([export], tmp_path / 'out.tif', progress=Progress(log=messages.append))
    out = read_all(tmp_path / 'out.tif')[0][0]
    assert np.array_equal(np.isfinite(out), np.isfinite(hdf_lst[0]))
    np.testing.assert_allclose(out[np.isfinite(out)], hdf_lst[0][np.isfinite(hdf_lst[0])], rtol=1e-5)
    assert result.product == 'MODIS LST export' and result.dates == [date(2021, 8, 15)]
    assert any(expected_note in m for m in messages)


def test_earth_engine_ndvi_with_summaryqa_scaled_or_not(tmp_path):
    modis.import_modis([MOD13A2], tmp_path / 'hdf.tif')
    hdf = read_all(tmp_path / 'hdf.tif')[0][0]
    ndvi = _layer(tmp_path / 'ndvi.tif', VI_GRID.format(MOD13A2, 'NDVI'))
    qa = _layer(tmp_path / 'qa.tif', VI_GRID.format(MOD13A2, 'pixel reliability'))
    for name, values in (('dn', ndvi), ('scaled', None)):
        if values is None:
            array = gdal.Open(ndvi).ReadAsArray().astype(np.float64)
            scaled = np.where(array == -3000, -9999.0, array / 10000).astype(np.float32)
            values = str(tmp_path / 'ndvi_scaled.tif')
            gdal.Translate(values, ndvi, outputType=gdal.GDT_Float32, noData=-9999)
            dataset = gdal.Open(values, gdal.GA_Update)
            dataset.GetRasterBand(1).WriteArray(scaled)
            dataset = None
        export = _multiband(tmp_path / '{}_20210813.tif'.format(name), [values, qa], ['NDVI', 'SummaryQA'])
        messages = []
        modis.import_modis([export], tmp_path / '{}.tif'.format(name), progress=Progress(log=messages.append))
        out = read_all(tmp_path / '{}.tif'.format(name))[0][0]
        assert np.array_equal(np.isfinite(out), np.isfinite(hdf)), name
        np.testing.assert_allclose(out[np.isfinite(out)], hdf[np.isfinite(hdf)], rtol=1e-5, atol=1e-6)
        assert band_dates(tmp_path / '{}.tif'.format(name)) == [date(2021, 8, 13)]
        assert any(('index = value ÷ 10000' if name == 'dn' else 'already scaled') in m for m in messages), name


def test_earth_engine_viirs_lst_by_band_names(tmp_path):
    pytest.importorskip('h5py')
    from synthetic import h5
    modis.import_modis([VNP21], tmp_path / 'hdf.tif')
    hdf = read_all(tmp_path / 'hdf.tif')[0][0]
    fields = 'HDFEOS/GRIDS/VIIRS_Grid_Daily_1km_LST21/Data Fields/'
    dn = h5(VNP21, fields + 'LST_1KM').astype(np.float64)
    kelvin = np.where(dn == 0, -9999.0, dn * 0.02)        # .multiply(0.02), masked pixels unmasked to -9999
    reference = gdal.Open(str(tmp_path / 'hdf.tif'))
    export = str(tmp_path / 'VNP21A1D_2021_08_15.tif')
    dataset = gdal.GetDriverByName('GTiff').Create(export, 1200, 1200, 2, gdal.GDT_Float32)
    dataset.SetGeoTransform(reference.GetGeoTransform())
    dataset.SetProjection(reference.GetProjection())
    for index, (name, values) in enumerate((('LST_1KM', kelvin), ('QC', h5(VNP21, fields + 'QC'))), start=1):
        band = dataset.GetRasterBand(index)
        band.SetDescription(name)
        band.SetNoDataValue(-9999.0)
        band.WriteArray(values)
    dataset = None
    result = modis.import_modis([export], tmp_path / 'out.tif')
    out = read_all(tmp_path / 'out.tif')[0][0]
    assert result.product == 'VIIRS LST export'
    assert np.array_equal(np.isfinite(out), np.isfinite(hdf))
    np.testing.assert_allclose(out[np.isfinite(out)], hdf[np.isfinite(hdf)], rtol=1e-5)


def test_dates_come_from_the_name_or_the_metadata(tmp_path):
    assert exports.date_from_text('MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif') == date(2021, 8, 15)
    assert exports.date_from_text('LST_2021-08-15.tif') == date(2021, 8, 15)
    assert exports.date_from_text('export_20210815.tif') == date(2021, 8, 15)
    assert exports.date_from_text('MOD11A1.A2021227.tif') == date(2021, 8, 15)
    assert exports.date_from_text('lst_export.tif') is None
    lst = _layer(tmp_path / 'a.tif', LST_GRID.format(MOD11A1, 'LST_Day_1km'))
    qc = _layer(tmp_path / 'b.tif', LST_GRID.format(MOD11A1, 'QC_Day'))
    undated = _multiband(tmp_path / 'lst_export.tif', [lst, qc], ['LST_Day_1km', 'QC_Day'])
    with pytest.raises(InputError, match='lst_export.tif band 1 .LST_Day_1km.: no date found'):
        modis.import_modis([undated], tmp_path / 'out.tif')
    dataset = gdal.Open(undated, gdal.GA_Update)
    dataset.SetMetadataItem('ACQUISITION_DATE', '2021-08-15')
    dataset = None
    modis.import_modis([undated], tmp_path / 'out.tif')
    assert band_dates(tmp_path / 'out.tif') == [date(2021, 8, 15)]


def test_an_export_of_the_wrong_kind_is_refused(appeears_lst, tmp_path):
    _, names = appeears_lst
    with pytest.raises(InputError, match='MOD11A1 land surface temperature file, but NDVI was requested'):
        modis.import_modis([names['LST_Day_1km'], names['QC_Day']], tmp_path / 'out.tif', variable='NDVI')
    with pytest.raises(InputError, match='hold only quality or view time layers'):
        modis.import_modis([names['QC_Day']], tmp_path / 'out.tif')
    unknown = _layer(tmp_path / 'elevation.tif', LST_GRID.format(MOD11A1, 'LST_Day_1km'))
    with pytest.raises(InputError, match='elevation.tif is not a recognised MODIS / VIIRS LST or vegetation index '
                                         'export'):
        modis.import_modis([unknown], tmp_path / 'out.tif')
    odd = _layer(tmp_path / 'odd.tif', LST_GRID.format(MOD11A1, 'LST_Day_1km'), scale=0.5, nodata=-9999.0)
    qc = _layer(tmp_path / 'qc.tif', LST_GRID.format(MOD11A1, 'QC_Day'))
    export = _multiband(tmp_path / 'odd_2021_08_15.tif', [odd, qc], ['LST_Day_1km', 'QC_Day'])
    with pytest.raises(InputError, match=r'neither kelvin, °C nor stored MODIS / VIIRS numbers'):
        modis.import_modis([export], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_a_whole_appeears_folder_imports_the_default_variable_and_skips_the_rest(tmp_path):
    """NDVI, EVI, reliability and an unused layer of one request: "from the files" imports NDVI, says what it left."""
    names = []
    for layer in ('NDVI', 'EVI', 'pixel reliability', 'composite day of the year'):
        names.append(_layer(tmp_path / 'MOD13A2.061__1_km_16_days_{}_doy2021225_aid0001.tif'.format(
            layer.replace(' ', '_')), VI_GRID.format(MOD13A2, layer)))
    messages = []
    result = modis.import_modis(names, tmp_path / 'out.tif', progress=Progress(log=messages.append))
    modis.import_modis([MOD13A2], tmp_path / 'hdf.tif')
    out, hdf = read_all(tmp_path / 'out.tif')[0][0], read_all(tmp_path / 'hdf.tif')[0][0]
    assert result.variable == 'NDVI' and _same(out, hdf)
    assert any('EVI not imported' in m for m in messages)
    assert any('composite_day_of_the_year_doy2021225_aid0001.tif: a layer this import does not use, skipped' in m
               for m in messages)
    modis.import_modis(names, tmp_path / 'evi.tif', variable='EVI')
    modis.import_modis([MOD13A2], tmp_path / 'hdf_evi.tif', variable='EVI')
    assert _same(read_all(tmp_path / 'evi.tif')[0][0], read_all(tmp_path / 'hdf_evi.tif')[0][0])
