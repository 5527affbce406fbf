"""MODIS / VIIRS land surface temperature and vegetation index: tiles and exports into one dated stack.

Reads MODIS HDF4-EOS tiles (MOD11/MYD11, MOD13/MYD13) here, VIIRS HDF-EOS5
tiles (VNP21/VJ121/VJ221, VNP13/VJ113/VJ213) in core/viirs.py and AppEEARS /
Earth Engine GeoTIFF exports in core/exports.py; all become granules of the
shared product table (core/land_products.py) and go through one path here:
scaling and quality flags, mosaicking of the tiles of a date, stacking of the
dates (one band per date, core/dates.py convention) and optionally a warp
onto a target grid. No QGIS import.

Units: LST in kelvin, view time in local solar hours, NDVI/EVI dimensionless.
Documented conventions used here (MOD11 C6.1 user guide, Wan 2013/2019;
MOD13 C6.1 user guide, Didan 2015/2019):

* ``LST_Day_1km``: uint16, LST [K] = DN × 0.02, fill 0, valid DN 7500–65535.
* ``QC_Day``: uint8, bits 0–1 "mandatory QA": 0 good quality, 1 other quality
  (check the other QC bits), 2 not produced (cloud), 3 not produced (other).
* ``Day_view_time``: uint8, local solar time [h] = DN × 0.1, fill 255, valid 0–240.
* ``... NDVI`` / ``... EVI``: int16, VI = DN / 10000 (the HDF attribute
  ``scale_factor = 10000`` means "divide by", so GDAL's own scale is NOT used),
  fill -3000, valid DN -2000–10000.
* ``... pixel reliability``: int8, -1 fill, 0 good, 1 marginal, 2 snow/ice, 3 cloudy.
"""
from __future__ import annotations

import math
import os
import shutil
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from osgeo import gdal, osr

from . import exports, viirs
from .alignment import choose_resampling, coarse_window_over
from .dates import stack_metadata
from .errors import InputError
from .progress import Progress
from .raster_io import (OUTPUT_NODATA, SCRATCH_OPTIONS, GridSpec, RasterReader, RasterSource, RasterWriter, Window,
                        crs_label, damaged_file_error, row_windows, spatial_reference)
from .scratch import work_folder

# The product table, scalings and quality rules are shared with VIIRS and the exports (core/land_products.py);
# the names are re-exported here for existing callers.
from .land_products import (  # noqa: F401
    EXAMPLE_NAMES, LST_DN, LST_FILL_DN, LST_QA_GOOD, LST_QA_OTHER, LST_SCALE_K, LST_VALID_DN, MODIS_NAME, PRODUCTS,
    QUALITY_GOOD, QUALITY_GOOD_AND_OTHER, QUALITY_NONE, RELIABILITY_GOOD, RELIABILITY_MARGINAL, VARIABLE_CHOICES,
    VI_DN, VI_FILL_DN, VI_SCALE, VI_VALID_DN, VIEW_TIME_DN, VIEW_TIME_FILL_DN, VIEW_TIME_SCALE_H, VIEW_TIME_VALID_DN,
    LandGranule, LandProduct, LayerRef, ModisGranule, ModisProduct, Scaling, date_from_year_doy, lst_kelvin,
    lst_quality_mask, parse_modis_name, parse_product_name, reliability_mask, resolve_variable, vegetation_index,
    view_time_hours)

gdal.UseExceptions()


_EXAMPLE_NAME = 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf'

# Band-interleaved scratch mosaic: with pixel interleaving, writing one band of a block materialises
# the block's other bands as 0 instead of nodata, and dates without a tile there would read back as 0.
_MOSAIC_OPTIONS = tuple(SCRATCH_OPTIONS) + ('INTERLEAVE=BAND',)

# Values read back from the Float32 output are compared with this tolerance when
# two tiles cover the same pixel (float32 rounding, not data differences).
_SAME_VALUE_RTOL = 1e-6
_SAME_VALUE_ATOL = 1e-6


def subdataset_field(subdataset_name: str) -> str:
    """The field of an HDF4-EOS subdataset name.

    'HDF4_EOS:EOS_GRID:"f.hdf":grid:"1 km 16 days NDVI"' → '1 km 16 days NDVI'.
    """
    return subdataset_name.rsplit(':', 1)[-1].strip().strip('"')


