"""SMAP Level-3 radiometer soil moisture (SPL3SMP 36 km, SPL3SMP_E 9 km): HDF5 files on the global EASE-Grid 2.0.

Layout (SMAP L3 product specification documents, O'Neill et al., NSIDC; Data
Fields of SPL3SMP / SPL3SMP_E): the 6 am descending retrievals lie in group
``Soil_Moisture_Retrieval_Data_AM`` (``soil_moisture``, ``retrieval_qual_flag``,
``latitude``, ``longitude``), the 6 pm ascending ones in
``Soil_Moisture_Retrieval_Data_PM`` with the suffix ``_pm`` on every name.
``soil_moisture`` is float32 in cm³/cm³ (= m³/m³), fill -9999, with
``valid_min`` / ``valid_max``; ``retrieval_qual_flag`` is uint16 whose bit 0
clear means "recommended quality" (fill 65534). The arrays are the whole
global grid (406 × 964 or 1624 × 3856 cells), row 0 north; the latitude and
longitude of each retrieved cell are stored (-9999 elsewhere), and are checked
here against the published grid. Product and date come from the file name
(``SMAP_L3_SM_P_[E_]YYYYMMDD_Rnnnnn_vvv.h5``) and the ``/Metadata``
attributes. No QGIS import.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Optional, Sequence, Tuple

import numpy as np

from . import ease_grid, mdim
from .errors import InputError
from .raster_io import GridSpec, Window

#: SMAP_L3_SM_P_20150401_R13080_001.h5 (36 km), SMAP_L3_SM_P_E_20210815_R18240_001.h5 (9 km).
SMAP_NAME = re.compile(r'^SMAP_L3_SM_P_(?P<enhanced>E_)?(?P<date>\d{8})_R(?P<crid>\d{5})_(?P<counter>\d{3})',
                       re.IGNORECASE)
_EXAMPLE = 'SMAP_L3_SM_P_E_20210815_R18240_001.h5'

#: Product short name → (EASE-Grid 2.0 grid, description, DOI of version 6 / 9).
PRODUCTS = {
    'SPL3SMP': ('M36', 'SMAP L3 radiometer soil moisture, 36 km', '10.5067/OMHVSRGFX38O'),
    'SPL3SMP_E': ('M09', 'SMAP enhanced L3 radiometer soil moisture, 9 km', '10.5067/M20OXIZHY3RJ'),
}

#: Overpass → (group, suffix of every name in it).
OVERPASSES = {'am': ('Soil_Moisture_Retrieval_Data_AM', ''), 'pm': ('Soil_Moisture_Retrieval_Data_PM', '_pm')}
OVERPASS_LABELS = {'am': '6 am descending', 'pm': '6 pm ascending'}

SOIL_MOISTURE_FILL = -9999.0
QUALITY_FLAG_FILL = 65534
#: Bit 0 of retrieval_qual_flag: 0 = recommended quality.
RECOMMENDED_QUALITY_BIT = 0

_DATASET_IDENTIFICATION = '/Metadata/DatasetIdentification'
_EXTENT = '/Metadata/Extent'


def recommended_quality(flag: np.ndarray) -> np.ndarray:
    """True where retrieval_qual_flag has bit 0 clear (recommended quality) and is not its fill value."""
    flag = np.asarray(flag).astype(np.int64)
    return ((flag >> RECOMMENDED_QUALITY_BIT) & 1 == 0) & (flag != QUALITY_FLAG_FILL)


def smap_soil_moisture(values: np.ndarray, flag: Optional[np.ndarray] = None, fill: float = SOIL_MOISTURE_FILL,
                       valid: Optional[Sequence[float]] = None) -> np.ndarray:
    """Soil moisture in m³/m³ (float64, NaN = nodata) from stored SMAP values.

    Fill (-9999) and values outside ``valid`` (min, max) are nodata; with a
    ``flag`` array, so are retrievals not of recommended quality.
    """
    values = np.asarray(values).astype(np.float64)
    keep = np.isfinite(values) & (values != fill)
    if valid is not None:
        keep &= (values >= valid[0]) & (values <= valid[1])
    if flag is not None:
        keep &= recommended_quality(flag)
    return np.where(keep, values, np.nan)


def date_from_name(path: str) -> Optional[Tuple[str, date]]:
    """(product short name, date) from a SMAP L3 file name, or None."""
    match = SMAP_NAME.match(os.path.basename(str(path)))
    if match is None:
        return None
    stamp = match.group('date')
    try:
        day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return None
    return ('SPL3SMP_E' if match.group('enhanced') else 'SPL3SMP'), day


@dataclass
class SmapFile:
    """One SMAP L3 file, one overpass: what the soil moisture stack needs to read it."""
    path: str
    product: str                # e.g. 'SPL3SMP_E AM (6 am descending)'
    short_name: str
    grid: GridSpec
    dates: list
    value_name: str             # full array names in the file
    flag_name: str
    valid: Optional[tuple]
    sensor: str = 'SMAP radiometer'
    period: str = 'daily'
    is_global: bool = True
    notes: tuple = ()

    @property
    def label(self) -> str:
        return os.path.basename(self.path)

    def read(self, band: int, window: Window, quality_flags: bool = True) -> np.ndarray:
        """Soil moisture (m³/m³, NaN nodata) of a window; quality flags applied unless ``quality_flags`` is False."""
        root = mdim.open_root(self.path, 'SMAP HDF5')
        try:
            values = mdim.read_window(mdim.array(root, self.value_name), window)
            flag = mdim.read_window(mdim.array(root, self.flag_name), window) if quality_flags else None
        except RuntimeError as error:
            raise InputError('Cannot read {}: {}. The file may be truncated: download it again.'.format(
                self.label, str(error).strip()))
        return smap_soil_moisture(values, flag, SOIL_MOISTURE_FILL, self.valid)


def _metadata_text(root, group_name, key):
    value = mdim.attributes(mdim.group(root, group_name)).get(key)
    return str(value).strip() if value is not None else None


def _valid_range(attributes):
    low, high = mdim.numbers(attributes.get('valid_min')), mdim.numbers(attributes.get('valid_max'))
    return (low[0], high[0]) if low and high else None


def open_smap_file(path: str, variable: Optional[str] = 'sm', overpass: str = 'am') -> SmapFile:
    """Identify a SMAP L3 radiometer file and check its grid (no soil moisture is read).

    ``variable`` 'sm' reads soil_moisture (or soil_moisture_pm); another name
    reads that array of the overpass group (e.g. 'soil_moisture_dca').
    """
    path = str(path)
    label = os.path.basename(path)
    root = mdim.open_root(path, 'a SMAP HDF5 file')
    from_name = date_from_name(path)
    meta_short = _metadata_text(root, _DATASET_IDENTIFICATION, 'shortName')
    name_short = from_name[0] if from_name else None
    if meta_short and name_short and meta_short.upper() != name_short:
        raise InputError('{}: its name says {} but its metadata (shortName) says {}. Restore the original file '
                         'name or download the file again.'.format(label, name_short, meta_short))
    short_name = (meta_short or name_short or '').upper() or None
    group_name, suffix = OVERPASSES[overpass]
    if mdim.group(root, '/' + group_name) is None and short_name is None:
        raise InputError('{} is not a SMAP L3 radiometer soil moisture file: it has no {} group. Give SPL3SMP or '
                         'SPL3SMP_E .h5 files as downloaded from NSIDC, named like {}.'.format(
                             label, group_name, _EXAMPLE))
    if short_name not in PRODUCTS:
        raise InputError('{} is a {} file, not SMAP L3 radiometer soil moisture (SPL3SMP 36 km or SPL3SMP_E 9 km). '
                         'Give the L3 daily files, named like {}.'.format(label, short_name or 'HDF5', _EXAMPLE))
    grid_name, description, _ = PRODUCTS[short_name]
    base = 'soil_moisture' if variable in (None, '', 'sm') else variable
    value_name = '/{}/{}{}'.format(group_name, base, suffix if not base.endswith(suffix) else '')
    flag_name = '/{}/retrieval_qual_flag{}'.format(group_name, suffix)
    value_array = mdim.array(root, value_name)
    if value_array is None:
        offered = ', '.join(mdim.array_names(mdim.group(root, '/' + group_name)))
        raise InputError('{} has no {} array ({} holds: {}). Set the variable to "sm" for soil moisture.'.format(
            label, value_name, group_name, offered or 'nothing'))
    if mdim.array(root, flag_name) is None:
        raise InputError('{} has no {} array: it is not a complete SMAP L3 file. Download it again.'.format(
            label, flag_name))
    shape = mdim.shape(value_array)
    expected = ease_grid.GRIDS[grid_name]
    if shape != (expected.height, expected.width):
        found = ease_grid.grid_for_shape(shape)
        raise InputError('{} is named {} ({} grid, {} × {} cells) but holds {} × {} cells{}. The file was renamed, '
                         'subset or regridded: give the original global files.'.format(
                             label, short_name, grid_name, expected.width, expected.height, shape[1], shape[0],
                             ' (the {} grid)'.format(found) if found else ''))
    attributes = mdim.attributes(value_array)
    units = str(attributes.get('units') or '').strip()
    if units and units.lower().replace(' ', '') not in ('cm**3/cm**3', 'cm^3/cm^3', 'm3/m3', 'm3m-3', 'cm3/cm3'):
        raise InputError('{}: {} is in "{}", not volumetric soil moisture (cm³/cm³). Set the variable to "sm".'.format(
            label, value_name, units))
    grid = ease_grid.grid_spec(grid_name)
    _check_coordinates(root, group_name, suffix, grid, label)
    meta_date = _metadata_date(root)
    day = from_name[1] if from_name else meta_date
    if from_name and meta_date and meta_date != from_name[1]:
        raise InputError('{}: the date in its name ({}) does not match its metadata (rangeBeginningDateTime {}). '
                         'Restore the original file name.'.format(label, from_name[1].isoformat(),
                                                                  meta_date.isoformat()))
    if day is None:
        raise InputError('{}: no date found (neither in the name nor in /Metadata/Extent). Keep the original file '
                         'name, e.g. {}.'.format(label, _EXAMPLE))
    product = '{} {} ({})'.format(short_name, overpass.upper(), OVERPASS_LABELS[overpass])
    notes = ('{}: {} on the EASE-Grid 2.0 {} grid (EPSG:6933), {}.'.format(label, description, grid_name,
                                                                           OVERPASS_LABELS[overpass]),)
    return SmapFile(path, product, short_name, grid, [day], value_name, flag_name, _valid_range(attributes),
                    notes=notes)


def _metadata_date(root):
    text = _metadata_text(root, _EXTENT, 'rangeBeginningDateTime')
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _check_coordinates(root, group_name, suffix, grid, label, samples=4096):
    """The stored latitude / longitude of retrieved cells must be the grid's cell centres."""
    lat_array = mdim.array(root, '/{}/latitude{}'.format(group_name, suffix))
    lon_array = mdim.array(root, '/{}/longitude{}'.format(group_name, suffix))
    if lat_array is None or lon_array is None:
        return
    rows, cols = grid.height, grid.width
    step = max(1, int(math.sqrt(rows * cols / samples)))
    count = [int(math.ceil(rows / step)), int(math.ceil(cols / step))]
    lat = lat_array.ReadAsArray(array_start_idx=[0, 0], count=count, array_step=[step, step]).astype(np.float64)
    lon = lon_array.ReadAsArray(array_start_idx=[0, 0], count=count, array_step=[step, step]).astype(np.float64)
    r, c = np.meshgrid(np.arange(count[0]) * step, np.arange(count[1]) * step, indexing='ij')
    valid = (lat != SOIL_MOISTURE_FILL) & (lon != SOIL_MOISTURE_FILL) & np.isfinite(lat) & np.isfinite(lon)
    ease_grid.check_centres(grid, r[valid], c[valid], lon[valid], lat[valid], label)
