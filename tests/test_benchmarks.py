"""The benchmark suite in quick mode: the table is produced, every method has finite numbers,
and the value-consistent methods keep every coarse cell's value on the quick twin scenes.

Runs ``benchmarks/run_all.py --quick --out <tmp>`` in a child process, as ``make bench-quick``
does, into a temporary folder (never docs/BENCHMARKS.md). No timing assertion: speed is
measured in the benchmarks, not tested.
"""
import json
import math
import os
import subprocess

import pytest

from soil_moisture_downscaling.core import downscaling
from soil_moisture_downscaling.core.downscaling import Method

pytestmark = pytest.mark.slow  # runs the quick benchmarks in a child process

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_benchmark_produces_a_complete_table(tmp_path):
    out = tmp_path / 'bench'
    env = dict(os.environ, QT_QPA_PLATFORM='offscreen')
    completed = subprocess.run(
        ['/usr/bin/python3', '-P', os.path.join(REPO, 'benchmarks', 'run_all.py'), '--quick', '--no-gwr',
         '--out', str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=300)
    assert completed.returncode == 0, completed.stdout[-3000:]

    report = (out / 'BENCHMARKS.md').read_text()
    assert '## Accuracy' in report and '## Speed and memory' in report
    with open(out / 'results' / 'accuracy.json') as handle:
        accuracy = json.load(handle)
    assert (out / 'results' / 'accuracy.csv').exists()
    scenes = {row['scene'] for row in accuracy['rows']}
    assert len(scenes) >= 2
    for method_index, method in enumerate(m.title for m in Method):
        rows = [row for row in accuracy['rows'] if row['method'] == method]
        assert len(rows) == len(scenes), method
        for row in rows:
            assert not row.get('error'), row.get('error')
            for key in ('bias', 'rmse', 'ubrmse', 'r', 'coverage', 'consistency_max_error', 'seconds'):
                assert row[key] is not None and math.isfinite(row[key]), (method, key, row[key])
            assert 0.0 <= row['rmse'] < 0.2 and -1.0 <= row['r'] <= 1.0
            if method_index in downscaling.CONSISTENT_METHODS:
                assert row['consistency_max_error'] < 1e-4, (row['scene'], method, row['consistency_max_error'])
        assert method in report or method.split()[0] in report

    with open(out / 'results' / 'speed.json') as handle:
        speed = json.load(handle)
    assert speed['rows'] and all(r['downscale_s'] > 0 and r['warp_s'] > 0 for r in speed['rows'])
    with open(out / 'results' / 'series.json') as handle:
        series = json.load(handle)
    assert series['rows'] and series['rows'][0]['failed_dates'] == 0
