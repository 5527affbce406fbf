"""The synthetic VIIRS / SMAP / SMOS fixtures of tests/data: their paths and their generator as a module.

Expected values in the tests are read straight from the files with h5py (not through GDAL, which the
plugin uses) and scaled with the documented numbers, or computed from the generator's analytic fields.
"""
import importlib.util
import os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')

_spec = importlib.util.spec_from_file_location('make_synthetic_fixtures',
                                               os.path.join(DATA, 'make_synthetic_fixtures.py'))
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

VNP21 = os.path.join(DATA, fixtures.VIIRS_FILES['VNP21A1D'])
VNP13 = os.path.join(DATA, fixtures.VIIRS_FILES['VNP13A1'])
SMAP_9KM = os.path.join(DATA, fixtures.SMAP_FILES['SPL3SMP_E'])
SMAP_36KM = os.path.join(DATA, fixtures.SMAP_FILES['SPL3SMP'])
SMOS = os.path.join(DATA, fixtures.SMOS_FILE)
#: Real files (see tests/data/README.md).
NSIDC_M36_LATLON = os.path.join(DATA, 'NSIDC0772_LatLon_EASE2_M36km_v1.0.nc')
CATDS_GRID = os.path.join(DATA, 'Grid_Point_Mask_USGS.nc')
MOD11A1 = os.path.join(DATA, 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf')
MOD13A2 = os.path.join(DATA, 'MOD13A2.A2021225.h11v06.061.2021320163717.hdf')
COLORADO_DEM = os.path.join(DATA, 'colorado_30arcsec_dem.tif')


def h5(path, name):
    """An HDF5 dataset as stored (h5py, no scaling)."""
    import h5py
    with h5py.File(path, 'r') as f:
        return f[name][()]


def read_all(path):
    """All bands of a raster as float64 (nodata → NaN) and the dataset."""
    import numpy as np
    from osgeo import gdal
    dataset = gdal.Open(str(path))
    values = dataset.ReadAsArray().astype(np.float64)
    if values.ndim == 2:
        values = values[None]
    nodata = dataset.GetRasterBand(1).GetNoDataValue()
    if nodata is not None:
        values[values == nodata] = np.nan
    return values, dataset
