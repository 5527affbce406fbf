"""SMAP L3 (SPL3SMP 36 km, SPL3SMP_E 9 km), SMOS L3 CATDS (25 km) and SMAP GeoTIFF exports through
core/sm_products.py: values, quality flags, AM / PM, dates, stacking and the EASE-Grid 2.0 georeferencing.

Expected values are read with h5py from the synthetic files; the grids are checked against the published
EASE-Grid 2.0 parameters written out here and against two real grid files: NSIDC's cell-centre latitudes and
longitudes of the 36 km grid (NSIDC-0772) and the CATDS grid file of the 25 km grid (tests/data/README.md).
"""
import shutil
from datetime import date

import numpy as np
import pytest
from osgeo import gdal, osr

from soil_moisture_downscaling.core import ease_grid, sm_products
from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.progress import Progress
from synthetic import CATDS_GRID, NSIDC_M36_LATLON, SMAP_36KM, SMAP_9KM, SMOS, VNP21, fixtures, h5, read_all

h5py = pytest.importorskip('h5py')

# Published EASE-Grid 2.0 global parameters (NSIDC; Brodzik et al. 2012/2014).
X0 = -17367530.45
Y0 = 7314540.83
PUBLISHED = {'M36': (964, 406, 36032.22), 'M09': (3856, 1624, 9008.05), 'M25': (1388, 584, 25025.26)}
COLORADO = (-108.0, 38.0, -104.0, 40.5)
AM = 'Soil_Moisture_Retrieval_Data_AM/'
PM = 'Soil_Moisture_Retrieval_Data_PM/'


def _window_of(path, cell):
    """(row, col) of the output's upper-left cell in the global grid, from its geotransform (whole cells)."""
    gt = gdal.Open(str(path)).GetGeoTransform()
    col, row = (gt[0] - X0) / cell, (Y0 - gt[3]) / cell
    return int(round(row)), int(round(col))


def _expected_smap(path, group, suffix='', recommended=True):
    sm = h5(path, group + 'soil_moisture' + suffix).astype(np.float64)
    flag = h5(path, group + 'retrieval_qual_flag' + suffix)
    keep = (sm != -9999) & (sm >= np.float32(0.02)) & (sm <= 0.5)
    if recommended:
        keep &= (flag & 1) == 0
    return np.where(keep, sm, np.nan)


@pytest.fixture(scope='module')
def smap_9km(tmp_path_factory):
    folder = tmp_path_factory.mktemp('smap9')
    messages = []
    result = sm_products.import_soil_moisture([SMAP_9KM], folder / 'sm.tif', extent=COLORADO,
                                              progress=Progress(log=messages.append))
    return result, folder / 'sm.tif', messages


# -- the grids -----------------------------------------------------------------------------------------
@pytest.mark.parametrize('name', ['M36', 'M09', 'M25'])
def test_grids_have_the_published_size_corners_and_cells(name):
    grid = ease_grid.grid_spec(name)
    width, height, cell = PUBLISHED[name]
    assert (grid.width, grid.height) == (width, height)
    assert abs(grid.geotransform[1] - cell) < 0.01 and abs(grid.geotransform[5] + cell) < 0.01
    assert abs(grid.geotransform[0] - X0) < 0.02     # M25: 694 cells of 25025.26 m = 17367530.44 m
    # The grids are centred on (0, 0): the right edge mirrors the left, the bottom the top.
    xmin, ymin, xmax, ymax = grid.bounds
    assert abs(xmax + xmin) < 1e-6 and abs(ymax + ymin) < 1e-6
    top = Y0 if name != 'M25' else height / 2 * cell       # the 25 km grid has 584 whole cells: 7307375.92 m
    assert abs(grid.geotransform[3] - top) < 0.01
    srs = osr.SpatialReference(wkt=grid.crs_wkt)
    assert srs.GetAuthorityCode(None) == '6933'