def _not_modis(path, reason):
    return InputError('{} is not a MODIS or VIIRS tile or export ({}). Give MODIS LST (MOD11A1, MYD11A1, MOD11A2, '
                      'MYD11A2) or vegetation index (MOD13A2, MOD13A3, MOD13Q1, MYD13...) .hdf files, VIIRS LST '
                      '(VNP21A1D, VJ121A1D, VJ221A1D) or vegetation index (VNP13A1, VJ113A1, VJ213A1) .h5 files as '
                      'downloaded from NASA LP DAAC, named like {}, or GeoTIFFs exported by AppEEARS or Earth '
                      'Engine.'.format(os.path.basename(str(path)), reason, EXAMPLE_NAMES))


def _metadata_items(dataset):
    metadata = dataset.GetMetadata() or {}
    return {key.upper(): value for key, value in metadata.items()}


def file_driver(path: str) -> str:
    """The GDAL driver that opens a file ('HDF4', 'HDF4Image', 'HDF5', 'GTiff', ...), or InputError."""
    path = str(path)
    if not os.path.isfile(path):
        raise InputError('The file {} does not exist.'.format(path))
    try:
        dataset = gdal.Open(path, gdal.GA_ReadOnly)
    except RuntimeError as error:
        raise damaged_file_error(path, error) or _not_modis(path, 'GDAL cannot open it: {}'.format(str(error).strip()))
    if dataset is None:
        raise _not_modis(path, 'GDAL cannot open it')
    return dataset.GetDriver().ShortName


def open_granules(paths: Iterable[str], variable: Optional[str] = 'auto', quality: int = QUALITY_GOOD
                  ) -> List[LandGranule]:
    """Identify MODIS HDF4-EOS tiles, VIIRS HDF-EOS5 tiles and AppEEARS / Earth Engine GeoTIFF exports.

    Returns one granule per tile or exported image; GeoTIFF exports are taken
    together, so that an AppEEARS quality file given next to its value file is
    paired with it rather than read as a granule of its own.
    """
    granules, tiffs = [], []
    for path in paths:
        driver = file_driver(path)
        if driver.startswith('HDF4'):
            granules.append(open_granule(path, variable))
        elif driver.startswith('HDF5'):
            granules.append(viirs.open_viirs_granule(path, variable))
        elif driver == 'GTiff':
            tiffs.append(str(path))
        else:
            raise _not_modis(path, 'it is a {} file, not HDF4, HDF5 or GeoTIFF'.format(driver))
    if tiffs:
        granules.extend(exports.open_export_granules(tiffs, variable, quality))
    return granules


def open_granule(path: str, variable: Optional[str] = 'auto') -> LandGranule:
    """Identify a MODIS HDF4-EOS file and find its subdatasets (no pixel is read).

    The product comes from the HDF metadata (SHORTNAME) and the file name,
    the date from RANGEBEGINNINGDATE and the name's AYYYYDDD; where both exist
    they must agree. Raises InputError naming the fix otherwise.
    """
    path = str(path)
    driver = file_driver(path)
    if not driver.startswith('HDF4'):
        raise _not_modis(path, 'it is a {} file, not HDF4'.format(driver))
    dataset = gdal.Open(path, gdal.GA_ReadOnly)
    metadata = _metadata_items(dataset)
    from_name = parse_modis_name(path)
    meta_product = (metadata.get('SHORTNAME') or '').strip().upper() or None
    name_product = from_name[0] if from_name else None
    if meta_product and name_product and meta_product != name_product:
        raise InputError('{}: its name says {} but its metadata (SHORTNAME) says {}. The file was renamed or is '
                         'damaged: download it again or restore its original name.'.format(
                             os.path.basename(path), name_product, meta_product))
    short_name = meta_product or name_product
    if short_name is None:
        raise _not_modis(path, 'neither its name nor its metadata names a MODIS product')
    product = PRODUCTS.get(short_name)
    if product is None or product.container != 'HDF4':
        raise InputError('{} is a {} file, which this import does not read as HDF4. Supported products: {}.'.format(
            os.path.basename(path), short_name, ', '.join(PRODUCTS)))
    variable = resolve_variable(product, variable, path)

    meta_date = None
    if metadata.get('RANGEBEGINNINGDATE'):
        try:
            meta_date = date.fromisoformat(metadata['RANGEBEGINNINGDATE'].strip()[:10])
        except ValueError:
            meta_date = None
    name_date = from_name[1] if from_name else None
    if meta_date and name_date and meta_date != name_date:
        raise InputError('{}: the date in its name ({}) does not match its metadata (RANGEBEGINNINGDATE {}). '
                         'Restore the original file name or download the file again.'.format(
                             os.path.basename(path), name_date.isoformat(), meta_date.isoformat()))
    acquired = meta_date or name_date
    if acquired is None:
        raise InputError('{}: no acquisition date found (neither AYYYYDDD in the name nor RANGEBEGINNINGDATE in the '
                         'metadata). Keep the original MODIS file name, e.g. {}.'.format(os.path.basename(path),
                                                                                         _EXAMPLE_NAME))
    tile = from_name[2] if from_name else None
    if tile is None and metadata.get('HORIZONTALTILENUMBER') and metadata.get('VERTICALTILENUMBER'):
        tile = 'h{:02d}v{:02d}'.format(int(metadata['HORIZONTALTILENUMBER']), int(metadata['VERTICALTILENUMBER']))

    available = {subdataset_field(name): name for name, _ in dataset.GetSubDatasets()}
    wanted = OrderedDict([('value', product.field_for(variable)), ('quality', product.quality_field)])
    if product.view_time_field:
        wanted['view_time'] = product.view_time_field
    missing = [name for name in wanted.values() if name not in available]
    if missing:
        raise InputError('{} is not a complete {} HDF-EOS file: it has no {} subdataset{} (it holds {}). Download '
                         'the file again from NASA LP DAAC (a converted or subset file will not do).'.format(
                             os.path.basename(path), product.short_name, ', '.join('"{}"'.format(m) for m in missing),
                             's' if len(missing) > 1 else '',
                             ', '.join('"{}"'.format(a) for a in available) or 'no subdatasets'))
    subdatasets = {role: LayerRef(available[name], 1, product.documented_scaling(name))
                   for role, name in wanted.items()}
    grid = subdataset_grid(subdatasets['value'].source, path)
    return ModisGranule(path, product, variable, acquired, tile or '?', subdatasets, grid)


