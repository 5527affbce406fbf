"""VIIRS land surface temperature (VNP21A1D, VJ121A1D, VJ221A1D) and vegetation index (VNP13A1, VJ113A1,
VJ213A1) tiles: HDF-EOS5 files identified and georeferenced for the shared import in core/modis.py.

A VIIRS tile is an HDF5 file laid out by HDF-EOS5: the fields of a grid lie in
``/HDFEOS/GRIDS/<grid>/Data Fields/``, the grid itself (size, corners in metres,
projection) is described only by the ODL text ``/HDFEOS INFORMATION/StructMetadata.0``,
and the granule attributes (ShortName, RangeBeginningDate, tile numbers) lie in
``/HDFEOS/ADDITIONAL/FILE_ATTRIBUTES``. Scale, offset, fill value and valid
range of each field come from its own attributes (HDF-EOS5 / CF names
``scale_factor``, ``add_offset``, ``_FillValue``, ``valid_range``). No QGIS import.
"""
from __future__ import annotations

import os
import re
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Tuple

from osgeo import gdal, osr

from . import mdim
from .errors import InputError
from .land_products import (EXAMPLE_NAMES, PRODUCTS, LandGranule, LayerRef, Scaling, parse_product_name,
                            resolve_variable)
from .raster_io import GridSpec

gdal.UseExceptions()

STRUCT_METADATA = '/HDFEOS INFORMATION/StructMetadata.0'
FILE_ATTRIBUTES = '/HDFEOS/ADDITIONAL/FILE_ATTRIBUTES'
GRIDS = '/HDFEOS/GRIDS'
#: GCTP sinusoidal projection names (HDF-EOS5 writes the HE5_ prefix, HDF-EOS2 does not).
SINUSOIDAL = ('HE5_GCTP_SNSOID', 'GCTP_SNSOID')
#: Sphere radius of the MODIS / VIIRS land grid [m] when ProjParams does not give one.
LAND_GRID_SPHERE_M = 6371007.181

_PAIR = re.compile(r'^\(\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\)$')


def _not_viirs(path, reason):
    return InputError('{} is not a VIIRS HDF-EOS5 tile ({}). Give VIIRS LST (VNP21A1D, VJ121A1D, VJ221A1D) or '
                      'vegetation index (VNP13A1, VJ113A1, VJ213A1) .h5 files as downloaded from NASA LP DAAC, named '
                      'like {}.'.format(os.path.basename(str(path)), reason, EXAMPLE_NAMES))


def _odl_value(text):
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    pair = _PAIR.match(text)
    if pair:
        return float(pair.group(1)), float(pair.group(2))
    if text.startswith('(') and text.endswith(')'):
        items = [t.strip().strip('"') for t in text[1:-1].split(',')]
        try:
            return tuple(float(t) for t in items)
        except ValueError:
            return tuple(items)
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def parse_struct_metadata(text: str) -> Dict[str, Dict[str, Any]]:
    """The grids described by an HDF-EOS StructMetadata text: {GridName: {key: value}}.

    Only the keys of each grid's own level are kept (XDim, YDim,
    UpperLeftPointMtrs, LowerRightMtrs, Projection, ProjParams, SphereCode,
    GridOrigin, ...); corner pairs become (x, y) tuples of metres.
    """
    grids = {}
    stack = []
    current = None
    for raw_line in str(text).splitlines():
        line = raw_line.strip()
        if not line or line == 'END' or '=' not in line:
            continue
        key, value = (part.strip() for part in line.split('=', 1))
        if key == 'GROUP':
            stack.append(value)
            if len(stack) == 2 and stack[0] == 'GridStructure':
                current = {}
            continue
        if key == 'END_GROUP':
            if len(stack) == 2 and stack[0] == 'GridStructure' and current is not None:
                name = current.get('GridName', stack[1])
                grids[name] = current
                current = None
            if stack:
                stack.pop()
            continue
        if current is not None and len(stack) == 2:
            current[key] = _odl_value(value)
    return grids


def sinusoidal_wkt(radius_m: float = LAND_GRID_SPHERE_M) -> str:
    """WKT of the sinusoidal projection on a sphere of ``radius_m`` (the MODIS / VIIRS land grid)."""
    srs = osr.SpatialReference()
    srs.ImportFromProj4('+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R={:.3f} +units=m +no_defs'.format(radius_m))
    srs.SetProjCS('MODIS / VIIRS land grid sinusoidal')
    return srs.ExportToWkt()


