"""soilmoisture:importsoilmoisture and core/sm_products.py on the real ESA CCI daily and C3S monthly files.

Expected values are read independently here with GDAL's NETCDF:"file":variable subdatasets.
"""
import json
import math
import os
import shutil
from datetime import date

import numpy as np
import pytest
from osgeo import gdal, osr

from soil_moisture_downscaling.core import sm_products
from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import Cancelled, InputError
from soil_moisture_downscaling.core.progress import Progress
from soil_moisture_downscaling.core.raster_io import GridSpec

gdal.UseExceptions()

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
CCI_DAILY = os.path.join(DATA, 'ESACCI-SOILMOISTURE-L3S-SSMV-COMBINED-20100701000000-fv04.5.nc')
C3S_MONTHLY = [os.path.join(DATA, 'C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-2018{:02d}01000000-ICDR-v201706.0.0.nc'
                            .format(month)) for month in (1, 2, 3, 4)]
MODIS_FILE = os.path.join(DATA, 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf')
NODATA = -9999.0
# SNOTEL 335 Berthoud Summit, CO; its 0.25° cell spans 39.75–40.0 N, 106.0–105.75 W.
SNOTEL_335 = (-105.77786, 39.80364)
# Shared sample README §3c: C3S monthly sm of that cell, Jan–Apr 2018 (m³/m³; Feb has no retrieval).
SNOTEL_335_MONTHLY = [0.134, None, 0.301, 0.250]
COLORADO = (-109.0, 37.0, -102.0, 41.0)


def netcdf(path, variable):
    """A variable as GDAL's netCDF driver gives it (float64, no masking)."""
    return gdal.Open('NETCDF:"{}":{}'.format(path, variable)).ReadAsArray().astype(np.float64)


def expected_sm(path):
    """sm with fill (-9999) and, where present, flag != 0 as NaN: the products' documented rule."""
    sm = netcdf(path, 'sm')
    bad = sm == -9999
    if any(name.endswith(':flag') for name, _ in gdal.Open(path).GetSubDatasets()):
        bad |= netcdf(path, 'flag') != 0
    return np.where(bad, np.nan, sm)


def read_all(path):
    dataset = gdal.Open(str(path))
    values = dataset.ReadAsArray().astype(np.float64)
    if values.ndim == 2:
        values = values[None]
    values[values == dataset.GetRasterBand(1).GetNoDataValue()] = np.nan
    return values, dataset


def cell_of(gt, lon, lat):
    return int(math.floor((lat - gt[3]) / gt[5])), int(math.floor((lon - gt[0]) / gt[1]))


def same(a, b):
    return np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0,
                                                                     atol=1e-7)


# -- values, grid and dates ------------------------------------------------------------------------------
def test_cci_daily_matches_the_netcdf_values_with_flags_applied(tmp_path):
    messages = []
    result = sm_products.import_soil_moisture([CCI_DAILY], tmp_path / 'cci.tif', progress=Progress(log=messages.append))
    values, dataset = read_all(tmp_path / 'cci.tif')
    assert dataset.RasterCount == 1 and dataset.GetRasterBand(1).DataType == gdal.GDT_Float32
    assert dataset.GetRasterBand(1).GetNoDataValue() == NODATA
    assert dataset.GetGeoTransform() == (-180.0, 0.25, 0.0, 90.0, 0.0, -0.25)
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    assert srs.GetAuthorityCode(None) == '4326'   # assigned: the NetCDF has no CRS GDAL reads
    assert gdal.Open('NETCDF:"{}":sm'.format(CCI_DAILY)).GetProjection() == ''
    expected = expected_sm(CCI_DAILY)
    assert same(values[0], expected)
    assert np.isfinite(values).sum() == 164073 == result.valid_cells[0]
    assert 0.0 <= np.nanmin(values) and np.nanmax(values) <= 1.0
    assert band_dates(tmp_path / 'cci.tif') == [date(2010, 7, 1)]
    assert dataset.GetMetadataItem('ACQUISITION_DATE') == '2010-07-01'
    assert result.products == ['ESA CCI SM v04.5 COMBINED daily']
    assert any('EPSG:4326' in message for message in messages)


