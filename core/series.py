"""Downscaling a series of dates in one call (issue: "From real product files to a seamless daily series").

Each date is downscaled with the single-date pipeline (same method, options and
memory budget). NDVI may be one raster for all dates or a stack interpolated in
time; LST gaps are filled with each pixel's annual cycle plus the day's anomaly
when the series is long enough, else spatially. The output is one multi-band
GeoTIFF (band per date) or one GeoTIFF per date, written only once every date is done.
"""
import os
import shutil
from dataclasses import dataclass, field, replace
from datetime import date
from typing import List, Optional

import numpy as np

from .dates import band_dates, parse_date, stack_metadata
from . import scratch
from .downscaling import DownscaleInputs, DownscaleOptions, downscale
from .errors import EmptySceneError, InputError
from .gap_filling import TemporalLstFiller, write_annual_cycle
from .outputs_commit import OutputCommit
from .progress import Progress
from .raster_io import GTIFF_OPTIONS, RasterReader, RasterSource, RasterWriter, gdal_cache_limit, row_windows
from .terrain import SunGeometry

#: Series with at least this many LST dates over at least this many days fill gaps with the
#: annual cycle; shorter ones fill each date spatially (a cycle needs a good part of a year).
MIN_DATES_FOR_CYCLE = 10
MIN_DAYS_FOR_CYCLE = 90


def long_enough_for_cycle(dates):
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
    #: Coarse cells, summed over the dates, whose value lies outside the soil moisture bounds.
    n_infeasible_cells: int = 0


def parse_date_list(text):
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


def match_dates(coarse_dates, lst_dates):
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

    def __init__(self, path, crs_wkt, workdir, memory_mb):
        self.path = path
        self.crs_wkt = crs_wkt
        self.workdir = workdir
        self.memory_mb = memory_mb
        count = len(band_dates(path))
        self.dates = band_dates(path) if count > 1 else []
        if count > 1 and not all(self.dates):
            raise InputError('The NDVI stack does not say the date of each band; give a single NDVI raster or a '
                             'dated stack.')

    def source(self, day):
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


