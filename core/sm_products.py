"""Soil moisture products into one dated stack: ESA CCI / C3S NetCDF here, SMAP L3 HDF5 (core/smap.py),
SMOS L3 CATDS netCDF (core/smos.py) and AppEEARS / Earth Engine GeoTIFF exports of SMAP (core/exports.py).

Every product file becomes an item with a grid, one date per band and a
``read(band, window, quality_flags)`` giving m³/m³ with NaN for nodata; the
stacking, clipping and checks below are shared.

ESA CCI and C3S:

The Level-3 products (ESA CCI SM, and its operational continuation C3S SM)
are global regular latitude/longitude grids of 0.25° (1440 × 720 cells,
origin -180°, 90°). Variable ``sm`` is volumetric soil moisture in m³/m³
(valid range 0–1, fill -9999); daily files also hold ``flag`` (0 = no
inconsistency detected; anything else, including its fill 127, means the
retrieval is not to be used). The files carry no CRS that GDAL reads, so
EPSG:4326 is assigned here. Units: m³/m³ throughout, extents in degrees.
No QGIS import.
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, List, Optional, Sequence, Union

import numpy as np
from osgeo import gdal, osr

from . import exports, smap, smos
from .dates import stack_metadata
from .errors import InputError
from .modis import transform_bounds
from .progress import Progress
from .raster_io import (OUTPUT_NODATA, GridSpec, RasterReader, RasterSource, RasterWriter, Window,
                        damaged_file_error)
from .units import check_soil_moisture

gdal.UseExceptions()

#: Cell size of the ESA CCI / C3S grid in degrees, and the global grid's origin and size.
CCI_PIXEL_DEG = 0.25
CCI_ORIGIN = (-180.0, 90.0)
CCI_SIZE = (1440, 720)

#: ESACCI-SOILMOISTURE-L3S-SSMV-COMBINED-20100701000000-fv04.5.nc,
#: C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-20180101000000-ICDR-v201706.0.0.nc
PRODUCT_NAME = re.compile(r'(?P<programme>ESACCI|C3S)-SOILMOISTURE-L3S-SSM[VS]-(?P<sensor>COMBINED|ACTIVE|PASSIVE)'
                          r'(?:-(?P<period>DAILY|DEKADAL|MONTHLY))?-(?P<stamp>\d{14})', re.IGNORECASE)
_TIME_UNITS = re.compile(r'^\s*(?P<unit>days?|hours?|minutes?|seconds?)\s+since\s+(?P<origin>\d{4}-\d{1,2}-\d{1,2}'
                         r'(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?)', re.IGNORECASE)
_SECONDS = {'day': 86400.0, 'hour': 3600.0, 'minute': 60.0, 'second': 1.0}
_EXAMPLE = 'ESACCI-SOILMOISTURE-L3S-SSMV-COMBINED-20100701000000-fv04.5.nc'
#: Quality levels: index of the QUALITY enum of the algorithm.
SM_QUALITY_RECOMMENDED = 0   # CCI / C3S flag 0, SMAP retrieval_qual_flag bit 0 clear
SM_QUALITY_ALL = 1           # every retrieval that is not fill or out of range
#: SMAP overpass: index of the SMAP_OVERPASS enum of the algorithm.
OVERPASS_CHOICES = ('am', 'pm')
_VOLUMETRIC_UNITS = {'m3 m-3', 'm3/m3', 'm^3 m^-3', 'm^3/m^3', 'm3.m-3', 'm³/m³', 'm³ m⁻³'}


def _wgs84():
    return wgs84_wkt()


def wgs84_wkt() -> str:
    """WKT of EPSG:4326 (the CRS assigned to the CCI / C3S grid)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def date_from_time_value(value: Union[str, float, None], units: Optional[str]) -> Optional[date]:
    """Calendar date of a CF time value, e.g. (14791, 'days since 1970-01-01 00:00:00 UTC') → 2010-07-01.

    Only the standard (proleptic Gregorian) calendar is handled; None when the units are not understood.
    """
    match = _TIME_UNITS.match(units or '')
    if match is None or value is None:
        return None
    unit = match.group('unit').lower().rstrip('s')
    origin_text = match.group('origin').replace('T', ' ')
    parts = origin_text.split(' ')
    y, m, d = (int(p) for p in parts[0].split('-'))
    origin = datetime(y, m, d)
    if len(parts) > 1:
        hms = [float(p) for p in parts[1].split(':')]
        origin += timedelta(hours=hms[0], minutes=hms[1] if len(hms) > 1 else 0, seconds=hms[2] if len(hms) > 2 else 0)
    try:
        return (origin + timedelta(seconds=float(value) * _SECONDS[unit])).date()
    except (OverflowError, ValueError):
        return None


