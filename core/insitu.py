"""In-situ soil moisture: readers for station files, one plain table, station coordinates.

Readers (no QGIS):
- NRCS SNOTEL / SCAN daily CSV reports (the report-generator layout, also with the
  column names made syntactic by R, e.g. ``Soil.Moisture.Percent..2in..pct..Start.of.Day.Values``):
  soil moisture in % (divided by 100), sensor depths in inches (×0.0254 m), SWE and snow
  depth in inches (→ mm), temperatures in °F (→ °C); metric reports (mm, cm, °C) too.
- ISMN "header + values" downloads (a zip, a folder, or single ``.stm`` files): one file per
  sensor, a header line (CSE, network, station, lat, lon, elevation, depth from, depth to,
  sensor) then ``YYYY/MM/DD HH:MM value qflag orig_flag`` rows; CR, LF or CRLF line ends.
  Air and soil temperature files (``_ta_``, ``_ts_``) of the same station fill the
  temperature columns used by the frozen-soil screening.
- A generic CSV: station, date, soil moisture (m³/m³, or % when told), optional latitude,
  longitude, depth, flag, SWE, snow depth, temperatures.

Every reader returns :class:`InsituData`: a dict of :class:`Station` and an
:class:`InsituTable` with one record per observation time and sensor, in SI-like units:
soil moisture m³/m³, depths m, SWE and snow depth mm, temperatures °C, NaN when absent.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import (Any, Collection, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import numpy as np

from .errors import InputError
from .progress import WARNING_PREFIX

INCH_M = 0.0254
#: Soil moisture values above this (as m³/m³) are taken to be percent.
PERCENT_THRESHOLD = 1.0
#: Formats understood by :func:`read_insitu`.
FORMATS = ('auto', 'nrcs', 'ismn', 'generic')

#: Columns of the measurement table written by "Import in-situ soil moisture" and read by "Validate".
TABLE_FIELDS = ('station', 'date', 'time', 'depth_m', 'depth_to_m', 'soil_moisture', 'flag', 'swe_mm',
                'snow_depth_mm', 'air_temp_c', 'soil_temp_c')
#: Columns of the station layer.
STATION_FIELDS = ('station', 'name', 'network', 'latitude', 'longitude', 'elevation_m', 'n_records', 'first_date',
                  'last_date', 'depths_m')


@dataclass
class Station:
    """A station: id, optional name and network, WGS84 position (NaN when unknown), elevation (m)."""
    id: str
    name: str = ''
    network: str = ''
    lon: float = float('nan')
    lat: float = float('nan')
    elevation_m: float = float('nan')

    @property
    def has_position(self) -> bool:
        return math.isfinite(self.lon) and math.isfinite(self.lat)


@dataclass
class InsituTable:
    """One row per observation (station, date, time, sensor depth); all columns have the same length.

    ``date`` is datetime64[D]; ``time`` is 'HH:MM' for sub-daily data and '' for daily values.
    Soil moisture in m³/m³, depths in m (top and bottom of the sensor), SWE and snow depth in mm,
    temperatures in °C; NaN (or '' for text) when a file does not give them.
    """
    station: np.ndarray
    date: np.ndarray
    time: np.ndarray
    depth_m: np.ndarray
    depth_to_m: np.ndarray
    soil_moisture: np.ndarray
    flag: np.ndarray
    swe_mm: np.ndarray
    snow_depth_mm: np.ndarray
    air_temp_c: np.ndarray
    soil_temp_c: np.ndarray

    def __len__(self):
        return int(self.station.size)

    def subset(self, mask: Union[np.ndarray, slice]) -> InsituTable:
        return InsituTable(**{name: getattr(self, name)[mask] for name in TABLE_FIELDS})

    def rows(self) -> Iterator[Tuple[Any, ...]]:
        """Records as tuples in TABLE_FIELDS order (dates as datetime.date, NaN as None)."""
        def clean(value):
            return None if isinstance(value, float) and math.isnan(value) else value
        dates = self.date.astype(object)
        for i in range(len(self)):
            yield (str(self.station[i]), dates[i], str(self.time[i]) or None, clean(float(self.depth_m[i])),
                   clean(float(self.depth_to_m[i])), clean(float(self.soil_moisture[i])), str(self.flag[i]) or None,
                   clean(float(self.swe_mm[i])), clean(float(self.snow_depth_mm[i])),
                   clean(float(self.air_temp_c[i])), clean(float(self.soil_temp_c[i])))


def table_from_columns(**columns: Optional[Collection[Any]]) -> InsituTable:
    """An :class:`InsituTable` from lists; missing optional columns are filled with NaN or ''."""
    n = len(columns['station'])
    text = ('station', 'time', 'flag')
    out = {}
    for name in TABLE_FIELDS:
        values = columns.get(name)
        if name == 'date':
            out[name] = np.asarray(values, dtype='datetime64[D]') if n else np.empty(0, 'datetime64[D]')
        elif name in text:
            out[name] = np.array(['' if v is None else str(v) for v in values] if values is not None else [''] * n,
                                 dtype=object)
        else:
            out[name] = (np.array([np.nan if v is None else v for v in values], dtype=np.float64)
                         if values is not None else np.full(n, np.nan))
        if out[name].shape != (n,):
            raise ValueError('column {} has {} values, expected {}'.format(name, out[name].size, n))
    missing_to = ~np.isfinite(out['depth_to_m'])
    out['depth_to_m'][missing_to] = out['depth_m'][missing_to]
    return InsituTable(**out)


def concatenate(tables: Iterable[Optional[InsituTable]]) -> InsituTable:
    tables = [t for t in tables if t is not None]
    if not tables:
        return table_from_columns(station=[], date=[])
    return InsituTable(**{name: np.concatenate([getattr(t, name) for t in tables]) for name in TABLE_FIELDS})


@dataclass
class InsituData:
    """What a reader found: stations by id, the records, and notes for the log."""
    stations: dict
    table: InsituTable
    messages: list = field(default_factory=list)
    source_format: str = ''


# -- small parsers ---------------------------------------------------------------------------------------------

_MISSING = {'', 'na', 'nan', 'null', 'none', '-', '--', 'n/a', '#n/a', '-9999', '-9999.0', '-99.9'}


_DECIMAL_COMMA = re.compile(r'^[+-]?\d*,\d+$')


def parse_number(text: Union[str, float, None], decimal_comma: bool = False) -> float:
    """float from a cell; NaN for empty, NA, -9999 and the like (and for text that is no number).
    With ``decimal_comma``, '0,25' is 0.25."""
    if text is None:
        return float('nan')
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip()
    if text.lower() in _MISSING:
        return float('nan')
    if decimal_comma and _DECIMAL_COMMA.match(text):
        text = text.replace(',', '.')
    try:
        return float(text)
    except ValueError:
        return float('nan')


def is_missing(text: Optional[str]) -> bool:
    """Whether a cell says "no value" (empty, NA, -9999, ...) rather than holding unreadable text."""
    return text is None or str(text).strip().lower() in _MISSING


_ISO = re.compile(r'^(\d{4})[-/](\d{1,2})[-/](\d{1,2})'
                  r'(?:[ T](\d{1,2}):(\d{2})(?::\d{2}(?:\.\d*)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$')
_US = re.compile(r'^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::\d{2})?)?$')
_COMPACT = re.compile(r'^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2}):?(\d{2}))?$')


def parse_timestamp(text: str, day_first: bool = False) -> Optional[Tuple[date, str]]:
    """(datetime.date, 'HH:MM' or '') from 'YYYY-MM-DD[ HH:MM[:SS]]', 'YYYY/MM/DD HH:MM', 'M/D/YYYY' (or
    'D/M/YYYY' with ``day_first``) or 'YYYYMMDD'; None when the text is not a date."""
    text = str(text).strip()
    for pattern, order in ((_ISO, (1, 2, 3)), (_US, (3, 2, 1) if day_first else (3, 1, 2)), (_COMPACT, (1, 2, 3))):
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                day_value = date(year, month, day)
            except ValueError:
                return None
            hour, minute = match.group(4), match.group(5)
            if hour is not None and not (int(hour) == 0 and int(minute) == 0 and len(text) <= 10):
                return day_value, '{:02d}:{}'.format(int(hour), minute)
            return day_value, ''
    return None


def slash_date_order(texts: Iterable[str], kept: Iterable[bool], name: str) -> bool:
    """Whether the d/d/yyyy dates of a file are day first (True) or month first (False), from a day above
    12 in one of the places; InputError when the file mixes both orders, or when a kept row (``kept``:
    one bool per text) holds such a date and no date tells the order."""
    pairs = [(int(m.group(1)), int(m.group(2)), text, keep) for text, keep in zip(texts, kept)
             for m in [_US.match(str(text).strip())] if m]
    day_first = next((text for a, b, text, _ in pairs if a > 12), None)
    month_first = next((text for a, b, text, _ in pairs if b > 12), None)
    if day_first and month_first:
        raise InputError('{}: the dates mix the orders day/month/year ({}) and month/day/year ({}); write them as '
                         'YYYY-MM-DD.'.format(name, day_first, month_first))
    if day_first or month_first:
        return bool(day_first)
    ambiguous = next((text for a, b, text, keep in pairs if keep and a != b), None)
    if ambiguous:
        raise InputError('{}: the dates are ambiguous, as in {} the day and the month could be either way round (no '
                         'date has a day above 12 to tell the order); write them as YYYY-MM-DD.'.format(
                             name, ambiguous.strip()))
    return False


def normalized_name(header: str) -> str:
    """'Soil Moisture Percent -2in (pct)' and 'Soil.Moisture.Percent..2in..pct..' both give
    'soil moisture percent 2in pct' (lower case, words separated by one space, decimals kept)."""
    text = str(header).strip().lower().replace('\ufeff', '')
    text = re.sub(r'(?<=\d)\.(?=\d)', 'DOT', text)
    text = re.sub(r'[^a-z0-9]+', ' ', text.replace('°', 'deg'))
    return ' '.join(text.replace('dot', '.').split())


def _length_to_m(value, unit):
    return value * {'in': INCH_M, 'cm': 0.01, 'mm': 0.001, 'm': 1.0}[unit]


def check_fraction(values: np.ndarray, where: str, percent_hint: bool = True) -> None:
    """Refuse soil moisture that is not in m³/m³ (values above 1 are taken for percent)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return
    above = int((finite > PERCENT_THRESHOLD).sum())
    if above:
        hint = (' These look like percent: divide them by 100, or choose "%" as the unit of the soil moisture column.'
                if percent_hint and np.nanmax(finite) <= 100 else '')
        raise InputError('Soil moisture in {} must be volumetric in m³/m³ (0–1), but {} of {} values exceed 1 '
                         '(up to {:.4g}).{}'.format(where, above, finite.size, float(finite.max()), hint))
    if (finite < -0.05).any():
        raise InputError('Soil moisture in {} holds negative values (down to {:.4g} m³/m³): check the column and its '
                         'nodata value.'.format(where, float(finite.min())))