def subdataset_grid(source: str, path: Optional[str] = None) -> GridSpec:
    """GridSpec of a GDAL data source (an HDF4-EOS subdataset: sinusoidal, metres)."""
    try:
        dataset = gdal.Open(source)
    except RuntimeError as error:
        raise InputError('Cannot open {} of {}: {}'.format(source, path or source, error))
    wkt = dataset.GetProjection()
    gt = dataset.GetGeoTransform(can_return_null=True)
    if not wkt or gt is None:
        raise InputError('{} has no georeferencing (sinusoidal grid) that GDAL can read; download it again.'.format(
            os.path.basename(path or source)))
    return GridSpec(dataset.RasterXSize, dataset.RasterYSize, tuple(gt), wkt)


def check_single_product(granules: Sequence[LandGranule]) -> LandProduct:
    """All granules must be one product and one variable (LST and NDVI, Terra and Aqua are separate imports)."""
    by_product = OrderedDict()
    for granule in granules:
        by_product.setdefault(granule.product.short_name, []).append(granule.label)
    if len(by_product) > 1:
        listed = '; '.join('{} ({} file{})'.format(name, len(files), 's' if len(files) > 1 else '')
                           for name, files in by_product.items())
        raise InputError('The files mix products: {}. One import makes one stack of one product: import LST '
                         '(MOD11/MYD11, VNP21/VJ121/VJ221) and vegetation index (MOD13/MYD13, VNP13/VJ113/VJ213) '
                         'files separately, and each satellite separately (Terra MOD, Aqua MYD, Suomi NPP VNP, '
                         'NOAA-20 VJ1, NOAA-21 VJ2: their overpass times differ).'.format(listed))
    return granules[0].product


