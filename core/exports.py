"""GeoTIFF exports of the products from NASA AppEEARS and Google Earth Engine.

Most users order GeoTIFFs instead of HDF tiles. The files differ from the HDF
products in three ways handled here, each decision returned as a note that the
import logs:

* **Which layer**: AppEEARS writes one layer per file, named
  ``<product>.<version>_<layer>_doy<YYYYDDD>[hhmmss]_aid<NNNN>.tif``
  (e.g. ``MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif`` with
  ``MOD11A1.061_QC_Day_doy2021227_aid0001.tif``); Earth Engine writes the band
  names (``LST_Day_1km``, ``QC_Day``, ``LST_1KM``, ``QC``, ``NDVI``,
  ``SummaryQA``, ``pixel_reliability``, ``soil_moisture_am`` ...) as band
  descriptions, or the user puts a band name in the file name.
* **Which date**: from the AppEEARS ``doy``, a MODIS-style ``AYYYYDDD``, a
  ``YYYY_MM_DD`` / ``YYYY-MM-DD`` / ``YYYYMMDD`` in the name (Earth Engine's
  image ids), or the ``ACQUISITION_DATE`` metadata item.
* **Which scaling**: AppEEARS keeps the stored numbers; an Earth Engine user
  may or may not have applied the scale. The scale is applied exactly once,
  decided from the values: LST medians of 150–400 are already kelvin, of
  7500–20000 are stored numbers (× 0.02), of -90–90 are °C (+ 273.15);
  NDVI/EVI within ±1 are already scaled, up to 10000 stored (÷ 10000);
  view times up to 24 are already hours, else stored (× 0.1).

Quality comes from the paired layer: the AppEEARS file of the same product,
date and request with the quality layer name, or the quality band of the same
Earth Engine file. No QGIS import.
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal

from .dates import DATE_ITEM, parse_date
from .errors import InputError
from .land_products import (LST_DN, PRODUCTS, QUALITY_NONE, VI_DN, VIEW_TIME_DN, VIIRS_VI_DN, LandGranule, LandProduct,
                            LayerRef, Scaling, date_from_year_doy, resolve_variable)
from .raster_io import RasterSource

gdal.UseExceptions()

#: MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif, SPL3SMP_E.005_Soil_Moisture_Retrieval_Data_AM_soil_moisture_
#: doy2021227_aid0001.tif, MOD13A2.061__1_km_16_days_NDVI_doy2021225_aid0001.tif
APPEEARS_NAME = re.compile(r'^(?P<product>[A-Za-z0-9]+(?:_[A-Za-z])?)\.(?P<version>\d{3})_(?P<layer>.+?)_doy'
                           r'(?P<year>\d{4})(?P<doy>\d{3})(?P<time>\d{6})?_aid(?P<aid>\d{4})', re.IGNORECASE)
_DOY = re.compile(r'(?:doy|\.A)(?P<year>(?:19|20)\d\d)(?P<doy>\d{3})(?!\d)', re.IGNORECASE)
_YMD = re.compile(r'(?<!\d)(?P<y>(?:19|20)\d\d)[-_]?(?P<m>[01]\d)[-_]?(?P<d>[0-3]\d)(?!\d)')

#: Physical ranges used to decide whether a layer is already scaled.
LST_KELVIN_MEDIAN = (150.0, 400.0)
LST_DN_MEDIAN = (7500.0, 20000.0)
LST_CELSIUS_MEDIAN = (-90.0, 90.0)
KELVIN_PER_CELSIUS = 273.15


def normalise_layer(name: str) -> str:
    """'_1_km_16_days_NDVI' / '1 km 16 days NDVI' → '1_km_16_days_ndvi'."""
    return re.sub(r'[^0-9a-z]+', '_', str(name).lower()).strip('_')


@dataclass(frozen=True)
class LayerKind:
    """What an exported layer holds: family ('LST', 'VI', 'SM'), role, variable, sensor hint, SMAP overpass."""
    family: str
    role: str                   # 'value', 'quality', 'view_time'
    variable: Optional[str] = None
    sensor: Optional[str] = None
    overpass: Optional[str] = None


def classify_layer(name: str) -> Optional[LayerKind]:
    """The LayerKind of a normalised layer / band name, or None for a layer the import does not use."""
    n = normalise_layer(name)
    if n in ('lst_day_1km', 'lst_1km'):
        return LayerKind('LST', 'value', 'LST', 'MODIS' if n == 'lst_day_1km' else 'VIIRS')
    if n in ('qc_day', 'qc'):
        return LayerKind('LST', 'quality', None, 'MODIS' if n == 'qc_day' else 'VIIRS')
    if n in ('day_view_time', 'view_time'):
        return LayerKind('LST', 'view_time', None, 'MODIS' if n == 'day_view_time' else 'VIIRS')
    if n.endswith('ndvi'):
        return LayerKind('VI', 'value', 'NDVI', 'VIIRS' if n.startswith('500_m') else None)
    if n.endswith('evi') and not n.endswith('evi2'):
        return LayerKind('VI', 'value', 'EVI', 'VIIRS' if n.startswith('500_m') else None)
    if n == 'summaryqa':
        return LayerKind('VI', 'quality', None, 'MODIS')
    if n.endswith('pixel_reliability'):
        return LayerKind('VI', 'quality', None, 'VIIRS' if n in ('pixel_reliability', '500_m_16_days_pixel_reliability')
                         else 'MODIS')
    overpass = 'pm' if (n.endswith('_pm') or '_data_pm_' in n) else 'am'
    if re.search(r'(^|_)retrieval_qual_flag(_am|_pm)?$', n):
        return LayerKind('SM', 'quality', None, 'SMAP', overpass)
    if re.search(r'(^|_)soil_moisture(_am|_pm)?$', n):
        return LayerKind('SM', 'value', 'SM', 'SMAP', overpass)
    return None


def date_from_text(text: str) -> Optional[date]:
    """The date in a file name: AppEEARS doyYYYYDDD, AYYYYDDD, YYYY_MM_DD, YYYY-MM-DD or YYYYMMDD; or None."""
    base = os.path.basename(str(text))
    match = _DOY.search(base)
    if match:
        try:
            return date_from_year_doy(match.group('year'), match.group('doy'))
        except ValueError:
            return None
    match = _YMD.search(base)
    if match:
        try:
            return date(int(match.group('y')), int(match.group('m')), int(match.group('d')))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class ExportLayer:
    """One band of one exported GeoTIFF: where it is, what it holds, its date and the group it pairs within."""
    path: str
    band: int
    name: str                   # the layer / band name as found
    kind: LayerKind
    acquired: Optional[date]
    group: tuple                # layers of one group pair with each other (one AppEEARS request and date, one file)
    product: Optional[str]      # AppEEARS product short name, e.g. 'MOD11A1'
    origin: str                 # 'AppEEARS' or 'Earth Engine'

    @property
    def label(self) -> str:
        name = os.path.basename(self.path)
        return name if self.origin == 'AppEEARS' else '{} band {} ({})'.format(name, self.band, self.name)


def scan_export(path: str) -> List[ExportLayer]:
    """The usable layers of one GeoTIFF export (possibly none)."""
    path = str(path)
    label = os.path.basename(path)
    try:
        dataset = gdal.Open(path)
    except RuntimeError as error:
        raise InputError('{} cannot be opened: {}'.format(label, str(error).strip()))
    appeears = APPEEARS_NAME.match(label)
    if appeears:
        kind = classify_layer(appeears.group('layer'))
        if kind is None:
            return []
        acquired = date_from_year_doy(appeears.group('year'), appeears.group('doy'))
        group = ('AppEEARS', appeears.group('product').upper(), appeears.group('version'), acquired,
                 appeears.group('time') or '', appeears.group('aid'), os.path.dirname(os.path.abspath(path)))
        return [ExportLayer(path, 1, appeears.group('layer'), kind, acquired, group, appeears.group('product').upper(),
                            'AppEEARS')]
    acquired = date_from_text(label) or parse_date(dataset.GetMetadataItem(DATE_ITEM))
    layers = []
    for band in range(1, dataset.RasterCount + 1):
        description = dataset.GetRasterBand(band).GetDescription()
        name = description
        if not description and dataset.RasterCount == 1:
            # A single-band Earth Engine export named after its band, e.g. LST_Day_1km_2021_08_15.tif.
            name = _layer_in_name(label)
        kind = classify_layer(name) if name else None
        if kind is not None:
            band_date = parse_date(dataset.GetRasterBand(band).GetMetadataItem(DATE_ITEM)) or acquired
            layers.append(ExportLayer(path, band, name, kind, band_date, ('file', os.path.abspath(path), band_date),
                                      None, 'Earth Engine'))
    return layers


_NAME_LAYERS = ('LST_Day_1km', 'LST_1KM', 'QC_Day', 'Day_view_time', 'View_Time', 'pixel_reliability', 'SummaryQA',
                'NDVI', 'EVI', 'soil_moisture_am', 'soil_moisture_pm', 'retrieval_qual_flag_am',
                'retrieval_qual_flag_pm', 'soil_moisture', 'QC')


def _layer_in_name(label):
    stem = normalise_layer(os.path.splitext(label)[0])
    for layer in _NAME_LAYERS:
        n = normalise_layer(layer)
        if re.search(r'(^|_){}(_|$)'.format(re.escape(n)), stem):
            return layer
    return None


def _not_export(path, family_text):
    return InputError('{} is not a recognised {} export. Give GeoTIFFs as AppEEARS names them (e.g. '
                      'MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif with its ..._QC_Day_... file) or Earth Engine '
                      'exports whose band names (band descriptions, or the file name) are the product\'s band names, '
                      'e.g. LST_Day_1km and QC_Day, LST_1KM and QC, NDVI and SummaryQA or pixel_reliability, '
                      'soil_moisture_am and retrieval_qual_flag_am.'.format(os.path.basename(str(path)), family_text))


def scan_exports(paths: Iterable[str], family_text: str) -> Tuple[List[ExportLayer], List[str]]:
    """(usable layers, notes) of the given GeoTIFFs. An AppEEARS file of a layer the import does not use (e.g.
    Emis_31, composite_day_of_the_year) is skipped with a note; any other file without a usable band is refused."""
    layers, notes = [], []
    for path in paths:
        found = scan_export(path)
        if not found:
            if APPEEARS_NAME.match(os.path.basename(str(path))) is None:
                raise _not_export(path, family_text)
            notes.append('{}: a layer this import does not use, skipped.'.format(os.path.basename(str(path))))
        layers.extend(found)
    return layers, notes


# -- scaling decided from the values --------------------------------------------------------------
def _nodata_fills(layer):
    nodata = RasterSource(layer.path, layer.band).nodata()
    return (float(nodata),) if nodata is not None and np.isfinite(nodata) else ()


def decide_scaling(values: np.ndarray, family: str, role: str, documented: Scaling, fills: Sequence[float] = ()
                   ) -> Tuple[Scaling, str]:
    """The Scaling of an exported layer from a sample of its valid values, and the reason (a note).

    ``documented`` is the scaling of the stored numbers. Values already in
    physical units are kept as they are (the scale is never applied twice).
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    for fill in fills:
        values = values[values != fill]
    for fill in documented.fills:
        values = values[values != fill]
    if values.size == 0:
        return documented, 'no valid value to decide the scaling from: the documented stored-number scaling is used.'
    median, low, high = float(np.median(values)), float(values.min()), float(values.max())
    stored = Scaling(documented.scale, documented.offset, tuple(documented.fills) + tuple(fills), documented.valid)
    if family == 'LST' and role == 'value':
        if LST_KELVIN_MEDIAN[0] <= median <= LST_KELVIN_MEDIAN[1]:
            return (Scaling(1.0, 0.0, tuple(fills) + (0.0,), LST_KELVIN_MEDIAN),
                    'values already in kelvin (median {:.1f}): no scale applied.'.format(median))
        if LST_DN_MEDIAN[0] <= median <= LST_DN_MEDIAN[1]:
            return stored, 'stored numbers (median {:.0f}): LST = value × {:g} K.'.format(median, documented.scale)
        if LST_CELSIUS_MEDIAN[0] <= median <= LST_CELSIUS_MEDIAN[1]:
            return (Scaling(1.0, KELVIN_PER_CELSIUS, tuple(fills),
                            (LST_KELVIN_MEDIAN[0] - KELVIN_PER_CELSIUS, LST_KELVIN_MEDIAN[1] - KELVIN_PER_CELSIUS)),
                    'values in degrees Celsius (median {:.1f}): 273.15 K added.'.format(median))
        raise InputError('The LST values (median {:.1f}, {:.1f} to {:.1f}) are neither kelvin, °C nor stored MODIS / '
                         'VIIRS numbers: the scale of this export cannot be decided. Export LST_Day_1km / LST_1KM as '
                         'delivered (or multiplied by 0.02).'.format(median, low, high))
    if family == 'VI' and role == 'value':
        if -1.0001 <= low and high <= 1.0001:
            return (Scaling(1.0, 0.0, tuple(fills), (-1.0, 1.0)),
                    'values already scaled (within ±1): no scale applied.')
        if high <= 10000 and low >= -20000:
            return stored, 'stored numbers (up to {:.0f}): index = value ÷ 10000.'.format(high)
        raise InputError('The vegetation index values ({:.4g} to {:.4g}) are neither within ±1 nor stored MODIS / '
                         'VIIRS numbers (±10000): the scale of this export cannot be decided.'.format(low, high))
    if role == 'view_time':
        if high <= 24.0:
            return Scaling(1.0, 0.0, tuple(fills), (0.0, 24.0)), 'view time already in hours: no scale applied.'
        return stored, 'view time in stored numbers: hours = value × {:g}.'.format(documented.scale)
    return stored, 'values used as stored.'