def date_from_name(path: str) -> Optional[date]:
    """The date of the YYYYMMDDhhmmss stamp of a CCI / C3S file name, or None."""
    match = PRODUCT_NAME.search(os.path.basename(str(path)))
    if match is None:
        return None
    stamp = match.group('stamp')
    try:
        return date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    except ValueError:
        return None


def parse_number_list(text: str) -> List[float]:
    """'{0,1}' or '0, 1' → [0.0, 1.0] (GDAL's rendering of NetCDF attribute arrays)."""
    try:
        return [float(t) for t in str(text).strip('{}[]() ').split(',') if t.strip()]
    except ValueError:
        return []


def mask_soil_moisture(sm: np.ndarray, flag: Optional[np.ndarray] = None, valid_range: Optional[Sequence[float]] = None
                       ) -> np.ndarray:
    """Soil moisture in m³/m³ (float64, NaN = nodata) from the ``sm`` values (NaN already where fill).

    Cells become nodata where ``flag`` is non-zero or NaN (flag fill), and where
    sm lies outside ``valid_range`` (min, max), as CF prescribes.
    """
    sm = np.array(sm, dtype=np.float64)
    if flag is not None:
        flag = np.asarray(flag, dtype=np.float64)
        with np.errstate(invalid='ignore'):
            sm[~(flag == 0)] = np.nan
    if valid_range is not None and len(valid_range) == 2:
        with np.errstate(invalid='ignore'):
            sm[(sm < valid_range[0]) | (sm > valid_range[1])] = np.nan
    return sm


def check_cci_grid(geotransform: Sequence[float], width: int, height: int, label: str) -> bool:
    """The grid must be the 0.25° CCI lattice: pixel 0.25°, north-up, aligned to (-180, 90), inside the globe.

    Returns True for the full global grid, False for an aligned subset; raises InputError otherwise.
    """
    gt = geotransform
    ok = (abs(gt[1] - CCI_PIXEL_DEG) < 1e-9 and abs(gt[5] + CCI_PIXEL_DEG) < 1e-9 and gt[2] == 0 and gt[4] == 0)
    if ok:
        col = (gt[0] - CCI_ORIGIN[0]) / CCI_PIXEL_DEG
        row = (CCI_ORIGIN[1] - gt[3]) / CCI_PIXEL_DEG
        ok = (abs(col - round(col)) < 1e-6 and abs(row - round(row)) < 1e-6 and round(col) >= 0 and round(row) >= 0
              and round(col) + width <= CCI_SIZE[0] and round(row) + height <= CCI_SIZE[1])
    if not ok:
        raise InputError('{} is not on the 0.25° ESA CCI / C3S grid (origin -180°, 90°): its origin is ({:.6g}, '
                         '{:.6g}) and its pixel {:.6g} × {:.6g}. Give the original Level-3 NetCDF files.'.format(
                             label, gt[0], gt[3], gt[1], -gt[5]))
    return (abs(gt[0] - CCI_ORIGIN[0]) < 1e-9 and abs(gt[3] - CCI_ORIGIN[1]) < 1e-9
            and (width, height) == CCI_SIZE)