# -- grids --------------------------------------------------------------------------------------
def native_union_grid(grids: Sequence[GridSpec]) -> Tuple[GridSpec, List[Tuple[int, int]]]:
    """The sinusoidal grid covering all tiles, and each tile's (col, row) offset in it.

    MODIS tiles of one product share one global lattice, so the offsets are
    whole pixels; anything else is refused.
    """
    reference = grids[0]
    px, py = reference.geotransform[1], reference.geotransform[5]
    for grid in grids[1:]:
        if not grid.same_crs(reference):
            raise InputError('The files are not in the same CRS ({} and {}).'.format(
                crs_label(reference.crs_wkt), crs_label(grid.crs_wkt)))
        if abs(grid.geotransform[1] - px) > 1e-6 * abs(px) or abs(grid.geotransform[5] - py) > 1e-6 * abs(py):
            raise InputError('The files have different pixel sizes ({:.3f} m and {:.3f} m): import each '
                             'resolution separately.'.format(abs(px), abs(grid.geotransform[1])))
    xmin = min(g.geotransform[0] for g in grids)
    ymax = max(g.geotransform[3] for g in grids)
    xmax = max(g.geotransform[0] + g.width * px for g in grids)
    ymin = min(g.geotransform[3] + g.height * py for g in grids)
    width = int(round((xmax - xmin) / px))
    height = int(round((ymin - ymax) / py))
    offsets = []
    for grid in grids:
        col = (grid.geotransform[0] - xmin) / px
        row = (grid.geotransform[3] - ymax) / py
        if abs(col - round(col)) > 0.01 or abs(row - round(row)) > 0.01:
            raise InputError('The tiles are not on one pixel lattice (offset {:.3f}, {:.3f} px); '
                             'they cannot be mosaicked.'.format(col, row))
        offsets.append((int(round(col)), int(round(row))))
    union = GridSpec(width, height, (xmin, px, 0.0, ymax, 0.0, py), reference.crs_wkt)
    return union, offsets


def transform_bounds(bounds: Sequence[float], source_wkt: str, target_wkt: str, points_per_edge: int = 21
                     ) -> Optional[Tuple[float, float, float, float]]:
    """(xmin, ymin, xmax, ymax) in the target CRS of a box given in the source CRS.

    The box edges are densified so that curved edges (e.g. a lat/lon box in
    sinusoidal) are covered; None when no point can be transformed.
    """
    xmin, ymin, xmax, ymax = bounds
    source, target = spatial_reference(source_wkt), spatial_reference(target_wkt)
    if source.IsSame(target):
        return tuple(bounds)
    t = np.linspace(0.0, 1.0, points_per_edge)
    xs = np.concatenate([xmin + t * (xmax - xmin), xmin + t * (xmax - xmin), np.full_like(t, xmin),
                         np.full_like(t, xmax)])
    ys = np.concatenate([np.full_like(t, ymin), np.full_like(t, ymax), ymin + t * (ymax - ymin),
                         ymin + t * (ymax - ymin)])
    transform = osr.CoordinateTransformation(source, target)
    points = np.asarray(transform.TransformPoints(np.column_stack([xs, ys])), dtype=np.float64)
    keep = np.isfinite(points[:, 0]) & np.isfinite(points[:, 1])
    if not keep.any():
        return None
    return (float(points[keep, 0].min()), float(points[keep, 1].min()), float(points[keep, 0].max()),
            float(points[keep, 1].max()))


def explicit_grid(bounds: Sequence[float], resolution: float, crs_wkt: str) -> GridSpec:
    """A north-up grid with square pixels of ``resolution`` whose upper-left corner is (xmin, ymax)
    and which covers ``bounds`` (the last column/row may extend past xmax/ymin)."""
    xmin, ymin, xmax, ymax = bounds
    width = max(1, int(math.ceil((xmax - xmin) / resolution - 1e-6)))
    height = max(1, int(math.ceil((ymax - ymin) / resolution - 1e-6)))
    return GridSpec(width, height, (xmin, resolution, 0.0, ymax, 0.0, -resolution), crs_wkt)


def suggested_grid(source_grid: GridSpec, crs_wkt: str, resolution: Optional[float] = None,
                   bounds: Optional[Sequence[float]] = None) -> GridSpec:
    """The grid GDAL's warper would choose for the source in ``crs_wkt`` (optionally with a pixel size
    and/or bounds); computed on a pixel-less VRT, so no data is read."""
    vrt = gdal.GetDriverByName('VRT').Create('', source_grid.width, source_grid.height, 1, gdal.GDT_Byte)
    vrt.SetGeoTransform(source_grid.geotransform)
    vrt.SetProjection(source_grid.crs_wkt)
    kwargs = dict(format='VRT', dstSRS=crs_wkt)
    if resolution:
        kwargs.update(xRes=resolution, yRes=resolution)
    if bounds:
        kwargs['outputBounds'] = bounds
    warped = gdal.Warp('', vrt, **kwargs)
    grid = GridSpec(warped.RasterXSize, warped.RasterYSize, tuple(warped.GetGeoTransform()), crs_wkt)
    warped = vrt = None
    return grid