def raw_sample(path: str, band: int, max_size: int = 1024, label: Optional[str] = None) -> np.ndarray:
    """Stored numbers of a band as the import reads them (no band scale / offset applied), without nodata:
    a decimated read, or every row block when that finds nothing valid (sparse clear pixels)."""
    dataset = gdal.Open(str(path))
    raster = dataset.GetRasterBand(band)
    nodata = raster.GetNoDataValue()
    factor = max(1, int(np.ceil(max(dataset.RasterXSize, dataset.RasterYSize) / float(max_size))))

    def valid(values):
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        return values[values != nodata] if nodata is not None else values
    values = valid(raster.ReadAsArray(buf_xsize=max(1, dataset.RasterXSize // factor),
                                      buf_ysize=max(1, dataset.RasterYSize // factor)))
    rows = max(1, 4_000_000 // max(1, dataset.RasterXSize))
    for row in range(0, dataset.RasterYSize, rows):
        if values.size:
            break
        values = valid(raster.ReadAsArray(0, row, dataset.RasterXSize, min(rows, dataset.RasterYSize - row)))
    if not values.size:
        raise InputError('{} holds no valid value: every pixel is nodata.'.format(label or os.path.basename(path)))
    return values


def layer_scaling(layer: ExportLayer, family: str, role: str, documented: Scaling) -> Tuple[Scaling, str]:
    """(Scaling, note) of one exported layer, decided from a sample of its stored values."""
    fills = _nodata_fills(layer)
    return decide_scaling(raw_sample(layer.path, layer.band, label=layer.label), family, role, documented, fills)


# -- land products (LST / vegetation index) -------------------------------------------------------
def _export_product(family, sensor, short_name):
    """The product an export belongs to: the AppEEARS product, or a generic MODIS / VIIRS export product."""
    if short_name and short_name in PRODUCTS:
        return PRODUCTS[short_name]
    sensor = sensor or 'MODIS'
    if family == 'LST':
        base = PRODUCTS['VNP21A1D' if sensor == 'VIIRS' else 'MOD11A1']
        name = '{} LST export'.format(sensor)
    else:
        base = PRODUCTS['VNP13A1' if sensor == 'VIIRS' else 'MOD13A2']
        name = '{} vegetation index export'.format(sensor)
    return LandProduct(name, base.family, sensor, name, base.variables, base.quality_field, base.view_time_field,
                       '?', base.doi, base.scalings, base.reliability_good, base.reliability_marginal)


_DOCUMENTED = {('LST', 'value', 'MODIS'): LST_DN, ('LST', 'value', 'VIIRS'): LST_DN,
               ('LST', 'view_time', 'MODIS'): VIEW_TIME_DN, ('LST', 'view_time', 'VIIRS'): VIEW_TIME_DN,
               ('VI', 'value', 'MODIS'): VI_DN, ('VI', 'value', 'VIIRS'): VIIRS_VI_DN}


def open_export_granules(paths: Iterable[str], variable: Optional[str] = 'auto', quality: int = 0
                         ) -> List[LandGranule]:
    """Granules of AppEEARS / Earth Engine GeoTIFF exports of MODIS / VIIRS LST or vegetation index.

    Each value layer becomes a granule with the quality and view time layers
    of its group. Without a quality layer the export is refused unless
    ``quality`` is QUALITY_NONE.
    """
    layers, skipped = scan_exports(paths, 'MODIS / VIIRS LST or vegetation index')
    groups = OrderedDict()
    for layer in layers:
        if layer.kind.family == 'SM':
            raise InputError('{} is a SMAP soil moisture export: import it with "Import soil moisture product".'.format(
                layer.label))
        groups.setdefault(layer.group, []).append(layer)
    granules = []
    for members in groups.values():
        values = [m for m in members if m.kind.role == 'value']
        if len({v.kind.variable for v in values}) > 1:
            # e.g. NDVI and EVI of one AppEEARS request: take the one asked for ("from the files": the first).
            wanted = (variable if variable not in (None, '', 'auto')
                      else 'NDVI' if values[0].kind.family == 'VI' else 'LST')
            if any(v.kind.variable == wanted for v in values):
                skipped.extend('{}: {} not imported (the variable is {}).'.format(v.label, v.kind.variable, wanted)
                               for v in values if v.kind.variable != wanted)
                values = [v for v in values if v.kind.variable == wanted]
        for value in values:
            granules.append(_export_granule(value, members, variable, quality))
    if granules and skipped:
        first = granules[0]
        granules[0] = LandGranule(first.path, first.product, first.variable, first.acquired, first.tile,
                                  first.subdatasets, first.grid, first.notes + tuple(skipped))
    if not granules:
        names = ', '.join(sorted({os.path.basename(m.path) for m in layers}))
        raise InputError('The exports given ({}) hold only quality or view time layers. Add the LST or vegetation '
                         'index files (e.g. ..._LST_Day_1km_... or ..._NDVI_...).'.format(names))
    return granules


def _export_granule(value, members, variable, quality):
    kind = value.kind
    sensor = kind.sensor or next((m.kind.sensor for m in members if m.kind.sensor), None)
    if value.product in PRODUCTS:
        sensor = PRODUCTS[value.product].sensor
    product = _export_product(kind.family, sensor, value.product)
    wanted = variable if variable not in (None, '', 'auto') else kind.variable
    if wanted != kind.variable:
        resolve_variable(product, variable, value.path)  # refuses LST vs VI with the standard message
        # An NDVI file when EVI is wanted (or the reverse): same family, another layer.
        raise InputError('{} holds {}, but {} was requested. Give the {} files, or choose {} as the product '
                         'variable.'.format(value.label, kind.variable, variable, variable, kind.variable))
    if value.acquired is None:
        raise InputError('{}: no date found. Keep a date in the file name (AppEEARS doyYYYYDDD, or YYYY_MM_DD / '
                         'YYYYMMDD as in Earth Engine image ids) or set the ACQUISITION_DATE metadata item.'.format(
                             value.label))
    notes = []
    documented = _DOCUMENTED[(kind.family, 'value', product.sensor)]
    scaling, note = layer_scaling(value, kind.family, 'value', documented)
    notes.append('{} ({}, {}): {}'.format(value.name, value.origin, value.acquired.isoformat(), note))
    layers = {'value': LayerRef(value.path, value.band, scaling)}
    quality_layers = [m for m in members if m.kind.role == 'quality' and m.kind.family == kind.family]
    if quality_layers:
        layers['quality'] = LayerRef(quality_layers[0].path, quality_layers[0].band, None)
        notes.append('quality from {}{}.'.format(quality_layers[0].label, ' (not applied: no screening chosen)'
                                                 if quality == QUALITY_NONE else ''))
    elif quality != QUALITY_NONE:
        companion = ('the matching ..._{}_... file of the same AppEEARS request'.format(product.quality_field)
                     if value.origin == 'AppEEARS' else 'the {} band in the same file'.format(product.quality_field))
        raise InputError('No quality layer was found for {}: give {} (or choose "No quality screening" if the '
                         'export is already screened).'.format(value.label, companion))
    else:
        notes.append('no quality layer: every valid value is kept (no screening chosen).')
    if kind.family == 'LST':
        times = [m for m in members if m.kind.role == 'view_time']
        if times:
            time_scaling, time_note = layer_scaling(times[0], 'LST', 'view_time',
                                                    _DOCUMENTED[('LST', 'view_time', product.sensor)])
            layers['view_time'] = LayerRef(times[0].path, times[0].band, time_scaling)
            notes.append('view time from {}: {}'.format(times[0].label, time_note))
    grid = RasterSource(value.path, value.band, name=value.label).grid()
    for role, layer in layers.items():
        other = RasterSource(layer.source, layer.band, name=role).grid()
        if not other.same_grid(grid):
            raise InputError('{} and its {} layer {} are on different grids ({} and {}): export them together, with '
                             'the same projection and extent.'.format(value.label, role.replace('_', ' '),
                                                                      os.path.basename(layer.source),
                                                                      grid.describe(), other.describe()))
    return LandGranule(value.path if value.origin == 'AppEEARS' else '{}#{}'.format(value.path, value.band), product,
                       kind.variable, value.acquired, '?', layers, grid, tuple(notes))


# -- SMAP soil moisture ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SmapExport:
    """One exported SMAP soil moisture layer of one date and overpass, with its quality layer (or None)."""
    value: ExportLayer
    quality: Optional[ExportLayer]
    acquired: date
    overpass: str


def open_smap_exports(paths: Iterable[str], overpass: str = 'am') -> List[SmapExport]:
    """The SMAP soil moisture layers (of the chosen overpass 'am' / 'pm') of AppEEARS / Earth Engine exports."""
    layers, _ = scan_exports(paths, 'SMAP soil moisture')
    groups = OrderedDict()
    for layer in layers:
        if layer.kind.family != 'SM':
            raise InputError('{} is a {} export, not soil moisture: import it with "Import MODIS / VIIRS LST and '
                             'vegetation index".'.format(layer.label, 'LST' if layer.kind.family == 'LST'
                                                         else 'vegetation index'))
        groups.setdefault(layer.group, []).append(layer)
    found = []
    for members in groups.values():
        for value in (m for m in members if m.kind.role == 'value' and m.kind.overpass == overpass):
            if value.acquired is None:
                raise InputError('{}: no date found in the file name or metadata.'.format(value.label))
            quality = next((m for m in members if m.kind.role == 'quality' and m.kind.overpass == overpass), None)
            found.append(SmapExport(value, quality, value.acquired, overpass))
    if not found:
        raise InputError('No SMAP {} soil moisture layer among the exports ({}). Choose the other overpass, or add '
                         'the soil_moisture{} layer.'.format(overpass.upper(), ', '.join(
                             sorted({os.path.basename(m.path) for m in layers})), '_pm' if overpass == 'pm' else ''))
    return found