@dataclass
class SoilMoistureFile:
    """One CCI / C3S NetCDF file: the variable's GDAL name, its grid, one date per band, and what it is."""
    path: str
    variable: str
    source: str                 # NETCDF:"path":variable
    flag_source: Optional[str]  # NETCDF:"path":flag, or None (monthly files have no flag)
    grid: GridSpec
    dates: list
    product: str                # e.g. 'C3S SM v201706.0 COMBINED monthly'
    sensor: str                 # COMBINED / ACTIVE / PASSIVE / ?
    period: str                 # daily / dekadal / monthly / ?
    valid_range: Optional[list] = None
    is_global: bool = True
    notes: tuple = ()

    @property
    def label(self) -> str:
        return os.path.basename(self.path)

    def read(self, band: int, window: Window, quality_flags: bool = True) -> np.ndarray:
        """Soil moisture (m³/m³, NaN nodata) of one time step inside a window, flags applied unless not wanted."""
        return read_soil_moisture(self, band, window, quality_flags)


def _netcdf_name(path, variable):
    return 'NETCDF:"{}":{}'.format(path, variable)


def open_soil_moisture_file(path: str, variable: str = 'sm') -> SoilMoistureFile:
    """Identify a CCI / C3S soil moisture NetCDF file (no pixel is read); InputError naming the fix otherwise."""
    path = str(path)
    label = os.path.basename(path)
    if not os.path.isfile(path):
        raise InputError('The soil moisture file {} does not exist.'.format(path))
    not_cci = ('{} is not an ESA CCI / C3S soil moisture NetCDF file ({{}}). Give the Level-3 .nc files as '
               'downloaded from the CCI data portal or the Copernicus Climate Data Store, named like {}.')
    try:
        dataset = gdal.Open(path)
    except RuntimeError as error:
        raise damaged_file_error(path, error) or InputError(not_cci.format(label, _EXAMPLE).format(
            'GDAL cannot open it: {}'.format(str(error).strip())))
    driver = dataset.GetDriver().ShortName
    if driver != 'netCDF':
        raise InputError(not_cci.format(label, _EXAMPLE).format('it is a {} file, not NetCDF'.format(driver)))
    metadata = dataset.GetMetadata() or {}
    title = metadata.get('NC_GLOBAL#title', '')
    name_match = PRODUCT_NAME.search(label) or PRODUCT_NAME.search(metadata.get('NC_GLOBAL#id', ''))
    title_match = re.search(r'(ESA CCI|C3S).*soil moisture', title, re.IGNORECASE)
    if name_match is None and title_match is None:
        raise InputError(not_cci.format(label, _EXAMPLE).format(
            'neither its name nor its title attribute ("{}") identifies ESA CCI or C3S soil moisture'.format(title)))
    variables = [name.split(':')[-1] for name, _ in dataset.GetSubDatasets()]
    if not variables and dataset.RasterCount:
        # A file with a single gridded variable has no subdatasets: GDAL opens that variable directly.
        variables = [dataset.GetRasterBand(1).GetMetadataItem('NETCDF_VARNAME') or '']
    if variable not in variables:
        raise InputError('{} has no variable "{}"; it holds {}. Set the variable name accordingly (usually '
                         '"sm").'.format(label, variable, ', '.join(variables) or 'no gridded variable'))

    source = _netcdf_name(path, variable)
    band_dataset = gdal.Open(source)
    units = (band_dataset.GetRasterBand(1).GetUnitType() or metadata.get('{}#units'.format(variable)) or '').strip()
    if units and units.lower() not in _VOLUMETRIC_UNITS:
        hint = (' This is the ACTIVE product (degree of saturation in percent): use the COMBINED or PASSIVE product, '
                'which is volumetric.' if 'percent' in units.lower() or '%' in units else '')
        raise InputError('{}: variable "{}" is in "{}", not volumetric soil moisture (m³/m³).{}'.format(
            label, variable, units, hint))

    projection = band_dataset.GetProjection()
    if projection:
        srs = osr.SpatialReference(wkt=projection)
        if not srs.IsGeographic() or abs(srs.GetSemiMajor() - 6378137.0) > 1.0:
            raise InputError('{} is in a CRS other than WGS 84 latitude/longitude ({}): it is not an original '
                             'CCI / C3S file.'.format(label, srs.GetName()))
    gt = band_dataset.GetGeoTransform(can_return_null=True)
    if gt is None:
        raise InputError('{} has no grid coordinates (lat/lon) that GDAL can read.'.format(label))
    is_global = check_cci_grid(gt, band_dataset.RasterXSize, band_dataset.RasterYSize, label)
    grid = GridSpec(band_dataset.RasterXSize, band_dataset.RasterYSize, tuple(gt), wgs84_wkt())

    # The variable's own metadata holds the time axis (time#units); the file's holds only global attributes.
    dates = _band_dates(band_dataset, band_dataset.GetMetadata() or {}, path)
    has_flag = 'flag' in variables and variable != 'flag'
    valid_range = parse_number_list(band_dataset.GetRasterBand(1).GetMetadataItem('valid_range') or
                                    metadata.get('{}#valid_range'.format(variable), ''))
    programme = (name_match.group('programme').upper() if name_match else
                 ('C3S' if title_match.group(1).upper() == 'C3S' else 'ESACCI'))
    sensor = _first(name_match and name_match.group('sensor'), _search(r'\b(COMBINED|ACTIVE|PASSIVE)\b', title), '?')
    period = _period(name_match, metadata, programme)
    version = metadata.get('NC_GLOBAL#product_version', '')
    product = '{} SM{} {} {}'.format('C3S' if programme == 'C3S' else 'ESA CCI', ' v' + version.lstrip('v') if version
                                     else '', sensor.upper(), period)
    return SoilMoistureFile(path, variable, source, _netcdf_name(path, 'flag') if has_flag else None, grid, dates,
                            product, sensor.upper(), period, valid_range if len(valid_range) == 2 else None,
                            is_global)