def test_flagged_cells_become_nodata(tmp_path):
    """The real files never flag a cell that has a value, so a copy with three cells flagged is made."""
    folder = tmp_path / 'flagged'
    folder.mkdir()
    copy = str(folder / os.path.basename(CCI_DAILY))
    gdal.MultiDimTranslate(copy, CCI_DAILY, format='netCDF', arraySpecs=['sm', 'flag'])
    flagged = [(199, 297, 8), (199, 296, 1), (198, 296, 127)]   # physical boundary, frozen soil, flag fill
    dataset = gdal.OpenEx(copy, gdal.OF_MULTIDIM_RASTER | gdal.OF_UPDATE)
    flag = dataset.GetRootGroup().OpenMDArray('flag')
    values = flag.ReadAsArray()
    for row, col, value in flagged:
        values[0, row, col] = value
    flag.Write(values)
    dataset = flag = None
    original = expected_sm(CCI_DAILY)
    assert all(np.isfinite(original[row, col]) for row, col, _ in flagged)
    sm_products.import_soil_moisture([copy], tmp_path / 'out.tif', extent=COLORADO)
    out, out_dataset = read_all(tmp_path / 'out.tif')
    gt = out_dataset.GetGeoTransform()
    r0, c0 = int(round((gt[3] - 90.0) / -0.25)), int(round((gt[0] + 180.0) / 0.25))
    window = original[r0:r0 + out.shape[1], c0:c0 + out.shape[2]].copy()
    for row, col, _ in flagged:
        assert np.isnan(out[0, row - r0, col - c0])
        window[row - r0, col - c0] = np.nan
    assert same(out[0], window)   # every other cell unchanged