def test_36km_cell_centres_are_nsidcs(tmp_path):
    """Every cell centre of the 36 km grid against NSIDC's published latitude / longitude file (real)."""
    grid = ease_grid.grid_spec('M36')
    with h5py.File(NSIDC_M36_LATLON, 'r') as f:
        lat, lon = f['latitude'][()], f['longitude'][()]
    rows, cols = np.indices(lat.shape)
    our_lon, our_lat = ease_grid.cell_centres_lonlat(grid, rows, cols)
    assert np.abs(our_lat - lat).max() < 1e-6 and np.abs(our_lon - lon).max() < 1e-6


def test_25km_cell_centres_are_those_of_the_catds_grid_file():
    """The CATDS grid file (real) stores the centres, latitudes south first."""
    grid = ease_grid.grid_spec('M25')
    with h5py.File(CATDS_GRID, 'r') as f:
        lat, lon = f['lat'][()].astype(np.float64)[::-1], f['lon'][()].astype(np.float64)
    our_lon, _ = ease_grid.cell_centres_lonlat(grid, np.zeros(len(lon)), np.arange(len(lon)))
    _, our_lat = ease_grid.cell_centres_lonlat(grid, np.arange(len(lat)), np.zeros(len(lat)))
    assert np.abs(our_lat - lat).max() < 1e-4 and np.abs(our_lon - lon).max() < 1e-4   # float32 storage


# -- SMAP -------------------------------------------------------------------------------------------------
def test_smap_9km_values_are_the_recommended_retrievals(smap_9km):
    result, path, messages = smap_9km
    values, dataset = read_all(path)
    row, col = _window_of(path, 9008.055210146)
    expected = _expected_smap(SMAP_9KM, AM)[row:row + dataset.RasterYSize, col:col + dataset.RasterXSize]
    assert np.array_equal(np.isfinite(values[0]), np.isfinite(expected))
    np.testing.assert_allclose(values[0][np.isfinite(values[0])], expected[np.isfinite(expected)], rtol=1e-6)
    flag = h5(SMAP_9KM, AM + 'retrieval_qual_flag')[row:row + dataset.RasterYSize, col:col + dataset.RasterXSize]
    assert ((flag & 1) == 1).sum() > 20 and np.isnan(values[0][(flag & 1) == 1]).all()   # bit 0 set: dropped
    assert (flag == 8).sum() > 20 and np.isfinite(values[0][flag == 8]).all()            # other bits: kept
    assert result.valid_cells == [int(np.isfinite(expected).sum())]
    assert dataset.GetRasterBand(1).GetNoDataValue() == -9999.0 and dataset.GetMetadataItem('UNITS') == 'm3 m-3'
    assert any('SMAP enhanced L3 radiometer soil moisture, 9 km on the EASE-Grid 2.0 M09' in m for m in messages)


def test_smap_9km_georeferencing_and_date(smap_9km):
    _, path, _ = smap_9km
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    cell = 9008.055210146
    assert abs(gt[1] - cell) < 1e-6 and abs(gt[5] + cell) < 1e-6
    for value in ((gt[0] - X0) / cell, (Y0 - gt[3]) / cell):    # on the lattice of the published corner
        assert abs(value - round(value)) < 1e-4
    assert osr.SpatialReference(wkt=dataset.GetProjection()).GetAuthorityCode(None) == '6933'
    assert band_dates(path) == [date(2021, 8, 15)]
    # The retrievals lie over Colorado: their centres, through GDAL/PROJ, inside the fixture's area.
    values = read_all(path)[0][0]
    rows, cols = np.nonzero(np.isfinite(values))
    srs = osr.SpatialReference(wkt=dataset.GetProjection())
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    for s in (srs, wgs84):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    points = np.asarray(osr.CoordinateTransformation(srs, wgs84).TransformPoints(
        np.column_stack([gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]])))
    area = fixtures.AREA
    assert (points[:, 0] >= area[0]).all() and (points[:, 0] <= area[2]).all()
    assert (points[:, 1] >= area[1]).all() and (points[:, 1] <= area[3]).all()