# -- NRCS SNOTEL / SCAN report CSV ------------------------------------------------------------------------------

_NRCS_SOIL_MOISTURE = re.compile(r'soil moisture percent (\d+(?:\.\d+)?) ?(in|cm)\b')
_NRCS_SOIL_TEMPERATURE = re.compile(
    r'soil temperature (?:observed |average |value )?(\d+(?:\.\d+)?) ?(in|cm) (degf|degc)')
_NRCS_SWE = re.compile(r'snow water equivalent (in|mm)\b')
_NRCS_SNOW_DEPTH = re.compile(r'snow depth (in|cm)\b')
_NRCS_AIR = re.compile(r'air temperature (average|observed) (degf|degc)\b')
_TRIPLET = re.compile(r'\b(\d+):([A-Z]{2}):([A-Z]{3,4})\b')
_STATION_IN_HEADER = re.compile(r'\((\d+)\)')


def _temperature_c(values, unit):
    return (values - 32.0) * 5.0 / 9.0 if unit == 'degf' else values


def is_nrcs_header(columns: Iterable[str]) -> bool:
    return any(_NRCS_SOIL_MOISTURE.search(normalized_name(c)) for c in columns)


def _read_text(path):
    with open(path, 'rb') as handle:
        raw = handle.read()
    for encoding in ('utf-8-sig', 'latin-1'):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode('utf-8', errors='replace')


