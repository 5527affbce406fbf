"""Downscaling a series of dates in one call (issue: "From real product files to a seamless daily series").

Each date is downscaled with the single-date pipeline (same method, options and
memory budget). NDVI may be one raster for all dates or a stack interpolated in
time; LST gaps are filled with each pixel's annual cycle plus the day's anomaly
when the series is long enough, else spatially. The output is one multi-band
GeoTIFF (band per date) or one GeoTIFF per date.

The series-wide step (the annual LST cycle) is computed once, before the dates; each
date is then one :class:`DateTask` run by :func:`run_date`, here in a loop or on a Dask
cluster (core/distributed.py), with the same code and so the same bytes. Each date's file
is committed on its own as soon as it is done (core.outputs_commit: staged, then renamed)
into the output folder (one file per date) or into a hidden parts folder next to the output
(a multi-band output, assembled once every date is done and committed like any other
output), with a fingerprint of its inputs and options in its metadata: a date whose file is
already complete is not computed again, so a stopped run resumes. That is why a failed or
cancelled run keeps its finished dates (and the annual cycle), and nothing else.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import scratch
from .dates import band_dates, parse_date, stack_metadata
from .downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from .errors import EmptySceneError, InputError
from .gap_filling import TemporalLstFiller, annual_cycle_windows, write_annual_cycle
from .outputs_commit import OutputCommit, check_outputs, resolved
from .progress import Progress, StageTimer
from .raster_io import (GTIFF_OPTIONS, RasterReader, RasterSource, RasterWriter, dataset_metadata, gdal_cache_limit,
                        raster_output_driver, row_windows, update_metadata)
from .terrain import SunGeometry

if TYPE_CHECKING:
    from .distributed import ClusterSpec

#: Series with at least this many LST dates over at least this many days fill gaps with the
#: annual cycle; shorter ones fill each date spatially (a cycle needs a good part of a year).
MIN_DATES_FOR_CYCLE = 10
MIN_DAYS_FOR_CYCLE = 90
#: Changes when the code changes the maps or a date's stored results, so dates written by an older
#: version are computed again (2: infeasible cells counted, issue 11).
SERIES_FORMAT = 2
#: Metadata items of a date's file: the fingerprint of what made it, and its small results (JSON).
FINGERPRINT_ITEM = 'SERIES_FINGERPRINT'
RESULT_ITEM = 'SERIES_DATE_RESULT'
#: Purpose (core.scratch) of the staging folders of date tasks: those left by a task that died
#: half-way, here or on another machine, are removed once every task of the run has ended.
DATE_STAGING = 'date'


def long_enough_for_cycle(dates: Sequence[date]) -> bool:
    return len(dates) >= MIN_DATES_FOR_CYCLE and (max(dates) - min(dates)).days >= MIN_DAYS_FOR_CYCLE


@dataclass
class SeriesInputs:
    """Paths of the stacks (one band per date) and optional DEM; NDVI may be a single band."""
    coarse_sm: str
    lst: str
    ndvi: Optional[str] = None
    dem: Optional[RasterSource] = None
    coarse_crs_wkt: Optional[str] = None
    lst_crs_wkt: Optional[str] = None
    ndvi_crs_wkt: Optional[str] = None


@dataclass
class SeriesResult:
    outputs: List[str]
    dates: List[date]
    skipped: List[date] = field(default_factory=list)
    consistency_max_error: float = 0.0
    messages: List[str] = field(default_factory=list)
    #: Mean seconds of a date computed by this run (inside its task).
    seconds_per_date: float = 0.0
    #: Dates computed by this run, and dates found complete (left by a stopped run, or by a worker
    #: that died after writing its date and before reporting it).
    computed: List[date] = field(default_factory=list)
    reused: List[date] = field(default_factory=list)
    #: Wall-clock seconds of the series-wide step, of the dates, and of assembling the outputs.
    stage_seconds: dict = field(default_factory=dict)
    #: Coarse cells, summed over the dates, whose value lies outside the soil moisture bounds.
    n_infeasible_cells: int = 0


def parse_date_list(text: str) -> List[date]:
    """Dates from 'YYYY-MM-DD, YYYY-MM-DD …' (commas, semicolons or spaces)."""
    items = [t for t in text.replace(';', ',').replace(' ', ',').split(',') if t.strip()]
    dates = [parse_date(t) for t in items]
    if any(d is None for d in dates):
        bad = [t for t, d in zip(items, dates) if d is None]
        raise InputError('Cannot read these dates: {}. Write them as YYYY-MM-DD, separated by commas.'.format(
            ', '.join(bad)))
    return dates


def _stack_dates(path, label, given):
    dates = band_dates(path)
    if given:
        if len(given) != len(dates):
            raise InputError('{} dates were given but the {} stack has {} bands: give one date per band.'.format(
                len(given), label, len(dates)))
        _refuse_repeated(given, 'The dates given')
        return list(given)
    if not all(dates):
        raise InputError('The {} stack ({}) does not say the date of each band: import it with the plugin\'s import '
                         'tools, or give the dates (one per band, YYYY-MM-DD).'.format(label, path))
    _refuse_repeated(dates, 'The {} stack'.format(label))
    return dates


def _refuse_repeated(dates, what):
    """One band per date: a repeated date would silently drop a band."""
    for index, day in enumerate(dates):
        if day in dates[:index]:
            raise InputError('{} hold {} twice (bands {} and {}): give one date per band.'.format(
                what, day.isoformat(), dates.index(day) + 1, index + 1))


def match_dates(coarse_dates: Sequence[date], lst_dates: Sequence[date]) -> List[date]:
    """The dates present in both stacks, in order; refuses stacks that share none or disagree."""
    common = sorted(set(coarse_dates) & set(lst_dates))
    if not common:
        raise InputError('The coarse soil moisture and LST stacks have no date in common (coarse: {} … {}; LST: {} … '
                         '{}). Check the files or the dates given.'.format(min(coarse_dates), max(coarse_dates),
                                                                           min(lst_dates), max(lst_dates)))
    missing = sorted(set(coarse_dates) ^ set(lst_dates))
    if missing:
        raise InputError('The dates of the coarse soil moisture and LST stacks do not match: {} only in one of them '
                         '(e.g. {}). Give stacks with the same dates.'.format(
                             len(missing), ', '.join(d.isoformat() for d in missing[:5])))
    return common


class NdviInTime:
    """NDVI for any date: a single raster, or a stack interpolated linearly in time
    (nearest at the ends), written per date block by block when needed."""

    def __init__(self, path: str, crs_wkt: Optional[str], workdir: str, memory_mb: float):
        self.path = path
        self.crs_wkt = crs_wkt
        self.workdir = workdir
        self.memory_mb = memory_mb
        count = len(band_dates(path))
        self.dates = band_dates(path) if count > 1 else []
        if count > 1 and not all(self.dates):
            raise InputError('The NDVI stack does not say the date of each band; give a single NDVI raster or a '
                             'dated stack.')

    def source(self, day: date) -> RasterSource:
        if not self.dates:
            return RasterSource(self.path, 1, self.crs_wkt, 'NDVI')
        order = np.argsort(self.dates)
        dates = [self.dates[i] for i in order]
        if day in dates:
            return RasterSource(self.path, int(order[dates.index(day)]) + 1, self.crs_wkt, 'NDVI')
        after = np.searchsorted(np.array([d.toordinal() for d in dates]), day.toordinal())
        if after == 0 or after == len(dates):
            nearest = order[0] if after == 0 else order[-1]
            return RasterSource(self.path, int(nearest) + 1, self.crs_wkt, 'NDVI')
        before_band, after_band = int(order[after - 1]) + 1, int(order[after]) + 1
        weight = (day - dates[after - 1]).days / float((dates[after] - dates[after - 1]).days)
        return self._interpolated(before_band, after_band, weight, day)

    def _interpolated(self, band_a, band_b, weight, day):
        a = RasterReader(RasterSource(self.path, band_a, self.crs_wkt, 'NDVI'))
        b = RasterReader(RasterSource(self.path, band_b, self.crs_wkt, 'NDVI'))
        grid = RasterSource(self.path, band_a, self.crs_wkt, 'NDVI').grid()
        out = os.path.join(self.workdir, 'ndvi_{}.tif'.format(day.isoformat()))
        try:
            with RasterWriter(out, grid, 1, nodata=float('nan'), options=('TILED=YES',)) as writer:
                for window in row_windows(grid, 48, self.memory_mb):
                    writer.write(window, ((1 - weight) * a.read(window) + weight * b.read(window)).astype(np.float32))
                writer.commit()
        finally:
            a.close()
            b.close()
        return RasterSource(out, 1, grid.crs_wkt, 'NDVI')


@dataclass
class DateTask:
    """Everything one date of a series needs, small enough to send to a Dask worker: paths
    on storage every worker sees, the date's options, and where its file goes."""
    day: date
    coarse: RasterSource
    lst: RasterSource
    ndvi_path: Optional[str]
    ndvi_crs_wkt: Optional[str]
    dem: Optional[RasterSource]
    options: DownscaleOptions
    cycle: Optional[str]
    output: str
    fingerprint: str
    #: Metadata items written into the date's file besides the fingerprint (e.g. where it came from).
    metadata: dict = field(default_factory=dict)

    def inputs(self) -> List[Tuple[str, str]]:
        """(label, path) of the files the task reads: its commit never replaces one of them."""
        found = [(self.coarse.name, self.coarse.path), (self.lst.name, self.lst.path)]
        if self.ndvi_path:
            found.append(('NDVI', self.ndvi_path))
        if self.dem is not None:
            found.append(('DEM', self.dem.path))
        return found