@dataclass(frozen=True)
class TargetGrid:
    """Where the import is written: the native sinusoidal mosaic (all None) or another grid.

    ``reference`` (a GridSpec) is copied exactly. Otherwise ``crs_wkt`` (None:
    native sinusoidal), ``extent`` (xmin, ymin, xmax, ymax) in ``extent_crs_wkt``
    (None: in the target CRS) and ``resolution`` (target CRS units: metres, or
    degrees for a geographic CRS) are each optional.
    """
    crs_wkt: Optional[str] = None
    extent: Optional[tuple] = None
    extent_crs_wkt: Optional[str] = None
    resolution: Optional[float] = None
    reference: Optional[GridSpec] = None

    @property
    def is_native(self) -> bool:
        return self.crs_wkt is None and self.extent is None and self.resolution is None and self.reference is None

    def validate(self) -> None:
        if self.reference is not None and (self.crs_wkt or self.extent or self.resolution):
            raise InputError('Give either a reference grid layer or a target CRS / extent / pixel size, not both: '
                             'the reference grid fixes all three.')
        if self.resolution is not None and not self.resolution > 0:
            raise InputError('The target pixel size must be positive (got {}).'.format(self.resolution))
        if self.extent is not None:
            xmin, ymin, xmax, ymax = self.extent
            if not (xmax >= xmin and ymax >= ymin):
                raise InputError('The target extent is empty or inverted: {}.'.format(self.extent))


@dataclass(frozen=True)
class OutputPlan:
    """How the mosaic reaches the output grid: a window of the native lattice, or a warp."""
    grid: GridSpec                  # the output grid
    mosaic_grid: GridSpec           # the grid the tiles are mosaicked on (a window of the native union)
    mosaic_window: Window           # that window in the native union grid
    warp: bool
    resampling: Optional[str] = None


def _no_overlap(area, native):
    xmin, ymin, xmax, ymax = native.bounds
    lonlat = transform_bounds(native.bounds, native.crs_wkt, _wgs84_wkt())
    where = ('longitude {:.2f} to {:.2f}, latitude {:.2f} to {:.2f}'.format(lonlat[0], lonlat[2], lonlat[1], lonlat[3])
             if lonlat else '{:.0f}, {:.0f} to {:.0f}, {:.0f} m'.format(xmin, ymin, xmax, ymax))
    return InputError('The {} does not overlap the tiles given (they cover {}). Choose an extent or reference '
                      'grid inside the tiles, or add the tiles that cover your area.'.format(area, where))


def _wgs84_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def plan_output(native: GridSpec, target: TargetGrid) -> OutputPlan:
    """Decide the output grid for the native union grid and a :class:`TargetGrid`."""
    target.validate()
    full = native.full_window()
    if target.is_native:
        return OutputPlan(native, native, full, False)
    if target.reference is not None:
        grid = target.reference
        area = 'reference grid'
    else:
        crs_wkt = target.crs_wkt or native.crs_wkt
        same_crs = spatial_reference(crs_wkt).IsSame(spatial_reference(native.crs_wkt))
        bounds = None
        if target.extent is not None:
            bounds = transform_bounds(target.extent, target.extent_crs_wkt or crs_wkt, crs_wkt)
            if bounds is None:
                raise InputError('The target extent cannot be transformed into the target CRS.')
        native_pixel = (target.resolution is None
                        or abs(target.resolution - native.pixel_width) <= 1e-6 * native.pixel_width)
        if same_crs and native_pixel:
            # Same CRS and pixel size: cut the native lattice, values stay untouched (no resampling).
            if bounds is None:
                return OutputPlan(native, native, full, False)
            window = native.window_for_bounds(bounds)
            if window is None:
                raise _no_overlap('target extent', native)
            sub = native.subgrid(window)
            return OutputPlan(sub, sub, window, False)
        if bounds is not None and target.resolution:
            grid = explicit_grid(bounds, target.resolution, crs_wkt)
        else:
            grid = suggested_grid(native, crs_wkt, target.resolution, bounds)
        area = 'target extent' if bounds is not None else 'target grid'
    # Mosaic only the part of the native lattice under the output grid (plus a margin for resampling).
    window = coarse_window_over(grid, native, margin=2)
    if window is None:
        raise _no_overlap(area, native)
    mosaic = native.subgrid(window)
    return OutputPlan(grid, mosaic, window, True, choose_resampling(native, grid))


# -- the import ---------------------------------------------------------------------------------
@dataclass
class ModisImport:
    """What an import wrote: the product, variable, units, dates (band order), grid and valid pixels per band."""
    product: str
    variable: str
    units: str
    dates: list
    grid: GridSpec
    valid_pixels: list
    output: str
    view_time_output: Optional[str] = None
    resampling: Optional[str] = None
    messages: list = field(default_factory=list)


