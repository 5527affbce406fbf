"""A 365-date series one process vs Dask: 2 local worker processes, and a scheduler with 2 workers.

The inputs are those of the series benchmark (benchmarks/series.py: 365 dates of Colorado at
1 km, clouds, 16-day NDVI composites), written once and not timed. Each run is
``core.series.downscale_series`` with one GeoTIFF per date into a fresh folder, in a child process:

- one process: today's run, dates one after the other, each with the pipeline's threads (2 here);
- local cluster: ``--workers 2`` (two worker processes, one thread each, ``threads=1``);
- scheduler: a ``dask scheduler`` and two ``dask worker`` processes on localhost (``--scheduler``).

Measured: wall time, dates per second, the series-wide step (annual LST cycle, on the client),
the mean task time per date, and the cluster overhead per date
(workers × time of the date phase − Σ task times) / dates. Scaling efficiency = Σ task core-seconds
/ (cores × wall of the date phase). Also, on 20 dates one after the other on one thread, the cost
of a series date over a plain ``downscale`` of the same date (NDVI interpolation, gap filler,
fingerprint). From these and the speed benchmark's one-thread time of a CONUS date, a model (an
extrapolation, not a measurement) of 7,300 CONUS dates (20 years at 1 km, 13.4 Mpx) on 16, 64 and
256 cores.

Run: ``/usr/bin/python3 -P benchmarks/distributed.py [--dates N] [--results DIR] [--model-only]``
(``--model-only``: measure the series/plain ratio again and recompute the model on the stored runs).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    import importlib.util  # noqa: E402
    # Worker processes of a local cluster import the main module again: by its package name (this
    # file's relative imports fail when it is imported as a bare script).
    __spec__ = importlib.util.find_spec('soil_moisture_downscaling.benchmarks.distributed')
    from soil_moisture_downscaling.benchmarks.distributed import main  # noqa: E402
    sys.exit(main())

from . import common  # noqa: E402

MODES = ('one process', 'local cluster, 2 workers', 'scheduler + 2 workers')
#: Dates of the series/plain cost ratio (too few for the annual cycle: both fill gaps spatially).
RATIO_DATES = 20
#: The extrapolation: 20 years of daily CONUS at 1 km, on these core counts.
CONUS_DATES = 7300
CONUS_MEGAPIXELS = 13.35
CORES = (16, 64, 256)


def child_run(folder, mode, address):
    """One series run; returns its timings (JSON-able)."""
    from ..core.distributed import ClusterSpec
    from ..core.downscaling import DownscaleOptions
    from ..core.raster_io import RasterSource
    from ..core.series import SeriesInputs, downscale_series
    inputs = SeriesInputs(os.path.join(folder, 'coarse_sm.tif'), os.path.join(folder, 'lst.tif'),
                          os.path.join(folder, 'ndvi.tif'), RasterSource(os.path.join(folder, 'base', 'dem.tif')))
    out = os.path.join(folder, 'out_{}'.format(MODES.index(mode)))
    cluster, options = None, DownscaleOptions()
    if mode != MODES[0]:
        # One thread per worker process: the processes, not threads, share the cores.
        cluster = ClusterSpec(address=address or None, workers=0 if address else 2)
        options = DownscaleOptions(threads=1)
    started = time.perf_counter()
    result = downscale_series(inputs, out, options, per_date_files=True, cluster=cluster)
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return {'seconds': seconds, 'stage_seconds': result.stage_seconds,
            'task_seconds_sum': result.seconds_per_date * len(result.computed),
            'task_seconds_mean': result.seconds_per_date, 'computed': len(result.computed),
            'consistency_max_error': result.consistency_max_error, 'peak_rss_mb': common.peak_rss_mb()}


def child_ratio(folder):
    """Mean seconds of a series date (in its task) and of a plain downscale of the same dates, one thread."""
    from ..core.dates import band_dates
    from ..core.downscaling import DownscaleInputs, DownscaleOptions, downscale
    from ..core.raster_io import RasterSource
    from ..core.series import SeriesInputs, downscale_series
    from ..core.terrain import SunGeometry
    paths = {name: os.path.join(folder, name + '.tif') for name in ('coarse_sm', 'lst', 'ndvi')}
    dem = RasterSource(os.path.join(folder, 'base', 'dem.tif'))
    out = os.path.join(folder, 'ratio_out')
    series = downscale_series(SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], dem), out,
                              DownscaleOptions(threads=1), per_date_files=True)
    ndvi_dates = band_dates(paths['ndvi'])
    plain = []
    for k, day in enumerate(band_dates(paths['lst'])):
        nearest = min(range(len(ndvi_dates)), key=lambda i: abs((ndvi_dates[i] - day).days)) + 1
        inputs = DownscaleInputs(RasterSource(paths['coarse_sm'], k + 1), RasterSource(paths['lst'], k + 1),
                                 RasterSource(paths['ndvi'], nearest), dem)
        started = time.perf_counter()
        downscale(inputs, os.path.join(out, 'plain.tif'), DownscaleOptions(threads=1,
                                                                           sun=SunGeometry(acquisition_date=day)))
        plain.append(time.perf_counter() - started)
    shutil.rmtree(out, ignore_errors=True)
    return {'series_task_s': series.seconds_per_date, 'plain_date_s': sum(plain) / len(plain)}


def measure_ratio(log=print):
    """Series date / plain downscale cost, on RATIO_DATES dates written for it."""
    from .series import make_series_inputs
    folder = tempfile.mkdtemp(prefix='smd_ratio_')
    try:
        make_series_inputs(folder, RATIO_DATES)
        answer = common.run_child('distributed', [folder, json.dumps('ratio'), ''])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    answer.update(ratio=answer['series_task_s'] / answer['plain_date_s'], dates=RATIO_DATES)
    log('  a series date costs {:.2f}× a plain downscale of it ({:.3f} s vs {:.3f} s, one thread)'.format(
        answer['ratio'], answer['series_task_s'], answer['plain_date_s']))
    return answer


def run_distributed(n_dates=365, results=common.DEFAULT_RESULTS_DIR, log=print, workdir=None):
    sys.path.insert(0, os.path.join(common.REPO_ROOT, 'tools'))
    from dask_localhost import LocalhostCluster
    from .series import make_series_inputs
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix='smd_distributed_')
    try:
        started = time.perf_counter()
        dates, base = make_series_inputs(workdir, n_dates)
        grid = base.fine_grid
        log('Distributed series: {} dates on {} × {} px, inputs written in {:.0f} s.'.format(
            n_dates, grid.width, grid.height, time.perf_counter() - started))
        rows = []
        for mode in MODES:
            cluster = LocalhostCluster(2, workdir) if mode == MODES[2] else None
            try:
                answer = common.run_child('distributed', [workdir, json.dumps(mode),
                                                          cluster.address if cluster else ''])
            finally:
                if cluster is not None:
                    cluster.close()
            rows.append(_row(mode, answer, n_dates, grid))
            # Written after each run, so a stopped benchmark keeps what it measured.
            common.write_json(os.path.join(results, 'distributed.json'), {
                'machine': common.machine_info(), 'rows': rows, 'model': None, 'command': common.command_line(),
                'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})
            log('  {}: {:.1f} s, {:.2f} dates/s, task {:.3f} s, overhead {:.3f} s per date'.format(
                mode, answer['seconds'], rows[-1]['dates_per_second'], answer['task_seconds_mean'],
                rows[-1]['overhead_s_per_date']))
        ratio = measure_ratio(log)
        payload = {'machine': common.machine_info(), 'rows': rows, 'ratio': ratio,
                   'model': conus_model(rows, ratio, results),
                   'command': common.command_line(), 'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
        common.write_json(os.path.join(results, 'distributed.json'), payload)
        return payload
    finally:
        if own:
            shutil.rmtree(workdir, ignore_errors=True)


def _row(mode, answer, n_dates, grid):
    cores = os.cpu_count() or 1
    workers = 1 if mode == MODES[0] else 2
    date_phase = answer['stage_seconds'].get('dates', answer['seconds'])
    threads = min(cores, 4) if mode == MODES[0] else 1
    return {'mode': mode, 'dates': n_dates, 'megapixels': grid.n_pixels / 1e6, 'workers': workers,
            'threads_per_date': threads, 'seconds': answer['seconds'], 'dates_per_second': n_dates / answer['seconds'],
            'series_wide_s': answer['stage_seconds'].get('series-wide', 0.0),
            'date_phase_s': date_phase, 'task_s_mean': answer['task_seconds_mean'],
            # Time the workers were not in a task: scheduling, transfers, start-up, idle at the end.
            'overhead_s_per_date': max(0.0, (workers * date_phase - answer['task_seconds_sum']) / n_dates),
            # Share of the cores' time spent in date tasks (one thread each); not defined for the threaded run.
            'scaling_efficiency': answer['task_seconds_sum'] / (cores * date_phase) if workers > 1 else None,
            'consistency_max_error': answer['consistency_max_error'], 'client_peak_rss_mb': answer['peak_rss_mb']}


def conus_model(rows, ratio, results):
    """Hours for CONUS_DATES dates of CONUS on CORES cores: T = (cycle + dates × (task + overhead)) / cores.

    task: the speed benchmark's time of one CONUS date on one thread (speed.json) × the measured
    cost of a series date over a plain one; overhead: the scheduler run's per-date overhead (per
    task, not scaled); cycle: the series-wide annual cycle of the scheduler run scaled by pixels ×
    dates (it reads every date of every pixel), fitted in row strips by the workers."""
    measured = next(r for r in rows if r['mode'] == MODES[2])
    speed = common.read_json(os.path.join(results, 'speed.json')) or {'rows': []}
    conus = next((r for r in speed['rows'] if 'CONUS' in r['case'] and r.get('downscale_1thread_s')), None)
    if conus is None:
        return None
    task = conus['downscale_1thread_s'] * ratio['ratio']
    overhead = measured['overhead_s_per_date']
    scale = conus['megapixels'] / measured['megapixels'] * CONUS_DATES / measured['dates']
    cycle = measured['series_wide_s'] * scale
    hours = {str(cores): (cycle + CONUS_DATES * (task + overhead)) / cores / 3600.0 for cores in CORES}
    return {'conus_date_1thread_s': conus['downscale_1thread_s'], 'conus_code': speed['machine'].get('code'),
            'series_ratio': ratio['ratio'], 'task_s_per_conus_date': task, 'overhead_s_per_date': overhead,
            'cycle_s': cycle, 'hours': hours,
            'hours_of_the_cycle': {str(c): cycle / c / 3600.0 for c in CORES}}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '--child':
        mode = json.loads(argv[2])
        answer = child_ratio(argv[1]) if mode == 'ratio' else child_run(argv[1], mode, argv[3] if len(argv) > 3 else '')
        print(json.dumps(answer))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dates', type=int, default=365)
    parser.add_argument('--results', default=common.DEFAULT_RESULTS_DIR)
    parser.add_argument('--model-only', action='store_true', help='new ratio and model on the stored runs')
    args = parser.parse_args(argv)
    if args.model_only:
        path = os.path.join(args.results, 'distributed.json')
        payload = common.read_json(path)
        payload['ratio'] = measure_ratio()
        payload['model'] = conus_model(payload['rows'], payload['ratio'], args.results)
        common.write_json(path, payload)
        return 0
    run_distributed(args.dates, args.results)
    return 0