def _csv_rows(text):
    """(comment lines, header, data rows) of a CSV text; '#' lines are comments; delimiter sniffed."""
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    comments = [line for line in lines if line.startswith('#')]
    body = [line for line in lines if line.strip() and not line.startswith('#')]
    if not body:
        return comments, [], []
    delimiter = ','
    first = body[0]
    if first.count(';') > first.count(',') and first.count(';') >= first.count('\t'):
        delimiter = ';'
    elif first.count('\t') > first.count(','):
        delimiter = '\t'
    rows = list(csv.reader(io.StringIO('\n'.join(body)), delimiter=delimiter))
    return comments, [h.strip() for h in rows[0]], rows[1:]


def read_nrcs_csv(path: str) -> InsituData:
    """Read an NRCS SNOTEL/SCAN daily report CSV (one or several stations); see the module docstring."""
    comments, header, rows = _csv_rows(_read_text(path))
    name = os.path.basename(path)
    if not header or not is_nrcs_header(header):
        raise InputError('{} is not an NRCS SNOTEL/SCAN report: no "Soil Moisture Percent -<depth>in" column. '
                         'Columns found: {}.'.format(name, ', '.join(header[:12]) or '(none)'))
    normalized = [normalized_name(h) for h in header]
    try:
        date_column = normalized.index('date')
    except ValueError:
        raise InputError('{} has no "Date" column; the NRCS report must start with the date.'.format(name))
    site_column = next((i for i, h in enumerate(normalized) if h in ('site name', 'site id', 'station id',
                                                                       'site', 'station')), None)
    state_column = next((i for i, h in enumerate(normalized) if h in ('state name', 'state')), None)

    # Which station each column belongs to: "(335)" in a multi-station report, else the file's station.
    default_station = _nrcs_file_station(comments, rows, site_column, state_column, path)
    per_column_station = {}
    for index, raw in enumerate(header):
        match = _STATION_IN_HEADER.search(raw)
        per_column_station[index] = match.group(1) if match else None
    parsed_dates = [parse_timestamp(row[date_column]) if len(row) > date_column else None for row in rows]
    bad = [rows[i][date_column] for i, d in enumerate(parsed_dates) if d is None and rows[i] and rows[i][0].strip()]
    if bad:
        raise InputError('{}: cannot read the date {!r} (expected M/D/YYYY or YYYY-MM-DD).'.format(name, bad[0]))
    keep_rows = [i for i, d in enumerate(parsed_dates) if d is not None]
    dates = [parsed_dates[i][0] for i in keep_rows]

    def column(index):
        return np.array([parse_number(rows[i][index]) if len(rows[i]) > index else np.nan for i in keep_rows])

    stations = {}
    ancillary = {}   # station → dict of arrays
    sensors = []     # (station, depth m, values m³/m³)
    soil_temperature = {}  # (station, depth) → °C
    for index, text in enumerate(normalized):
        station = per_column_station[index] or default_station
        if station is None:
            continue
        match = _NRCS_SOIL_MOISTURE.search(text)
        if match:
            depth = _length_to_m(float(match.group(1)), match.group(2))
            values = column(index) / 100.0
            if np.isfinite(values).any() and np.nanmax(values) > 1.0:
                raise InputError('{}: soil moisture percent column "{}" holds values above 100 %.'.format(
                    name, header[index]))
            sensors.append((station, depth, values))
            continue
        match = _NRCS_SOIL_TEMPERATURE.search(text)
        if match:
            depth = _length_to_m(float(match.group(1)), match.group(2))
            soil_temperature[(station, depth)] = _temperature_c(column(index), match.group(3))
            continue
        extra = ancillary.setdefault(station, {})
        match = _NRCS_SWE.search(text)
        if match and 'swe_mm' not in extra:
            extra['swe_mm'] = column(index) * (25.4 if match.group(1) == 'in' else 1.0)
            continue
        match = _NRCS_SNOW_DEPTH.search(text)
        if match and 'snow_depth_mm' not in extra:
            extra['snow_depth_mm'] = column(index) * (25.4 if match.group(1) == 'in' else 10.0)
            continue
        match = _NRCS_AIR.search(text)
        if match:
            # Prefer the daily average; the start-of-day observation when there is no average.
            if match.group(1) == 'average' or 'air_temp_c' not in extra:
                extra['air_temp_c'] = _temperature_c(column(index), match.group(2))
    if not sensors:
        raise InputError('{}: the soil moisture columns hold no station.'.format(name))
    tables = []
    n = len(dates)
    for station, depth, values in sensors:
        extra = ancillary.get(station, {})
        temperatures = [(d, v) for (s, d), v in soil_temperature.items() if s == station]
        soil_temp = np.full(n, np.nan)
        if temperatures:
            # The soil temperature sensor closest in depth to this moisture sensor.
            soil_temp = min(temperatures, key=lambda item: abs(item[0] - depth))[1]
        keep = np.isfinite(values)
        tables.append(table_from_columns(
            station=[station] * int(keep.sum()), date=np.array(dates, dtype='datetime64[D]')[keep],
            depth_m=np.full(int(keep.sum()), depth), soil_moisture=values[keep],
            swe_mm=extra.get('swe_mm', np.full(n, np.nan))[keep],
            snow_depth_mm=extra.get('snow_depth_mm', np.full(n, np.nan))[keep],
            air_temp_c=extra.get('air_temp_c', np.full(n, np.nan))[keep], soil_temp_c=soil_temp[keep]))
        stations.setdefault(station, Station(station, network=_network_of(station)))
    table = concatenate(tables)
    depths = sorted({round(d, 4) for _, d, v in sensors if np.isfinite(v).any()})
    messages = ['{}: NRCS report, {} station(s), {} days, sensors at {} m; {} soil moisture values '
                '(% → m³/m³).'.format(name, len(stations), n, ', '.join('{:g}'.format(d) for d in depths),
                                      len(table))]
    return InsituData(stations, table, messages, 'nrcs')


