"""Write the SYNTHETIC VIIRS, SMAP and SMOS test files of tests/data (see README.md there).

No real VIIRS, SMAP or SMOS granule could be obtained for this repository, so these
files are built from the products' published layouts with made-up values over one
area of Colorado (38.6-40.0° N, 107.6-104.6° W) on the real Colorado 30″ DEM of
this folder, on one day (2021-08-15; the VNP13A1 composite starts 2021-08-13):

* ``VNP21A1D.A2021227.h09v05.002.*.h5`` and ``VNP13A1.A2021225.h09v05.002.*.h5``:
  HDF-EOS5 tiles as the VNP21 and VNP13 user guides (LP DAAC) describe them.
* ``SMAP_L3_SM_P_E_20210815_R18240_001.h5`` (9 km) and ``SMAP_L3_SM_P_20210815_R18240_001.h5``
  (36 km): SPL3SMP_E / SPL3SMP layouts of the SMAP L3 radiometer user guides (NSIDC).
* ``SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc``: a CATDS L3
  daily soil moisture file whose lat / lon are copied from the real CATDS grid file
  ``Grid_Point_Mask_USGS.nc`` of this folder.

The fields (one "truth" soil moisture field, LST and NDVI made from it and the DEM)
are analytic, so tests can compute expected values independently. Run with Debian's
python3 (h5py from python3-h5py, GDAL from python3-gdal):

    /usr/bin/python3 tests/data/make_synthetic_fixtures.py

The functions ``write_viirs_tile``, ``write_smap_file`` are also used by the tests to
write damaged or renamed variants at run time.
"""
import math
import os

import numpy as np
from osgeo import gdal, osr

try:
    import h5py
except ImportError:  # only needed to write the fixtures
    h5py = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEM = os.path.join(HERE, 'colorado_30arcsec_dem.tif')
CATDS_GRID = os.path.join(HERE, 'Grid_Point_Mask_USGS.nc')

#: The area with values (lon/lat box) and the day.
AREA = (-107.6, 38.6, -104.6, 40.0)
DAY = '2021-08-15'
VI_DAY = '2021-08-13'

#: MODIS / VIIRS land grid: sphere radius, tile size (m) and the upper-left corner of tile h00v00.
SPHERE_M = 6371007.181
TILE_M = 2 * math.pi * SPHERE_M / 36
WORLD_X0 = -math.pi * SPHERE_M
WORLD_Y0 = math.pi * SPHERE_M / 2

#: EASE-Grid 2.0: x origin, cell sizes; the upper-left y is half the rows above the equator.
EASE_X0 = -17367530.44516
EASE = {'M09': (3856, 1624, 9008.055210146), 'M36': (964, 406, 36032.220840584), 'M25': (1388, 584, 25025.26)}

VIIRS_FILES = {
    'VNP21A1D': 'VNP21A1D.A2021227.h09v05.002.2021228103000.h5',
    'VNP13A1': 'VNP13A1.A2021225.h09v05.002.2021243120000.h5',
}
SMAP_FILES = {
    'SPL3SMP_E': 'SMAP_L3_SM_P_E_20210815_R18240_001.h5',
    'SPL3SMP': 'SMAP_L3_SM_P_20210815_R18240_001.h5',
}
SMOS_FILE = 'SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc'


# -- the synthetic world -----------------------------------------------------------------------------
class Dem:
    """Nearest-neighbour elevation (m) of the Colorado 30″ DEM at lon/lat."""

    def __init__(self, path=DEM):
        dataset = gdal.Open(path)
        self.values = dataset.ReadAsArray().astype(np.float64)
        self.gt = dataset.GetGeoTransform()

    def __call__(self, lon, lat):
        col = np.clip(np.floor((lon - self.gt[0]) / self.gt[1]).astype(int), 0, self.values.shape[1] - 1)
        row = np.clip(np.floor((lat - self.gt[3]) / self.gt[5]).astype(int), 0, self.values.shape[0] - 1)
        return self.values[row, col]


def in_area(lon, lat):
    return (lon >= AREA[0]) & (lon <= AREA[2]) & (lat >= AREA[1]) & (lat <= AREA[3])


