"""Unit sanity checks of the inputs (METHOD.md §10): refuse values that are
clearly in the wrong unit, with a message that names the fix."""
import numpy as np

from .errors import InputError
from .raster_io import RasterReader, row_windows


def sample_values(source, max_size=1024):
    """Finite values of a decimated read of the band (for unit checks and ranges).

    When the decimated read holds no valid value, the full band is scanned block
    by block before the raster is declared empty, so sparse valid pixels
    (e.g. a cloudy LST scene) are never missed.
    """
    reader = RasterReader(source)
    try:
        values = reader.read_decimated(max_size)
        values = values[np.isfinite(values)]
        if values.size:
            return values
        grid = source.grid()
        for window in row_windows(grid, 8, 256):
            block = reader.read(window)
            block = block[np.isfinite(block)]
            if block.size:
                return block
    finally:
        reader.close()
    raise InputError('The {} raster ({}) holds no valid value: every pixel is nodata. Check the file, its nodata '
                     'value and the band.'.format(source.name, source.path))


def check_lst_kelvin(values, name='LST'):
    """LST must be in kelvin (about 200–350 K)."""
    p1, median, p99 = np.percentile(values, [1, 50, 99])
    if p99 > 1000:
        raise InputError('{} values reach {:.0f}: these look like raw MODIS digital numbers. Multiply by 0.02 to get '
                         'kelvin (or use "Import MODIS / VIIRS LST and vegetation index").'.format(name, p99))
    if -60 <= median <= 80:
        raise InputError('{} values (median {:.1f}) look like degrees Celsius; the downscaling needs kelvin. '
                         'Add 273.15 (Raster calculator: "LST@1" + 273.15).'.format(name, median))
    if not (180 <= median <= 360) or p1 < 150 or p99 > 400:
        raise InputError('{} must be in kelvin, about 200–350 K; found values from {:.1f} to {:.1f} (median {:.1f}). '
                         'Check the layer and its scale factor.'.format(name, p1, p99, median))


def check_ndvi(values, name='NDVI'):
    """NDVI in [-1, 1]; values up to 10000 are MODIS digital numbers."""
    p1, p99 = np.percentile(values, [1, 99])
    if p99 > 1.5:
        if values.max() <= 10000 and p1 >= -2000:
            raise InputError('{} values reach {:.0f}: these look like MODIS digital numbers. Multiply by 0.0001 to '
                             'get NDVI in [-1, 1] (or use "Import MODIS / VIIRS LST and vegetation index").'.format(
                                 name, p99))
        raise InputError('{} must lie between -1 and 1; found values up to {:.1f}.'.format(name, p99))
    if p1 < -1.5:
        raise InputError('{} must lie between -1 and 1; found values down to {:.1f}.'.format(name, p1))


def check_soil_moisture(values, name='coarse soil moisture'):
    """θ in [0, 1] m³/m³; values up to 100 are percent."""
    high = float(np.max(values))
    if high > 1.0:
        if high <= 100.0:
            raise InputError('The {} reaches {:.1f}: this looks like percent. The downscaling needs volumetric '
                             'soil moisture in m³/m³: divide by 100.'.format(name, high))
        raise InputError('The {} must be volumetric soil moisture in m³/m³ (0–1); found values up to {:.1f}.'.format(
            name, high))
    if float(np.min(values)) < -0.05:
        raise InputError('The {} must be volumetric soil moisture in m³/m³ (0–1); found values down to {:.2f}. '
                         'Check its nodata value.'.format(name, float(np.min(values))))
