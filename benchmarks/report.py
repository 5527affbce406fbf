"""Render docs/BENCHMARKS.md from the machine-readable results (benchmarks/results/*.json).

The JSON files are the source of truth; a partial run (only speed, only --huge) updates its
own file and the whole page is rendered again from whatever files exist.
"""
import math
import os
import statistics

from . import common

NOT_RUN = '_not run yet_'
#: The issue's speed target: end-to-end time at most this many times the bilinear warp.
SPEED_TARGET = 3.0


def _f(value, digits=4, dash='–'):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return dash
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, int):
        return str(value)
    return '{:.{}f}'.format(value, digits)


def _e(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return '–'
    return '{:.1e}'.format(value)


def _table(header, rows, align=None):
    align = align or ['l'] + ['r'] * (len(header) - 1)
    marks = {'l': ':--', 'r': '--:', 'c': ':-:'}
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join(marks[a] for a in align) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def _finite(values):
    return [v for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]


def _mean(values):
    values = _finite(values)
    return sum(values) / len(values) if values else float('nan')


SHORT = {
    'terrain-aware adaptive window': 'terrain-aware adaptive window (default: self-adaptive selection)',
    'adaptive window without terrain correction': 'adaptive window, no terrain correction',
    'global linear with residual correction': 'global linear + residual (TsHARP-like)',
}
ABBREV = {
    'terrain-aware adaptive window': 'default',
    'terrain-aware, per-cell AICc (version 0.1 default)': '0.1 default',
    'bilinear': 'bilinear',
    'global linear with residual correction': 'global lin.',
    'universal triangle': 'UT',
    'DISPATCH': 'DISPATCH',
    'adaptive window without terrain correction': 'no-terrain',
    'GWR (mgwr), no residual correction': 'GWR',
    'GWR (mgwr) + residual correction': 'GWR+res.',
    'terrain-aware adaptive window, bilinear residual spread': 'default, bil. spread',
    'DISPATCH, linear SEE model': 'DISPATCH lin.',
    'GWR with elevation (mgwr), no residual correction': 'GWR-z',
    'GWR with elevation (mgwr) + residual correction': 'GWR-z+res.',
}


def method_summary(accuracy):
    rows = accuracy['rows']
    out = []
    for method in accuracy['methods']:
        mine = [r for r in rows if r['method'] == method]
        ok = [r for r in mine if not r.get('error')]
        wins = sum(1 for r in ok if r.get('ubrmse_vs_bilinear') is not None and r['ubrmse_vs_bilinear'] < 1.0)
        consistency = _finite([r.get('consistency_max_error') for r in ok])
        times = _finite([r.get('seconds') for r in ok])
        out.append({
            'method': method, 'n': len(ok), 'failed': len(mine) - len(ok),
            'bias': _mean([r.get('bias') for r in ok]), 'abs_bias': _mean([abs(r['bias']) for r in ok
                                                                         if r.get('bias') is not None]),
            'rmse': _mean([r.get('rmse') for r in ok]), 'ubrmse': _mean([r.get('ubrmse') for r in ok]),
            'r': _mean([r.get('r') for r in ok]), 'rel': _mean([r.get('ubrmse_vs_bilinear') for r in ok]),
            'wins': wins, 'coverage': _mean([r.get('coverage') for r in ok]),
            'ubrmse_own': _mean([r.get('ubrmse_own_pixels') for r in ok]),
            'consistency': max(consistency) if consistency else float('nan'),
            'time': statistics.median(times) if times else float('nan'),
        })
    return out


def _accuracy_section(accuracy):
    if accuracy is None:
        return ['## Accuracy (twin experiments)', '', NOT_RUN, '']
    rows = accuracy['rows']
    scenes = accuracy['scenes']
    methods = accuracy['methods']
    consistent = set(accuracy.get('consistent_methods', [])) | {m for m in accuracy['methods']
                                                                 if m.endswith('+ residual correction')}
    lines = ['## Accuracy (twin experiments on real terrain)', '',
             'Command: `{}` — {} scenes, {} methods, {:.0f} s in all ({:.0f} s for the plugin\'s methods, '
             '{:.0f} s for the GWR peer), {}, code {}. GWR peer: {}.'.format(
                 accuracy['command'], len(scenes), len(methods), accuracy['total_seconds'],
                 accuracy['pipeline_seconds'], accuracy['gwr_seconds'], accuracy['date'],
                 accuracy['machine'].get('code', '?'), accuracy['gwr']), '']
    lines += ['### All scenes, per method', '',
              'Means over the scenes of each metric against the hidden truth (m³/m³), computed over the pixels '
              'where every method of the scene has a value. "ubRMSE / bilinear" is the mean over scenes of the '
              'method\'s ubRMSE divided by the bilinear ubRMSE of the same scene (below 1 = better than '
              'bilinear); "beats bilinear" counts scenes with a lower ubRMSE. Consistency is the largest '
              '|cell mean − coarse value| over all scenes. Time is the median wall time of one run '
              '(inputs read, output GeoTIFF written). Coverage is the share of truth pixels a method gives a value '
              'for; "ubRMSE, own pixels" is over all of them (the plugin fills cloud gaps, the GWR peer does not).', '']
    table = []
    for s in method_summary(accuracy):
        table.append([SHORT.get(s['method'], s['method']) + ('' if s['method'] in consistent else ' ¹'),
                      _f(s['bias'], 4), _f(s['rmse'], 4), _f(s['ubrmse'], 4), _f(s['r'], 3), _f(s['rel'], 2),
                      '{} / {}'.format(s['wins'], s['n']) + (' ({} failed)'.format(s['failed']) if s['failed'] else ''),
                      _f(s['coverage'], 2), _f(s['ubrmse_own'], 4), _e(s['consistency']), _f(s['time'], 2)])
    lines.append(_table(['method', 'bias', 'RMSE', 'ubRMSE', 'R', 'ubRMSE / bilinear', 'beats bilinear',
                         'coverage', 'ubRMSE, own pixels', 'consistency', 'time (s)'], table))
    lines += ['', '¹ Not value-consistent by design (no residual step): its cell means differ from the coarse values.',
              '']
    # By DEM and by factor: ubRMSE relative to bilinear.
    def relative_table(key, labels):
        out = []
        for value, label in labels:
            sub = [r for r in rows if r.get(key) == value and not r.get('error')]
            if not sub:
                continue
            cells = [_f(_mean([r['ubrmse_vs_bilinear'] for r in sub if r['method'] == m]), 2) for m in methods]
            n = len({r['scene'] for r in sub})
            out.append([label, str(n)] + cells)
        return out
    header = ['', 'scenes'] + [ABBREV.get(m, m) for m in methods]
    dems = []
    for info in scenes:
        if info['dem'] not in [d for d, _ in dems]:
            dems.append((info['dem'], info['dem_label']))
    lines += ['### ubRMSE relative to bilinear, by DEM and by condition', '',
              'Mean of ubRMSE(method) / ubRMSE(bilinear) over the scenes of each group (below 1 = better than '
              'bilinear). Columns: ' + '; '.join('{} = {}'.format(ABBREV.get(m, m), m) for m in methods) + '.', '']
    body = relative_table('dem', dems)
    body += relative_table('ratio', [(25, 'scale ≈25×'), (10, 'scale ≈10×')])
    body += relative_table('clouds', [(0.0, 'clear sky'), (0.3, '30 % clouds on LST')])
    body += relative_table('soil_moisture', [('flat', 'θ independent of terrain'),
                                             ('terrain', 'θ follows elevation + illumination'),
                                             ('break', 'θ–LST relation breaks across a line')])
    body += relative_table('coarse', [('EPSG:4326', 'coarse cells in EPSG:4326'),
                                      ('same CRS', 'coarse cells in the fine CRS')])
    lines.append(_table(header, body))
    lines += ['', 'The same-CRS rows are the two controls per DEM (clear sky, θ independent of terrain); compare '
              'them with the matching EPSG:4326 scenes in the per-scene table.', '']
    # Per scene.
    lines += ['### Per scene: ubRMSE (m³/m³)', '',
              'Best of each row in bold. Scene names: DEM, scale ratio, coarse grid CRS (wgs84 = EPSG:4326 cells; '
              'same = cells aligned in the fine CRS), sky, and whether θ follows terrain.', '']
    table = []
    for info in scenes:
        sub = {r['method']: r for r in rows if r['scene'] == info['scene']}
        values = [sub.get(m, {}).get('ubrmse') for m in methods]
        finite = _finite(values)
        best = min(finite) if finite else None
        cells = []
        for v in values:
            text = _f(v, 4)
            cells.append('**{}**'.format(text) if best is not None and v == best else text)
        table.append(['`{}`'.format(info['scene']), '{}×{}'.format(info['width'], info['height']),
                      str(info['coarse_valid_cells']), _f(info['scale_ratio'], 1)] + cells)
    lines.append(_table(['scene', 'fine px', 'coarse cells', 'ratio'] + [ABBREV.get(m, m) for m in methods], table))
    lines += ['', 'Every row of every metric (bias, RMSE, ubRMSE, R, coverage, consistency, time) is in '
              '`benchmarks/results/accuracy.csv` and `accuracy.json`.', '']
    lines += _dispatch_twin_section(accuracy.get('dispatch_twins'))
    lines += _selection_section(accuracy)
    return lines


GROUPS = (('front_range', 'Front Range'), ('rmnp', 'Rocky Mountain NP'), ('new_zealand', 'New Zealand'),
          ('colorado', 'Colorado'), ('himalaya', 'Himalaya'))


def selection_summary(accuracy):
    """Per rule: mean ubRMSE / bilinear, mean ratio to the previous default, gap closed, worst scene and
    the DEM groups where it is more than 1 % worse than the previous default (from the scenes'
    ``selection`` parts: own-pixel ubRMSE of each run against the truth)."""
    from .configurations import RULE_LABELS
    scenes = [info for info in accuracy['scenes'] if info.get('selection')]
    if not scenes:
        return None
    out = []
    for rule, label in RULE_LABELS.items():
        rows = [(info, info['selection']['rules'].get(rule, {}).get('ubrmse')) for info in scenes]
        rows = [(info, value) for info, value in rows if value is not None]
        if not rows:
            continue
        rel = [value / info['selection']['bilinear'] for info, value in rows]
        previous = [info['selection']['rules']['aicc']['ubrmse'] / info['selection']['bilinear'] for info, _ in rows]
        oracle = [info['selection']['rules']['oracle']['ubrmse'] / info['selection']['bilinear'] for info, _ in rows]
        ratio = [r / p for r, p in zip(rel, previous)]
        gap = sum(p - o for p, o in zip(previous, oracle))
        fractions = [(p - r) / (p - o) for r, p, o in zip(rel, previous, oracle) if p - o > 0.01 * p]
        worse_groups = []
        for group, group_label in GROUPS + (('break', 'relation break'),):
            members = [x for (info, _), x in zip(rows, ratio)
                       if (info.get('relation_break') if group == 'break' else info['dem'] == group)]
            if members and _mean(members) > 1.01:
                worse_groups.append('{} ({:.3f})'.format(group_label, _mean(members)))
        out.append({'rule': rule, 'label': label, 'n': len(rows), 'rel': _mean(rel), 'ratio': _mean(ratio),
                    'closed': sum(p - r for r, p in zip(rel, previous)) / gap if gap > 0 else float('nan'),
                    'closed_mean': _mean(fractions), 'n_fractions': len(fractions), 'worst': max(ratio),
                    'worse_groups': worse_groups,
                    'by_group': {group: _mean([x for (info, _), x in zip(rows, rel)
                                               if (info.get('relation_break') if group == 'break'
                                                   else info['dem'] == group)])
                                 for group, _ in GROUPS + (('break', ''),)}})
    return out


def _selection_section(accuracy):
    summary = selection_summary(accuracy)
    if summary is None:
        return []
    from .configurations import ORACLE_MODES, ORACLE_WINDOWS, REGION_CELLS
    lines = ['### Self-adaptive selection against hindsight', '',
             'Each scene is also run with every fixed configuration of the terrain-aware method (terrain mode: {}; '
             'predictors with and without elevation; h = {} and one scene-wide model: {} runs per scene in the full '
             'benchmark, fewer with --quick; cached by '
             '`benchmarks/configurations.py`). The oracle is the best of them per scene, in hindsight. Numbers are the '
             'ubRMSE of each run against the truth over its own pixels (every configuration covers the same pixels), '
             'relative to bilinear interpolation on the same pixels; "gap closed" is Σ(previous − rule) / '
             'Σ(previous − oracle) over the scenes, "per scene" the mean of that fraction over the scenes where the '
             'gap exceeds 1 % (their number in brackets). Composed rules take, per cell, the errors of the chosen '
             'fixed configuration (no interpolation across region edges: an approximation).'.format(
                 ', '.join(ORACLE_MODES), ', '.join(str(h) for h in ORACLE_WINDOWS if h),
                 len(ORACLE_MODES) * 2 * len(ORACLE_WINDOWS)), '']
    table = []
    for s in summary:
        table.append([s['label'], str(s['n']), _f(s['rel'], 3), _f(s['ratio'], 3), _f(s['closed'], 2),
                      '{} ({})'.format(_f(s['closed_mean'], 2), s['n_fractions']), _f(s['worst'], 3),
                      ', '.join(s['worse_groups']) or 'none'])
    lines.append(_table(['rule', 'scenes', 'ubRMSE / bilinear', '× previous default', 'gap closed',
                         'gap closed, per scene', 'worst scene (× previous)',
                         'DEM groups > 1 % worse than previous'], table))
    lines += ['', 'By DEM group (ubRMSE / bilinear, own pixels; "break" = the relation-break scenes, also counted '
              'in their DEM):', '']
    groups = GROUPS + (('break', 'relation break'),)
    table = [[s['label']] + [_f(s['by_group'][g], 3) for g, _ in groups] for s in summary]
    lines.append(_table(['rule'] + [label for _, label in groups], table))
    lines += ['', 'Per-region rule: tiles of {0}×{0} coarse cells.'.format(REGION_CELLS), '']
    return lines


def _dispatch_twin_section(twins):
    """ubRMSE on twins made from the DISPATCH model itself (benchmarks/accuracy.run_dispatch_twins)."""
    if not twins:
        return []
    labels = [key for key in twins[0] if key not in ('dem', 'dem_label')]
    lines = ['### DISPATCH on its own twins', '',
             'One twin per DEM made from the DISPATCH model (`TwinSettings.lst_model = \'dispatch\'`: SEE = θ/θp, '
             'soil and canopy temperatures from the trapezoid, sparse vegetation, plus the terrain effects and '
             'noise of every twin; ≈10×, EPSG:4326 cells, clear sky). ubRMSE (m³/m³) against the truth over all '
             'pixels with a value; in brackets relative to bilinear. "LST as given": without the sun position, '
             'so without terrain correction.', '']
    table = []
    for row in twins:
        cells = []
        for label in labels:
            cells.append('{} ({:.2f})'.format(_f(row[label], 4), row[label] / row['bilinear']))
        table.append([row['dem_label']] + cells)
    lines.append(_table(['DEM'] + labels, table))
    return lines + ['']


def _speed_section(speed, huge, series):
    lines = ['## Speed and memory', '']
    if speed is None:
        lines += [NOT_RUN, '']
    else:
        rows = speed['rows']
        lines += ['Command: `{}` ({}, code {}). Each number is the median of {} run(s) in a fresh process.'.format(
            speed['command'], speed['date'], speed['machine'].get('code', '?'),
            '/'.join(sorted({str(r['repeats']) for r in rows}))), '',
            '### Downscaling (default method) vs `gdal.Warp -r bilinear` of the coarse product', '']
        table = []
        for r in rows + ([huge['row']] if huge else []):
            table.append([r['case'], '{}×{}'.format(r['width'], r['height']), _f(r['fine_pixel_m'], 0),
                          str(r['coarse_cells']), _f(r['warp_s'], 2), str(r.get('threads') or 1),
                          _f(r['downscale_s'], 2), _f(r['ratio_to_warp'], 1),
                          _f(r['downscale_1thread_s'], 2) if 'downscale_1thread_s' in r else '–',
                          _f(r['ratio_to_warp_1thread'], 1) if 'ratio_to_warp_1thread' in r else '–',
                          _f(r['downscale_s_per_mpx'], 2), _f(r['downscale_mpx_per_s'], 2),
                          _f(r['peak_rss_mb'], 0), _f(r['warp_peak_rss_mb'], 0), _e(r['consistency_max_error'])])
        lines.append(_table(['grid', 'px', 'pixel (m)', 'coarse cells', 'warp (s)', 'threads', 'downscale (s)',
                             '× warp', '1 thread (s)', '× warp, 1 thread', 's / Mpx', 'Mpx / s', 'peak RSS (MB)',
                             'warp peak RSS (MB)', 'consistency'], table))
        budget = rows[0]['memory_mb_budget'] if rows else 512
        lines += ['', 'Memory budget `DownscaleOptions.memory_mb` = {:.0f} MB. Peak RSS is the high-water resident '
                  'set (`VmHWM`) of the child process (it includes about {:.0f} MB of Python, numpy, scipy and GDAL '
                  'after imports). "threads": worker threads of the downscaling (`DownscaleOptions.threads` = 0: one '
                  'per core, at most 4); the warp computes in one thread (both compress their output with the '
                  'plugin\'s `NUM_THREADS=2` creation option). "1 thread": the same run restricted to one thread '
                  '(once).'.format(budget, _mean([r['baseline_rss_mb'] for r in rows])), '']
        stage_names = []
        for r in rows:
            for k in r['stage_seconds']:
                if k not in stage_names:
                    stage_names.append(k)
        order = ['align', 'gap filling', 'terrain correction', 'aggregate', 'coarse fit', 'predict', 'residual',
                 'clip', 'write']
        stage_names = [s for s in order if s in stage_names] + [s for s in stage_names if s not in order]
        lines += ['### Time per stage (`result.stage_seconds`, seconds; share of the run in brackets)', '']
        table = []
        for r in rows + ([huge['row']] if huge else []):
            total = r['downscale_s'] or 1.0
            table.append([r['case']] + ['{} ({:.0%})'.format(_f(r['stage_seconds'].get(s, 0.0), 2),
                                                            r['stage_seconds'].get(s, 0.0) / total)
                                        for s in stage_names])
        lines.append(_table(['grid'] + stage_names, table))
        lines += ['']
        methods = speed.get('methods') or []
        if methods:
            lines += ['### Every method on the {} grid'.format(methods[0]['case']), '']
            table = [[m['method'], _f(m['warp_s'], 2), _f(m['downscale_s'], 2), _f(m['ratio_to_warp'], 1),
                      _f(m['peak_rss_mb'], 0)] for m in methods]
            lines.append(_table(['method', 'warp (s)', 'downscale (s)', '× warp', 'peak RSS (MB)'], table))
            lines += ['']
    lines += ['### Larger than the memory budget: 40000 × 40000 px (1.6 Gpx)', '']
    if huge is None:
        lines += [NOT_RUN + ' (opt-in: `/usr/bin/python3 -P benchmarks/run_all.py --huge-only`).', '']
    else:
        r = huge['row']
        lines += ['Command: `{}` ({}). Inputs generated block by block{} ({:.1f} GB: LST UInt16, NDVI '
                  'Int16, DEM Int16), deleted afterwards.'.format(
                      huge['command'], huge['date'], ' in {:.0f} s'.format(r['generate_s']) if r.get('generate_s')
                      else ' (by an earlier run, reused)', r['input_gb']), '',
                  '- downscale (default method, `memory_mb` = {:.0f}): **{:.0f} s** ({:.1f} min, {:.2f} s/Mpx), '
                  '**peak RSS {:.0f} MB** (target: under 2 GB); consistency {}'.format(
                      r['memory_mb_budget'], r['downscale_s'], r['downscale_s'] / 60.0, r['downscale_s_per_mpx'],
                      r['peak_rss_mb'], _e(r['consistency_max_error'])),
                  '- `gdal.Warp -r bilinear` onto the same grid: {:.0f} s, peak RSS {:.0f} MB; ratio {:.1f}×'.format(
                      r['warp_s'], r['warp_peak_rss_mb'], r['ratio_to_warp']), '']
        if huge.get('note'):
            lines += [huge['note'], '']
    lines += ['### A daily series: 365 dates, Colorado at 1 km', '']
    if not series or not series.get('rows'):
        lines += [NOT_RUN, '']
    else:
        table = [[str(r['dates']), '{}×{}'.format(r['width'], r['height']), str(r['coarse_cells']), r['mode'],
                  _f(r['seconds'], 1), _f(r['seconds_per_date'], 2), _f(r['peak_rss_mb'], 0), str(r['failed_dates']),
                  _e(r['consistency_max_error'])] for r in series['rows']]
        lines += [_table(['dates', 'fine grid', 'coarse cells', 'how', 'time (s)', 's / date', 'peak RSS (MB)',
                          'failed dates', 'consistency'], table), '']
        lines += ['Commands: ' + '; '.join('`{}` ({})'.format(r['command'], r['date']) for r in series['rows']) +
                  ', code {}'.format(series['machine'].get('code', '?')) +
                  '. Inputs: stacks of 365 LST and coarse bands (0-60 % clouds a day) and 23 16-day NDVI composites; '
                  'writing them is not timed. The series call fills LST gaps with each pixel\'s annual cycle (the '
                  'stand-in, one `core.downscaling.downscale` call per date, fills them spatially per date) and writes '
                  'one 365-band GeoTIFF.', '']
    return lines


def _distributed_section(distributed, speed):
    """One process vs Dask on a 365-date series, and the CONUS model (benchmarks/distributed.py)."""
    lines = ['## Past one machine: a series on Dask', '']
    if not distributed:
        return lines + [NOT_RUN, '']
    rows = distributed['rows']
    one = rows[0]
    table = [[r['mode'], str(r['workers']), str(r['threads_per_date']), _f(r['seconds'], 1),
              _f(r['dates_per_second'], 2), _f(one['seconds'] / r['seconds'], 2), _f(r['series_wide_s'], 1),
              _f(r['task_s_mean'], 3), _f(r['overhead_s_per_date'], 3),
              '–' if r['scaling_efficiency'] is None else '{:.0%}'.format(r['scaling_efficiency']),
              _e(r['consistency_max_error'])] for r in rows]
    lines += [_table(['run', 'workers', 'threads per date', 'time (s)', 'dates / s', 'speed-up vs one process',
                      'annual cycle (s)', 'task (s / date)', 'overhead (s / date)', 'scaling efficiency',
                      'consistency'], table), '']
    lines += ['{} dates on the Colorado 1 km grid ({:.2f} Mpx) of the series benchmark, one GeoTIFF per date; `{}` '
              '({}), code {}. Every run writes the same maps, byte for byte (tests/test_distributed.py; the stored '
              'float64 consistency figure, ~1e-16, varies in its last bits with the BLAS threads). Task: mean time '
              'of one date inside its task. Overhead: (workers × time of the date phase − Σ task times) / dates: '
              'scheduling, transfers and idle workers. Scaling efficiency: Σ task times / (cores × time of the '
              'date phase), for the runs with one thread per date. The runs were made one after the other on this '
              '2-core machine while other work loaded it (load average about 8-15): their times differ with that '
              'load more than with the way they ran (the threaded one-process run already uses both cores, so on '
              'two cores Dask can at best match it). The overhead per date and the scaling efficiency are what '
              'carry over to a cluster.'.format(one['dates'], one['megapixels'], distributed['command'],
                                                 distributed['date'], distributed['machine'].get('code', '?')), '']
    model = distributed.get('model')
    if not model:
        return lines + ['(No CONUS model: the speed benchmark has no one-thread CONUS time.)', '']
    lines += ['### Extrapolation (a model, not a measurement): 20 years of daily CONUS at 1 km', '',
              'T(cores) = (cycle + 7,300 × (task + overhead)) / cores. Task: one CONUS date (13.4 Mpx) on one thread '
              'took {:.1f} s in the speed benchmark (code {}); a date of a series costs {:.2f}× a plain downscale of '
              'it (measured here on {} dates, one thread, one after the other: NDVI interpolation, gap filler, '
              'fingerprint), so **{:.1f} s**. Overhead: the scheduler run\'s {:.3f} s per date. Cycle: the annual '
              'LST cycle of the scheduler run scaled by pixels × dates = **{:.0f} core-seconds**; the runs above '
              'fitted it on the client before the tasks (code {}), which on 16 cores and more would have been the '
              'larger part, so a cluster now fits it in row strips on the workers (the same values: '
              'tests/test_gap_filling.py) and the model divides it by the cores.'.format(
                  model['conus_date_1thread_s'], model.get('conus_code', '?'), model['series_ratio'],
                  distributed.get('ratio', {}).get('dates', 20), model['task_s_per_conus_date'],
                  model['overhead_s_per_date'], model['cycle_s'], distributed['machine'].get('code', '?')), '']
    table = [[cores, _f(model['hours'][cores], 2), _f(model['hours_of_the_cycle'][cores], 2)]
             for cores in sorted(model['hours'], key=int)]
    lines += [_table(['cores', 'hours (model)', 'of which the annual cycle'], table), '']
    lines += ['Not in the model: reading 7,300-band stacks from shared storage (each date task reads one band of '
              'each; each cycle strip reads every band of its rows), the start of the workers, and a scheduler '
              'loaded by hundreds of workers (its per-task overhead was measured with 2).', '']
    return lines


def render(results_dir=common.DEFAULT_RESULTS_DIR, report_path=common.DEFAULT_REPORT, notes=None):
    accuracy = common.read_json(os.path.join(results_dir, 'accuracy.json'))
    speed = common.read_json(os.path.join(results_dir, 'speed.json'))
    huge = common.read_json(os.path.join(results_dir, 'huge.json'))
    series = common.read_json(os.path.join(results_dir, 'series.json'))
    distributed = common.read_json(os.path.join(results_dir, 'distributed.json'))
    machine = next((x['machine'] for x in (accuracy, speed, huge, series) if x), {})
    lines = ['# Benchmarks', '',
             'Generated by `benchmarks/run_all.py` from `benchmarks/results/*.json` (machine-readable: '
             '`accuracy.csv`, `speed.csv`, and the JSON files). Do not edit by hand: rerun.', '',
             'Reproduce: `make bench` (accuracy with the 56 fixed configurations of method 0 per scene, speed 1-100 '
             'Mpx, 365-date series; about an hour on 2 shared cores the first time, the configuration runs are then '
             'cached until `core/` changes), '
             '`make bench-quick` (smallest cases, CI, into a temporary folder), '
             '`/usr/bin/python3 -P benchmarks/run_all.py --huge-only` (the 1.6 Gpx scene: about 15 min, 10 GB of '
             'inputs and up to half the free disk for scratch, niced). The GWR peer needs mgwr in a side venv: '
             '`bash benchmarks/setup_gwr_venv.sh` (without it the accuracy table is produced without the peer and '
             'says so). Profile (one thread): `/tmp/mgwr_venv/bin/python -P benchmarks/profile_run.py --width 4620 '
             '--height 2890`.', '',
             'Machine: {} × {}, {} GB RAM, Python {}, numpy {}, scipy {}, GDAL {}. The 2 cores were shared with '
             'other work during the runs (load average at start: {}), so times are upper bounds. Each section names '
             'the commit of the plugin it measured.'.format(
                 machine.get('cpus', '?'), machine.get('cpu', '?'), machine.get('memory_gb', '?'),
                 machine.get('python', '?'), machine.get('numpy', '?'), machine.get('scipy', '?'),
                 machine.get('gdal', '?'), machine.get('load_average_at_start', '?')), '']
    if notes:
        lines += notes + ['']
    lines += _summary(accuracy, speed, huge, series)
    lines += _accuracy_section(accuracy)
    lines += _speed_section(speed, huge, series)
    lines += _distributed_section(distributed, speed)
    lines += _method_notes()
    os.makedirs(os.path.dirname(os.path.abspath(report_path)), exist_ok=True)
    with open(report_path, 'w') as handle:
        handle.write('\n'.join(lines).rstrip() + '\n')
    return report_path


DEFAULT = 'terrain-aware adaptive window'
PREVIOUS = 'terrain-aware, per-cell AICc (version 0.1 default)'
GWR_Z = ('GWR with elevation (mgwr) + residual correction', 'GWR with elevation (mgwr), no residual correction')


def _issue10_bar(accuracy, summary):
    """The bar of issue 10 for making the self-adaptive selection the default, checked on this table."""
    if PREVIOUS not in summary or not accuracy['scenes'][0].get('selection'):
        return []
    rules = {r['rule']: r for r in selection_summary(accuracy)}
    rows = [r for r in accuracy['rows'] if not r.get('error')]

    def group_mean(method, dem):
        return _mean([r['ubrmse_vs_bilinear'] for r in rows if r['method'] == method and r['dem'] == dem])
    worse, gwr_losses = [], []
    for dem, label in GROUPS:
        ratio = group_mean(DEFAULT, dem) / group_mean(PREVIOUS, dem)
        if ratio > 1.01:
            worse.append('{} ({:.3f})'.format(label, ratio))
        for peer in GWR_Z:
            if peer in summary and not group_mean(DEFAULT, dem) < group_mean(peer, dem):
                gwr_losses.append('{} vs {} ({:.2f} ≥ {:.2f})'.format(label, ABBREV.get(peer, peer),
                                                                     group_mean(DEFAULT, dem), group_mean(peer, dem)))
    closed = rules['default']['closed']
    original = [r for r in rows if not r.get('relation_break')]
    target_note = ''
    if len(original) < len(rows):
        target_note = '; on the {} scenes without a relation break {:.3f} (previous default {:.3f})'.format(
            len({r['scene'] for r in original}),
            _mean([r['ubrmse_vs_bilinear'] for r in original if r['method'] == DEFAULT]),
            _mean([r['ubrmse_vs_bilinear'] for r in original if r['method'] == PREVIOUS]))
    checks = [('gap to the per-scene oracle closed ≥ 0.5', '{:.2f}'.format(closed), closed >= 0.5),
              ('no DEM group > 1 % worse than the previous default', ', '.join(worse) or 'none', not worse),
              ('better than GWR with elevation on every DEM group', '; '.join(gwr_losses) or 'yes' if any(
                  peer in summary for peer in GWR_Z) else 'peer not run', not gwr_losses and any(
                  peer in summary for peer in GWR_Z)),
              ('target mean ubRMSE / bilinear ≤ 0.70', '{:.3f} (previous default {:.3f}){}'.format(
                  summary[DEFAULT]['rel'], summary[PREVIOUS]['rel'], target_note), summary[DEFAULT]['rel'] <= 0.70)]
    return ['- Issue 10, the bar for the self-adaptive default: ' + '; '.join(
        '{}: {} — **{}**'.format(name, value, 'met' if ok else 'not met') for name, value, ok in checks) + '.']


def _summary(accuracy, speed, huge, series):
    lines = ['## Summary', '']
    if accuracy:
        summary = {s['method']: s for s in method_summary(accuracy)}
        n = len(accuracy['scenes'])
        parts = []
        for method in accuracy['methods']:
            s = summary[method]
            if method == 'bilinear':
                continue
            parts.append('{} {:.2f} ({} of {} scenes better)'.format(
                ABBREV.get(method, method).replace('default', 'terrain-aware default'), s['rel'], s['wins'], n))
        lines += ['- Accuracy, {} twin scenes on 5 real DEMs: ubRMSE relative to bilinear interpolation of the '
                  'coarse product (mean over scenes; below 1 is better): {}. Bilinear itself: ubRMSE {:.4f} m³/m³, '
                  'R {:.2f}; the default: {:.4f} m³/m³, R {:.2f}. Value consistency of the consistent methods: '
                  'at most {:.0e} m³/m³.'.format(
                      n, '; '.join(parts), summary['bilinear']['ubrmse'], summary['bilinear']['r'],
                      summary['terrain-aware adaptive window']['ubrmse'], summary['terrain-aware adaptive window']['r'],
                      max(summary[m]['consistency'] for m in accuracy['consistent_methods']))]
        lines += _issue10_bar(accuracy, summary)
    if speed:
        rows = speed['rows']
        conus = next((r for r in rows if 'CONUS' in r['case']), rows[-1])
        within = sum(r['ratio_to_warp'] <= SPEED_TARGET for r in rows)
        verdict = 'met' if within == len(rows) else '**not met**{}'.format(
            ' (met on {} of {} grids)'.format(within, len(rows)) if within else '')
        lines += ['- Speed, default method: {:.2f}-{:.2f} s per megapixel ({:.1f}-{:.1f}× a `gdal.Warp -r bilinear` of '
                  'the coarse product onto the same grid; target ≤ {:.0f}×: {}); CONUS at 1 km ({:.1f} Mpx) in '
                  '{:.1f} s; peak memory {:.0f}-{:.0f} MB with a 512 MB budget.'.format(
                      min(r['downscale_s_per_mpx'] for r in rows), max(r['downscale_s_per_mpx'] for r in rows),
                      min(r['ratio_to_warp'] for r in rows), max(r['ratio_to_warp'] for r in rows), SPEED_TARGET,
                      verdict,
                      conus['megapixels'], conus['downscale_s'], min(r['peak_rss_mb'] for r in rows),
                      max(r['peak_rss_mb'] for r in rows))]
    if huge:
        r = huge['row']
        lines += ['- 40000 × 40000 px (1.6 Gpx) with `memory_mb` = {:.0f}: {:.0f} min, peak RSS {:.0f} MB '
                  '(target < 2 GB: {}).'.format(r['memory_mb_budget'], r['downscale_s'] / 60.0, r['peak_rss_mb'],
                                                'met' if r['peak_rss_mb'] < 2048 else '**not met**')]
    if series and series.get('rows'):
        for r in series['rows']:
            lines += ['- {} dates on {}×{} px ({}): {:.0f} s ({:.2f} s per date), peak RSS {:.0f} MB.'.format(
                r['dates'], r['width'], r['height'], r['mode'], r['seconds'], r['seconds_per_date'], r['peak_rss_mb'])]
    return lines + ['']


def _method_notes():
    path = os.path.join(common.BENCH_DIR, 'NOTES.md')
    if os.path.exists(path):
        with open(path) as handle:
            return [''] + handle.read().rstrip().splitlines()
    return []