def grid_from_struct(info: Mapping[str, Any], label: str) -> GridSpec:
    """GridSpec of one StructMetadata grid (sinusoidal, north-up, corners of the outer pixel edges)."""
    try:
        width, height = int(info['XDim']), int(info['YDim'])
        x0, y0 = info['UpperLeftPointMtrs']
        x1, y1 = info['LowerRightMtrs']
    except (KeyError, TypeError, ValueError):
        raise InputError('{}: the StructMetadata of grid "{}" lacks XDim, YDim, UpperLeftPointMtrs or '
                         'LowerRightMtrs; the file is damaged or converted. Download it again.'.format(
                             label, info.get('GridName', '?')))
    projection = str(info.get('Projection', ''))
    if projection not in SINUSOIDAL:
        raise InputError('{}: grid "{}" is in projection {}, not the sinusoidal land grid of MODIS / VIIRS '
                         'tiles.'.format(label, info.get('GridName', '?'), projection or '(none)'))
    if width <= 0 or height <= 0 or not (x1 > x0 and y0 > y1):
        raise InputError('{}: the StructMetadata of grid "{}" describes an empty or inverted grid.'.format(
            label, info.get('GridName', '?')))
    params = info.get('ProjParams') or ()
    radius = float(params[0]) if params and float(params[0]) > 0 else LAND_GRID_SPHERE_M
    pixel_x = (x1 - x0) / width
    pixel_y = (y1 - y0) / height
    return GridSpec(width, height, (float(x0), pixel_x, 0.0, float(y0), 0.0, pixel_y), sinusoidal_wkt(radius))


def scaling_from_attributes(attributes: Mapping[str, Any], documented: Optional[Scaling], family: str, role: str
                            ) -> Tuple[Scaling, List[str]]:
    """The Scaling of a field from its attributes, and notes on what was decided.

    Missing attributes fall back to the documented values. Vegetation index
    files state ``scale_factor = 10000`` meaning "divide by" (MODIS heritage):
    a VI scale above 1 is inverted.
    """
    notes = []
    documented = documented or Scaling()
    scale = mdim.numbers(attributes.get('scale_factor'))
    offset = mdim.numbers(attributes.get('add_offset'))
    fills = mdim.numbers(attributes.get('_FillValue'))
    valid = mdim.numbers(attributes.get('valid_range'))
    if not valid and attributes.get('valid_min') is not None and attributes.get('valid_max') is not None:
        valid = mdim.numbers(attributes.get('valid_min')) + mdim.numbers(attributes.get('valid_max'))
    value_scale = scale[0] if scale else documented.scale
    if family == 'VI' and role == 'value' and value_scale > 1.0:
        notes.append('scale_factor {:g} read as "divide by {:g}" (vegetation index convention).'.format(
            value_scale, value_scale))
        value_scale = 1.0 / value_scale
    if not scale:
        notes.append('no scale_factor attribute: the documented {:g} is used.'.format(documented.scale))
    result = Scaling(value_scale, offset[0] if offset else documented.offset, fills or documented.fills,
                     (valid[0], valid[1]) if len(valid) == 2 else documented.valid)
    if documented.scale and abs(result.scale - documented.scale) > 1e-9 * abs(documented.scale):
        notes.append('scale {:g} from the file differs from the documented {:g}: the file is followed.'.format(
            result.scale, documented.scale))
    return result, notes


def _find_field(root, field_name):
    """(grid name, full name of the array) of a data field in any grid of the file, or (None, None)."""
    grids = mdim.group(root, GRIDS)
    for grid_name in mdim.group_names(grids):
        fullname = '{}/{}/Data Fields/{}'.format(GRIDS, grid_name, field_name)
        if mdim.array(root, fullname) is not None:
            return grid_name, fullname
    return None, None


def _classic_sources(path):
    """{full array name: GDAL subdataset name} (GDAL writes spaces of HDF5 names as underscores)."""
    dataset = gdal.Open(path)
    sources = {}
    for name, _ in dataset.GetSubDatasets():
        inner = name.split('://', 1)[-1] if '://' in name else name.rsplit(':', 1)[-1]
        sources['/' + inner.lstrip('/')] = name
    return sources