def _network_of(station_id):
    parts = station_id.split(':')
    return parts[2] if len(parts) == 3 else ''


def _nrcs_file_station(comments, rows, site_column, state_column, path):
    """The station id of a single-station report: 'site:state[:network]' from the columns, the comments or the name."""
    for line in comments:
        match = _TRIPLET.search(line)
        if match:
            return match.group(0)
    for line in comments:
        match = _STATION_IN_HEADER.search(line)   # e.g. "#Berthoud Summit (335) Colorado SNOTEL Site"
        if match:
            return match.group(1)
    if site_column is not None:
        sites = {row[site_column].strip() for row in rows if len(row) > site_column and row[site_column].strip()}
        states = ({row[state_column].strip() for row in rows if len(row) > state_column and row[state_column].strip()}
                  if state_column is not None else set())
        if len(sites) == 1:
            site = sites.pop()
            return '{}:{}'.format(site, states.pop()) if len(states) == 1 else site
    stem = os.path.splitext(os.path.basename(path))[0]
    match = re.match(r'^([A-Z]{2})_(\d+)', stem) or re.search(r'(\d+)', stem)
    if match and match.lastindex == 2:
        return '{}:{}'.format(match.group(2), match.group(1))
    if match:
        return match.group(1)
    return stem


# -- ISMN header + values ----------------------------------------------------------------------------------------

_ISMN_NAME = re.compile(r'^(?P<cse>[^_]+)_(?P<network>[^_]+)_(?P<station>.+)_(?P<variable>[a-z]+)_'
                        r'(?P<depth_from>-?\d+\.\d+)_(?P<depth_to>-?\d+\.\d+)_(?P<sensor>.+)_(?P<start>\d{8})_'
                        r'(?P<end>\d{8})\.stm$')


