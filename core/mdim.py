"""HDF5 and netCDF-4 files through GDAL's multidimensional API: groups, arrays, attributes, windows.

The plugin reads HDF-EOS5 (VIIRS), SMAP HDF5 and CATDS netCDF with GDAL only
(QGIS ships GDAL with the HDF5 and netCDF drivers everywhere; h5py is not
shipped), so that arrays are read in the file's own order and georeferencing
is decided by the plugin, never guessed from coordinate arrays. No QGIS import.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

import numpy as np
from osgeo import gdal

from .errors import InputError

if TYPE_CHECKING:
    from .raster_io import Window

gdal.UseExceptions()


def open_root(path: str, what: str) -> gdal.Group:
    """The root group of an HDF5 / netCDF file; InputError naming ``what`` was expected otherwise."""
    path = str(path)
    if not os.path.isfile(path):
        raise InputError('The file {} does not exist.'.format(path))
    try:
        dataset = gdal.OpenEx(path, gdal.OF_MULTIDIM_RASTER | gdal.OF_READONLY)
    except RuntimeError as error:
        raise InputError('{} cannot be read as {} ({}).'.format(os.path.basename(path), what, str(error).strip()))
    if dataset is None:
        raise InputError('{} cannot be read as {}.'.format(os.path.basename(path), what))
    root = dataset.GetRootGroup()
    # The group does not keep its dataset alive: hold it on the group object.
    root._smd_dataset = dataset
    return root


def _value(attribute):
    value = attribute.Read()
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def attributes(node: Union[gdal.Group, gdal.MDArray, None]) -> Dict[str, Any]:
    """Attributes of a group or array as a dict name → value (str, number or tuple of numbers)."""
    if node is None:
        return {}
    result = {}
    for attribute in node.GetAttributes() or []:
        value = _value(attribute)
        result[attribute.GetName()] = tuple(value) if isinstance(value, list) else value
    if isinstance(node, gdal.MDArray):
        # The netCDF driver presents these CF attributes through the array's own properties instead.
        for key, value in (('units', node.GetUnit()), ('scale_factor', node.GetScale()),
                           ('add_offset', node.GetOffset())):
            if key not in result and value not in (None, ''):
                result[key] = value
        if '_FillValue' not in result:
            try:
                fill = node.GetNoDataValueAsDouble()   # None when the array has no fill value
            except (RuntimeError, TypeError):
                fill = None
            if fill is not None:
                result['_FillValue'] = fill
    return result


def group(root: gdal.Group, fullname: str) -> Optional[gdal.Group]:
    """The group at ``fullname`` ('/a/b'), or None."""
    try:
        return root.OpenGroupFromFullname(fullname)
    except RuntimeError:
        return None


def array(root: gdal.Group, fullname: str) -> Optional[gdal.MDArray]:
    """The array at ``fullname`` ('/group/name'), or None."""
    try:
        return root.OpenMDArrayFromFullname(fullname)
    except RuntimeError:
        return None


def array_names(node: Optional[gdal.Group]) -> List[str]:
    return list(node.GetMDArrayNames() or []) if node is not None else []


def group_names(node: Optional[gdal.Group]) -> List[str]:
    return list(node.GetGroupNames() or []) if node is not None else []


def shape(mdarray: gdal.MDArray) -> Tuple[int, ...]:
    return tuple(int(d.GetSize()) for d in mdarray.GetDimensions())


def read_string(mdarray: gdal.MDArray) -> str:
    """A string array (e.g. HDF-EOS5 StructMetadata.0) as one str."""
    value = mdarray.Read()
    if isinstance(value, (list, tuple)):
        value = ''.join(v.decode('utf-8', 'replace') if isinstance(v, bytes) else str(v) for v in value)
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'replace')
    return str(value)


def read_window(mdarray: gdal.MDArray, window: Window, flip_rows: bool = False) -> np.ndarray:
    """Stored values of a window (xoff, yoff, xsize, ysize) of a 2-D array, rows north first.

    ``flip_rows``: the file stores rows south first (netCDF with ascending
    latitude); the window is given north first and read from the mirrored rows.
    """
    rows = shape(mdarray)[0]
    row0 = rows - window.yoff - window.ysize if flip_rows else window.yoff
    values = mdarray.ReadAsArray(array_start_idx=[int(row0), int(window.xoff)],
                                 count=[int(window.ysize), int(window.xsize)])
    return values[::-1] if flip_rows else values


def numbers(value: Any) -> Tuple[float, ...]:
    """An attribute value as a tuple of floats ((), when it is not numeric)."""
    if value is None:
        return ()
    if isinstance(value, (tuple, list, np.ndarray)):
        items = list(value)
    else:
        items = [value]
    try:
        return tuple(float(v) for v in items)
    except (TypeError, ValueError):
        return ()
