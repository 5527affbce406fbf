"""Shared helpers of the benchmarks: paths, child-process runs, result files.

Every benchmark script runs as ``/usr/bin/python3 -P benchmarks/<name>.py`` and
imports the plugin as the package ``soil_moisture_downscaling`` through
``tools/plugin_package.py`` (the repository root is never put on sys.path).
"""
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BENCH_DIR = os.path.join(REPO_ROOT, 'benchmarks')
DEFAULT_RESULTS_DIR = os.path.join(BENCH_DIR, 'results')
DEFAULT_REPORT = os.path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md')
PYTHON = '/usr/bin/python3'


def peak_rss_mb():
    """Peak resident set size of this process so far (MB).

    VmHWM of /proc/self/status: the high-water mark of this process's own address space.
    Not ``ru_maxrss``: a child started by subprocess (vfork + exec) inherits the parent's
    peak in ru_maxrss, so a parent that generated a big scene would inflate the child's figure.
    """
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb():
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float('nan')


def run_child(module, args, nice=0, timeout=None):
    """Run ``benchmarks/<module>.py --child ...`` in a fresh interpreter; returns its JSON answer.

    The child prints one JSON object on its last stdout line. A fresh process per
    run gives an honest peak memory (ru_maxrss) and no cache shared between runs.
    """
    command = [PYTHON, '-P', os.path.join(BENCH_DIR, module + '.py'), '--child'] + [str(a) for a in args]
    if nice:
        command = ['nice', '-n', str(int(nice))] + command
    env = dict(os.environ)
    env.setdefault('QT_QPA_PLATFORM', 'offscreen')
    started = time.perf_counter()
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               timeout=timeout)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError('{} failed ({}):\n{}'.format(' '.join(command), completed.returncode,
                                                         completed.stderr[-4000:]))
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    answer['process_wall_s'] = wall
    return answer


def machine_info():
    """What the numbers were measured on."""
    info = {'python': platform.python_version(), 'platform': platform.platform(), 'cpus': os.cpu_count()}
    try:
        from osgeo import gdal
        import numpy
        import scipy
        info.update(gdal=gdal.__version__, numpy=numpy.__version__, scipy=scipy.__version__)
    except ImportError:
        pass
    try:
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    info['cpu'] = line.split(':', 1)[1].strip()
                    break
        with open('/proc/meminfo') as handle:
            info['memory_gb'] = round(int(handle.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info['code'] = code_version()
    try:
        info['load_average_at_start'] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def code_version():
    """The commit measured, and whether core/ had uncommitted changes (read-only git calls)."""
    try:
        head = subprocess.run(['git', '-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, timeout=20).stdout.strip()
        dirty = subprocess.run(['git', '-C', REPO_ROOT, 'status', '--porcelain', '--', 'core'],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return 'unknown'
    return (head or 'unknown') + (' + uncommitted changes in core/' if dirty else '')


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, 'item') and not isinstance(value, (str, bytes)):
        try:
            return _clean(value.item())
        except (ValueError, AttributeError):
            pass
    return value


def write_json(path, payload):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = path + '.partial'
    with open(partial, 'w') as handle:
        json.dump(_clean(payload), handle, indent=1, sort_keys=False)
        handle.write('\n')
    os.replace(partial, path)
    return path


def read_json(path):
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def write_csv(path, rows, columns):
    import csv
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            out = []
            for column in columns:
                value = row.get(column)
                if isinstance(value, float):
                    value = '' if not math.isfinite(value) else '{:.6g}'.format(value)
                out.append(value)
            writer.writerow(out)
    return path


def command_line():
    """The command that is running, as a user would type it (relative to the repository)."""
    script = os.path.relpath(os.path.abspath(sys.argv[0]), REPO_ROOT)
    return ' '.join(['/usr/bin/python3 -P', script] + sys.argv[1:])