def soil_moisture(lon, lat, elevation):
    """The truth (m³/m³): wetter with elevation, a smooth wave across the area; 0.04-0.45."""
    wave = 0.04 * np.sin(np.radians(lon) * 60.0) * np.cos(np.radians(lat) * 45.0)
    return np.clip(0.10 + 0.06 * (elevation - 1500.0) / 1000.0 + wave, 0.04, 0.45)


def lst_kelvin(lon, lat, elevation):
    """Afternoon LST (K): lapse rate 6 K/km from 300 K at 1500 m, 60 K cooler per m³/m³ wetter."""
    return 300.0 - 6.0 * (elevation - 1500.0) / 1000.0 - 60.0 * (soil_moisture(lon, lat, elevation) - 0.2)


def ndvi(lon, lat, elevation):
    """NDVI rising with soil moisture, -0.1-0.85."""
    return np.clip(0.15 + 1.5 * (soil_moisture(lon, lat, elevation) - 0.05), -0.1, 0.85)


# -- VIIRS HDF-EOS5 tiles --------------------------------------------------------------------------------
def tile_corners(h, v):
    """(upper-left x, upper-left y, lower-right x, lower-right y) in metres of MODIS / VIIRS tile h, v."""
    x0 = WORLD_X0 + h * TILE_M
    y0 = WORLD_Y0 - v * TILE_M
    return x0, y0, x0 + TILE_M, y0 - TILE_M


def tile_lonlat(h, v, size):
    """Longitude and latitude (degrees) of the pixel centres of a tile of size × size pixels (sinusoidal inverse)."""
    x0, y0, _, _ = tile_corners(h, v)
    pixel = TILE_M / size
    x = x0 + (np.arange(size) + 0.5) * pixel
    y = y0 - (np.arange(size) + 0.5) * pixel
    xx, yy = np.meshgrid(x, y)
    lat = np.degrees(yy / SPHERE_M)
    lon = np.degrees(xx / (SPHERE_M * np.cos(np.radians(lat))))
    return lon, lat


def struct_metadata(grid_name, size, h, v, fields):
    """HDF-EOS5 StructMetadata.0 text of one sinusoidal grid (the ODL layout HDF-EOS5 writes)."""
    x0, y0, x1, y1 = tile_corners(h, v)
    lines = ['GROUP=SwathStructure', 'END_GROUP=SwathStructure', 'GROUP=GridStructure', '\tGROUP=GRID_1',
             '\t\tGridName="{}"'.format(grid_name), '\t\tXDim={}'.format(size), '\t\tYDim={}'.format(size),
             '\t\tUpperLeftPointMtrs=({:.6f},{:.6f})'.format(x0, y0),
             '\t\tLowerRightMtrs=({:.6f},{:.6f})'.format(x1, y1),
             '\t\tProjection=HE5_GCTP_SNSOID', '\t\tProjParams=({:.6f},0,0,0,0,0,0,0,0,0,0,0,0)'.format(SPHERE_M),
             '\t\tSphereCode=-1', '\t\tGridOrigin=HE5_HDFE_GD_UL', '\t\tGROUP=Dimension',
             '\t\t\tOBJECT=Dimension_1', '\t\t\t\tDimensionName="YDim"', '\t\t\t\tSize={}'.format(size),
             '\t\t\tEND_OBJECT=Dimension_1', '\t\t\tOBJECT=Dimension_2', '\t\t\t\tDimensionName="XDim"',
             '\t\t\t\tSize={}'.format(size), '\t\t\tEND_OBJECT=Dimension_2', '\t\tEND_GROUP=Dimension',
             '\t\tGROUP=DataField']
    for number, (name, h5type) in enumerate(fields, start=1):
        lines += ['\t\t\tOBJECT=DataField_{}'.format(number), '\t\t\t\tDataFieldName="{}"'.format(name),
                  '\t\t\t\tDataType={}'.format(h5type), '\t\t\t\tDimList=("YDim","XDim")',
                  '\t\t\t\tMaxdimList=("YDim","XDim")', '\t\t\t\tCompressionType=HE5_HDFE_COMP_DEFLATE',
                  '\t\t\tEND_OBJECT=DataField_{}'.format(number)]
    lines += ['\t\tEND_GROUP=DataField', '\t\tGROUP=MergedFields', '\t\tEND_GROUP=MergedFields',
              '\tEND_GROUP=GRID_1', 'END_GROUP=GridStructure', 'GROUP=PointStructure', 'END_GROUP=PointStructure',
              'GROUP=ZaStructure', 'END_GROUP=ZaStructure', 'END', '']
    return '\n'.join(lines)