def _ismn_members(path):
    """(name, text loader) of every .stm file in a zip, a folder (recursively) or a single file."""
    if os.path.isdir(path):
        found = []
        for folder, _, files in sorted(os.walk(path)):
            for name in sorted(files):
                if name.lower().endswith('.stm'):
                    full = os.path.join(folder, name)
                    found.append((name, lambda full=full: _read_text(full)))
        return found
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        return [(os.path.basename(info.filename),
                 lambda info=info: archive.read(info).decode('utf-8', errors='replace'))
                for info in archive.infolist() if info.filename.lower().endswith('.stm')]
    if path.lower().endswith('.stm'):
        return [(os.path.basename(path), lambda: _read_text(path))]
    return []


def _parse_stm(text):
    """(header fields, dates, times, values, flags) of one .stm file."""
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    header = lines[0].split()
    dates, times, values, flags = [], [], [], []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) < 3:
            continue
        stamp = parse_timestamp(parts[0] + ' ' + parts[1])
        if stamp is None:
            continue
        dates.append(stamp[0])
        times.append(parts[1][:5])
        values.append(parse_number(parts[2]))
        flags.append(parts[3] if len(parts) > 3 else '')
    return header, dates, times, np.array(values, dtype=np.float64), flags


def read_ismn(path: str) -> InsituData:
    """Read ISMN "header + values" soil moisture (and matching temperature) files from a zip, folder or .stm."""
    members = _ismn_members(path)
    name = os.path.basename(path.rstrip('/'))
    if not members:
        raise InputError('{} holds no ISMN .stm file. Give the zip of an ISMN "Header + values" download, its '
                         'unzipped folder, or .stm files.'.format(name))
    moisture, temperature = [], {}
    for member, load in members:
        match = _ISMN_NAME.match(member)
        if match is None:
            continue
        variable = match.group('variable')
        if variable not in ('sm', 'ts', 'ta'):
            continue
        header, dates, times, values, flags = _parse_stm(load())
        info = match.groupdict()
        if variable == 'sm':
            moisture.append((info, header, dates, times, values, flags))
        else:
            temperature.setdefault((info['network'], info['station'], variable), []).append(
                (float(info['depth_from']), dates, times, values))
    if not moisture:
        raise InputError('{} holds no ISMN soil moisture file (names like NETWORK_NETWORK_STATION_sm_0.050000_'
                         '0.050000_SENSOR_START_END.stm).'.format(name))
    stations, tables = {}, []
    for info, header, dates, times, values, flags in moisture:
        station_id = '{}:{}'.format(info['network'], info['station'])
        if station_id not in stations:
            lat, lon, elevation = (parse_number(header[i]) if len(header) > i else float('nan') for i in (3, 4, 5))
            stations[station_id] = Station(station_id, header[2] if len(header) > 2 else info['station'],
                                           info['network'], lon, lat, elevation)
        keys = [(d, t) for d, t in zip(dates, times)]
        columns = {}
        for variable, column in (('ta', 'air_temp_c'), ('ts', 'soil_temp_c')):
            series = temperature.get((info['network'], info['station'], variable))
            if not series:
                continue
            depth = float(info['depth_from'])
            _, t_dates, t_times, t_values = min(series, key=lambda s: abs(s[0] - depth))
            lookup = dict(zip(zip(t_dates, t_times), t_values))
            columns[column] = [lookup.get(key, np.nan) for key in keys]
        keep = np.isfinite(values)
        index = np.flatnonzero(keep)
        tables.append(table_from_columns(
            station=[station_id] * index.size, date=np.array(dates, dtype='datetime64[D]')[index],
            time=[times[i] for i in index], depth_m=np.full(index.size, float(info['depth_from'])),
            depth_to_m=np.full(index.size, float(info['depth_to'])), soil_moisture=values[index],
            flag=[flags[i] for i in index],
            **{column: np.asarray(v, dtype=float)[index] for column, v in columns.items()}))
    table = concatenate(tables)
    check_fraction(table.soil_moisture, name, percent_hint=False)
    messages = ['{}: ISMN header + values, {} station(s), {} sensor file(s), {} soil moisture values.'.format(
        name, len(stations), len(moisture), len(table))]
    return InsituData(stations, table, messages, 'ismn')


# -- generic CSV -----------------------------------------------------------------------------------------------

#: Accepted column names (normalized: lower case, words separated by one space).
GENERIC_COLUMNS = {
    'station': ('station', 'station id', 'stationid', 'site', 'site id', 'site name', 'id', 'station triplet',
                'stationtriplet', 'station name'),
    'date': ('date', 'datetime', 'date time', 'time', 'timestamp', 'day', 'date utc', 'utc'),
    'soil_moisture': ('soil moisture', 'soil moisture m3 m3', 'sm', 'vwc', 'theta', 'value', 'volumetric water content',
                      'soil moisture m3m3', 'sm m3 m3', 'soil moisture percent', 'soil moisture pct', 'sm pct'),
    'time_of_day': ('time', 'hour', 'time utc', 'utc time', 'time of day'),
    'latitude': ('latitude', 'lat', 'lat deg', 'latitude deg', 'y'),
    'longitude': ('longitude', 'lon', 'long', 'lng', 'lon deg', 'longitude deg', 'x'),
    'depth_m': ('depth', 'depth m', 'depth from m', 'depth from', 'sensor depth', 'sensor depth m'),
    'depth_to_m': ('depth to m', 'depth to'),
    'flag': ('flag', 'flags', 'qflag', 'quality', 'quality flag', 'qc'),
    'swe_mm': ('swe', 'swe mm', 'snow water equivalent', 'snow water equivalent mm'),
    'snow_depth_mm': ('snow depth', 'snow depth mm'),
    'air_temp_c': ('air temp c', 'air temperature', 'air temperature c', 'air temp', 'tair', 'ta'),
    'soil_temp_c': ('soil temp c', 'soil temperature', 'soil temperature c', 'soil temp', 'tsoil', 'ts'),
    'name': ('name', 'station name', 'site name'),
    'network': ('network',),
    'elevation_m': ('elevation', 'elevation m', 'elev', 'altitude', 'height'),
}
REQUIRED_GENERIC = ('station', 'date', 'soil_moisture')