def _file_date(attributes):
    text = str(attributes.get('RangeBeginningDate') or '').strip()
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def open_viirs_granule(path: str, variable: Optional[str] = 'auto') -> LandGranule:
    """Identify a VIIRS HDF-EOS5 tile, its fields, grid and scalings (no pixel is read).

    The product comes from ShortName and the file name, the date from
    RangeBeginningDate and the name's AYYYYDDD (they must agree where both
    exist), the grid from StructMetadata.0. Raises InputError naming the fix otherwise.
    """
    path = str(path)
    label = os.path.basename(path)
    root = mdim.open_root(path, 'a VIIRS HDF-EOS5 tile')
    struct = mdim.array(root, STRUCT_METADATA)
    if struct is None:
        raise _not_viirs(path, 'it has no HDF-EOS5 StructMetadata.0, so its grid is unknown')
    grids = parse_struct_metadata(mdim.read_string(struct))
    file_attributes = mdim.attributes(mdim.group(root, FILE_ATTRIBUTES))
    from_name = parse_product_name(path)
    meta_product = str(file_attributes.get('ShortName') or '').strip().upper() or None
    name_product = from_name[0] if from_name else None
    if meta_product and name_product and meta_product != name_product:
        raise InputError('{}: its name says {} but its metadata (ShortName) says {}. The file was renamed or is '
                         'damaged: download it again or restore its original name.'.format(
                             label, name_product, meta_product))
    short_name = meta_product or name_product
    if short_name is None:
        raise _not_viirs(path, 'neither its name nor its ShortName attribute names a VIIRS product')
    product = PRODUCTS.get(short_name)
    if product is None or product.container != 'HDF5':
        raise InputError('{} is a {} file, which this import does not read as HDF-EOS5. Supported products: '
                         '{}.'.format(label, short_name, ', '.join(PRODUCTS)))
    variable = resolve_variable(product, variable, path)

    meta_date = _file_date(file_attributes)
    name_date = from_name[1] if from_name else None
    if meta_date and name_date and meta_date != name_date:
        raise InputError('{}: the date in its name ({}) does not match its metadata (RangeBeginningDate {}). '
                         'Restore the original file name or download the file again.'.format(
                             label, name_date.isoformat(), meta_date.isoformat()))
    acquired = meta_date or name_date
    if acquired is None:
        raise InputError('{}: no acquisition date found (neither AYYYYDDD in the name nor RangeBeginningDate in the '
                         'metadata). Keep the original file name, e.g. {}.'.format(label, EXAMPLE_NAMES))
    tile = from_name[2] if from_name else None
    if tile is None and 'HorizontalTileNumber' in file_attributes and 'VerticalTileNumber' in file_attributes:
        tile = 'h{:02d}v{:02d}'.format(int(file_attributes['HorizontalTileNumber']),
                                       int(file_attributes['VerticalTileNumber']))

    wanted = [('value', product.field_for(variable)), ('quality', product.quality_field)]
    if product.view_time_field:
        wanted.append(('view_time', product.view_time_field))
    found = {role: _find_field(root, name) for role, name in wanted}
    missing = [name for role, name in wanted if found[role][1] is None]
    if missing:
        raise InputError('{} is not a complete {} HDF-EOS5 file: it has no {} field (grids: {}). Download the file '
                         'again from NASA LP DAAC (a converted or subset file will not do).'.format(
                             label, product.short_name, ', '.join('"{}"'.format(m) for m in missing),
                             ', '.join(grids) or 'none'))
    grid_name = found['value'][0]
    if grid_name not in grids:
        raise InputError('{}: StructMetadata.0 does not describe grid "{}", so its georeferencing is unknown. '
                         'Download the file again.'.format(label, grid_name))
    grid = grid_from_struct(grids[grid_name], label)
    sources = _classic_sources(path)
    layers, notes = {}, []
    for role, name in wanted:
        fullname = found[role][1]
        mdarray = mdim.array(root, fullname)
        if mdim.shape(mdarray) != (grid.height, grid.width):
            raise InputError('{}: field "{}" has {} × {} cells but StructMetadata.0 says {} × {}; the file is '
                             'damaged or converted. Download it again.'.format(
                                 label, name, mdim.shape(mdarray)[1], mdim.shape(mdarray)[0], grid.width,
                                 grid.height))
        scaling, field_notes = (None, [])
        if role != 'quality':
            scaling, field_notes = scaling_from_attributes(mdim.attributes(mdarray),
                                                           product.documented_scaling(name), product.family, role)
        notes.extend('{}: {}'.format(name, n) for n in field_notes)
        source = sources.get(fullname.replace(' ', '_'))
        if source is None:
            raise InputError('{}: GDAL does not list field "{}" as a subdataset.'.format(label, name))
        layers[role] = LayerRef(source, 1, scaling)
    notes.append('grid "{}" from StructMetadata.0: {}.'.format(grid_name, grid.describe()))
    return LandGranule(path, product, variable, acquired, tile or '?', layers, grid, tuple(notes))
