"""A daily series: 365 dates on the Colorado 1 km grid (about 600 × 450 px) in one call.

The inputs are written first (not timed), as the stacks the plugin's series algorithm reads
(one band per date, dates in the band metadata, ``core.dates``): a Colorado twin scene
(coarse product on the ESA CCI 0.25° grid, EPSG:4326) gives the base fields; each date adds a
seasonal cycle and a daily anomaly to LST and the coarse soil moisture, a cloud mask of
0-60 % on LST, 2 % missing coarse cells, and its own sun position; NDVI is a stack of 23
16-day composites (interpolated in time by the series algorithm, as MOD13A2 would be).

``series_call`` times ``core.series.downscale_series`` (one call, one multi-band output).
``standin_daily_calls`` (``--standin``) times what that replaced: one ``core.downscaling.downscale``
call per date in one process, with each date's spatial gap filling instead of the annual cycle.

Run: ``/usr/bin/python3 -P benchmarks/series.py [--dates N] [--standin] [--results DIR]``.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.series import main  # noqa: E402
    sys.exit(main())

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from . import common  # noqa: E402
from .twin_scene import COLORADO_DEM, TwinSettings, make_twin_scene  # noqa: E402
from ..core import downscaling  # noqa: E402
from ..core.dates import stack_metadata  # noqa: E402
from ..core.raster_io import RasterSource, RasterWriter, read_array  # noqa: E402
from ..core.terrain import SunGeometry  # noqa: E402

#: Time core.series.downscale_series (True) or the per-date stand-in (False).
USE_SERIES_CALL = True
START = date(2021, 1, 1)
STACK_OPTIONS = ('TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'INTERLEAVE=BAND', 'COMPRESS=DEFLATE', 'ZLEVEL=1',
                 'BIGTIFF=IF_SAFER')


def _stack_writer(path, grid, dates):
    metadata, band_metadata, descriptions = stack_metadata(dates)
    return RasterWriter(path, grid, len(dates), descriptions=descriptions, metadata=metadata,
                        band_metadata=band_metadata, options=STACK_OPTIONS)


def make_series_inputs(folder, n_dates, seed=5):
    """Write lst.tif and coarse_sm.tif (one band per date), ndvi.tif (16-day composites) and
    base/dem.tif into folder; returns (dates, base twin scene)."""
    base = make_twin_scene(COLORADO_DEM, os.path.join(folder, 'base'), TwinSettings(
        fine_resolution=1000, coarse_crs='EPSG:4326', coarse_resolution=0.25, coarse_origin=(-180.0, 90.0), seed=seed))
    rng = np.random.default_rng(seed)
    lst0 = read_array(RasterSource(base.paths['lst']))
    ndvi0 = read_array(RasterSource(base.paths['ndvi']))
    coarse0 = read_array(RasterSource(base.paths['coarse_sm']))
    shape = lst0.shape
    anomaly = ndimage.gaussian_filter(rng.standard_normal((shape[0] * 2, shape[1] * 2)), 25.0, mode='wrap')
    anomaly /= anomaly.std()
    clouds = ndimage.gaussian_filter(rng.standard_normal((shape[0] * 2, shape[1] * 2)), 6.0, mode='wrap')
    dates = [START + timedelta(days=k) for k in range(n_dates)]

    def phase(day):
        return 2.0 * np.pi * (day.timetuple().tm_yday - 110) / 365.0
    ndvi_dates = [START + timedelta(days=16 * k) for k in range(max(1, -(-n_dates // 16)))]
    window = base.fine_grid.full_window()
    with _stack_writer(os.path.join(folder, 'lst.tif'), base.fine_grid, dates) as lst_out, \
            _stack_writer(os.path.join(folder, 'coarse_sm.tif'), base.coarse_grid, dates) as coarse_out, \
            _stack_writer(os.path.join(folder, 'ndvi.tif'), base.fine_grid, ndvi_dates) as ndvi_out:
        for k, day in enumerate(dates):
            dy, dx = (17 * k) % shape[0], (29 * k) % shape[1]
            lst = lst0 + 12.0 * np.sin(phase(day)) - 6.0 + 3.0 * anomaly[dy:dy + shape[0], dx:dx + shape[1]]
            cloud_fraction = 0.6 * rng.random()
            field = clouds[dx % shape[0]:dx % shape[0] + shape[0], dy % shape[1]:dy % shape[1] + shape[1]]
            if cloud_fraction > 0.02:
                lst = np.where(field > np.quantile(field, 1.0 - cloud_fraction), np.nan, lst)
            coarse = np.clip(coarse0 * (1.0 - 0.25 * np.sin(phase(day))) + 0.01 * rng.standard_normal(coarse0.shape),
                             0.02, 0.5)
            coarse[rng.random(coarse.shape) < 0.02] = np.nan
            lst_out.write(window, lst.astype(np.float32), band=k + 1)
            coarse_out.write(base.coarse_grid.full_window(), coarse.astype(np.float32), band=k + 1)
        for k, day in enumerate(ndvi_dates):
            ndvi_out.write(window, np.clip(ndvi0 + 0.12 * np.sin(phase(day)), 0.02, 0.92).astype(np.float32),
                           band=k + 1)
        for writer in (lst_out, coarse_out, ndvi_out):
            writer.commit()
    return dates, base


def _dem(folder):
    return RasterSource(os.path.join(folder, 'base', 'dem.tif'), name='dem')


def standin_daily_calls(folder, dates, out_folder):
    """The stand-in: one core.downscaling.downscale call per date (default method and options;
    NDVI: the composite nearest in time; gaps filled spatially per date)."""
    from ..core.dates import band_dates
    ndvi_dates = band_dates(os.path.join(folder, 'ndvi.tif'))
    stage_totals, errors, worst = {}, 0, 0.0
    for k, day in enumerate(dates):
        nearest = int(np.argmin([abs((d - day).days) for d in ndvi_dates])) + 1
        inputs = downscaling.DownscaleInputs(
            RasterSource(os.path.join(folder, 'coarse_sm.tif'), k + 1, name='coarse_sm'),
                                          RasterSource(os.path.join(folder, 'lst.tif'), k + 1, name='lst'),
                                          RasterSource(os.path.join(folder, 'ndvi.tif'), nearest, name='ndvi'),
                                          _dem(folder))
        out = os.path.join(out_folder, 'sm_{:03d}.tif'.format(k))
        try:
            result = downscaling.downscale(inputs, out,
                                           downscaling.DownscaleOptions(sun=SunGeometry(acquisition_date=day)))
        except Exception:
            errors += 1
            continue
        worst = max(worst, result.consistency_max_error)
        for stage, seconds in result.stage_seconds.items():
            stage_totals[stage] = stage_totals.get(stage, 0.0) + seconds
        os.remove(out)
    return {'stage_seconds': stage_totals, 'failed_dates': errors, 'consistency_max_error': worst}


def series_call(folder, dates, out_folder):
    """One call of core.series.downscale_series on the stacks (default method and options)."""
    from ..core.series import SeriesInputs, downscale_series
    output = os.path.join(out_folder, 'soil_moisture_series.tif')
    result = downscale_series(SeriesInputs(coarse_sm=os.path.join(folder, 'coarse_sm.tif'),
                                           lst=os.path.join(folder, 'lst.tif'), ndvi=os.path.join(folder, 'ndvi.tif'),
                                           dem=_dem(folder)), output, downscaling.DownscaleOptions())
    size = sum(os.path.getsize(p) for p in result.outputs)
    for path in result.outputs:
        os.remove(path)
    return {'failed_dates': len(dates) - len(result.dates) + len(result.skipped),
            'consistency_max_error': result.consistency_max_error, 'output_mb': size / 1e6, 'stage_seconds': {}}


def child_run(folder, n_dates, use_series_call):
    dates = [START + timedelta(days=k) for k in range(n_dates)]
    out_folder = os.path.join(folder, 'out')
    os.makedirs(out_folder, exist_ok=True)
    started = time.perf_counter()
    answer = (series_call if use_series_call else standin_daily_calls)(folder, dates, out_folder)
    answer['seconds'] = time.perf_counter() - started
    answer['peak_rss_mb'] = common.peak_rss_mb()
    return answer


def run_series(n_dates=365, results=common.DEFAULT_RESULTS_DIR, use_series_call=None, log=print, workdir=None):
    use_series_call = USE_SERIES_CALL if use_series_call is None else use_series_call
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix='smd_series_')
    try:
        started = time.perf_counter()
        dates, base = make_series_inputs(workdir, n_dates)
        generate_s = time.perf_counter() - started
        grid = base.fine_grid
        log('Series: {} dates on {} × {} px (coarse {} × {} cells), inputs written in {:.0f} s; running {}...'.format(
            n_dates, grid.width, grid.height, base.coarse_grid.width, base.coarse_grid.height, generate_s,
            'core.series.downscale_series' if use_series_call else 'the stand-in (one downscale call per date)'))
        answer = common.run_child('series', [workdir, n_dates, int(use_series_call)])
        row = {'dates': n_dates, 'width': grid.width, 'height': grid.height, 'megapixels': grid.n_pixels / 1e6,
               'coarse_cells': base.coarse_grid.n_pixels, 'mode': 'one call of core.series.downscale_series'
               if use_series_call else
               'stand-in: {} calls of core.downscaling.downscale in one process'.format(n_dates),
               'seconds': answer['seconds'], 'seconds_per_date': answer['seconds'] / n_dates,
               'peak_rss_mb': answer['peak_rss_mb'], 'failed_dates': answer.get('failed_dates', 0),
               'consistency_max_error': answer.get('consistency_max_error'),
               'stage_seconds': answer.get('stage_seconds', {}), 'generate_s': generate_s}
        log('  {:.1f} s in all, {:.2f} s per date, peak {:.0f} MB, {} failed date(s)'.format(
            row['seconds'], row['seconds_per_date'], row['peak_rss_mb'], row['failed_dates']))
        row.update(command=common.command_line(), date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                   kind='series call' if use_series_call else 'stand-in')
        path = os.path.join(results, 'series.json')
        old = common.read_json(path) or {}
        rows = [r for r in old.get('rows', []) if r.get('kind') != row['kind'] or r.get('dates') != n_dates]
        common.write_json(path, {'machine': common.machine_info(), 'rows': rows + [row]})
        return row
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '--child':
        print(json.dumps(child_run(argv[1], int(argv[2]), bool(int(argv[3])))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dates', type=int, default=365)
    parser.add_argument('--standin', action='store_true', help='time one downscale call per date instead')
    parser.add_argument('--results', default=common.DEFAULT_RESULTS_DIR)
    args = parser.parse_args(argv)
    run_series(args.dates, args.results, False if args.standin else None)
    return 0