def test_masking_rule():
    sm = np.array([0.2, 0.3, np.nan, 0.4, -0.1, 1.2])
    flag = np.array([0, 2, 0, np.nan, 0, 0])
    np.testing.assert_array_equal(sm_products.mask_soil_moisture(sm, flag, (0.0, 1.0)),
                                  [0.2, np.nan, np.nan, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(sm_products.mask_soil_moisture(sm), sm)
    assert sm_products.date_from_time_value(14791, 'days since 1970-01-01 00:00:00 UTC') == date(2010, 7, 1)
    assert sm_products.date_from_time_value(17532, 'days since 1970-01-01 00:00:00 UTC') == date(2018, 1, 1)
    assert sm_products.date_from_time_value(36, 'hours since 2017-12-31T12:00:00') == date(2018, 1, 2)
    assert sm_products.date_from_time_value(3, 'months since 2000-01-01') is None
    assert sm_products.date_from_name(C3S_MONTHLY[2]) == date(2018, 3, 1)


def test_monthly_files_become_a_dated_stack_in_date_order(tmp_path):
    shuffled = [C3S_MONTHLY[i] for i in (2, 0, 3, 1)]
    result = sm_products.import_soil_moisture(shuffled, tmp_path / 'stack.tif', extent=COLORADO)
    values, dataset = read_all(tmp_path / 'stack.tif')
    dates = [date(2018, month, 1) for month in (1, 2, 3, 4)]
    assert result.dates == dates and band_dates(tmp_path / 'stack.tif') == dates
    assert dataset.GetMetadataItem('ACQUISITION_DATES') == '2018-01-01,2018-02-01,2018-03-01,2018-04-01'
    assert [dataset.GetRasterBand(b).GetDescription() for b in (1, 2, 3, 4)] == [d.isoformat() for d in dates]
    # Colorado on the 0.25° grid: 28 × 16 cells from (-109, 41).
    assert (dataset.RasterXSize, dataset.RasterYSize) == (28, 16)
    assert dataset.GetGeoTransform() == (-109.0, 0.25, 0.0, 41.0, 0.0, -0.25)
    for band, path in enumerate(C3S_MONTHLY):   # every band is its own month's file, cut to Colorado
        assert same(values[band], expected_sm(path)[196:212, 284:312])
    row, col = cell_of(dataset.GetGeoTransform(), *SNOTEL_335)
    for band, known in enumerate(SNOTEL_335_MONTHLY):
        if known is None:
            assert np.isnan(values[band, row, col])
        else:
            assert abs(values[band, row, col] - known) < 5e-4
    assert result.products == ['C3S SM v201706.0 COMBINED monthly']


def test_the_same_image_twice_is_used_once(tmp_path):
    other = tmp_path / 'copy'
    other.mkdir()
    shutil.copy(C3S_MONTHLY[0], other)
    messages = []
    result = sm_products.import_soil_moisture([C3S_MONTHLY[0], str(other / os.path.basename(C3S_MONTHLY[0]))],
                                              tmp_path / 'out.tif', extent=COLORADO,
                                              progress=Progress(log=messages.append))
    assert result.dates == [date(2018, 1, 1)]
    assert any('hold the same image for 2018-01-01: used once' in message for message in messages)


def test_window_for_bounds_keeps_the_cells_touched():
    grid = GridSpec(1440, 720, (-180.0, 0.25, 0.0, 90.0, 0.0, -0.25), sm_products.wgs84_wkt())
    assert grid.window_for_bounds((-105.9, 39.8, -105.6, 40.1)) == (296, 199, 2, 2)
    assert grid.window_for_bounds((-105.75, 39.75, -105.5, 40.0)) == (297, 200, 1, 1)
    assert grid.window_for_bounds(SNOTEL_335 * 2) == (296, 200, 1, 1)   # a point: its cell
    assert grid.window_for_bounds((185.0, 10.0, 190.0, 20.0)) is None


# -- bad input -----------------------------------------------------------------------------------------
def test_a_file_that_is_not_cci_is_refused(tmp_path):
    with pytest.raises(InputError, match='is not an ESA CCI / C3S soil moisture NetCDF file .it is a HDF4'):
        sm_products.import_soil_moisture([MODIS_FILE], tmp_path / 'out.tif')
    other = tmp_path / 'precipitation.nc'
    source = gdal.GetDriverByName('MEM').Create('', 8, 4, 1, gdal.GDT_Float32)
    source.SetGeoTransform((-180.0, 45.0, 0.0, 90.0, 0.0, -45.0))
    gdal.Translate(str(other), source, format='netCDF')
    with pytest.raises(InputError, match='neither its name nor its title attribute'):
        sm_products.import_soil_moisture([str(other)], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_a_missing_variable_is_named(tmp_path):
    with pytest.raises(InputError, match='has no variable "soil_moisture"; it holds nobs, sensor, freqbandID, sm'):
        sm_products.import_soil_moisture([C3S_MONTHLY[0]], tmp_path / 'out.tif', variable='soil_moisture')


def test_an_extent_outside_the_grid_or_over_the_ocean_is_refused(tmp_path):
    with pytest.raises(InputError, match='does not overlap the soil moisture grid'):
        sm_products.import_soil_moisture([C3S_MONTHLY[0]], tmp_path / 'out.tif', extent=(185.0, 10.0, 190.0, 20.0))
    with pytest.raises(InputError, match='No valid soil moisture inside the extent on any date'):
        sm_products.import_soil_moisture(C3S_MONTHLY[:2], tmp_path / 'out.tif', extent=(-40.0, -30.0, -35.0, -25.0))
    assert sorted(os.listdir(tmp_path)) == []


def test_files_that_cannot_be_stacked_are_refused(tmp_path):
    with pytest.raises(InputError, match=r'mix temporal resolutions \(daily, dekadal, monthly\) \(daily: ESACCI'):
        sm_products.import_soil_moisture([CCI_DAILY, C3S_MONTHLY[0]], tmp_path / 'out.tif')
    # Two different images for one date: a copy of January with one cell changed.
    folder = tmp_path / 'v2'
    folder.mkdir()
    changed = str(folder / os.path.basename(C3S_MONTHLY[0]))
    gdal.MultiDimTranslate(changed, C3S_MONTHLY[0], format='netCDF', arraySpecs=['sm'])
    dataset = gdal.OpenEx(changed, gdal.OF_MULTIDIM_RASTER | gdal.OF_UPDATE)
    sm = dataset.GetRootGroup().OpenMDArray('sm')
    values = sm.ReadAsArray()
    row = next(r for r in range(720) if (values[0, r] > 0).any())
    values[0, row, np.argmax(values[0, row] > 0)] += 0.05
    sm.Write(values)
    dataset = sm = None
    with pytest.raises(InputError, match='are both for 2018-01-01 but hold different values'):
        sm_products.import_soil_moisture([C3S_MONTHLY[0], changed], tmp_path / 'out.tif')
    assert not (tmp_path / 'out.tif').exists()


def test_a_file_whose_name_and_time_disagree_is_refused(tmp_path):
    renamed = tmp_path / os.path.basename(C3S_MONTHLY[0]).replace('20180101', '20180601')
    shutil.copy(C3S_MONTHLY[0], renamed)
    with pytest.raises(InputError, match=r'date in its name \(2018-06-01\) does not match its time variable '
                                         r'\(2018-01-01\)'):
        sm_products.import_soil_moisture([str(renamed)], tmp_path / 'out.tif')


def test_a_grid_that_is_not_the_cci_grid_is_refused():
    with pytest.raises(InputError, match='not on the 0.25° ESA CCI / C3S grid'):
        sm_products.check_cci_grid((-180.0, 0.5, 0.0, 90.0, 0.0, -0.5), 720, 360, 'x.nc')
    with pytest.raises(InputError, match='not on the 0.25° ESA CCI / C3S grid'):
        sm_products.check_cci_grid((-179.9, 0.25, 0.0, 90.0, 0.0, -0.25), 1440, 720, 'x.nc')
    assert sm_products.check_cci_grid((-180.0, 0.25, 0.0, 90.0, 0.0, -0.25), 1440, 720, 'x.nc') is True
    assert sm_products.check_cci_grid((-109.0, 0.25, 0.0, 41.0, 0.0, -0.25), 28, 16, 'x.nc') is False


def test_cancel_stops_and_leaves_nothing(tmp_path):
    calls = []

    def cancel_during_the_bands():
        calls.append(1)
        return len(calls) > 6   # 4 checks while opening the files, then one per band

    with pytest.raises(Cancelled):
        sm_products.import_soil_moisture(C3S_MONTHLY, tmp_path / 'out.tif',
                                         progress=Progress(is_canceled=cancel_during_the_bands))
    assert len(calls) == 7
    assert sorted(os.listdir(tmp_path)) == []


# -- through Processing and qgis_process ---------------------------------------------------------------
ALG = 'soilmoisture:importsoilmoisture'


def test_algorithm_is_registered_with_its_parameters(qgis_app):
    from qgis.core import QgsApplication
    algorithm = QgsApplication.processingRegistry().algorithmById(ALG)
    assert algorithm is not None and algorithm.displayName() == 'Import soil moisture product'
    assert [p.name() for p in algorithm.parameterDefinitions()] == ['INPUT', 'VARIABLE', 'EXTENT', 'OUTPUT']
    assert algorithm.parameterDefinition('VARIABLE').defaultValue() == 'sm'
    assert all(p.help() for p in algorithm.parameterDefinitions())
    import processing
    dialog = processing.createAlgorithmDialog(ALG)
    assert dialog is not None
    dialog.close()


def test_processing_run_clips_with_an_extent_in_another_crs_and_styles(qgis_app, tmp_path):
    import processing
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32613)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    wgs = osr.SpatialReference()
    wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(wgs, utm).TransformPoint(*SNOTEL_335)
    # A 20 km box around SNOTEL 335 in UTM 13N: the 0.25° cells it touches, in EPSG:4326.
    extent = '{},{},{},{} [EPSG:32613]'.format(x - 10000, x + 10000, y - 10000, y + 10000)
    result = processing.run(ALG, {'INPUT': list(reversed(C3S_MONTHLY)), 'EXTENT': extent,
                                  'OUTPUT': str(tmp_path / 'sm.tif')})
    assert result['DATES'] == '2018-01-01,2018-02-01,2018-03-01,2018-04-01'
    values, dataset = read_all(tmp_path / 'sm.tif')
    gt = dataset.GetGeoTransform()
    assert osr.SpatialReference(wkt=dataset.GetProjection()).GetAuthorityCode(None) == '4326'
    assert gt[1] == 0.25 and (gt[0] + 180.0) % 0.25 == 0 and (90.0 - gt[3]) % 0.25 == 0
    # 20 km is under one cell east-west (21 km at 40 N) and about 0.18° north-south: 2 × 2 cells here.
    assert (dataset.RasterXSize, dataset.RasterYSize) == (2, 2)
    assert gt[0] <= SNOTEL_335[0] <= gt[0] + 2 * gt[1] and gt[3] + 2 * gt[5] <= SNOTEL_335[1] <= gt[3]
    row, col = cell_of(gt, *SNOTEL_335)
    assert abs(values[0, row, col] - 0.134) < 5e-4 and np.isnan(values[1, row, col])
    qml = tmp_path / 'sm.qml'
    assert qml.exists() and 'm³/m³' in qml.read_text()


def test_processing_run_reports_bad_input(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match='not an ESA CCI / C3S soil moisture NetCDF file'):
        processing.run(ALG, {'INPUT': [MODIS_FILE], 'OUTPUT': str(tmp_path / 'out.tif')})
    with pytest.raises(QgsProcessingException, match='does not overlap'):
        processing.run(ALG, {'INPUT': [CCI_DAILY], 'EXTENT': '185,190,10,20 [EPSG:4326]',
                             'OUTPUT': str(tmp_path / 'out.tif')})
    assert not (tmp_path / 'out.tif').exists()


@pytest.mark.slow
def test_qgis_process_imports_a_stack(tmp_path):
    from test_cli import qgis_process
    out = tmp_path / 'sm.tif'
    completed = qgis_process(['--json', 'run', ALG, '--'] + ['INPUT=' + path for path in C3S_MONTHLY[::-1]] +
                             ['EXTENT=-109,-102,37,41 [EPSG:4326]', 'OUTPUT=' + str(out)], tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)['results']['DATES'] == '2018-01-01,2018-02-01,2018-03-01,2018-04-01'
    values, dataset = read_all(out)
    assert values.shape == (4, 16, 28)
    row, col = cell_of(dataset.GetGeoTransform(), *SNOTEL_335)
    assert abs(values[2, row, col] - 0.301) < 5e-4 and abs(values[3, row, col] - 0.250) < 5e-4
    assert (tmp_path / 'sm.qml').exists()