def group_by_date(granules: Iterable[LandGranule]) -> Dict[date, List[LandGranule]]:
    """OrderedDict date → granules, sorted by date."""
    groups = {}
    for granule in granules:
        groups.setdefault(granule.acquired, []).append(granule)
    return OrderedDict(sorted(groups.items()))


def import_modis(paths: Iterable[Union[str, os.PathLike]], output: Union[str, os.PathLike],
                 variable: Optional[str] = 'auto', quality: int = QUALITY_GOOD, target: Optional[TargetGrid] = None,
                 view_time_output: Union[str, os.PathLike, None] = None, memory_mb: float = 512.0,
                 progress: Optional[Progress] = None) -> ModisImport:
    """Import MODIS / VIIRS tiles or GeoTIFF exports into one Float32 GeoTIFF stack (one band per date).

    ``variable`` is 'auto', 'LST', 'NDVI' or 'EVI'; ``quality`` QUALITY_GOOD,
    QUALITY_GOOD_AND_OTHER (LST "other quality" / VI "marginal" also kept) or
    QUALITY_NONE (no quality screening; for exports without a quality layer);
    ``view_time_output`` (LST only) receives Day_view_time in local solar hours.
    """
    progress = progress or Progress()
    paths = [str(p) for p in paths]
    if not paths:
        raise InputError('Give at least one MODIS / VIIRS file or GeoTIFF export.')
    progress.check()
    granules = open_granules(paths, variable, quality)
    return import_granules(granules, output, quality, target, view_time_output, memory_mb, progress)


def import_granules(granules: Sequence[LandGranule], output: Union[str, os.PathLike], quality: int = QUALITY_GOOD,
                    target: Optional[TargetGrid] = None, view_time_output: Union[str, os.PathLike, None] = None,
                    memory_mb: float = 512.0, progress: Optional[Progress] = None) -> ModisImport:
    """Mosaic, stack and (optionally) warp already identified granules; see :func:`import_modis`."""
    progress = progress or Progress()
    target = target or TargetGrid()
    if not granules:
        raise InputError('Give at least one MODIS / VIIRS file or GeoTIFF export.')
    product = check_single_product(granules)
    variables = {g.variable for g in granules}
    if len(variables) > 1:
        raise InputError('The granules ask for different variables: {}.'.format(', '.join(sorted(variables))))
    variable = granules[0].variable
    if view_time_output and product.view_time_field is None:
        raise InputError('The view time output exists only for LST products (MOD11/MYD11, VNP21/VJ121); {} has no '
                         'view time. Leave the view time output empty.'.format(product.short_name))
    if view_time_output and any('view_time' not in g.subdatasets for g in granules):
        missing = ', '.join(g.label for g in granules if 'view_time' not in g.subdatasets)
        raise InputError('No view time layer was found for {}. Give the view time files (Day_view_time / '
                         'View_Time) with the exports, or leave the view time output empty.'.format(missing))
    for granule in granules:
        for note in granule.notes:
            progress.info('{}: {}'.format(granule.label, note))
    units = 'K' if variable == 'LST' else '1'
    groups = group_by_date(granules)
    _report_duplicates(groups, progress)

    native, offsets = native_union_grid([g.grid for g in granules])
    offset_of = {id(g): o for g, o in zip(granules, offsets)}
    plan = plan_output(native, target)
    dates = list(groups)
    dataset_meta, band_meta, descriptions = stack_metadata(dates)
    dataset_meta.update({
        'MODIS_PRODUCT': product.short_name, 'VARIABLE': variable, 'UNITS': units,
        'QUALITY': _quality_label(quality, product),
        'SOURCE_FILES': ','.join(sorted({g.label for g in granules})), 'PRODUCT_DOI': product.doi})
    time_meta = dict(dataset_meta, VARIABLE='Day_view_time', UNITS='h (local solar time)')
    progress.info('{} {} ({} file{}, {} date{}: {}); {} kept.'.format(
        product.short_name, variable, len(granules), 's' if len(granules) > 1 else '', len(dates),
        's' if len(dates) > 1 else '', ', '.join(d.isoformat() for d in dates), dataset_meta['QUALITY']))

    outputs = [('value', str(output), dataset_meta)]
    if view_time_output:
        outputs.append(('view_time', str(view_time_output), time_meta))
    workdir = work_folder('modis')
    writers = []
    try:
        # Tiles are mosaicked into uncompressed scratch files (blocks are read back where tiles meet),
        # then copied or warped into the final writers, which move complete files into place.
        mosaics = [RasterWriter(os.path.join(workdir, '{}_mosaic.tif'.format(role)), plan.mosaic_grid, len(dates),
                                gdal.GDT_Float32, OUTPUT_NODATA, options=_MOSAIC_OPTIONS) for role, _, _ in outputs]
        writers.extend(mosaics)
        finals = [RasterWriter(path, plan.grid, len(dates), gdal.GDT_Float32, OUTPUT_NODATA, descriptions, meta,
                               band_metadata=band_meta) for _, path, meta in outputs]
        writers.extend(finals)
        _mosaic(groups, offset_of, plan, mosaics, quality, memory_mb, progress.sub(0.0, 0.6))
        if plan.warp:
            progress.info('Warped from the native sinusoidal grid ({}) onto {} with {} resampling.'.format(
                plan.mosaic_grid.describe(), plan.grid.describe(), plan.resampling))
        for index, (scratch, final) in enumerate(zip(mosaics, finals)):
            step = progress.sub(0.6 + 0.3 * index / len(finals), 0.6 + 0.3 * (index + 1) / len(finals))
            scratch_path = scratch.commit()
            if plan.warp:
                _warp_into(scratch_path, final, plan.resampling, step)
            else:
                _copy_into(scratch_path, final, len(dates), memory_mb, step)
        valid = _count_valid(finals[0], len(dates), memory_mb, progress.sub(0.9, 1.0))
        messages = []
        for day, count in zip(dates, valid):
            if count == 0:
                message = ('Warning: {} has no valid pixel in the output (all fill, cloud or rejected by the quality '
                           'filter).'.format(day.isoformat()))
                messages.append(message)
                progress.info(message)
        if sum(valid) == 0:
            raise InputError('No pixel of the output passed the quality filter: every pixel is fill, cloud or of '
                             'rejected quality on every date. Accept "other"/"marginal" quality (advanced quality '
                             'parameter), choose other dates, or check the extent.')
        for final in finals:
            final.commit()
        return ModisImport(product.short_name, variable, units, dates, plan.grid, valid, str(output),
                           str(view_time_output) if view_time_output else None,
                           plan.resampling if plan.warp else None, messages)
    finally:
        for writer in writers:
            if not writer.committed:
                writer.abort()
        shutil.rmtree(workdir, ignore_errors=True)


