"""SMOS Level-3 soil moisture of CATDS (CPDC L3SM): netCDF on the global EASE-Grid 2.0 25 km grid.

Layout (CATDS L3 SM product description, CATDS-PDC; file naming
``SM_<OPER|REnn>_MIR_CLF3<t><A|D>_<start YYYYMMDDThhmmss>_<end>_<vvv>_<ccc>_<c>.DBL.nc``
with t = 1 or S daily, 3 three-day, D ten-day, M monthly and A / D the
ascending (6 am) / descending (6 pm) half-orbits): variable ``Soil_Moisture``
(m³/m³, ``_FillValue``) on dimensions (lat, lon) = 584 × 1388; ``lat`` and
``lon`` hold the cell-centre coordinates of the EASE-Grid 2.0 25 km grid
(latitudes are not equally spaced, so GDAL's classic netCDF reader cannot
georeference the file: the grid is assigned here from the published
parameters after checking those coordinates). Rows may be stored south first;
they are read north first. No QGIS import.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import ease_grid, mdim
from .errors import InputError
from .raster_io import GridSpec, Window

#: SM_OPER_MIR_CLF31A_20150506T000000_20150506T235959_300_002_7.DBL.nc
SMOS_NAME = re.compile(r'^SM_(?P<campaign>OPER|RE\d\d)_MIR_CLF3(?P<type>[1S3DM])(?P<orbit>[AD])_'
                       r'(?P<start>\d{8})T\d{6}_(?P<end>\d{8})T\d{6}', re.IGNORECASE)
_EXAMPLE = 'SM_OPER_MIR_CLF31A_20150506T000000_20150506T235959_300_002_7.DBL.nc'
PERIODS = {'1': 'daily', 'S': 'daily', '3': '3-day', 'D': 'dekadal', 'M': 'monthly'}
ORBITS = {'A': 'ascending (6 am)', 'D': 'descending (6 pm)'}
#: Volumetric soil moisture cannot leave [0, 1] m³/m³.
PHYSICAL_RANGE = (0.0, 1.0)


def parse_name(path: str) -> Optional[Tuple[date, str, str]]:
    """(date of the first day, period, orbit letter) from a CATDS L3 file name, or None."""
    match = SMOS_NAME.match(os.path.basename(str(path)))
    if match is None:
        return None
    stamp = match.group('start')
    try:
        day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return None
    return day, PERIODS[match.group('type').upper()], match.group('orbit').upper()


def is_smos_file(path: str, global_attributes: Mapping[str, Any]) -> bool:
    """True for a CATDS SMOS file: by its name, or by the CATDS institution attribute."""
    return (parse_name(path) is not None
            or 'CATDS' in str(global_attributes.get('institution', '')).upper()
            or 'SMOS' in str(global_attributes.get('title', '')).upper())


def smos_soil_moisture(values: np.ndarray, fills: Sequence[float] = (), valid: Sequence[float] = PHYSICAL_RANGE
                       ) -> np.ndarray:
    """Soil moisture in m³/m³ (float64, NaN = nodata): fill values and values outside ``valid`` removed."""
    values = np.asarray(values).astype(np.float64)
    keep = np.isfinite(values)
    for fill in fills:
        keep &= values != fill
    keep &= (values >= valid[0]) & (values <= valid[1])
    return np.where(keep, values, np.nan)


@dataclass
class SmosFile:
    """One CATDS SMOS L3 file: what the soil moisture stack needs to read it."""
    path: str
    product: str
    grid: GridSpec
    dates: list
    value_name: str
    fills: tuple
    valid: tuple
    rows_south_first: bool
    sensor: str
    period: str
    is_global: bool = True
    notes: tuple = ()

    @property
    def label(self) -> str:
        return os.path.basename(self.path)

    def read(self, band: int, window: Window, quality_flags: bool = True) -> np.ndarray:
        """Soil moisture (m³/m³, NaN nodata) of a window, rows north first (L3 has no recommended-quality flag)."""
        root = mdim.open_root(self.path, 'SMOS L3 netCDF')
        try:
            values = mdim.read_window(mdim.array(root, self.value_name), window, self.rows_south_first)
        except RuntimeError as error:
            raise InputError('Cannot read {}: {}. The file may be truncated: download it again.'.format(
                self.label, str(error).strip()))
        return smos_soil_moisture(values, self.fills, self.valid)


def open_smos_file(path: str, variable: Optional[str] = 'sm') -> SmosFile:
    """Identify a CATDS SMOS L3 soil moisture file and check its grid (no soil moisture is read)."""
    path = str(path)
    label = os.path.basename(path)
    root = mdim.open_root(path, 'a SMOS L3 netCDF file')
    name = 'Soil_Moisture' if variable in (None, '', 'sm') else variable
    value = mdim.array(root, '/' + name)
    if value is None:
        raise InputError('{} has no variable "{}" (it holds {}). Set the variable to "sm" for Soil_Moisture.'.format(
            label, name, ', '.join(mdim.array_names(root)) or 'nothing'))
    dimensions = [d.GetName() for d in value.GetDimensions()]
    if dimensions != ['lat', 'lon']:
        raise InputError('{}: "{}" has dimensions ({}), not (lat, lon). Only the daily and 3-day L3 soil moisture '
                         'products (CLF31, CLF3S, CLF33) are read.'.format(label, name, ', '.join(dimensions)))
    shape = mdim.shape(value)
    expected = ease_grid.GRIDS['M25']
    if shape != (expected.height, expected.width):
        raise InputError('{} holds {} × {} cells, not the 1388 × 584 cells of the global EASE-Grid 2.0 25 km grid of '
                         'CATDS L3 products. Give the original global files.'.format(label, shape[1], shape[0]))
    grid = ease_grid.grid_spec('M25')
    lat = mdim.array(root, '/lat').ReadAsArray().astype(np.float64)
    lon = mdim.array(root, '/lon').ReadAsArray().astype(np.float64)
    south_first = bool(lat[0] < lat[-1])
    lat_north_first = lat[::-1] if south_first else lat
    rows = np.arange(expected.height)
    cols = np.arange(expected.width)
    # Latitude along the first column, longitude along the first row: the grid's centres, to 0.01°.
    ease_grid.check_centres(grid, rows, np.zeros_like(rows), np.full(rows.shape, lon[0]), lat_north_first, label)
    ease_grid.check_centres(grid, np.zeros_like(cols), cols, lon, np.full(cols.shape, lat_north_first[0]), label)

    attributes = mdim.attributes(value)
    units = str(attributes.get('units') or '').strip().lower().replace(' ', '')
    if units and units not in ('m3/m3', 'm3m-3', 'm^3/m^3', 'm3.m-3', 'm³/m³'):
        raise InputError('{}: "{}" is in "{}", not volumetric soil moisture (m³/m³).'.format(label, name, units))
    fills = mdim.numbers(attributes.get('_FillValue')) + mdim.numbers(attributes.get('missing_value'))
    valid = PHYSICAL_RANGE
    low, high = mdim.numbers(attributes.get('valid_min')), mdim.numbers(attributes.get('valid_max'))
    if low and high:
        valid = (max(low[0], PHYSICAL_RANGE[0]), min(high[0], PHYSICAL_RANGE[1]))

    parsed = parse_name(path)
    if parsed is None:
        raise InputError('{}: no date: keep the original CATDS file name, e.g. {}.'.format(label, _EXAMPLE))
    day, period, orbit = parsed
    product = 'SMOS L3 CATDS {} {}'.format(period, ORBITS[orbit])
    notes = ('{}: {} on the EASE-Grid 2.0 25 km grid (EPSG:6933){}; L3 carries no recommended-quality flag, so only '
             'fill values and the range {:g}–{:g} m³/m³ are screened.'.format(
                 label, product, ', rows stored south first' if south_first else '', valid[0], valid[1]),)
    return SmosFile(path, product, grid, [day], '/' + name, fills, valid, south_first, 'SMOS ' + ORBITS[orbit],
                    period, notes=notes)