def match_generic_columns(header: Sequence[str]) -> Dict[str, int]:
    """{quantity: column index} for the recognised columns of a generic CSV; first match wins."""
    normalized = [normalized_name(h) for h in header]
    found = {}
    used = set()
    for quantity, names in GENERIC_COLUMNS.items():
        # Aliases in order of preference, so that "date" wins over "time" for the date.
        index = next((i for name in names for i, text in enumerate(normalized)
                      if text == name and (i not in used or quantity == 'name')), None)
        if index is not None:
            found[quantity] = index
            used.add(index)
    return found


def _hour_minute(text):
    """'HH:MM' from '13:30', '13:30:00' or '13'; '' when empty or unreadable."""
    match = re.match(r'^\s*(\d{1,2})(?::(\d{2}))?', str(text or ''))
    if not match or int(match.group(1)) > 23:
        return ''
    return '{:02d}:{}'.format(int(match.group(1)), match.group(2) or '00')


def read_generic_csv(path: str, percent: bool = False) -> InsituData:
    """Read a generic CSV (station, date, soil moisture [, latitude, longitude, depth, flag, ...])."""
    comments, header, rows = _csv_rows(_read_text(path))
    name = os.path.basename(path)
    columns = match_generic_columns(header)
    missing = [q for q in REQUIRED_GENERIC if q not in columns]
    if missing:
        raise InputError(
            '{}: cannot find the {} column(s). Columns found: {}. Name them "station", "date" and "soil_moisture" '
            '(also accepted: {}), with optional "latitude", "longitude", "depth_m", "flag", "swe_mm", '
            '"snow_depth_mm", "air_temp_c", "soil_temp_c"; or choose another format.'.format(
                name, ', '.join(missing), ', '.join(header) or '(none)',
                '; '.join('{}: {}'.format(q, ', '.join(GENERIC_COLUMNS[q][:5])) for q in missing)))
    ignored = [h for i, h in enumerate(header) if i not in columns.values()]
    messages = []

    def text(quantity):
        index = columns.get(quantity)
        return [row[index].strip() if index is not None and len(row) > index else '' for row in rows]

    numeric = [q for q in columns if q not in ('station', 'date', 'time_of_day', 'flag', 'name', 'network')]
    example = next((cell for q in numeric for cell in text(q) if _DECIMAL_COMMA.match(cell)), None)
    if example is not None:
        messages.append('{}: decimal commas read as decimal points (e.g. "{}" = {}).'.format(
            name, example, example.replace(',', '.')))

    def number(quantity):
        return np.array([parse_number(cell, example is not None) if quantity in columns else np.nan
                         for cell in text(quantity)])

    values = number('soil_moisture')
    dropped = [cell for cell, value in zip(text('soil_moisture'), values) if not np.isfinite(value)]
    unreadable = [cell for cell in dropped if not is_missing(cell)]
    if unreadable:
        messages.append('{}{}: {} row{} with an unreadable soil moisture value {} dropped (e.g. {!r}).'.format(
            WARNING_PREFIX, name, len(unreadable), 's' if len(unreadable) > 1 else '',
            'were' if len(unreadable) > 1 else 'was', unreadable[0]))
    if len(dropped) > len(unreadable):
        empty = len(dropped) - len(unreadable)
        messages.append('{}{}: {} empty or missing soil moisture value{} (empty, NA, -9999) {} dropped.'.format(
            WARNING_PREFIX, name, empty, 's' if empty > 1 else '', 'were' if empty > 1 else 'was'))
    dates = text('date')
    day_first = slash_date_order(dates, np.isfinite(values), name)
    if day_first:
        messages.append('{}: dates read as day/month/year (e.g. {} = {}).'.format(
            name, next(d for d in dates if _US.match(d)),
            parse_timestamp(next(d for d in dates if _US.match(d)), True)[0].isoformat()))
    stamps = [parse_timestamp(d, day_first) if d else None for d in dates]
    bad = next((d or '(empty)' for d, stamp in zip(dates, stamps) if stamp is None), None)
    if bad is not None:
        raise InputError('{}: cannot read the date {!r} in column "{}" (expected YYYY-MM-DD, YYYY-MM-DD HH:MM, '
                         'D/M/YYYY or M/D/YYYY).'.format(name, bad, header[columns['date']]))
    unit_name = normalized_name(header[columns['soil_moisture']])
    if percent or 'percent' in unit_name or 'pct' in unit_name.split():
        values = values / 100.0
    check_fraction(values, '{} (column "{}")'.format(name, header[columns['soil_moisture']]))
    station_ids = text('station')
    if any(not s for s in station_ids):
        raise InputError('{}: some rows have no station id.'.format(name))
    lat, lon, elevation = number('latitude'), number('longitude'), number('elevation_m')
    names, networks = text('name'), text('network')
    if 'latitude' in columns and ((np.abs(lat[np.isfinite(lat)]) > 90).any() or
                                  (np.abs(lon[np.isfinite(lon)]) > 180).any()):
        raise InputError('{}: latitude/longitude must be WGS84 degrees; found values outside ±90/±180. Give '
                         'projected station positions through a station layer instead.'.format(name))
    stations = {}
    for i, station in enumerate(station_ids):
        if station not in stations:
            stations[station] = Station(station, names[i] if 'name' in columns else '', networks[i], float(lon[i]),
                                        float(lat[i]), float(elevation[i]))
    keep = np.isfinite(values)
    index = np.flatnonzero(keep)
    depth = number('depth_m')
    flags = text('flag') if 'flag' in columns else None
    times = text('time_of_day') if 'time_of_day' in columns else None
    stamps = [(d, t or (_hour_minute(times[i]) if times is not None else '')) for i, (d, t) in enumerate(stamps)]
    table = table_from_columns(
        station=[station_ids[i] for i in index], date=[stamps[i][0] for i in index],
        time=[stamps[i][1] for i in index], depth_m=depth[index], depth_to_m=number('depth_to_m')[index],
        soil_moisture=values[index], flag=[flags[i] for i in index] if flags is not None else None,
        swe_mm=number('swe_mm')[index], snow_depth_mm=number('snow_depth_mm')[index],
        air_temp_c=number('air_temp_c')[index], soil_temp_c=number('soil_temp_c')[index])
    messages.insert(0, '{}: generic CSV, {} station(s), {} soil moisture values; columns used: {}.'.format(
        name, len(stations), len(table), ', '.join('{} ← "{}"'.format(q, header[i]) for q, i in columns.items())))
    if ignored:
        messages.append('{}: columns not used: {}.'.format(name, ', '.join(ignored)))
    if not np.isfinite(depth).any():
        messages.append('{}: no depth column; the sensors are taken to be at the surface (depth 0).'.format(name))
        table.depth_m[:] = 0.0
        table.depth_to_m[:] = 0.0
    return InsituData(stations, table, messages, 'generic')


