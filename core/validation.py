"""Validation of soil moisture rasters against in-situ stations (METHOD.md §9), without QGIS.

Steps:
1. choose one sensor depth per station (the shallowest, or the one nearest a requested depth);
2. screen the records: ISMN quality flags other than the good ones, snow (SWE > 0 or snow
   depth > 0), frozen soil (soil or air temperature ≤ 0 °C); each screen can be switched off and
   is reported with the number of records it flagged and removed (a record removed by an earlier
   screen is not counted again by a later one: order flags, snow, frozen);
3. daily means of the records left (sub-daily ISMN data → one value per day);
4. per raster (a single date, or a series with one date per band, core/dates.py): the value of
   the pixel containing each station, or the mean of the valid pixels of the 3×3 block around it;
   only those pixels are read (one small read per station, all bands at once);
5. pairs on common dates; per station metrics (core/metrics.py: x = raster, y = in situ) when a
   station has at least ``min_pairs`` pairs; mean and median across those stations; pooled
   metrics over all their pairs.

Units: soil moisture m³/m³ throughout; depths m.
"""
from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass, field
from datetime import date
from typing import (TYPE_CHECKING, Any, Collection, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
from osgeo import osr

from . import metrics
from .dates import band_dates
from .errors import InputError
from .outputs_commit import write_file
from .progress import Progress
from .raster_io import GridSpec, RasterSource, spatial_reference

if TYPE_CHECKING:
    from .insitu import InsituTable

MATCHINGS = ('pixel', '3x3')
SCREENS = ('flags', 'snow', 'frozen')
SCREEN_LABELS = {'flags': 'quality flag not good', 'snow': 'snow (SWE > 0 or snow depth > 0)',
                 'frozen': 'frozen soil (soil or air temperature ≤ 0 °C)'}
METRIC_NAMES = ('r', 'bias', 'rmse', 'ubrmse')
#: Depth tolerance (m) when a depth is requested: 2 cm covers ISMN's 0.05 vs SNOTEL's 0.0508 m.
DEPTH_TOLERANCE_M = 0.02


@dataclass
class RasterInput:
    """A raster (single date) or series (one date per band) to validate; ``dates`` overrides the file's."""
    path: str
    name: str
    crs_wkt: Optional[str] = None
    dates: Optional[list] = None


@dataclass
class StationPoints:
    """Station positions in any CRS (``crs_wkt``); ``ids`` are the keys of the in-situ table."""
    ids: list
    x: np.ndarray
    y: np.ndarray
    crs_wkt: str
    names: Optional[list] = None

    def name_of(self, station: str) -> str:
        if self.names:
            index = self.ids.index(station)
            return self.names[index] or ''
        return ''


@dataclass
class ValidationOptions:
    matching: str = 'pixel'
    depth_m: Optional[float] = None
    screen_flags: bool = True
    good_flags: tuple = ('G',)
    screen_snow: bool = True
    screen_frozen: bool = True
    min_pairs: int = 10

    def validate(self) -> None:
        if self.matching not in MATCHINGS:
            raise InputError('Unknown matching {!r}; choose "pixel" or "3x3".'.format(self.matching))
        if int(self.min_pairs) < 1:
            raise InputError('The minimum number of pairs per station must be at least 1.')
        if self.depth_m is not None and not (0.0 <= self.depth_m <= 5.0):
            raise InputError('The sensor depth must be given in metres between 0 and 5 (got {}).'.format(self.depth_m))

    @property
    def enabled(self) -> Dict[str, bool]:
        return {'flags': self.screen_flags, 'snow': self.screen_snow, 'frozen': self.screen_frozen}


@dataclass
class Screening:
    """Counts of in-situ records (at the chosen depths): total, flagged and removed per screen, kept."""
    total: int
    enabled: dict
    available: dict
    flagged: dict
    removed: dict
    kept: int
    flag_counts: dict = field(default_factory=dict)

    def lines(self) -> List[str]:
        out = ['{} in-situ records at the chosen depths.'.format(self.total)]
        for screen in SCREENS:
            if not self.enabled[screen]:
                out.append('Screening "{}": off.'.format(SCREEN_LABELS[screen]))
            elif not self.available[screen]:
                out.append('Screening "{}": no data to check in the table.'.format(SCREEN_LABELS[screen]))
            else:
                out.append('Screening "{}": {} records removed ({} flagged in all).'.format(
                    SCREEN_LABELS[screen], self.removed[screen], self.flagged[screen]))
        out.append('{} records kept.'.format(self.kept))
        return out


@dataclass
class StationSeries:
    """Daily in-situ soil moisture (m³/m³) of one station at its chosen depth: kept and screened-out days."""
    station: str
    depth_m: float
    dates: np.ndarray
    values: np.ndarray
    removed_dates: np.ndarray
    removed_values: np.ndarray


@dataclass
class RasterValidation:
    """The result for one raster: values at the stations, pairs, metrics."""
    name: str
    path: str
    grid: GridSpec
    dates: list
    positions: dict          # station → (x, y) in the raster CRS
    pixels: dict             # station → (col, row), None when outside
    values: dict             # station → raster values at the station, one per entry of ``dates``
    pairs: dict              # station → (dates, estimate, in situ)
    metrics: dict            # station → metrics.agreement(...) (+ 'validated': bool)
    pooled: dict
    summary: dict            # metric → {'mean': .., 'median': ..}
    n_stations_validated: int


@dataclass
class ValidationResult:
    rasters: list
    series: dict             # station → StationSeries
    station_ids: list
    station_names: dict
    screening: Screening
    options: ValidationOptions
    messages: list


# -- dates of rasters ------------------------------------------------------------------------------------------

_NAME_DATE = re.compile(r'(?<!\d)((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?:T?\d{4,6})?(?!\d)')


def date_from_name(path: str) -> Optional[date]:
    """The one date written in a file name as YYYYMMDD[hhmmss] or YYYY-MM-DD, or None."""
    found = set()
    for match in _NAME_DATE.finditer(os.path.basename(str(path))):
        try:
            found.add(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    return found.pop() if len(found) == 1 else None


def raster_dates(raster: RasterInput, messages: List[str]) -> List[Optional[date]]:
    """One date (or None) per band: the override, the metadata convention, or (single band) the file name."""
    if raster.dates is not None:
        return list(raster.dates)
    dates = band_dates(raster.path)
    if len(dates) == 1 and dates[0] is None:
        guessed = date_from_name(raster.path)
        if guessed is not None:
            messages.append('{}: no ACQUISITION_DATE metadata; the date {} was read from the file name.'.format(
                raster.name, guessed.isoformat()))
            return [guessed]
    if not any(dates):
        raise InputError(
            'The raster "{}" has no date. A single-date raster needs the metadata item ACQUISITION_DATE=YYYY-MM-DD '
            '(or a date in its file name); a series needs the band descriptions YYYY-MM-DD (one date per band), as '
            'written by the plugin\'s algorithms. Set them with gdal_edit.py -mo ACQUISITION_DATE=YYYY-MM-DD.'.format(
                raster.name))
    if None in dates:
        messages.append('{}: {} of {} bands have no date and are ignored.'.format(
            raster.name, dates.count(None), len(dates)))
    return dates


# -- depth, screening, daily means -------------------------------------------------------------------------------

def select_depths(table: InsituTable, stations: Iterable[str], depth_m: Optional[float] = None
                  ) -> Tuple[np.ndarray, Dict[str, float]]:
    """(record mask, {station: depth m}) of the sensor depth used at each station.

    Without ``depth_m`` the shallowest depth that has values; with it the depth nearest to it
    within DEPTH_TOLERANCE_M (stations without such a sensor are left out).
    """
    mask = np.zeros(len(table), dtype=bool)
    chosen = {}
    groups = group_rows(table.station)
    finite = np.isfinite(table.soil_moisture)
    for station in stations:
        rows = groups.get(station)
        if rows is None:
            continue
        rows = rows[finite[rows]]
        if rows.size == 0:
            continue
        depths = np.unique(np.round(table.depth_m[rows], 4))
        depths = depths[np.isfinite(depths)]
        if depths.size == 0:
            mask[rows] = True
            chosen[station] = float('nan')
            continue
        if depth_m is None:
            depth = float(depths.min())
        else:
            nearest = depths[np.argmin(np.abs(depths - depth_m))]
            if abs(nearest - depth_m) > DEPTH_TOLERANCE_M:
                continue
            depth = float(nearest)
        mask[rows[np.abs(table.depth_m[rows] - depth) < 5e-5]] = True
        chosen[station] = depth
    return mask, chosen


def group_rows(keys: np.ndarray) -> Dict[str, np.ndarray]:
    """{key: row indices (ascending)} of an array of keys, in one pass."""
    if len(keys) == 0:
        return {}
    unique, inverse = np.unique(keys.astype(str), return_inverse=True)
    order = np.argsort(inverse, kind='stable')
    bounds = np.searchsorted(inverse[order], np.arange(unique.size + 1))
    return {str(key): order[bounds[i]:bounds[i + 1]] for i, key in enumerate(unique)}


def flag_is_good(flag: str, good_flags: Collection[str]) -> bool:
    """True when every part of an ISMN flag such as 'D01,D02' is one of the good flags; '' (no flag) is good."""
    flag = str(flag).strip()
    if not flag:
        return True
    return all(part.strip() in good_flags for part in flag.split(','))


def screen_records(table: InsituTable, options: ValidationOptions) -> Tuple[np.ndarray, Screening]:
    """(kept mask, Screening) over all records of ``table``."""
    enabled = options.enabled
    good = {g.strip() for g in options.good_flags if g.strip()}
    has_flag = np.array([bool(f) for f in table.flag], dtype=bool)
    bad_flag = np.array([not flag_is_good(f, good) for f in table.flag], dtype=bool)
    with np.errstate(invalid='ignore'):
        snow = (table.swe_mm > 0) | (table.snow_depth_mm > 0)
        frozen = (table.soil_temp_c <= 0) | (table.air_temp_c <= 0)
    flagged = {'flags': bad_flag, 'snow': snow, 'frozen': frozen}
    available = {'flags': bool(has_flag.any()),
                 'snow': bool(np.isfinite(table.swe_mm).any() or np.isfinite(table.snow_depth_mm).any()),
                 'frozen': bool(np.isfinite(table.soil_temp_c).any() or np.isfinite(table.air_temp_c).any())}
    kept = np.ones(len(table), dtype=bool)
    removed = {}
    for screen in SCREENS:
        if enabled[screen]:
            removed[screen] = int((kept & flagged[screen]).sum())
            kept &= ~flagged[screen]
        else:
            removed[screen] = 0
    flag_counts = {}
    for value in table.flag:
        if value:
            flag_counts[value] = flag_counts.get(value, 0) + 1
    screening = Screening(len(table), enabled, available, {s: int(flagged[s].sum()) for s in SCREENS}, removed,
                          int(kept.sum()), flag_counts)
    return kept, screening


def daily_means(dates: np.ndarray, values: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(unique dates, mean value per date) of finite values."""
    keep = np.isfinite(values)
    dates, values = dates[keep], values[keep]
    if dates.size == 0:
        return np.empty(0, 'datetime64[D]'), np.empty(0)
    unique, inverse = np.unique(dates, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=unique.size)
    counts = np.bincount(inverse, minlength=unique.size)
    return unique, sums / counts


# -- reading rasters at stations -------------------------------------------------------------------------------

def transform_points(x: Union[Sequence[float], np.ndarray], y: Union[Sequence[float], np.ndarray], from_wkt: str,
                     to_wkt: str) -> Tuple[np.ndarray, np.ndarray]:
    """Coordinates in another CRS (x = easting/longitude); NaN where the transform fails."""
    source, target = spatial_reference(from_wkt), spatial_reference(to_wkt)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if source.IsSame(target):
        return x.copy(), y.copy()
    transform = osr.CoordinateTransformation(source, target)
    out_x, out_y = np.full(x.size, np.nan), np.full(y.size, np.nan)
    for i in range(x.size):
        if not (math.isfinite(x[i]) and math.isfinite(y[i])):
            continue
        try:
            px, py, _ = transform.TransformPoint(float(x[i]), float(y[i]))
        except RuntimeError:
            continue
        if math.isfinite(px) and math.isfinite(py):
            out_x[i], out_y[i] = px, py
    return out_x, out_y


def pixel_of(grid: GridSpec, x: float, y: float) -> Optional[Tuple[int, int]]:
    """(col, row) of the pixel containing map point (x, y) of a north-up grid, or None when outside."""
    gt = grid.geotransform
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    col = int(math.floor((x - gt[0]) / gt[1]))
    row = int(math.floor((y - gt[3]) / gt[5]))
    if 0 <= col < grid.width and 0 <= row < grid.height:
        return col, row
    return None


def read_at_pixels(source: RasterSource, grid: GridSpec, pixels: Sequence[Optional[Tuple[int, int]]],
                   bands: Sequence[int], half: int, progress: Optional[Progress] = None) -> np.ndarray:
    """Values (n_pixels, n_bands) at (col, row) pixels: the pixel (half = 0) or the mean of the valid
    pixels of the (2·half+1)² block around it, clipped to the raster. Nodata → NaN; scale/offset applied."""
    dataset = source.open()
    nodata, scale, offset = [], [], []
    for band in bands:
        handle = dataset.GetRasterBand(band)
        nodata.append(handle.GetNoDataValue())
        scale.append(handle.GetScale() or 1.0)
        offset.append(handle.GetOffset() or 0.0)
    out = np.full((len(pixels), len(bands)), np.nan)
    for index, pixel in enumerate(pixels):
        if progress is not None and index % 50 == 0:
            progress.report(index / max(1, len(pixels)))
        if pixel is None:
            continue
        col, row = pixel
        x0, y0 = max(0, col - half), max(0, row - half)
        x1, y1 = min(grid.width, col + half + 1), min(grid.height, row + half + 1)
        block = dataset.ReadAsArray(x0, y0, x1 - x0, y1 - y0, band_list=list(bands))
        block = np.asarray(block, dtype=np.float64).reshape(len(bands), y1 - y0, x1 - x0)
        for b in range(len(bands)):
            values = block[b]
            if nodata[b] is not None and not math.isnan(nodata[b]):
                values[values == nodata[b]] = np.nan
            values = values * scale[b] + offset[b]
            finite = values[np.isfinite(values)]
            out[index, b] = finite.mean() if finite.size else np.nan
    dataset = None
    return out


# -- the validation ----------------------------------------------------------------------------------------------

def _station_metrics(x, y, min_pairs):
    result = metrics.agreement(x, y)
    result['validated'] = result['n'] >= min_pairs
    if not result['validated']:
        for name in ('bias', 'rmse', 'ubrmse', 'r', 'r_lower', 'r_upper'):
            result[name] = float('nan')
    return result


def _summary(station_metrics):
    summary = {}
    validated = [m for m in station_metrics.values() if m['validated']]
    for name in METRIC_NAMES:
        values = np.array([m[name] for m in validated], dtype=float)
        values = values[np.isfinite(values)]
        summary[name] = {'mean': float(values.mean()) if values.size else float('nan'),
                         'median': float(np.median(values)) if values.size else float('nan'),
                         'n': int(values.size)}
    return summary


def _date_range(dates):
    dates = [d for d in dates if d is not None]
    if not dates:
        return '(none)'
    return '{} to {}'.format(min(dates).isoformat(), max(dates).isoformat())


def unique_points(points: StationPoints, messages: List[str]) -> StationPoints:
    """The stations with repeated features (same id, same position) dropped; conflicting repeats refused."""
    seen, keep = {}, []
    for index, station in enumerate(points.ids):
        position = (points.x[index], points.y[index])
        if station in seen:
            if seen[station] != position:
                raise InputError('The station layer holds the station {} twice at different positions ({:.6g}, '
                                 '{:.6g} and {:.6g}, {:.6g}); keep one.'.format(station, *seen[station], *position))
            continue
        seen[station] = position
        keep.append(index)
    if len(keep) == len(points.ids):
        return points
    messages.append('{} repeated station feature(s) (same id and position) were ignored.'.format(
        len(points.ids) - len(keep)))
    return StationPoints([points.ids[i] for i in keep], points.x[keep], points.y[keep], points.crs_wkt,
                         [points.names[i] for i in keep] if points.names else None)


def validate(rasters: Sequence[RasterInput], points: StationPoints, table: InsituTable,
             options: Optional[ValidationOptions] = None, progress: Optional[Progress] = None) -> ValidationResult:
    """Validate rasters against in-situ records; returns a :class:`ValidationResult`.

    ``rasters``: list of :class:`RasterInput`; ``points``: :class:`StationPoints`; ``table``: an
    InsituTable (core/insitu.py). Raises :class:`InputError` with a message that says what to fix when
    nothing can be validated (stations outside every raster, no common dates, everything screened out,
    too few pairs), before any output is written.
    """
    options = options or ValidationOptions()
    options.validate()
    progress = progress or Progress()
    messages = []
    if not rasters:
        raise InputError('Give at least one raster to validate.')
    points = unique_points(points, messages)
    station_set = set(points.ids)
    in_table = set(table.station.tolist())
    if not in_table:
        raise InputError('The in-situ table is empty.')
    common = [s for s in points.ids if s in in_table]
    if not common:
        raise InputError('None of the station ids of the in-situ table ({}) is in the station layer ({}). Choose the '
                         'station id field that holds the same ids, e.g. the layer written by "Import in-situ soil '
                         'moisture".'.format(', '.join(sorted(in_table)[:5]), ', '.join(sorted(station_set)[:5])))
    if len(in_table - station_set):
        messages.append('{} station(s) of the table are not in the station layer and are left out: {}.'.format(
            len(in_table - station_set), ', '.join(sorted(in_table - station_set)[:10])))

    depth_mask, depths = select_depths(table, common, options.depth_m)
    if not depths:
        raise InputError('No station has a sensor within {:g} m of the requested depth {:g} m. Leave the depth empty '
                         'to use the shallowest sensor of each station.'.format(DEPTH_TOLERANCE_M, options.depth_m))
    selected = table.subset(depth_mask)
    kept_mask, screening = screen_records(selected, options)
    messages.extend(screening.lines())
    if screening.kept == 0:
        found = ', '.join('{} ({})'.format(f, n) for f, n in sorted(screening.flag_counts.items(),
                                                                   key=lambda item: -item[1])[:6])
        hint = (' Flags found: {}. Add the flags you trust to the good flags (e.g. "G,U"), or switch the flag '
                'screening off.'.format(found) if screening.removed['flags'] else '')
        raise InputError('The screening removed all {} in-situ records ({}).{} Switch off the screens that do not '
                         'apply.'.format(screening.total, ', '.join('{}: {}'.format(s, screening.removed[s])
                                                                    for s in SCREENS), hint))
    series = {}
    groups = group_rows(selected.station)
    for station in common:
        if station not in depths:
            continue
        rows = groups[station]
        kept, removed = rows[kept_mask[rows]], rows[~kept_mask[rows]]
        kept_dates, kept_values = daily_means(selected.date[kept], selected.soil_moisture[kept])
        removed_dates, removed_values = daily_means(selected.date[removed], selected.soil_moisture[removed])
        series[station] = StationSeries(station, depths[station], kept_dates, kept_values, removed_dates,
                                        removed_values)
    station_ids = [s for s in common if s in series]
    index_of = {s: points.ids.index(s) for s in station_ids}
    insitu_dates = set()
    for s in station_ids:
        insitu_dates.update(series[s].dates.astype(object).tolist())

    results = []
    half = 1 if options.matching == '3x3' else 0
    for raster_index, raster in enumerate(rasters):
        step = progress.sub(raster_index / len(rasters), (raster_index + 1) / len(rasters))
        step.check()
        source = RasterSource(raster.path, 1, raster.crs_wkt, raster.name)
        grid = source.grid()
        if not grid.is_north_up:
            raise InputError('The raster "{}" is rotated; warp it to a north-up grid first.'.format(raster.name))
        dates = raster_dates(raster, messages)
        bands = [i + 1 for i, d in enumerate(dates) if d is not None]
        band_dates_list = [d for d in dates if d is not None]
        if len(set(band_dates_list)) < len(band_dates_list):
            messages.append('{}: several bands share a date; the first band of each date is used.'.format(raster.name))
        x, y = transform_points([points.x[index_of[s]] for s in station_ids],
                                [points.y[index_of[s]] for s in station_ids], points.crs_wkt, grid.crs_wkt)
        positions = {s: (x[i], y[i]) for i, s in enumerate(station_ids)}
        pixels = {s: pixel_of(grid, x[i], y[i]) for i, s in enumerate(station_ids)}
        values = read_at_pixels(source, grid, [pixels[s] for s in station_ids], bands, half, step)
        first_band_of = {}
        for column, d in enumerate(band_dates_list):
            first_band_of.setdefault(d, column)
        pairs, station_metrics = {}, {}
        for i, station in enumerate(station_ids):
            s = series[station]
            columns = [first_band_of.get(d) for d in s.dates.astype(object)]
            take = np.array([c is not None for c in columns], dtype=bool)
            estimate = np.array([values[i, c] if c is not None else np.nan for c in columns])
            keep = take & np.isfinite(estimate) & np.isfinite(s.values)
            pairs[station] = (s.dates[keep], estimate[keep], s.values[keep])
            station_metrics[station] = _station_metrics(estimate[keep], s.values[keep], options.min_pairs)
        matched = np.concatenate([p[1] for p in pairs.values()]) if pairs else np.empty(0)
        if matched.size and np.median(matched) > 1.0:
            raise InputError('The raster "{}" holds values up to {:.4g} at the stations (median {:.4g}): soil moisture '
                             'must be in m³/m³, not %. Divide it by 100 (Raster calculator).'.format(
                                 raster.name, float(matched.max()), float(np.median(matched))))
        validated = [s for s in station_ids if station_metrics[s]['validated']]
        pooled_x = np.concatenate([pairs[s][1] for s in validated]) if validated else np.empty(0)
        pooled_y = np.concatenate([pairs[s][2] for s in validated]) if validated else np.empty(0)
        pooled = metrics.agreement(pooled_x, pooled_y)
        results.append(RasterValidation(
            raster.name, raster.path, grid, band_dates_list, positions, pixels,
            {s: values[i] for i, s in enumerate(station_ids)}, pairs, station_metrics, pooled,
            _summary(station_metrics), len(validated)))
        inside = sum(1 for p in pixels.values() if p is not None)
        n_pairs = sum(p[0].size for p in pairs.values())
        messages.append('{}: {} band(s) dated {}; {} of {} stations inside; {} pairs; {} station(s) with at least {} '
                        'pairs.'.format(raster.name, len(bands), _date_range(band_dates_list), inside,
                                        len(station_ids), n_pairs, len(validated), options.min_pairs))
        step.report(1.0)

    _check_outcome(results, station_ids, series, points, options)
    names = {s: points.name_of(s) for s in station_ids}
    return ValidationResult(results, series, station_ids, names, screening, options, messages)


def _check_outcome(results, station_ids, series, points, options):
    """Raise a clear InputError when the run produced nothing to report."""
    if not any(p is not None for r in results for p in r.pixels.values()):
        extents = '; '.join('"{}": {:.6g}, {:.6g} to {:.6g}, {:.6g} ({})'.format(
            r.name, *r.grid.bounds, _crs_name(r.grid.crs_wkt)) for r in results)
        xs = [points.x[points.ids.index(s)] for s in station_ids]
        ys = [points.y[points.ids.index(s)] for s in station_ids]
        raise InputError(
            'No station lies inside any raster. Stations span x {:.6g} to {:.6g}, y {:.6g} to {:.6g} ({}); '
            'rasters: {}. '
            'Check the CRS of the station layer and of the rasters, and choose rasters that cover the '
            'stations.'.format(min(xs), max(xs), min(ys), max(ys), _crs_name(points.crs_wkt), extents))
    if not any(p[0].size for r in results for p in r.pairs.values()):
        insitu = [d for s in station_ids for d in series[s].dates.astype(object).tolist()]
        rasters = '; '.join('"{}": {} ({} dates)'.format(r.name, _date_range(r.dates), len(r.dates)) for r in results)
        raise InputError(
            'No date of the rasters matches an in-situ date with valid values at the stations inside them. In-situ '
            'data (after screening) cover {}; rasters: {}. Choose rasters and in-situ data of the same days, and '
            'check the rasters\' dates (band descriptions YYYY-MM-DD or ACQUISITION_DATE).'.format(
                _date_range(insitu), rasters))
    if not any(r.n_stations_validated for r in results):
        best = max(((m['n'], s) for r in results for s, m in r.metrics.items()), default=(0, ''))
        raise InputError('No station has at least {} pairs (the most: {} at {}). Lower the minimum number of pairs '
                         'per station, or add dates.'.format(options.min_pairs, best[0], best[1]))


def _crs_name(wkt):
    from .raster_io import crs_label
    try:
        return crs_label(wkt)
    except RuntimeError:
        return 'unknown CRS'


# -- outputs ------------------------------------------------------------------------------------------------------

PAIR_COLUMNS = ('station', 'raster', 'date', 'estimate_m3_m3', 'in_situ_m3_m3', 'difference_m3_m3', 'depth_m',
                'pixel_col', 'pixel_row')


def pair_rows(result: ValidationResult) -> Iterator[Tuple[Any, ...]]:
    """Rows of the matched pairs (PAIR_COLUMNS), raster by raster, station by station, by date."""
    for raster in result.rasters:
        for station in result.station_ids:
            dates, estimate, in_situ = raster.pairs[station]
            col, row = raster.pixels[station] or (None, None)
            for d, x, y in zip(dates.astype(object), estimate, in_situ):
                yield (station, raster.name, d.isoformat(), float(x), float(y), float(x - y),
                       result.series[station].depth_m, col, row)


def write_pairs_csv(path: str, result: ValidationResult) -> str:
    """Write the matched pairs as CSV, completely or not at all; returns the path."""
    def write(handle):
        writer = csv.writer(handle)
        writer.writerow(PAIR_COLUMNS)
        for row in pair_rows(result):
            writer.writerow(['{:.10g}'.format(v) if isinstance(v, float) else ('' if v is None else v) for v in row])
    return write_file(path, write, newline='', encoding='utf-8')


def metric_field_prefixes(names: Iterable[str], max_length: int = 20) -> List[str]:
    """Short, unique, lowercase field prefixes for raster names (e.g. 'downscaled_sm')."""
    prefixes = []
    for name in names:
        prefix = re.sub(r'[^a-z0-9]+', '_', str(name).lower()).strip('_')[:max_length] or 'raster'
        if prefix[0].isdigit():
            prefix = 'r' + prefix[:max_length - 1]
        candidate, k = prefix, 2
        while candidate in prefixes:
            suffix = '_{}'.format(k)
            candidate = prefix[:max_length - len(suffix)] + suffix
            k += 1
        prefixes.append(candidate)
    return prefixes


#: Per-raster station fields: (suffix, metric key, integer?).
METRIC_FIELDS = (('n', 'n', True), ('r', 'r', False), ('r_low', 'r_lower', False), ('r_high', 'r_upper', False),
                 ('bias', 'bias', False), ('rmse', 'rmse', False), ('ubrmse', 'ubrmse', False))