_H5_TYPES = {np.dtype('uint16'): 'H5T_NATIVE_USHORT', np.dtype('uint8'): 'H5T_NATIVE_UCHAR',
             np.dtype('int16'): 'H5T_NATIVE_SHORT', np.dtype('float32'): 'H5T_NATIVE_FLOAT'}


def write_viirs_tile(path, short_name, grid_name, size, h, v, fields, file_attributes, struct=None):
    """Write an HDF-EOS5 tile: ``fields`` is [(name, array, {attribute: value})], rows north first."""
    with h5py.File(path, 'w') as f:
        text = struct if struct is not None else struct_metadata(
            grid_name, size, h, v, [(name, _H5_TYPES[np.asarray(a).dtype]) for name, a, _ in fields])
        info = f.create_group('HDFEOS INFORMATION')
        info.attrs['HDFEOSVersion'] = np.bytes_('HDFEOS_5.1.15')
        info.create_dataset('StructMetadata.0', data=np.bytes_(text))
        attributes = f.create_group('HDFEOS/ADDITIONAL/FILE_ATTRIBUTES')
        for key, value in file_attributes.items():
            attributes.attrs[key] = np.bytes_(value) if isinstance(value, str) else value
        data = f.create_group('HDFEOS/GRIDS/{}/Data Fields'.format(grid_name))
        for name, values, field_attributes in fields:
            dataset = data.create_dataset(name, data=values, compression='gzip', compression_opts=6,
                                          chunks=(min(size, 240), min(size, 240)))
            for key, value in field_attributes.items():
                dataset.attrs[key] = np.bytes_(value) if isinstance(value, str) else value


def viirs_file_attributes(short_name, long_name, begin, end, h=9, v=5):
    return {'ShortName': short_name, 'LongName': long_name, 'RangeBeginningDate': begin,
            'RangeBeginningTime': '00:00:00.000000', 'RangeEndingDate': end, 'RangeEndingTime': '23:59:59.999999',
            'HorizontalTileNumber': np.int32(h), 'VerticalTileNumber': np.int32(v), 'SatelliteInstrument': 'NPP_OPS'}


