"""Unit sanity checks of the inputs (METHOD.md §10): refuse values that are
clearly in the wrong unit, with a message that names the fix."""
from __future__ import annotations

import numpy as np

from .errors import InputError
from .raster_io import RasterReader, RasterSource, row_windows


def sample_values(source: RasterSource, max_size: int = 1024) -> np.ndarray:
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


#: LST scale factors in use, what values with them look like, and the fix (MODIS LST is kelvin / 0.02).
_LST_SCALES = ((0.02, 'raw MODIS digital numbers',
                'multiply by 0.02 to get kelvin (or use "Import MODIS / VIIRS LST and vegetation index")'),
               (0.01, 'kelvin × 100', 'multiply by 0.01 to get kelvin'),
               (0.1, 'kelvin × 10', 'multiply by 0.1 to get kelvin'))


def _plausible_kelvin(p1, median, p99):
    """A land surface in kelvin: median 180–360 K, nothing much below 150 K or above 400 K."""
    return 180.0 <= median <= 360.0 and p1 >= 150.0 and p99 <= 400.0


def check_lst_kelvin(values: np.ndarray, name: str = 'LST') -> None:
    """LST must be in kelvin (about 200–350 K); values in another unit or scale get the fix that fits them."""
    p1, median, p99 = (float(v) for v in np.percentile(values, [1, 50, 99]))
    if _plausible_kelvin(p1, median, p99):
        return
    for scale, what, fix in _LST_SCALES:
        if _plausible_kelvin(p1 * scale, median * scale, p99 * scale):
            raise InputError('{} values (median {:.0f}) look like {}: {}.'.format(name, median, what, fix))
    celsius = _plausible_kelvin(p1 + 273.15, median + 273.15, p99 + 273.15)
    fahrenheit = _plausible_kelvin(*((v - 32.0) * 5.0 / 9.0 + 273.15 for v in (p1, median, p99)))
    to_kelvin = '("{}@1" - 32) * 5 / 9 + 273.15'.format(name)
    if celsius:
        raise InputError('{} values (median {:.1f}) look like degrees Celsius, but the downscaling needs kelvin: add '
                         '273.15 (Raster calculator: "{}@1" + 273.15){}.'.format(
                             name, median, name, ', or, if they are degrees Fahrenheit, compute ' + to_kelvin
                             if fahrenheit else ''))
    if fahrenheit:
        raise InputError('{} values (median {:.1f}) look like degrees Fahrenheit, but the downscaling needs kelvin: '
                         'compute {} in the Raster calculator.'.format(name, median, to_kelvin))
    raise InputError('{} must be in kelvin (about 200–350 K), but its values run from {:.4g} to {:.4g} (median '
                     '{:.4g}), which fits no usual unit or scale factor; check the layer, its band and its nodata '
                     'value.'.format(name, p1, p99, median))


def check_ndvi(values: np.ndarray, name: str = 'NDVI') -> None:
    """NDVI in [-1, 1]; percent (up to 100) and MODIS digital numbers (up to 10000) get their fix."""
    p1, p99 = (float(v) for v in np.percentile(values, [1, 99]))
    high = float(np.max(values))
    if p1 >= -1.5 and p99 <= 1.5:
        return
    # A scene's NDVI reaches at least 0.1 somewhere: the scale must bring p99 there.
    if high <= 100.0 and p1 >= -100.0 and p99 >= 10.0:
        raise InputError('{} values reach {:.0f}: these look like percent, so divide by 100 to get NDVI in '
                         '[-1, 1].'.format(name, p99))
    if high <= 10000.0 and p1 >= -2000.0 and p99 >= 1000.0:
        raise InputError('{} values reach {:.0f}: these look like MODIS digital numbers, so multiply by 0.0001 to get '
                         'NDVI in [-1, 1] (or use "Import MODIS / VIIRS LST and vegetation index").'.format(
                             name, p99))
    raise InputError('{} must lie between -1 and 1, but its values run from {:.4g} to {:.4g}; check the layer, its '
                     'band and its nodata value.'.format(name, p1, p99))


def check_soil_moisture(values: np.ndarray, name: str = 'coarse soil moisture') -> None:
    """θ in [0, 1] m³/m³; values up to 100 are percent."""
    high = float(np.max(values))
    if high > 1.0:
        if high <= 100.0:
            raise InputError('The {} reaches {:.1f}: this looks like percent, but the downscaling needs volumetric '
                             'soil moisture in m³/m³, so divide by 100.'.format(name, high))
        raise InputError('The {} must be volumetric soil moisture in m³/m³ (0–1); found values up to {:.1f}.'.format(
            name, high))
    if float(np.min(values)) < -0.05:
        raise InputError('The {} must be volumetric soil moisture in m³/m³ (0–1), but it goes down to {:.2f}; check '
                         'its nodata value.'.format(name, float(np.min(values))))