def _first(*values):
    for value in values:
        if value:
            return value
    return None


def _search(pattern, text):
    match = re.search(pattern, text or '', re.IGNORECASE)
    return match.group(1) if match else None


def _period(name_match, metadata, programme):
    if name_match and name_match.group('period'):
        return name_match.group('period').lower()
    duration = (metadata.get('NC_GLOBAL#time_coverage_duration') or '').upper()
    known = {'P1D': 'daily', 'P10D': 'dekadal', 'P1M': 'monthly'}
    if duration in known:
        return known[duration]
    # ESA CCI daily images carry no period in their names (their duration attribute is the whole record).
    return 'daily' if name_match and programme == 'ESACCI' else '?'


def _band_dates(dataset, metadata, path):
    """One date per band: the NetCDF time value, checked against the file name's stamp."""
    label = os.path.basename(path)
    units = metadata.get('time#units', '')
    from_name = date_from_name(path)
    dates = []
    for index in range(1, dataset.RasterCount + 1):
        value = dataset.GetRasterBand(index).GetMetadataItem('NETCDF_DIM_time')
        dates.append(date_from_time_value(value, units) if value is not None else None)
    if dataset.RasterCount == 1:
        if dates[0] and from_name and dates[0] != from_name:
            raise InputError('{}: the date in its name ({}) does not match its time variable ({}). Restore the '
                             'original file name.'.format(label, from_name.isoformat(), dates[0].isoformat()))
        dates[0] = dates[0] or from_name
    if any(d is None for d in dates):
        raise InputError('{}: no date found (no readable time variable, and no YYYYMMDDhhmmss stamp in the name). '
                         'Keep the original file name, e.g. {}.'.format(label, _EXAMPLE))
    if len(set(dates)) != len(dates):
        raise InputError('{} holds the same date in several time steps.'.format(label))
    return dates