def _report_duplicates(groups, progress):
    for day, granules in groups.items():
        tiles = {}
        for granule in granules:
            tiles.setdefault(granule.tile, []).append(granule.label)
        for tile, labels in tiles.items():
            if len(labels) > 1 and tile != '?':
                progress.info('Tile {} is given {} times for {} ({}): the files are mosaicked only if their values '
                              'agree.'.format(tile, len(labels), day.isoformat(), ', '.join(labels)))


def _quality_label(quality, product):
    if quality == QUALITY_NONE:
        return 'not screened'
    if quality == QUALITY_GOOD_AND_OTHER:
        return 'good+other' if product.family == 'LST' else 'good+marginal'
    return 'good'


def _read_raw(layer, window):
    """Stored numbers of a window of an open layer: (dataset, band)."""
    dataset, band = layer
    return dataset.GetRasterBand(band).ReadAsArray(int(window.xoff), int(window.yoff), int(window.xsize),
                                                int(window.ysize))


def _open_subdatasets(granule):
    try:
        return {role: (gdal.Open(layer.source), layer.band) for role, layer in granule.subdatasets.items()}
    except RuntimeError as error:
        raise InputError('Cannot read {}: {}. The file may be truncated: download it again.'.format(
            granule.label, str(error).strip()))


def _mosaic(groups, offset_of, plan, writers, quality, memory_mb, progress):
    """Write each date's tiles into its band; where tiles overlap, their valid values must agree."""
    mw = plan.mosaic_window
    total = sum(len(g) for g in groups.values())
    done = 0
    for band, (day, granules) in enumerate(groups.items(), start=1):
        for granule in granules:
            progress.check()
            gx, gy = offset_of[id(granule)]
            # The part of the granule inside the mosaic window, in granule pixels.
            sx0, sy0 = max(0, mw.xoff - gx), max(0, mw.yoff - gy)
            sx1 = min(granule.grid.width, mw.xoff + mw.xsize - gx)
            sy1 = min(granule.grid.height, mw.yoff + mw.ysize - gy)
            if sx1 <= sx0 or sy1 <= sy0:
                done += 1
                continue
            datasets = _open_subdatasets(granule)
            part = GridSpec(sx1 - sx0, sy1 - sy0, granule.grid.geotransform, granule.grid.crs_wkt)
            blocks = row_windows(part, 96, memory_mb)
            for number, block in enumerate(blocks):
                progress.report((done + number / len(blocks)) / total)
                source = Window(sx0 + block.xoff, sy0 + block.yoff, block.xsize, block.ysize)
                target = Window(gx + source.xoff - mw.xoff, gy + source.yoff - mw.yoff, block.xsize, block.ysize)
                layers = _granule_values(granule, datasets, source, quality, len(writers) > 1)
                for writer, role in zip(writers, ('value', 'view_time')):
                    _merge_into(writer, band, target, layers[role], granule, day, groups[day],
                                check=(role == 'value'))
            datasets = None
            done += 1
    progress.report(1.0)