def file_fingerprint(path: Optional[str]) -> Optional[Tuple[str, Optional[int], Optional[int]]]:
    """(absolute path, size in bytes, modification time in ns) of an input file."""
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return (str(path), None, None)   # a GDAL data source string, not a file
    return (os.path.realpath(path), status.st_size, status.st_mtime_ns)


def fingerprint(*parts: Any) -> str:
    """A short hash of JSON-able parts (dates and dataclasses become text)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]


def _options_key(options):
    """The options that decide the map (not the thread count: the map is the same for any)."""
    key = asdict(options)
    key.pop('threads', None)
    return key


def date_result(path: str, expected_fingerprint: str) -> Optional[Dict[str, Any]]:
    """The stored results of a date's file when it is complete and was made from the same inputs
    and options (same fingerprint), else None."""
    if not os.path.exists(path):
        return None
    metadata = dataset_metadata(path)    # {} for a file GDAL cannot read
    if metadata.get(FINGERPRINT_ITEM) != expected_fingerprint or RESULT_ITEM not in metadata:
        return None
    try:
        return json.loads(metadata[RESULT_ITEM])
    except ValueError:
        return None


def _empty_date_file(path, grid, day):
    """An all-nodata file for a date the coarse product leaves empty."""
    with RasterWriter(path, grid, 1, metadata={'ACQUISITION_DATE': day.isoformat()},
                      descriptions=[day.isoformat()]) as writer:
        writer.write(grid.full_window(), np.full((grid.height, grid.width), np.nan, np.float32))
        writer.commit()


def run_date(task: DateTask, progress: Optional[Progress] = None) -> Dict[str, Any]:
    """Downscale one date of a series into ``task.output``; returns a small dict of results.

    Runs here or on a Dask worker. The file is written in a staging folder next to its place,
    stamped with the task's fingerprint and results, and committed (renamed into place) on its
    own, so it is complete or absent; its scratch (an interpolated NDVI) is a core.scratch work
    folder. A complete file with the same fingerprint is kept as it is. Bad input is returned
    as ``{'error': message}`` (a retry would not help), not raised.
    """
    started = time.perf_counter()
    done = date_result(task.output, task.fingerprint)
    if done is not None:
        return dict(done, computed=False, seconds=0.0)
    work = scratch.work_folder('date')
    filler = None
    day = task.day
    try:
        with OutputCommit(protect=task.inputs(), purpose=DATE_STAGING) as commit:
            staged = commit.stage(task.output)
            lst_grid = task.lst.grid()
            ndvi = None
            if task.ndvi_path:
                ndvi = NdviInTime(task.ndvi_path, task.ndvi_crs_wkt, work, task.options.memory_mb).source(day)
            inputs = DownscaleInputs(task.coarse, task.lst, ndvi, task.dem)
            filler = TemporalLstFiller(lst_grid, task.cycle, day) if task.cycle else None
            try:
                result = downscale(inputs, staged, task.options, progress=progress, gap_filler=filler)
                summary = {'day': day.isoformat(), 'skipped': False, 'n_output_pixels': int(result.n_output_pixels),
                           'n_filled_pixels': int(result.n_filled_pixels),
                           'consistency_max_error': float(result.consistency_max_error),
                           'n_infeasible_cells': int(result.n_infeasible_cells)}
            except EmptySceneError as error:
                # A date the product leaves empty over the scene (e.g. frozen soil) gives an empty map.
                _empty_date_file(staged, lst_grid, day)
                summary = {'day': day.isoformat(), 'skipped': True, 'reason': str(error)}
            except InputError as error:
                return {'day': day.isoformat(), 'error': '{}: {}'.format(day, error)}
            update_metadata(staged, dict(task.metadata, **{FINGERPRINT_ITEM: task.fingerprint,
                                                           RESULT_ITEM: json.dumps(summary, sort_keys=True)}))
            commit.commit()
    finally:
        if filler is not None:
            filler.close()
        shutil.rmtree(work, ignore_errors=True)
    return dict(summary, computed=True, seconds=time.perf_counter() - started)


def parts_folder(output: str) -> str:
    """Where the dates of a multi-band output are kept until it is assembled (and across a stop)."""
    folder, name = os.path.split(os.path.abspath(output))
    return os.path.join(folder, '.{}.parts'.format(name))


def date_file(folder: str, day: date) -> str:
    """The file of one date of a series."""
    return os.path.join(folder, 'soil_moisture_{}.tif'.format(day.isoformat()))


def series_input_files(inputs: SeriesInputs) -> List[Tuple[str, str]]:
    """(label, path) of the input files of a series."""
    found = [('coarse soil moisture', inputs.coarse_sm), ('LST', inputs.lst), ('NDVI', inputs.ndvi),
             ('DEM', inputs.dem.path if inputs.dem is not None else None)]
    return [(label, path) for label, path in found if path]


def check_series_outputs(inputs: SeriesInputs, output: str, per_date_files: bool, dates: Sequence[date]) -> None:
    """Refuse, before anything is computed, an output that is an input or cannot be written, a
    multi-band format that cannot hold the dates, and date files that would replace an input."""
    sources = series_input_files(inputs)
    check_outputs([('series', output, 'folder' if per_date_files else 'file')], sources)
    if not per_date_files:
        raster_output_driver(output, len(dates))
        return
    by_path = {resolved(date_file(output, day)): date_file(output, day) for day in dates}
    for label, path in sources:
        if resolved(path) in by_path:
            raise InputError('The series would write {} over the input "{}": choose another output folder.'.format(
                by_path[resolved(path)], label))


def downscale_series(inputs: SeriesInputs, output: str, options: Optional[DownscaleOptions] = None,
                     dates: Optional[Sequence[date]] = None, per_date_files: bool = False,
                     progress: Optional[Progress] = None, cluster: Optional[ClusterSpec] = None,
                     outputs: Optional[OutputCommit] = None, metadata: Optional[Mapping[str, object]] = None
                     ) -> SeriesResult:
    """Downscale every date of the stacks; ``output`` is a GeoTIFF path, or a folder when
    ``per_date_files``. ``dates`` (optional) gives one date per band of both stacks.

    ``cluster`` (a :class:`core.distributed.ClusterSpec`) runs the dates on Dask; None runs
    them here, one after the other (each date with the pipeline's own threads). Dates whose
    file a stopped run of the same inputs and options completed are not computed again.
    A multi-band output is staged in ``outputs`` (the caller's OutputCommit, which commits it
    with its other outputs; by default the series commits it itself); its parts folder goes
    once it is committed. ``metadata``: items written into every date file and the output.
    ``SeriesResult.outputs`` are the date files, or where the multi-band output is now (its
    staged path until the caller's commit).
    """
    options = options or DownscaleOptions()
    options.validate()
    if cluster is not None:
        from .distributed import check
        check(cluster)
    progress = progress or Progress()
    coarse_dates = _stack_dates(inputs.coarse_sm, 'coarse soil moisture', dates)
    lst_dates = _stack_dates(inputs.lst, 'LST', dates)
    series_dates = match_dates(coarse_dates, lst_dates)
    check_series_outputs(inputs, output, per_date_files, series_dates)
    progress.info('Series of {} dates, {} … {}.'.format(len(series_dates), series_dates[0], series_dates[-1]))
    folder = output if per_date_files else parts_folder(output)
    made = _make_folders(folder)
    scratch.remove_stale(folder)
    messages = []

    def log(message):
        messages.append(message)
        progress.info(message)
    timer = StageTimer()
    try:
        with gdal_cache_limit(options.memory_mb), _session(cluster) as cluster, \
                _own_commit(outputs, series_input_files(inputs)) as commit:
            with timer('series-wide'):
                cycle = _shared_cycle(inputs, options, lst_dates, folder, progress.sub(0.0, 0.05), log, cluster)
            tasks = _date_tasks(inputs, options, coarse_dates, lst_dates, series_dates, cycle, folder, metadata or {})
            with timer('dates'):
                summaries = _run_tasks(tasks, cluster, progress.sub(0.05, 0.95), log)
            with timer('assemble'):
                written = _assemble([task.output for task in tasks], series_dates, tasks[0].lst.grid(), output,
                                    per_date_files, options.memory_mb, progress.sub(0.95, 1.0), commit,
                                    dict(metadata or {}, METHOD=options.method.title,
                                         METHOD_INDEX=int(options.method)),
                                    [s.get('n_output_pixels', 0) for s in summaries])
            # The series-wide scratch (cycle) and the parts of a multi-band output go once it is in place.
            commit.after_commit(_Remove(folder if not per_date_files else None, cycle))
            if commit is not outputs:
                commit.commit()
                written = [commit.public(path) for path in written]
    finally:
        scratch.remove_all(folder, DATE_STAGING)   # of tasks that died half-way: every task has ended
        for path in reversed(made):
            _remove_if_empty(path)
    progress.report(1.0)
    computed = [task.day for task, s in zip(tasks, summaries) if s.get('computed')]
    seconds = [s['seconds'] for s in summaries if s.get('computed')]
    return SeriesResult(written, series_dates, [task.day for task, s in zip(tasks, summaries) if s.get('skipped')],
                        max([s.get('consistency_max_error', 0.0) for s in summaries] + [0.0]), messages,
                        float(np.mean(seconds)) if seconds else 0.0, computed,
                        [task.day for task, s in zip(tasks, summaries) if not s.get('computed')], dict(timer.seconds),
                        n_infeasible_cells=sum(s.get('n_infeasible_cells', 0) for s in summaries))


def _make_folders(folder):
    """Make ``folder`` and its missing parents; returns those made (outermost first)."""
    made = []
    path = os.path.abspath(folder)
    while not os.path.isdir(path):
        made.append(path)
        path = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    return made[::-1]


def _remove_if_empty(folder):
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _own_commit(outputs, protect):
    """The caller's OutputCommit (left to the caller), or one of the series' own."""
    return contextlib.nullcontext(outputs) if outputs is not None else OutputCommit(protect=protect)


class _Remove:
    """What a finished series no longer needs: the parts folder, the annual cycle."""

    def __init__(self, parts, cycle):
        self.parts, self.cycle = parts, cycle

    def __call__(self):
        if self.cycle is not None:
            _remove_cycle(self.cycle)
        if self.parts is not None:
            shutil.rmtree(self.parts, ignore_errors=True)


#: Most tasks the annual cycle is cut into on a cluster (strips of whole fitting windows).
MAX_CYCLE_TASKS = 256


@dataclass
class CycleStrip:
    """Rows (first, end) of the annual cycle fitted by one task into its own strip file."""
    lst: str
    dates: list
    grid: object
    rows: tuple
    path: str
    memory_mb: float


def write_cycle_strip(strip: CycleStrip) -> str:
    """One strip of the annual cycle (a Dask task); a strip a stopped run completed is kept."""
    if not os.path.exists(strip.path):
        write_annual_cycle(strip.lst, strip.dates, strip.grid, strip.path, strip.memory_mb, Progress(),
                           rows=strip.rows)
    return strip.path


def _session(cluster):
    """One connection to the cluster for the whole series (nothing without one)."""
    if cluster is None:
        return contextlib.nullcontext()
    from .distributed import Session
    return Session(cluster)


def _shared_cycle(inputs, options, lst_dates, folder, progress, log, cluster=None):
    """The annual LST cycle of every pixel (series-wide, computed once for all dates) in ``folder``,
    or None when the series is too short or gaps are not filled. A cycle a stopped run left is reused.

    On a cluster, strips of rows are fitted by the workers (the same windows as here, so the same
    values) and joined by a VRT: with thousands of dates the cycle would otherwise be the serial part."""
    if not (options.fill_gaps and options.method != Method.BILINEAR and long_enough_for_cycle(lst_dates)):
        return None
    key = fingerprint(SERIES_FORMAT, file_fingerprint(inputs.lst), inputs.lst_crs_wkt, lst_dates)
    path = os.path.join(folder, '.annual_cycle-{}.{}'.format(key[:16], 'vrt' if cluster else 'tif'))
    if os.path.exists(path):
        log('Annual LST cycle of a previous run reused.')
        return path
    log('Fitting the annual LST cycle of every pixel on {} dates for gap filling.'.format(len(lst_dates)))
    lst_grid = RasterSource(inputs.lst, 1, inputs.lst_crs_wkt, 'LST').grid()
    if cluster is None:
        return write_annual_cycle(inputs.lst, lst_dates, lst_grid, path, options.memory_mb, progress)
    from osgeo import gdal
    from .distributed import map_on_cluster
    windows = annual_cycle_windows(lst_grid, len(lst_dates), options.memory_mb)
    per_task = -(-len(windows) // MAX_CYCLE_TASKS)
    strips = []
    for start in range(0, len(windows), per_task):
        group = windows[start:start + per_task]
        rows = (group[0].yoff, group[-1].yoff + 1)
        strips.append(CycleStrip(inputs.lst, lst_dates, lst_grid, rows, '{}.rows{}.tif'.format(path[:-4], rows[0]),
                                 options.memory_mb))
    map_on_cluster(write_cycle_strip, strips, cluster, progress, lambda index, result: None)
    # Built next to its strips (it names them relative to itself), then renamed: complete or absent.
    staged = os.path.join(folder, scratch.owned_name('cycle') + '.vrt')
    try:
        gdal.BuildVRT(staged, [strip.path for strip in strips])
        os.replace(staged, path)
    finally:
        if os.path.exists(staged):
            os.remove(staged)
    return path


def _remove_cycle(path):
    """The cycle file and, for a VRT, its strips."""
    folder, name = os.path.split(path)
    stem = name.rsplit('.', 1)[0]
    for other in os.listdir(folder):
        if other == name or other.startswith(stem + '.rows'):
            os.remove(os.path.join(folder, other))


def _date_tasks(inputs, options, coarse_dates, lst_dates, series_dates, cycle, folder, metadata):
    inputs_key = [file_fingerprint(p) for p in (inputs.coarse_sm, inputs.lst, inputs.ndvi,
                                                inputs.dem.path if inputs.dem else None)]
    inputs_key += [inputs.coarse_crs_wkt, inputs.lst_crs_wkt, inputs.ndvi_crs_wkt, inputs.dem]
    tasks = []
    for day in series_dates:
        sun = options.sun if options.sun.fixed else SunGeometry(acquisition_date=day, solar_hour=options.sun.solar_hour)
        day_options = replace(options, sun=sun)
        coarse_band, lst_band = coarse_dates.index(day) + 1, lst_dates.index(day) + 1
        key = fingerprint(SERIES_FORMAT, inputs_key, coarse_band, lst_band, lst_dates if cycle else None,
                          _options_key(day_options), day)
        tasks.append(DateTask(
            day,
            RasterSource(inputs.coarse_sm, coarse_band, inputs.coarse_crs_wkt, 'coarse soil moisture ({})'.format(day)),
            RasterSource(inputs.lst, lst_band, inputs.lst_crs_wkt, 'LST ({})'.format(day)), inputs.ndvi,
            inputs.ndvi_crs_wkt, inputs.dem, day_options, cycle, date_file(folder, day), key, metadata))
    return tasks


def _log_date(summary, log):
    if summary.get('skipped'):
        log('{}: skipped, {}'.format(summary['day'], summary.get('reason', '')))
    else:
        infeasible = summary.get('n_infeasible_cells', 0)
        log('{}: {} pixels, {} filled; consistency {:.1e} m³/m³{}{}.'.format(
            summary['day'], summary['n_output_pixels'], summary['n_filled_pixels'], summary['consistency_max_error'],
            '; {} coarse cells outside the soil moisture bounds'.format(infeasible) if infeasible else '',
            '' if summary.get('computed') else ' (done by a previous run)'))


def _run_tasks(tasks, cluster, progress, log):
    """The summary of every task, in task order: finished ones from their files, the others
    computed here or on the cluster."""
    summaries = [None] * len(tasks)
    todo = []
    for index, task in enumerate(tasks):
        done = date_result(task.output, task.fingerprint)
        if done is None:
            todo.append(index)
        else:
            summaries[index] = dict(done, computed=False, seconds=0.0)
            _log_date(summaries[index], log)
    if len(todo) < len(tasks):
        log('{} of {} dates were complete from a previous run and are kept.'.format(len(tasks) - len(todo), len(tasks)))

    def finished(index, summary):
        if 'error' in summary:
            raise InputError(summary['error'])
        summaries[index] = summary
        _log_date(summary, log)
    if cluster is not None and todo:
        from .distributed import map_on_cluster
        map_on_cluster(run_date, [tasks[i] for i in todo], cluster, progress,
                       lambda position, summary: finished(todo[position], summary))
        return summaries
    step = 1.0 / max(1, len(todo))
    for position, index in enumerate(todo):
        progress.check()
        day_progress = progress.sub(position * step, (position + 1) * step)
        finished(index, run_date(tasks[index], day_progress.quiet()))
    return summaries


def _assemble(paths, dates, grid, output, per_date_files, memory_mb, progress, commit, extra_metadata,
              expected_values=None):
    """The outputs: the dates' own files (one per date), or one multi-band raster made from them,
    staged in ``commit`` (returned under its staged path).

    ``expected_values``: per date, the number of pixels its run wrote. Each band of the multi-band
    output is checked against it; a band that differs is read again from its date file once (a
    date file replaced while it was read, e.g. by a retried task of a cluster), and the run stops
    with a message if it still differs: never a band silently emptied."""
    if per_date_files:
        return list(paths)
    metadata, band_metadata, descriptions = stack_metadata(dates)
    metadata.update({'UNITS': 'm3/m3', 'SOFTWARE': 'QGIS plugin Soil Moisture Downscaling'})
    metadata.update(extra_metadata)
    windows = row_windows(grid, 8 * len(dates), memory_mb)

    def copy(writer, bands, window_list):
        """Copy the given bands from their date files; returns the valid pixels copied per band."""
        counts = dict.fromkeys(bands, 0)
        readers = {band: RasterReader(RasterSource(paths[band - 1], name='date')) for band in bands}
        try:
            for index, window in enumerate(window_list):
                progress.report(index / len(window_list))
                for band, reader in readers.items():
                    values = reader.read(window).astype(np.float32)
                    counts[band] += int(np.isfinite(values).sum())
                    writer.write(window, values, band=band)
        finally:
            for reader in readers.values():
                reader.close()
        return counts

    with RasterWriter(output, grid, len(dates), descriptions=descriptions, metadata=metadata,
                      band_metadata=band_metadata, options=GTIFF_OPTIONS, outputs=commit) as writer:
        bands = list(range(1, len(dates) + 1))
        counts = copy(writer, bands, windows)
        if expected_values is not None:
            differ = [band for band in bands if counts[band] != expected_values[band - 1]]
            if differ:
                counts.update(copy(writer, differ, windows))
            for band in differ:
                if counts[band] != expected_values[band - 1]:
                    raise InputError('The file of {} holds {} values where its run wrote {}: it changed while the '
                                     'series was assembled. Run the series again (finished dates are kept).'.format(
                                         dates[band - 1], counts[band], expected_values[band - 1]))
        writer.commit()
    return [writer.staged_path]