def downscale_series(inputs, output, options=None, dates=None, per_date_files=False, progress=None):
    """Downscale every date of the stacks; ``output`` is a GeoTIFF path, or a folder when
    ``per_date_files``. ``dates`` (optional) gives one date per band of both stacks."""
    options = options or DownscaleOptions()
    options.validate()
    progress = progress or Progress()
    coarse_dates = _stack_dates(inputs.coarse_sm, 'coarse soil moisture', dates)
    lst_dates = _stack_dates(inputs.lst, 'LST', dates)
    series_dates = match_dates(coarse_dates, lst_dates)
    progress.info('Series of {} dates, {} … {}.'.format(len(series_dates), series_dates[0], series_dates[-1]))
    workdir = scratch.work_folder('series', os.path.dirname(os.path.abspath(output)) if not per_date_files else None)
    messages = []

    def log(message):
        messages.append(message)
        progress.info(message)
    sources = [('coarse soil moisture', inputs.coarse_sm), ('LST', inputs.lst), ('NDVI', inputs.ndvi),
               ('DEM', inputs.dem.path if inputs.dem is not None else None)]
    try:
        with gdal_cache_limit(options.memory_mb), OutputCommit(protect=[s for s in sources if s[1]]) as outputs:
            return _run_series(inputs, output, options, per_date_files, progress, coarse_dates, lst_dates,
                               series_dates, workdir, log, messages, outputs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_series(inputs, output, options, per_date_files, progress, coarse_dates, lst_dates, series_dates, workdir,
                log, messages, outputs):
    """Every date through the single-date pipeline, then the outputs assembled."""
    lst_grid = RasterSource(inputs.lst, 1, inputs.lst_crs_wkt, 'LST').grid()
    cycle = None
    if options.fill_gaps and long_enough_for_cycle(lst_dates):
        log('Fitting the annual LST cycle of every pixel on {} dates for gap filling.'.format(len(lst_dates)))
        cycle = write_annual_cycle(inputs.lst, lst_dates, lst_grid, os.path.join(workdir, 'cycle.tif'),
                                   options.memory_mb, progress.sub(0.0, 0.05))
    ndvi = NdviInTime(inputs.ndvi, inputs.ndvi_crs_wkt, workdir, options.memory_mb) if inputs.ndvi else None
    per_date = []
    skipped = []
    worst = 0.0
    n_infeasible = 0
    step = 0.9 / len(series_dates)
    for index, day in enumerate(series_dates):
        progress.check()
        day_progress = progress.sub(0.05 + index * step, 0.05 + (index + 1) * step)
        day_inputs = DownscaleInputs(
            RasterSource(inputs.coarse_sm, coarse_dates.index(day) + 1, inputs.coarse_crs_wkt,
                         'coarse soil moisture ({})'.format(day)),
            RasterSource(inputs.lst, lst_dates.index(day) + 1, inputs.lst_crs_wkt, 'LST ({})'.format(day)),
            ndvi.source(day) if ndvi is not None else None, inputs.dem)
        sun = options.sun if options.sun.fixed else SunGeometry(acquisition_date=day,
                                                               solar_hour=options.sun.solar_hour)
        path = os.path.join(workdir, 'soil_moisture_{}.tif'.format(day.isoformat()))
        filler = TemporalLstFiller(lst_grid, cycle, day) if cycle else None
        quiet = day_progress.quiet()
        try:
            result = downscale(day_inputs, path, replace(options, sun=sun), progress=quiet, gap_filler=filler)
            worst = max(worst, result.consistency_max_error)
            n_infeasible += result.n_infeasible_cells
            log('{}: {} pixels, {} filled; consistency {:.1e} m³/m³.'.format(
                day, result.n_output_pixels, result.n_filled_pixels, result.consistency_max_error))
        except EmptySceneError as error:
            # A date the product leaves empty over the scene (e.g. frozen soil) gives an empty band.
            log('{}: skipped, {}'.format(day, error))
            skipped.append(day)
            path = None
        except InputError as error:
            raise InputError('{}: {}'.format(day, error))
        finally:
            if filler is not None:
                filler.close()
        per_date.append(path)
    written = _assemble(per_date, series_dates, lst_grid, output, per_date_files, options.memory_mb,
                        progress.sub(0.95, 1.0), outputs)
    outputs.commit()
    progress.report(1.0)
    return SeriesResult(written, series_dates, skipped, worst, messages, n_infeasible_cells=n_infeasible)


def _assemble(per_date, dates, grid, output, per_date_files, memory_mb, progress, outputs):
    """The output files, staged in ``outputs`` (committed together by the caller)."""
    if per_date_files:
        written = []
        for path, day in zip(per_date, dates):
            target = os.path.join(output, 'soil_moisture_{}.tif'.format(day.isoformat()))
            if path is None:
                with RasterWriter(target, grid, 1, metadata={'ACQUISITION_DATE': day.isoformat()},
                                  descriptions=[day.isoformat()], outputs=outputs) as writer:
                    writer.write(grid.full_window(), np.full((grid.height, grid.width), np.nan, np.float32))
                    writer.commit()
            else:
                shutil.move(path, outputs.stage(target))
            written.append(target)
        return written
    metadata, band_metadata, descriptions = stack_metadata(dates)
    metadata.update({'UNITS': 'm3/m3', 'SOFTWARE': 'QGIS plugin Soil Moisture Downscaling'})
    readers = [RasterReader(RasterSource(p, name='date')) if p else None for p in per_date]
    windows = row_windows(grid, 8 * len(dates), memory_mb)
    try:
        with RasterWriter(output, grid, len(dates), descriptions=descriptions, metadata=metadata,
                          band_metadata=band_metadata, options=GTIFF_OPTIONS, outputs=outputs) as writer:
            for index, window in enumerate(windows):
                progress.report(index / len(windows))
                for band, reader in enumerate(readers, start=1):
                    values = reader.read(window) if reader else np.full((window.ysize, window.xsize), np.nan)
                    writer.write(window, values.astype(np.float32), band=band)
            writer.commit()
    finally:
        for reader in readers:
            if reader:
                reader.close()
    return [output]