def test_smap_36km_whole_grid_is_the_published_grid(tmp_path):
    result = sm_products.import_soil_moisture([SMAP_36KM], tmp_path / 'sm.tif')
    values, dataset = read_all(tmp_path / 'sm.tif')
    assert (dataset.RasterXSize, dataset.RasterYSize) == (964, 406)
    assert dataset.GetGeoTransform() == pytest.approx((X0, 36032.22, 0.0, Y0, 0.0, -36032.22), abs=0.01)
    expected = _expected_smap(SMAP_36KM, AM)
    assert np.array_equal(np.isfinite(values[0]), np.isfinite(expected))
    np.testing.assert_allclose(values[0][np.isfinite(values[0])], expected[np.isfinite(expected)], rtol=1e-6)
    assert result.products == ['SPL3SMP AM (6 am descending)']


def test_smap_pm_overpass_and_all_retrievals(tmp_path):
    sm_products.import_soil_moisture([SMAP_36KM], tmp_path / 'pm.tif', overpass='pm',
                                     quality=sm_products.SM_QUALITY_ALL)
    values = read_all(tmp_path / 'pm.tif')[0][0]
    expected = _expected_smap(SMAP_36KM, PM, '_pm', recommended=False)
    assert np.array_equal(np.isfinite(values), np.isfinite(expected))
    np.testing.assert_allclose(values[np.isfinite(values)], expected[np.isfinite(expected)], rtol=1e-6)
    flagged = (h5(SMAP_36KM, PM + 'retrieval_qual_flag_pm') & 1) == 1
    assert np.isfinite(values[flagged & (h5(SMAP_36KM, PM + 'soil_moisture_pm') != -9999)]).all()


def _smap_copy(tmp_path, name, source=SMAP_9KM, day=None):
    path = tmp_path / name
    shutil.copy(source, path)
    if day is not None:
        with h5py.File(path, 'r+') as f:
            f['Metadata/Extent'].attrs['rangeBeginningDateTime'] = np.bytes_(day + 'T00:00:00.000Z')
    return str(path)


def test_smap_dates_become_bands_in_date_order(tmp_path):
    later = _smap_copy(tmp_path, 'SMAP_L3_SM_P_E_20210817_R18240_001.h5', day='2021-08-17')
    result = sm_products.import_soil_moisture([later, SMAP_9KM], tmp_path / 'stack.tif', extent=COLORADO)
    values = read_all(tmp_path / 'stack.tif')[0]
    assert band_dates(tmp_path / 'stack.tif') == [date(2021, 8, 15), date(2021, 8, 17)]
    assert result.dates == [date(2021, 8, 15), date(2021, 8, 17)]
    np.testing.assert_array_equal(values[0], values[1])


def test_smap_of_another_grid_or_renamed_is_refused(tmp_path):
    renamed = _smap_copy(tmp_path, 'SMAP_L3_SM_P_E_20210815_R18240_001.h5', source=SMAP_36KM)
    with pytest.raises(InputError, match='its name says SPL3SMP_E but its metadata .shortName. says SPL3SMP'):
        sm_products.import_soil_moisture([renamed], tmp_path / 'out.tif')
    with h5py.File(renamed, 'r+') as f:
        f['Metadata/DatasetIdentification'].attrs['shortName'] = np.bytes_('SPL3SMP_E')
    with pytest.raises(InputError, match=r'named SPL3SMP_E \(M09 grid, 3856 × 1624 cells\) but holds 964 × 406 '
                                         r'cells \(the M36 grid\)'):
        sm_products.import_soil_moisture([renamed], tmp_path / 'out.tif')
    shifted = _smap_copy(tmp_path, 'SMAP_L3_SM_P_20210815_R18240_002.h5', source=SMAP_36KM)
    with h5py.File(shifted, 'r+') as f:
        lat = f[AM + 'latitude']
        lat[...] = np.where(lat[()] != -9999, lat[()] + 0.2, -9999)      # a grid 0.2° further north
    with pytest.raises(InputError, match='is not on the global EASE-Grid 2.0 964 × 406 px'):
        sm_products.import_soil_moisture([shifted], tmp_path / 'out.tif')
    with pytest.raises(InputError, match='are on different grids'):
        sm_products.import_soil_moisture([SMAP_9KM, SMAP_36KM], tmp_path / 'out.tif')
    with pytest.raises(InputError, match='is not a SMAP L3 radiometer soil moisture file'):
        sm_products.import_soil_moisture([VNP21], tmp_path / 'out.tif')
    with pytest.raises(InputError, match='No valid soil moisture inside the extent on any date'):
        sm_products.import_soil_moisture([SMAP_9KM], tmp_path / 'out.tif', extent=(10.0, 10.0, 10.5, 10.5))
    assert not (tmp_path / 'out.tif').exists()