@dataclass
class SoilMoistureImport:
    """What an import wrote: dates in band order, the grid, valid cells per band, the products read."""
    output: str
    dates: list
    grid: GridSpec
    valid_cells: list
    products: list
    messages: list = field(default_factory=list)


def check_stackable(files: Sequence[ProductFile]) -> None:
    """All files must share grid, sensor type and temporal period, so the stack is one consistent series."""
    first = files[0]
    for other in files[1:]:
        if not other.grid.same_grid(first.grid):
            raise InputError('{} and {} are on different grids ({} and {}); give files of one grid (the global '
                             'product files, or subsets of the same area).'.format(
                                 first.label, other.label, first.grid.describe(), other.grid.describe()))
    for attribute, what in (('sensor', 'sensors or sensor types (SMAP, SMOS, COMBINED, ACTIVE, PASSIVE)'),
                            ('period', 'temporal resolutions (daily, dekadal, monthly)')):
        values = OrderedDict()
        for item in files:
            values.setdefault(getattr(item, attribute), []).append(item.label)
        if len(values) > 1:
            listed = '; '.join('{}: {}'.format(value, ', '.join(labels)) for value, labels in values.items())
            raise InputError('The files mix {} ({}). A stack must be one series: import them separately.'.format(
                what, listed))


def open_product_files(paths: Iterable[str], variable: str = 'sm', overpass: str = 'am',
                       progress: Optional[Progress] = None) -> List[ProductFile]:
    """Identify soil moisture files of any supported product (no value is read); exports are taken together."""
    progress = progress or Progress()
    files, tiffs = [], []
    for path in paths:
        progress.check()
        driver = _driver(path)
        if driver == 'HDF5':
            files.append(smap.open_smap_file(path, variable, overpass))
        elif driver == 'netCDF' and smos.is_smos_file(path, _netcdf_globals(path)):
            files.append(smos.open_smos_file(path, variable))
        elif driver == 'GTiff':
            tiffs.append(path)
        else:
            files.append(open_soil_moisture_file(path, variable))
    if tiffs:
        files.extend(SmapExportFile.from_export(item) for item in exports.open_smap_exports(tiffs, overpass))
    return files


def _driver(path):
    path = str(path)
    if not os.path.isfile(path):
        raise InputError('The soil moisture file {} does not exist.'.format(path))
    try:
        return gdal.Open(path).GetDriver().ShortName
    except (RuntimeError, AttributeError):
        return None


def _netcdf_globals(path):
    metadata = gdal.Open(str(path)).GetMetadata() or {}
    return {key.split('#', 1)[1]: value for key, value in metadata.items() if key.startswith('NC_GLOBAL#')}


@dataclass
class SmapExportFile:
    """A SMAP soil moisture layer exported by AppEEARS or Earth Engine (already m³/m³, fill -9999)."""
    path: str
    band: int
    quality_path: Optional[str]
    quality_band: int
    grid: GridSpec
    dates: list
    product: str
    label: str
    sensor: str = 'SMAP radiometer'
    period: str = 'daily'
    is_global: bool = False
    notes: tuple = ()

    @classmethod
    def from_export(cls, item: exports.SmapExport) -> SmapExportFile:
        value, quality = item.value, item.quality
        grid = RasterSource(value.path, value.band, name=value.label).grid()
        notes = ['{}: SMAP {} soil moisture ({} export, {}); {}.'.format(
            value.label, item.overpass.upper(), value.origin, item.acquired.isoformat(),
            'quality from {}'.format(quality.label) if quality else 'no quality layer found')]
        if quality is not None and not RasterSource(quality.path, quality.band).grid().same_grid(grid):
            raise InputError('{} and its quality layer {} are on different grids: export them together.'.format(
                value.label, quality.label))
        return cls(value.path, value.band, quality.path if quality else None, quality.band if quality else 1, grid,
                   [item.acquired], 'SMAP {} ({} export)'.format(item.overpass.upper(), value.origin), value.label,
                   notes=tuple(notes))

    def read(self, band: int, window: Window, quality_flags: bool = True) -> np.ndarray:
        if quality_flags and self.quality_path is None:
            raise InputError('No SMAP quality layer (retrieval_qual_flag) was found for {}: give it with the soil '
                             'moisture layer, or choose "All retrievals" as the quality.'.format(self.label))
        values = _read_raw_band(self.path, self.band, window)
        flag = _read_raw_band(self.quality_path, self.quality_band, window) if quality_flags else None
        nodata = RasterSource(self.path, self.band).nodata()
        if nodata is not None:
            values = np.where(values == nodata, smap.SOIL_MOISTURE_FILL, values)
        return smap.smap_soil_moisture(values, flag)


