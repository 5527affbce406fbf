"""Run the benchmarks and publish the table (docs/BENCHMARKS.md + benchmarks/results/*.json, *.csv).

    /usr/bin/python3 -P benchmarks/run_all.py            # make bench: accuracy, speed 1-100 Mpx, 365-date series,
                                                         # the series on Dask (one process vs 2 workers)
    /usr/bin/python3 -P benchmarks/run_all.py --quick    # make bench-quick (CI): smallest cases, into a temp folder
    /usr/bin/python3 -P benchmarks/run_all.py --huge-only   # the 40000 × 40000 px scene
                                                            # (opt-in, ~15 min, ~10 GB of inputs + scratch)

``--out DIR`` writes DIR/BENCHMARKS.md and DIR/results/ instead of the published files
(tests use it so that they never overwrite docs/BENCHMARKS.md). The quick mode checks
that the table was produced (every method has finite numbers) and exits 1 otherwise; it
makes no timing assertion.
"""
import argparse
import math
import os
import sys
import tempfile
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.run_all import main  # noqa: E402
    sys.exit(main())

from . import common, report  # noqa: E402

PARTS = ('accuracy', 'speed', 'series', 'distributed')
#: Parts of the quick run (CI): the Dask comparison starts clusters and is left to the full run.
QUICK_PARTS = ('accuracy', 'speed', 'series')


def check_table(results_dir, report_path):
    """Problems with the produced table (empty list = fine): rows for every method, finite numbers."""
    problems = []
    if not os.path.exists(report_path):
        return ['{} was not written'.format(report_path)]
    accuracy = common.read_json(os.path.join(results_dir, 'accuracy.json'))
    if accuracy is None:
        return ['accuracy.json missing']
    from ..core.downscaling import Method
    for method in (m.title for m in Method):
        rows = [r for r in accuracy['rows'] if r['method'] == method]
        if not rows:
            problems.append('no accuracy row for {}'.format(method))
        for row in rows:
            for key in ('bias', 'rmse', 'ubrmse', 'r', 'consistency_max_error', 'seconds'):
                value = row.get(key)
                if value is None or not math.isfinite(value):
                    problems.append('{} / {}: {} is not finite ({})'.format(row['scene'], method, key,
                                                                             row.get('error', value)))
    with open(report_path) as handle:
        text = handle.read()
    for method in (m.title for m in Method):
        if report.SHORT.get(method, method) not in text:
            problems.append('the report has no row for {}'.format(method))
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description='Run the benchmarks and write docs/BENCHMARKS.md.')
    parser.add_argument('--quick', action='store_true', help='smallest cases only (CI); output to a temp folder')
    parser.add_argument('--huge', action='store_true',
                        help='also the 40000 × 40000 px scene (~15 min, ~10 GB of inputs + scratch)')
    parser.add_argument('--huge-only', action='store_true', help='only the 40000 × 40000 px scene, then re-render')
    parser.add_argument('--only', choices=PARTS, action='append', help='run only these parts (repeatable)')
    parser.add_argument('--render-only', action='store_true', help='re-render the report from existing results')
    parser.add_argument('--out', default=None, help='write OUT/BENCHMARKS.md and OUT/results/ (default: '
                        'docs/BENCHMARKS.md and benchmarks/results/; a temp folder with --quick)')
    parser.add_argument('--no-gwr', action='store_true', help='skip the mgwr GWR peer')
    parser.add_argument('--series-dates', type=int, default=None, help='dates of the series (default 365; 3 quick)')
    parser.add_argument('--nice', type=int, default=0, help='niceness of the speed child processes')
    args = parser.parse_args(argv)

    out = args.out
    if out is None and args.quick:
        out = tempfile.mkdtemp(prefix='smd_bench_quick_')
    if out is None:
        results_dir, report_path = common.DEFAULT_RESULTS_DIR, common.DEFAULT_REPORT
    else:
        results_dir, report_path = os.path.join(out, 'results'), os.path.join(out, 'BENCHMARKS.md')
    os.makedirs(results_dir, exist_ok=True)
    parts = () if (args.huge_only or args.render_only) else tuple(args.only or (QUICK_PARTS if args.quick else PARTS))
    started = time.perf_counter()
    if 'accuracy' in parts:
        from .accuracy import run_accuracy
        run_accuracy(quick=args.quick, gwr=not args.no_gwr, results=results_dir)
    if 'speed' in parts or args.huge or args.huge_only:
        from .speed import run_speed
        run_speed(argparse.Namespace(quick=args.quick, huge=args.huge or args.huge_only,
                                     huge_only=args.huge_only or 'speed' not in parts, memory_mb=512.0,
                                     results=results_dir, workdir=None, nice=args.nice))
    if 'series' in parts:
        from .series import run_series
        run_series(args.series_dates or (3 if args.quick else 365), results_dir)
    if 'distributed' in parts:
        from .distributed import run_distributed
        run_distributed(args.series_dates or 365, results_dir)
    path = report.render(results_dir, report_path)
    print('Report: {} ({:.0f} s); results in {}'.format(path, time.perf_counter() - started, results_dir))
    if args.quick or 'accuracy' in parts:
        problems = check_table(results_dir, path)
        if problems:
            print('The benchmark table is incomplete:\n  ' + '\n  '.join(problems))
            return 1
        print('Table check: every method has rows with finite numbers.')
    return 0