# -- SMOS -------------------------------------------------------------------------------------------------
def test_smos_values_rows_and_grid(tmp_path):
    messages = []
    result = sm_products.import_soil_moisture([SMOS], tmp_path / 'smos.tif', extent=COLORADO,
                                              progress=Progress(log=messages.append))
    values, dataset = read_all(tmp_path / 'smos.tif')
    gt = dataset.GetGeoTransform()
    cell = 25025.26
    top = 584 / 2 * cell
    row, col = int(round((top - gt[3]) / cell)), int(round((gt[0] - X0) / cell))
    assert abs((top - gt[3]) / cell - row) < 1e-6 and abs((gt[0] - X0) / cell - col) < 1e-6
    stored = h5(SMOS, 'Soil_Moisture').astype(np.float64)[::-1]       # the file's rows run south to north
    expected = np.where(stored == -999, np.nan, stored)[row:row + dataset.RasterYSize, col:col + dataset.RasterXSize]
    assert np.array_equal(np.isfinite(values[0]), np.isfinite(expected)) and np.isfinite(expected).sum() > 40
    np.testing.assert_allclose(values[0][np.isfinite(values[0])], expected[np.isfinite(expected)], rtol=1e-6)
    assert result.products == ['SMOS L3 CATDS daily ascending (6 am)']
    assert band_dates(tmp_path / 'smos.tif') == [date(2021, 8, 15)]
    assert any('rows stored south first' in m and 'no recommended-quality flag' in m for m in messages)


def test_smos_with_rows_north_first_gives_the_same_map(tmp_path):
    lat, lon = fixtures.catds_grid()
    north_first = tmp_path / 'SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc'
    fixtures.write_smos_file(str(north_first), fixtures.Dem(), lat[::-1].copy(), lon)
    sm_products.import_soil_moisture([SMOS], tmp_path / 'a.tif', extent=COLORADO)
    sm_products.import_soil_moisture([str(north_first)], tmp_path / 'b.tif', extent=COLORADO)
    a, b = read_all(tmp_path / 'a.tif')[0], read_all(tmp_path / 'b.tif')[0]
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(a[np.isfinite(a)], b[np.isfinite(b)])


def test_smos_of_another_grid_is_refused(tmp_path):
    lat, lon = fixtures.catds_grid()
    shifted = tmp_path / 'SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc'
    fixtures.write_smos_file(str(shifted), fixtures.Dem(), lat, (lon + 0.125).astype(np.float32))
    with pytest.raises(InputError, match='is not on the global EASE-Grid 2.0 1388 × 584 px'):
        sm_products.import_soil_moisture([str(shifted)], tmp_path / 'out.tif')
    with pytest.raises(InputError, match='are on different grids'):
        sm_products.import_soil_moisture([SMOS, SMAP_36KM], tmp_path / 'out.tif')


# -- SMAP exports -------------------------------------------------------------------------------------------
def _smap_geotiff(path, grid_window, layers):
    """A GeoTIFF on a window (row, col, rows, cols) of the 9 km grid with ``layers`` [(description, array)]."""
    row, col, rows, cols = grid_window
    cell = 9008.055210146
    grid = ease_grid.grid_spec('M09')
    dataset = gdal.GetDriverByName('GTiff').Create(str(path), cols, rows, len(layers), gdal.GDT_Float32)
    dataset.SetGeoTransform((grid.geotransform[0] + col * cell, cell, 0.0, grid.geotransform[3] - row * cell, 0.0,
                             -cell))
    dataset.SetProjection(grid.crs_wkt)
    for index, (description, values) in enumerate(layers, start=1):
        band = dataset.GetRasterBand(index)
        band.SetDescription(description or '')
        band.WriteArray(values[row:row + rows, col:col + cols])
    dataset = None
    return str(path)