#: A soil moisture file of any supported product: a grid, one date per band and read(band, window, quality_flags).
ProductFile = Union[SoilMoistureFile, smap.SmapFile, smos.SmosFile, SmapExportFile]


def _read_raw_band(path, band, window):
    dataset = gdal.Open(str(path))
    return dataset.GetRasterBand(band).ReadAsArray(int(window.xoff), int(window.yoff), int(window.xsize),
                                                   int(window.ysize))


def import_soil_moisture(paths: Iterable[Union[str, os.PathLike]], output: Union[str, os.PathLike],
                         variable: Optional[str] = 'sm', extent: Optional[Sequence[float]] = None,
                         progress: Optional[Progress] = None, quality: int = SM_QUALITY_RECOMMENDED,
                         overpass: str = 'am') -> SoilMoistureImport:
    """Stack soil moisture files into one Float32 GeoTIFF (m³/m³, nodata -9999), one band per date.

    CCI / C3S files stay on their 0.25° grid (EPSG:4326 assigned), SMAP and
    SMOS files on their EASE-Grid 2.0 grid (EPSG:6933), exports on theirs.
    ``extent`` (xmin, ymin, xmax, ymax) in degrees clips the stack to the cells
    it touches. ``quality`` SM_QUALITY_RECOMMENDED drops flagged retrievals
    (CCI flag, SMAP retrieval_qual_flag bit 0), SM_QUALITY_ALL keeps them;
    ``overpass`` 'am' or 'pm' chooses the SMAP retrieval (and export layer).
    Missing cells become nodata. Two files of one date are accepted only when
    their values are identical (the same image twice).
    """
    progress = progress or Progress()
    paths = [str(p) for p in paths]
    if not paths:
        raise InputError('Give at least one soil moisture file.')
    variable = (variable or 'sm').strip()
    quality_flags = quality != SM_QUALITY_ALL
    files = open_product_files(paths, variable, overpass, progress)
    check_stackable(files)
    grid = files[0].grid
    for item in files:
        for note in item.notes:
            progress.info(note)
    if any(isinstance(f, SoilMoistureFile) for f in files):
        if any(not f.is_global for f in files):
            progress.info('The files are a subset of the global 0.25° grid ({}).'.format(grid.describe()))
        progress.info('No CRS in the NetCDF files: EPSG:4326 (WGS 84 latitude/longitude) assigned to the 0.25° grid.')
    progress.info('Quality: {}.'.format('recommended retrievals only (flags applied)' if quality_flags
                                        else 'all retrievals (flags not applied)'))

    window = grid.full_window()
    if extent is not None:
        xmin, ymin, xmax, ymax = extent
        if not (xmax >= xmin and ymax >= ymin):
            raise InputError('The extent is empty or inverted: {}.'.format(extent))
        bounds = extent if grid.is_geographic else transform_bounds(extent, _wgs84(), grid.crs_wkt)
        window = grid.window_for_bounds(bounds) if bounds is not None else None
        if window is None:
            west, south, east, north = (grid.bounds if grid.is_geographic
                                        else transform_bounds(grid.bounds, grid.crs_wkt, _wgs84()))
            raise InputError('The extent (longitude {:.3f} to {:.3f}, latitude {:.3f} to {:.3f}) does not overlap '
                             'the soil moisture grid (longitude {:.2f} to {:.2f}, latitude {:.2f} to {:.2f}). Check '
                             'the extent and its CRS.'.format(xmin, xmax, ymin, ymax, west, east, south, north))
    out_grid = grid.subgrid(window)

    # (date, file, band) for every time step, sorted by date; the same date twice must be the same image.
    steps = sorted(((day, item, band) for item in files for band, day in enumerate(item.dates, start=1)),
                   key=lambda step: (step[0], step[1].path, step[2]))
    by_date = OrderedDict()
    for day, item, band in steps:
        by_date.setdefault(day, []).append((item, band))
    dates = list(by_date)
    dataset_meta, band_meta, descriptions = stack_metadata(dates)
    products = sorted({f.product for f in files})
    dataset_meta.update({'PRODUCT': '; '.join(products), 'VARIABLE': variable, 'UNITS': 'm3 m-3',
                         'SOURCE_FILES': ','.join(sorted({f.label for f in files}))})
    progress.info('{}: {} date{} ({} to {}), {}.'.format('; '.join(products), len(dates), 's' if len(dates) > 1 else '',
                                                      dates[0].isoformat(), dates[-1].isoformat(),
                                                      out_grid.describe()))
    valid_cells, messages = [], []
    with RasterWriter(output, out_grid, len(dates), gdal.GDT_Float32, OUTPUT_NODATA, descriptions, dataset_meta,
                      band_metadata=band_meta) as writer:
        for index, (day, members) in enumerate(by_date.items()):
            progress.report(index / len(dates))
            values = members[0][0].read(members[0][1], window, quality_flags)
            for other, band in members[1:]:
                progress.check()
                duplicate = other.read(band, window, quality_flags)
                if not np.array_equal(np.isnan(values), np.isnan(duplicate)) or \
                        not np.allclose(values[np.isfinite(values)], duplicate[np.isfinite(duplicate)], atol=1e-7):
                    raise InputError('{} and {} are both for {} but hold different values: give one file per date '
                                     '(e.g. not two versions of the same product).'.format(
                                         members[0][0].label, other.label, day.isoformat()))
                message = '{} and {} hold the same image for {}: used once.'.format(members[0][0].label, other.label,
                                                                                   day.isoformat())
                messages.append(message)
                progress.info(message)
            finite = values[np.isfinite(values)]
            if finite.size:
                check_soil_moisture(finite, 'soil moisture of {}'.format(members[0][0].label))
            else:
                message = 'Warning: {} has no valid soil moisture inside the extent.'.format(day.isoformat())
                messages.append(message)
                progress.info(message)
            valid_cells.append(int(finite.size))
            writer.write(Window(0, 0, out_grid.width, out_grid.height), values, band=index + 1)
        if sum(valid_cells) == 0:
            raise InputError('No valid soil moisture inside the extent on any date: the area is ocean, outside '
                             'the retrievals, or flagged (frozen soil, snow, dense vegetation). Enlarge the extent, '
                             'choose other dates, or keep all retrievals (quality).')
        progress.report(1.0)
        writer.commit()
    return SoilMoistureImport(str(output), dates, out_grid, valid_cells, products, messages)


def read_soil_moisture(item: SoilMoistureFile, band: int, window: Window, quality_flags: bool = True) -> np.ndarray:
    """Soil moisture (m³/m³, float64, NaN nodata) of one time step of a CCI / C3S file inside a window, flags
    applied unless ``quality_flags`` is False."""
    try:
        sm = _read(RasterSource(item.source, band, name=item.label), window)
        flag = (_read(RasterSource(item.flag_source, band, name=item.label), window)
                if item.flag_source and quality_flags else None)
    except RuntimeError as error:
        raise InputError('Cannot read {}: {}. The file may be truncated: download it again.'.format(
            item.label, str(error).strip()))
    return mask_soil_moisture(sm, flag, item.valid_range)


def _read(source, window):
    reader = RasterReader(source)
    try:
        return reader.read(window)
    finally:
        reader.close()
