"""Where the time of one downscaling run goes (call-tree profile).

Builds the speed benchmark's continental scene (default 2530 × 1582 px, 4 Mpx), runs
``core.downscaling.downscale`` with the default method once under pyinstrument (when
importable, e.g. in the side venv of ``setup_gwr_venv.sh``) or cProfile, and writes the
profile to ``benchmarks/results/profile_<W>x<H>.txt``.

    /tmp/mgwr_venv/bin/python -P benchmarks/profile_run.py [--width 2530 --height 1582]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.profile_run import main  # noqa: E402
    sys.exit(main())

from . import common  # noqa: E402
from .speed import make_speed_scene  # noqa: E402


def profile(width, height, results, method=0, memory_mb=512.0, threads=1):
    from datetime import date
    from ..core.downscaling import DownscaleInputs, DownscaleOptions, downscale
    from ..core.raster_io import RasterSource
    from ..core.terrain import SunGeometry
    workdir = tempfile.mkdtemp(prefix='smd_profile_')
    try:
        make_speed_scene(workdir, width, height)
        inputs = DownscaleInputs(*(RasterSource(os.path.join(workdir, key + '.tif'), name=key)
                                   for key in ('coarse_sm', 'lst', 'ndvi', 'dem')))
        # One thread by default: the profilers sample the calling thread only.
        options = DownscaleOptions(method=method, memory_mb=memory_mb, threads=threads,
                                   sun=SunGeometry(acquisition_date=date(2021, 7, 15)))
        out = os.path.join(workdir, 'out.tif')
        try:
            from pyinstrument import Profiler
        except ImportError:
            Profiler = None
        started = time.perf_counter()
        if Profiler is not None:
            profiler = Profiler(interval=0.002)
            profiler.start()
            result = downscale(inputs, out, options)
            profiler.stop()
            text = profiler.output_text(unicode=False, color=False)
            tool = 'pyinstrument'
        else:
            import cProfile
            import io
            import pstats
            profiler = cProfile.Profile()
            result = profiler.runcall(downscale, inputs, out, options)
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats('cumulative').print_stats(60)
            text = stream.getvalue()
            tool = 'cProfile'
        seconds = time.perf_counter() - started
        header = ['# {} profile of core.downscaling.downscale (method {}, memory_mb {:.0f}, threads {}) '
                  'on a {} x {} px '
                  'speed scene'.format(tool, method, memory_mb, threads, width, height),
                  '# wall {:.2f} s (profiled); stage_seconds: {}'.format(
                      seconds, ', '.join('{} {:.2f}'.format(k, v) for k, v in result.stage_seconds.items())),
                  '# command: {}'.format(common.command_line()), '']
        path = os.path.join(results, 'profile_{}x{}.txt'.format(width, height))
        os.makedirs(results, exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('\n'.join(header) + text)
        print('Profile ({}) written to {}'.format(tool, path))
        return path
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--width', type=int, default=2530)
    parser.add_argument('--height', type=int, default=1582)
    parser.add_argument('--method', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1, help='DownscaleOptions.threads (default 1: the profiler '
                        'sees the calling thread only)')
    parser.add_argument('--results', default=common.DEFAULT_RESULTS_DIR)
    args = parser.parse_args(argv)
    profile(args.width, args.height, args.results, args.method, threads=args.threads)
    return 0