def _granule_values(granule, datasets, window, quality, with_view_time=False):
    """Physical values (float64, NaN nodata) of a window of a granule: 'value' and, for LST, 'view_time'.

    The quality layer screens unless the level is QUALITY_NONE (or the export has none).
    """
    product, layers = granule.product, granule.subdatasets
    value_dn = _read_raw(datasets['value'], window)
    flags = (_read_raw(datasets['quality'], window) if 'quality' in datasets and quality != QUALITY_NONE
             else None)
    accept_lower = quality == QUALITY_GOOD_AND_OTHER
    if product.family == 'LST':
        values = lst_kelvin(value_dn, flags, accept_lower, layers['value'].scaling)
        result = {'value': values}
        if with_view_time:
            result['view_time'] = view_time_hours(_read_raw(datasets['view_time'], window), np.isfinite(values),
                                                  layers['view_time'].scaling)
        return result
    return {'value': vegetation_index(value_dn, flags, accept_lower, layers['value'].scaling,
                                      product.reliability_good, product.reliability_marginal)}


def _merge_into(writer, band, window, values, granule, day, same_date, check):
    existing = writer.read(window, band)
    both = np.isfinite(existing) & np.isfinite(values)
    if check and both.any():
        differ = both & ~np.isclose(existing, values.astype(np.float32), rtol=_SAME_VALUE_RTOL, atol=_SAME_VALUE_ATOL)
        if differ.any():
            others = [g.label for g in same_date if g is not granule]
            raise InputError('Two files give different values for the same pixels on {} ({} pixels differ, e.g. '
                             '{:.4g} and {:.4g}): {} and {}. These are two versions of one tile, or files of '
                             'different products or overpasses; keep one file per tile and date.'.format(
                                 day.isoformat(), int(differ.sum()), float(existing[differ][0]),
                                 float(values[differ][0]), granule.label, ', '.join(others)))
    merged = np.where(np.isfinite(existing), existing, values)
    writer.write(window, merged, band)


def _warp_into(source_path, writer, resampling, progress):
    """Warp a scratch mosaic into the (open) output writer's grid; cancel aborts the warp."""
    options = gdal.WarpOptions(srcNodata=OUTPUT_NODATA, dstNodata=OUTPUT_NODATA, resampleAlg=resampling,
                               warpOptions=['INIT_DEST=NO_DATA'], multithread=False,
                               callback=progress.gdal_callback())
    try:
        result = gdal.Warp(writer.dataset, source_path, options=options)
    except RuntimeError as error:
        progress.check()
        raise InputError('The mosaic could not be warped onto the target grid: {}'.format(error))
    if result is None:
        progress.check()
        raise InputError('The mosaic could not be warped onto the target grid.')
    progress.check()
    writer.dataset.FlushCache()


def _copy_into(source_path, writer, band_count, memory_mb, progress):
    """Copy a scratch mosaic on the output grid into the output writer, band by band and block by block."""
    windows = row_windows(writer.grid, 16, memory_mb)
    for band in range(1, band_count + 1):
        reader = RasterReader(RasterSource(source_path, band, name='mosaic'))
        try:
            for number, window in enumerate(windows):
                progress.report(((band - 1) + number / len(windows)) / band_count)
                writer.write(window, reader.read(window), band)
        finally:
            reader.close()


def _count_valid(writer, band_count, memory_mb, progress):
    counts = []
    windows = row_windows(writer.grid, 8, memory_mb)
    for band in range(1, band_count + 1):
        count = 0
        for window in windows:
            progress.check()
            count += int(np.isfinite(writer.read(window, band)).sum())
        counts.append(count)
        progress.report(band / band_count)
    return counts