def cloud_mask(shape, offset=0):
    """A deterministic patch pattern (about 4 % of pixels) standing in for clouds."""
    rows, cols = np.indices(shape)
    return ((rows // 7 * 31 + cols // 9 * 17 + offset) % 23) == 0


def vnp21a1d_fields(dem):
    """LST_1KM, QC, View_Time and View_Angle of tile h09v05 at 1 km (1200 × 1200)."""
    size = 1200
    lon, lat = tile_lonlat(9, 5, size)
    area = in_area(lon, lat)
    elevation = dem(lon, lat)
    lst = np.where(area, lst_kelvin(lon, lat, elevation), 0.0)
    dn = np.where(area, np.round(lst / 0.02), 0).astype(np.uint16)
    qc = np.full((size, size), 3, np.uint16)                     # not produced outside the area
    qc[area] = 0b1111_0100_0100_0000 & 0xFFFF                    # good; LST accuracy <1 K, emissivity good, nominal
    clouds = area & cloud_mask(lon.shape)
    unreliable = area & cloud_mask(lon.shape, 11)
    dn[clouds] = 0
    qc[clouds] = 0b0011_0010                                     # cloud flag set, mandatory QA 2: cloud
    qc[unreliable] = (qc[unreliable] & ~np.uint16(3)) | 1        # mandatory QA 1: unreliable quality
    cols = np.tile(np.arange(size), (size, 1))
    view_time = np.where(area, np.round(10 * (12.9 + 0.9 * cols / size)), 255).astype(np.uint8)
    view_time[clouds] = 255
    view_angle = np.where(area, np.round(np.abs(cols - 600) / 600.0 * 60), 255).astype(np.uint8)
    return size, [
        ('LST_1KM', dn, {'long_name': 'Daily 1km Land-surface Temperature', 'units': 'K',
                         'scale_factor': np.float64(0.02), 'add_offset': np.float64(0.0),
                         'valid_range': np.array([7500, 65535], np.uint16), '_FillValue': np.uint16(0)}),
        ('QC', qc, {'long_name': 'Daily QC for LST and emissivity', 'units': 'n/a', 'scale_factor': 'n/a',
                    'add_offset': 'n/a', 'valid_range': np.array([0, 65535], np.uint16)}),
        ('View_Time', view_time, {'long_name': 'Time of LST observation', 'units': 'hrs',
                                  'scale_factor': np.float64(0.1), 'add_offset': np.float64(0.0),
                                  'valid_range': np.array([0, 240], np.uint8), '_FillValue': np.uint8(255)}),
        ('View_Angle', view_angle, {'long_name': 'View zenith angle of LST', 'units': 'degree',
                                    'scale_factor': np.float64(1.0), 'add_offset': np.float64(0.0),
                                    'valid_range': np.array([0, 65], np.uint8), '_FillValue': np.uint8(255)}),
    ]


def vnp13a1_fields(dem):
    """NDVI, EVI and pixel reliability of tile h09v05 at 500 m (2400 × 2400)."""
    size = 2400
    lon, lat = tile_lonlat(9, 5, size)
    area = in_area(lon, lat)
    elevation = dem(lon, lat)
    index = ndvi(lon, lat, elevation)
    ndvi_dn = np.where(area, np.round(index * 10000), -15000).astype(np.int16)
    evi_dn = np.where(area, np.round(index * 0.6 * 10000), -15000).astype(np.int16)
    reliability = np.full((size, size), 255, np.uint8)
    rows, cols = np.indices((size, size))
    reliability[area] = ((rows + cols) % 3)[area].astype(np.uint8)     # excellent, good, acceptable
    reliability[area & cloud_mask(lon.shape, 5)] = 3                   # marginal
    reliability[area & cloud_mask(lon.shape, 13)] = 9                  # cloud
    attributes = {'units': 'NDVI', 'scale_factor': np.float64(10000.0), 'add_offset': np.float64(0.0),
                  'valid_range': np.array([-10000, 10000], np.int16), '_FillValue': np.int16(-15000)}
    return size, [
        ('500 m 16 days NDVI', ndvi_dn, dict(attributes, long_name='500 m 16 days NDVI')),
        ('500 m 16 days EVI', evi_dn, dict(attributes, units='EVI', long_name='500 m 16 days EVI')),
        ('500 m 16 days pixel reliability', reliability,
         {'long_name': '500 m 16 days pixel reliability', 'units': 'rank', 'valid_range': np.array([0, 11], np.uint8),
          '_FillValue': np.uint8(255)}),
    ]


# -- SMAP L3 HDF5 ------------------------------------------------------------------------------------
def ease_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(6933)
    return srs.ExportToWkt()


def ease_lonlat(grid_name, rows, cols):
    """Longitude and latitude of EASE-Grid 2.0 cell centres (rows, cols), through GDAL's EPSG:6933."""
    width, height, cell = EASE[grid_name]
    x = EASE_X0 + (np.asarray(cols) + 0.5) * cell
    y = height / 2.0 * cell - (np.asarray(rows) + 0.5) * cell
    source = osr.SpatialReference()
    source.ImportFromEPSG(6933)
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    target = osr.SpatialReference()
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    points = np.asarray(osr.CoordinateTransformation(source, target).TransformPoints(
        np.column_stack([np.ravel(x), np.ravel(y)])))
    return points[:, 0].reshape(np.shape(x)), points[:, 1].reshape(np.shape(y))


def cell_mean_soil_moisture(grid_name, rows, cols, dem, samples=6):
    """Mean truth soil moisture over each EASE cell (samples × samples points per cell)."""
    total = np.zeros(np.shape(rows))
    for i in range(samples):
        for j in range(samples):
            lon, lat = ease_lonlat(grid_name, np.asarray(rows) - 0.5 + (i + 0.5) / samples,
                                   np.asarray(cols) - 0.5 + (j + 0.5) / samples)
            total += soil_moisture(lon, lat, dem(lon, lat))
    return total / samples ** 2


def smap_arrays(grid_name, dem, pm_offset=0.0):
    """soil_moisture, retrieval_qual_flag, latitude, longitude on a global EASE grid (fill outside the area)."""
    width, height, _ = EASE[grid_name]
    sm = np.full((height, width), -9999.0, np.float32)
    flag = np.full((height, width), 65534, np.uint16)
    lat = np.full((height, width), -9999.0, np.float32)
    lon = np.full((height, width), -9999.0, np.float32)
    # Cells whose centres lie in the area (a generous window of rows/columns, then the exact test).
    all_lon, all_lat = ease_lonlat(grid_name, np.arange(height)[:, None] + 0 * np.arange(width)[None, :],
                                   np.arange(width)[None, :] + 0 * np.arange(height)[:, None])
    area = in_area(all_lon, all_lat)
    rows, cols = np.nonzero(area)
    sm[rows, cols] = cell_mean_soil_moisture(grid_name, rows, cols, dem) + pm_offset
    lat[rows, cols] = all_lat[rows, cols]
    lon[rows, cols] = all_lon[rows, cols]
    flag[rows, cols] = 0
    # Retrieval quality: bit 0 set = not recommended; bit 3 alone (retrieval attempted flags) stays recommended.
    pattern = (rows * 5 + cols * 3) % 11
    flag[rows[pattern == 0], cols[pattern == 0]] = 0b1001        # not recommended
    flag[rows[pattern == 1], cols[pattern == 1]] = 0b1000        # recommended, another bit set
    missing = pattern == 2
    sm[rows[missing], cols[missing]] = -9999.0                   # no retrieval
    flag[rows[missing], cols[missing]] = 65534
    return sm, flag, lat, lon


def write_smap_file(path, short_name, grid_name, dem, day=DAY, groups=None):
    """Write a SMAP L3 radiometer file (groups: {'AM': arrays, 'PM': arrays} or computed)."""
    if groups is None:
        groups = {'AM': smap_arrays(grid_name, dem), 'PM': smap_arrays(grid_name, dem, pm_offset=0.02)}
    with h5py.File(path, 'w') as f:
        identification = f.create_group('Metadata/DatasetIdentification')
        identification.attrs['shortName'] = np.bytes_(short_name)
        identification.attrs['VersionID'] = np.bytes_('009')
        extent = f.create_group('Metadata/Extent')
        extent.attrs['rangeBeginningDateTime'] = np.bytes_(day + 'T00:00:00.000Z')
        extent.attrs['rangeEndingDateTime'] = np.bytes_(day + 'T23:59:59.999Z')
        for overpass, (sm, flag, lat, lon) in groups.items():
            suffix = '' if overpass == 'AM' else '_pm'
            group = f.create_group('Soil_Moisture_Retrieval_Data_{}'.format(overpass))
            chunks = (min(sm.shape[0], 203), min(sm.shape[1], 482))
            for name, values, attributes in (
                    ('soil_moisture', sm, {'long_name': 'Representative soil moisture measurement for the Earth '
                                                        'based grid cell.', 'units': 'cm**3/cm**3',
                                           '_FillValue': np.float32(-9999.0), 'valid_min': np.float32(0.02),
                                           'valid_max': np.float32(0.5)}),
                    ('retrieval_qual_flag', flag, {'long_name': 'Bit flags that record the conditions and the '
                                                                'quality of the retrieval algorithms.',
                                                   '_FillValue': np.uint16(65534),
                                                   'flag_masks': np.array([1, 2, 4, 8], np.uint16),
                                                   'flag_meanings': 'Recommended_quality Retrieval_attempted '
                                                                    'Retrieval_successful Undefined'}),
                    ('latitude', lat, {'units': 'degrees_north', '_FillValue': np.float32(-9999.0)}),
                    ('longitude', lon, {'units': 'degrees_east', '_FillValue': np.float32(-9999.0)})):
                dataset = group.create_dataset(name + suffix, data=values, compression='gzip', compression_opts=6,
                                               chunks=chunks)
                for key, value in attributes.items():
                    dataset.attrs[key] = np.bytes_(value) if isinstance(value, str) else value


# -- SMOS L3 CATDS netCDF (written through GDAL's netCDF driver) ------------------------------------------
def catds_grid():
    """lat (south first, as in the CATDS grid file) and lon of the CATDS 25 km grid."""
    root = gdal.OpenEx(CATDS_GRID, gdal.OF_MULTIDIM_RASTER).GetRootGroup()
    return (root.OpenMDArray('lat').ReadAsArray().astype(np.float32),
            root.OpenMDArray('lon').ReadAsArray().astype(np.float32))


def write_smos_file(path, dem, lat=None, lon=None):
    """Write a CATDS L3 daily soil moisture file: Soil_Moisture (lat, lon) with fill -999 outside the area."""
    if lat is None:
        lat, lon = catds_grid()
    lon2, lat2 = np.meshgrid(lon.astype(np.float64), lat.astype(np.float64))
    area = in_area(lon2, lat2)
    sm = np.full(lon2.shape, -999.0, np.float32)
    rows, cols = np.nonzero(area)
    # The cell mean over 6 × 6 points, rows counted north first on the EASE grid.
    north_rows = (len(lat) - 1 - rows) if lat[0] < lat[-1] else rows
    sm[rows, cols] = cell_mean_soil_moisture('M25', north_rows, cols, dem) + 0.01
    driver = gdal.GetDriverByName('netCDF')
    dataset = driver.CreateMultiDimensional(path, [], ['FORMAT=NC4'])
    root = dataset.GetRootGroup()
    for key, value in (('institution', 'SMOS CATDS Processing Chain'), ('title', 'SMOS L3 Soil Moisture'),
                       ('source', 'CATDS CPDC'), ('srid', 'EPSG:6933'), ('ease_resolution', '25'),
                       ('proj4text', '+proj=cea +lon_0=0 +lat_ts=30 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs')):
        attribute = root.CreateAttribute(key, [], gdal.ExtendedDataType.CreateString())
        attribute.Write(value)
    dim_lat = root.CreateDimension('lat', None, None, len(lat))
    dim_lon = root.CreateDimension('lon', None, None, len(lon))
    float32 = gdal.ExtendedDataType.Create(gdal.GDT_Float32)
    for name, dims, values, units in (('lat', [dim_lat], lat, 'degrees_north'),
                                      ('lon', [dim_lon], lon, 'degrees_east')):
        array = root.CreateMDArray(name, dims, float32)
        array.Write(values)
        attribute = array.CreateAttribute('units', [], gdal.ExtendedDataType.CreateString())
        attribute.Write(units)
    array = root.CreateMDArray('Soil_Moisture', [dim_lat, dim_lon], float32, ['COMPRESS=DEFLATE', 'ZLEVEL=6'])
    array.SetNoDataValueDouble(-999.0)
    array.Write(sm)
    for key, value in (('units', 'm3/m3'), ('long_name', 'Soil Moisture')):
        attribute = array.CreateAttribute(key, [], gdal.ExtendedDataType.CreateString())
        attribute.Write(value)
    dataset = None


def main():
    if h5py is None:
        raise SystemExit('h5py is needed: apt-get install python3-h5py')
    dem = Dem()
    size, fields = vnp21a1d_fields(dem)
    write_viirs_tile(os.path.join(HERE, VIIRS_FILES['VNP21A1D']), 'VNP21A1D', 'VIIRS_Grid_Daily_1km_LST21', size, 9,
                     5, fields, viirs_file_attributes('VNP21A1D', 'VIIRS/NPP Land Surface Temperature/Emissivity '
                                                      'Daily L3 Global 1 km SIN Grid Day', DAY, DAY))
    size, fields = vnp13a1_fields(dem)
    write_viirs_tile(os.path.join(HERE, VIIRS_FILES['VNP13A1']), 'VNP13A1', 'VIIRS_Grid_16Day_VI_500m', size, 9, 5,
                     fields, viirs_file_attributes('VNP13A1', 'VIIRS/NPP Vegetation Indices 16-Day L3 Global 500m SIN '
                                                   'Grid', VI_DAY, '2021-08-28'))
    write_smap_file(os.path.join(HERE, SMAP_FILES['SPL3SMP_E']), 'SPL3SMP_E', 'M09', dem)
    write_smap_file(os.path.join(HERE, SMAP_FILES['SPL3SMP']), 'SPL3SMP', 'M36', dem)
    write_smos_file(os.path.join(HERE, SMOS_FILE), dem)
    for name in list(VIIRS_FILES.values()) + list(SMAP_FILES.values()) + [SMOS_FILE]:
        print('{:>10} bytes  {}'.format(os.path.getsize(os.path.join(HERE, name)), name))


if __name__ == '__main__':
    main()
