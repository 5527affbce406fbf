"""Small helpers for tests: synthetic grids and rasters, independent block means."""
import warnings

import numpy as np
from osgeo import osr

from soil_moisture_downscaling.core.raster_io import GridSpec, RasterSource, read_array, write_array


def utm_wkt(zone=13):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32600 + zone)
    return srs.ExportToWkt()


def fine_grid(width=120, height=100, pixel=1000.0, x0=400000.0, y0=4500000.0):
    return GridSpec(width, height, (x0, pixel, 0.0, y0, 0.0, -pixel), utm_wkt())


def aligned_coarse_grid(grid, factor):
    gt = grid.geotransform
    return GridSpec(-(-grid.width // factor), -(-grid.height // factor),
                    (gt[0], gt[1] * factor, 0.0, gt[3], 0.0, gt[5] * factor), grid.crs_wkt)


def block_means(values, factor):
    """Means over factor×factor blocks of the finite values (independent of the plugin's zonal code)."""
    h, w = values.shape
    ph, pw = -(-h // factor) * factor, -(-w // factor) * factor
    padded = np.full((ph, pw), np.nan)
    padded[:h, :w] = values
    blocks = padded.reshape(ph // factor, factor, pw // factor, factor)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN blocks give NaN, as wanted
        return np.nanmean(blocks, axis=(1, 3))


def smooth_field(rng, shape, sigma, scale=1.0):
    from scipy import ndimage
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode='reflect')
    return scale * field / field.std()


def write(path, grid, values, **kwargs):
    write_array(str(path), grid, np.asarray(values, dtype=np.float32), **kwargs)
    return RasterSource(str(path), name=str(path))


def read(path, band=1):
    return read_array(RasterSource(str(path), band=band))