def test_smap_exports_of_appeears_and_earth_engine_give_the_hdf_values(smap_9km, tmp_path):
    _, hdf_path, _ = smap_9km
    hdf = read_all(hdf_path)[0][0]
    row, col = _window_of(hdf_path, 9008.055210146)
    window = (row, col, hdf.shape[0], hdf.shape[1])
    sm, flag = h5(SMAP_9KM, AM + 'soil_moisture'), h5(SMAP_9KM, AM + 'retrieval_qual_flag')
    appeears = [_smap_geotiff(tmp_path / 'SPL3SMP_E.005_Soil_Moisture_Retrieval_Data_AM_{}_doy2021227_aid0001.tif'
                              .format(name), window, [(None, values)])
                for name, values in (('soil_moisture', sm), ('retrieval_qual_flag', flag))]
    earth_engine = _smap_geotiff(tmp_path / 'SPL3SMP_E_2021_08_15.tif', window,
                                 [('soil_moisture_am', sm), ('retrieval_qual_flag_am', flag),
                                  ('soil_moisture_pm', h5(SMAP_9KM, PM + 'soil_moisture_pm'))])
    for name, paths in (('appeears', appeears), ('earth_engine', [earth_engine])):
        messages = []
        result = sm_products.import_soil_moisture(paths, tmp_path / '{}.tif'.format(name),
                                                  progress=Progress(log=messages.append))
        values = read_all(tmp_path / '{}.tif'.format(name))[0][0]
        assert np.array_equal(np.isfinite(values), np.isfinite(hdf)), name
        np.testing.assert_allclose(values[np.isfinite(values)], hdf[np.isfinite(hdf)], rtol=1e-6)
        assert result.dates == [date(2021, 8, 15)] and 'export' in result.products[0]
        assert any('quality from' in m for m in messages), name
    with pytest.raises(InputError, match='No SMAP quality layer .retrieval_qual_flag. was found'):
        sm_products.import_soil_moisture(appeears[:1], tmp_path / 'noqc.tif')
    sm_products.import_soil_moisture(appeears[:1], tmp_path / 'noqc.tif', quality=sm_products.SM_QUALITY_ALL)
    with pytest.raises(InputError, match='No SMAP PM soil moisture layer among the exports'):
        sm_products.import_soil_moisture(appeears, tmp_path / 'pm.tif', overpass='pm')


# -- through Processing --------------------------------------------------------------------------------------
def test_processing_run_imports_smap_pm_and_reports_bad_input(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    result = processing.run('soilmoisture:importsoilmoisture', {
        'INPUT': [SMAP_36KM], 'SMAP_OVERPASS': 1, 'QUALITY': 1, 'OUTPUT': str(tmp_path / 'pm.tif')})
    assert result['PRODUCT'] == 'SPL3SMP PM (6 pm ascending)' and result['DATES'] == '2021-08-15'
    values = read_all(tmp_path / 'pm.tif')[0][0]
    expected = _expected_smap(SMAP_36KM, PM, '_pm', recommended=False)
    assert np.array_equal(np.isfinite(values), np.isfinite(expected))
    assert (tmp_path / 'pm.qml').exists()
    with pytest.raises(QgsProcessingException, match='are on different grids'):
        processing.run('soilmoisture:importsoilmoisture', {'INPUT': [SMAP_9KM, SMAP_36KM],
                                                            'OUTPUT': str(tmp_path / 'out.tif')})
    with pytest.raises(QgsProcessingException, match='is not a SMAP L3 radiometer soil moisture file'):
        processing.run('soilmoisture:importsoilmoisture', {'INPUT': [VNP21], 'OUTPUT': str(tmp_path / 'out.tif')})
    assert not (tmp_path / 'out.tif').exists()