# -- dispatch, joining, merging ----------------------------------------------------------------------------------

def detect_format(path: str) -> str:
    """'ismn', 'nrcs' or 'generic' from the file itself."""
    if os.path.isdir(path) or path.lower().endswith(('.zip', '.stm')):
        return 'ismn'
    _, header, _ = _csv_rows(_read_text(path)[:20000])
    return 'nrcs' if is_nrcs_header(header) else 'generic'


def read_insitu(path: str, fmt: str = 'auto', percent: bool = False) -> InsituData:
    """Read one file (or ISMN folder) in the given format ('auto' detects it)."""
    if not os.path.exists(path):
        raise InputError('The in-situ file {} does not exist.'.format(path))
    if fmt not in FORMATS:
        raise InputError('Unknown in-situ format {!r}; choose one of {}.'.format(fmt, ', '.join(FORMATS)))
    if fmt == 'auto':
        fmt = detect_format(path)
    if fmt == 'ismn':
        return read_ismn(path)
    if fmt == 'nrcs':
        return read_nrcs_csv(path)
    return read_generic_csv(path, percent)


def merge(datasets: Sequence[InsituData]) -> InsituData:
    """One InsituData from several (stations by id: the first with a position wins); repeated records
    are dropped and conflicting ones reported (:func:`drop_duplicates`)."""
    stations, messages = {}, []
    for data in datasets:
        messages.extend(data.messages)
        for key, station in data.stations.items():
            if key not in stations or (not stations[key].has_position and station.has_position):
                stations[key] = station
    table, notes = drop_duplicates(concatenate([d.table for d in datasets]))
    return InsituData(stations, table, messages + notes, '+'.join(sorted({d.source_format for d in datasets})))


def drop_duplicates(table: InsituTable) -> Tuple[InsituTable, List[str]]:
    """The table without repeated records (same station, date, time, depth and value; e.g. a file given
    twice), and warnings counting them and the conflicting records (same station, date, time and depth
    with another value), which are kept: two sensors at one depth are legitimate, and the validation
    averages them."""
    if len(table) < 2:
        return table, []
    station = np.unique(table.station.astype(str), return_inverse=True)[1]
    time = np.unique(table.time.astype(str), return_inverse=True)[1]
    depth = np.nan_to_num(table.depth_m, nan=-1.0)
    day = table.date.astype('int64')
    order = np.lexsort((table.soil_moisture, depth, time, day, station))
    keys = np.column_stack([station, day, time, depth])[order]
    same_key = np.all(keys[1:] == keys[:-1], axis=1)
    values = table.soil_moisture[order]
    repeated = same_key & (values[1:] == values[:-1])
    conflicting = same_key & ~repeated
    notes = []

    def example(flags):
        i = order[1:][flags][0]
        time_text = ' {}'.format(table.time[i]) if table.time[i] else ''
        return '{} {}{} at {:g} m'.format(table.station[i], str(table.date[i]), time_text, table.depth_m[i])
    if repeated.any():
        notes.append('{}{} duplicate record{} (same station, date, time, depth and value) dropped, e.g. {}.'.format(
            WARNING_PREFIX, int(repeated.sum()), 's' if repeated.sum() > 1 else '', example(repeated)))
    if conflicting.any():
        notes.append('{}{} conflicting record{} (same station, date, time and depth, another value) kept, e.g. {} '
                     '({:g} and {:g}); the validation averages them, so check the files if they should not '
                     'differ.'.format(WARNING_PREFIX, int(conflicting.sum()), 's' if conflicting.sum() > 1 else '',
                                      example(conflicting), values[:-1][conflicting][0], values[1:][conflicting][0]))
    if not repeated.any():
        return table, notes
    drop = np.zeros(len(table), dtype=bool)
    drop[order[1:][repeated]] = True
    return table.subset(~drop), notes


def station_id_candidates(station_id: str) -> List[str]:
    """Keys under which a station can be found in another list: the id, and for an NRCS triplet
    '335:CO:SNTL' also '335:CO' and '335'."""
    station_id = str(station_id).strip()
    keys = [station_id]
    parts = station_id.split(':')
    if len(parts) == 3 and parts[0].isdigit():
        keys += ['{}:{}'.format(parts[0], parts[1]), parts[0]]
    return keys


def join_station_positions(data: InsituData, points: Mapping[str, Station]) -> Tuple[InsituData, List[str]]:
    """Give the stations of ``data`` the positions of ``points`` ({id: Station}), matched by id.

    Ids match exactly, or an NRCS site 'site:state' / 'site' matches a triplet 'site:state:network'
    (then the records take the layer's id). Returns (data, messages); stations left without a position
    are listed in the messages.
    """
    lookup = {}
    for key, point in points.items():
        for candidate in station_id_candidates(key):
            lookup.setdefault(candidate.lower(), []).append(point)
    renamed, stations, messages, unmatched = {}, {}, [], []
    for key, station in data.stations.items():
        matches = lookup.get(key.lower(), [])
        unique = {m.id for m in matches}
        if len(unique) == 1:
            point = matches[0]
            stations[point.id] = Station(point.id, point.name or station.name, point.network or station.network
                                         or _network_of(point.id), point.lon, point.lat,
                                         point.elevation_m if math.isfinite(point.elevation_m) else station.elevation_m)
            if point.id != key:
                renamed[key] = point.id
        else:
            if len(unique) > 1:
                messages.append('Station {} matches several stations of the layer ({}); its own position is '
                                'kept.'.format(key, ', '.join(sorted(unique))))
            stations[key] = station
            if not station.has_position:
                unmatched.append(key)
    table = data.table
    if renamed:
        table = table.subset(slice(None))
        table.station = np.array([renamed.get(s, s) for s in table.station], dtype=object)
        messages.append('Station ids taken from the station layer: {}.'.format(
            ', '.join('{} → {}'.format(a, b) for a, b in sorted(renamed.items()))))
    if unmatched:
        messages.append('No position for {} station(s): {}.'.format(len(unmatched), ', '.join(sorted(unmatched)[:20])))
    return InsituData(stations, table, data.messages + messages, data.source_format), messages


def require_positions(data: InsituData, have_layer: bool) -> None:
    """Refuse stations without coordinates, with a message that says how to give them."""
    missing = sorted(k for k, s in data.stations.items() if not s.has_position)
    if not missing:
        return
    if have_layer:
        raise InputError('{} station(s) are not in the station layer and have no coordinates in the file: {}. '
                         'Check the station id field of the layer (an NRCS triplet such as "335:CO:SNTL" matches '
                         'site 335 in state CO).'.format(len(missing), ', '.join(missing[:10])))
    raise InputError('The file gives no coordinates for {} station(s) ({}). Give a station point layer with their '
                     'ids (e.g. the NRCS station list with the field stationTriplet), or latitude/longitude '
                     'columns.'.format(len(missing), ', '.join(missing[:10])))


def station_summaries(data: InsituData) -> List[Tuple[Station, int, Optional[date], Optional[date], str]]:
    """Per station: (Station, n_records, first date, last date, 'depth, depth' in m), in id order."""
    table = data.table
    out = []
    for key in sorted(data.stations):
        mask = table.station == key
        n = int(mask.sum())
        if n:
            dates = table.date[mask]
            depths = ', '.join('{:g}'.format(d) for d in sorted({round(float(v), 4) for v in table.depth_m[mask]}))
            out.append((data.stations[key], n, dates.min().astype(object), dates.max().astype(object), depths))
        else:
            out.append((data.stations[key], 0, None, None, ''))
    return out
