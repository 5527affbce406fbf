"""Accuracy of every downscaling method in twin experiments on real terrain.

For each real DEM of the shared sample data (Front Range SRTM 90 m, Rocky Mountain NP
234 m, New Zealand 1 km with sea as nodata, Colorado 30″, Himalaya 30″) twin scenes are
built with ``benchmarks.twin_scene.make_twin_scene`` (a known fine truth; LST, NDVI and the
coarse product derived from it) for:

- two scale ratios, ≈25× (like 25 km → 1 km) and ≈10×;
- soil moisture that does not / does follow elevation and illumination (``sm_follows_terrain``);
- a moisture–LST relation that changes sharply across a line (``relation_break``: weaker evaporative
  cooling and soil moisture following terrain beyond it), smooth elsewhere;
- clear sky and 30 % cloud cover on LST (``cloud_fraction``);
- the coarse product on a grid in another CRS (EPSG:4326 cells over a projected fine grid,
  the ESA CCI 0.25° / 0.1° grids for the 1 km DEMs) and, as a control, cells aligned in the fine CRS.

Every method of ``core.downscaling.Method`` runs through ``core.downscaling.downscale`` (what the
Processing algorithm calls) with default options; the GWR peer (``gwr_peer.py``, mgwr)
runs in a side venv when one exists. Against the truth: bias, RMSE, ubRMSE and R
(``core.metrics.agreement``) over the pixels where every method of the scene gives a value,
the coverage of each method, the value-consistency error (``result.consistency_max_error``;
computed the same way from the output for the peer) and the wall time.

Run: ``/usr/bin/python3 -P benchmarks/accuracy.py [--quick] [--no-gwr] [--results DIR]``.
"""
import argparse
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.accuracy import main  # noqa: E402
    sys.exit(main())

import numpy as np  # noqa: E402

from . import common, configurations  # noqa: E402
from .twin_scene import COLORADO_DEM, DATA_DIR, FRONT_RANGE_DEM, TwinSettings, make_twin_scene  # noqa: E402
from ..core import downscaling  # noqa: E402
from ..core.downscaling import Method  # noqa: E402
from ..core.alignment import CoarseIndexer, ground_pixel_size_m  # noqa: E402
from ..core.metrics import agreement  # noqa: E402
from ..core.raster_io import RasterSource, read_array  # noqa: E402
from ..core.residual import zonal_sums  # noqa: E402
from ..core.terrain import SunGeometry  # noqa: E402

RMNP_DEM = os.path.join(DATA_DIR, 'rmnp-dem.tif')
NZ_DEM = os.path.join(DATA_DIR, 'nz_elev.tif')
HIMALAYA_DEM = os.path.join(DATA_DIR, 'himalaya_srtm30.tif')

#: The real DEMs and the fine grid of their scenes (fine grids 150-600 px a side).
DEMS = {
    'front_range': dict(label='Front Range SRTM 90 m', path=FRONT_RANGE_DEM, fine_crs='EPSG:32613',
                        fine_resolution=150.0, latitude=40.15, one_km=False),
    'rmnp': dict(label='Rocky Mountain NP 234 m', path=RMNP_DEM, fine_crs='EPSG:32613', fine_resolution=240.0,
                 latitude=40.36, one_km=False),
    'new_zealand': dict(label='New Zealand 1 km (South Island, sea = nodata)', path=NZ_DEM, fine_crs='EPSG:2193',
                        fine_resolution=1000.0, latitude=-43.5, one_km=True, keep_dem_gaps=True,
                        # 450 × 450 km on the DEM's own 1 km pixels: Southern Alps, Canterbury, both coasts.
                        extent=(1195456.546197626, 4941960.927303582, 1645456.546197626, 5391960.927303582)),
    'colorado': dict(label='Colorado 30″ (1 km)', path=COLORADO_DEM, fine_crs='EPSG:32613', fine_resolution=1000.0,
                     latitude=39.0, one_km=True),
    'himalaya': dict(label='Himalaya 30″ (1 km, Nepal–Tibet 540 × 425 km)', path=HIMALAYA_DEM,
                     fine_crs='EPSG:32645', fine_resolution=1000.0, latitude=28.4, one_km=True,
                     extent=(230000.0, 2935000.0, 770000.0, 3360000.0)),
}
RATIOS = (25, 10)
CLOUD_FRACTION = 0.3
#: Runs with one option changed from its default (title, method, DownscaleOptions fields): extra rows of the
#: table, to show what an option is worth on the same scenes.
VARIANTS = (
    ('terrain-aware adaptive window, bilinear residual spread', Method.TERRAIN_AWARE, dict(residual='bilinear')),
    ('DISPATCH, linear SEE model', Method.DISPATCH, dict(see_model='linear')),
)
GWR_PYTHON = os.environ.get('SMD_GWR_PYTHON', '/tmp/mgwr_venv/bin/python')
#: The outside peers (gwr_peer.py): output key → method name.
PEER_METHODS = {'gwr': 'GWR (mgwr), no residual correction', 'gwr_residual': 'GWR (mgwr) + residual correction',
                'gwr_z': 'GWR with elevation (mgwr), no residual correction',
                'gwr_z_residual': 'GWR with elevation (mgwr) + residual correction'}


def scene_cases(quick=False):
    """The scenes of the table: per DEM, 2 ratios × 2 soil moisture kinds × 2 skies in EPSG:4326 cells,
    plus 2 aligned same-CRS controls (clear sky, soil moisture not following terrain); then, per DEM and
    ratio, a clear scene whose moisture–LST relation breaks across a line (after the others, so that
    every other scene keeps its seed)."""
    cases = []
    if quick:
        return [dict(dem='rmnp', ratio=10, coarse='EPSG:4326', clouds=0.0, follows=False),
                dict(dem='rmnp', ratio=10, coarse='EPSG:4326', clouds=CLOUD_FRACTION, follows=True)]
    for dem in DEMS:
        for ratio in RATIOS:
            for follows in (False, True):
                for clouds in (0.0, CLOUD_FRACTION):
                    cases.append(dict(dem=dem, ratio=ratio, coarse='EPSG:4326', clouds=clouds, follows=follows))
        for ratio in RATIOS:
            cases.append(dict(dem=dem, ratio=ratio, coarse='same CRS', clouds=0.0, follows=False))
    for dem in DEMS:
        for ratio in RATIOS:
            cases.append(dict(dem=dem, ratio=ratio, coarse='EPSG:4326', clouds=0.0, follows=False, relation_break=True))
    return cases


def case_name(case):
    return '{}-{}x-{}-{}-{}'.format(case['dem'], case['ratio'], 'wgs84' if case['coarse'] == 'EPSG:4326' else 'same',
                                    'clouds' if case['clouds'] else 'clear',
                                    'smbreak' if case.get('relation_break') else
                                    'smterrain' if case['follows'] else 'smflat')


def twin_settings(case, seed):
    dem = DEMS[case['dem']]
    kwargs = dict(fine_crs=dem['fine_crs'], fine_resolution=dem['fine_resolution'], coarse_factor=case['ratio'],
                  sm_follows_terrain=case['follows'], cloud_fraction=case['clouds'], seed=seed,
                  relation_break=bool(case.get('relation_break')),
                  extent=dem.get('extent'))
    if dem.get('keep_dem_gaps'):
        kwargs['keep_dem_gaps'] = True
    if case['coarse'] == 'EPSG:4326':
        if dem['one_km']:
            resolution = {25: 0.25, 10: 0.1}[case['ratio']]    # the ESA CCI 0.25° grid and a 0.1° grid
        else:
            # Cells of about ratio × the fine pixel in ground distance (sqrt of E-W × N-S).
            resolution = case['ratio'] * dem['fine_resolution'] / (111320.0 * math.sqrt(
                math.cos(math.radians(abs(dem['latitude'])))))
        kwargs.update(coarse_crs='EPSG:4326', coarse_resolution=resolution, coarse_origin=(-180.0, 90.0))
    return TwinSettings(**kwargs)


def _read(path):
    return read_array(RasterSource(path, name=os.path.basename(path)))


def consistency_error(estimate, scene):
    """max over coarse cells with output of |cell mean of the estimate − θ_c| (for outputs not from the pipeline)."""
    coarse = _read(scene.paths['coarse_sm']).ravel()
    indexer = CoarseIndexer(scene.fine_grid, scene.coarse_grid)
    fcol, frow = indexer.index(scene.fine_grid.full_window())
    zone = indexer.zone(fcol.ravel(), frow.ravel())
    sums, counts = zonal_sums(zone, estimate.ravel(), coarse.size)
    keep = (counts > 0) & np.isfinite(coarse)
    return float(np.max(np.abs(sums[keep] / counts[keep] - coarse[keep]))) if keep.any() else float('nan')


#: The previous default, kept as a row of the table: the terrain-aware method with the per-cell AICc choice.
PREVIOUS_DEFAULT = 'terrain-aware, per-cell AICc (version 0.1 default)'


def method_runs():
    """(title, method, extra options) of every run of the table: each method (index = method number),
    then the variants: the previous default and VARIANTS."""
    return ([(method.title, method, {}) for method in Method]
            + [(PREVIOUS_DEFAULT, Method.TERRAIN_AWARE, {'selection': 'per-cell AICc'})] + list(VARIANTS))


def run_configurations(scene, name, inputs, sun, runs, results, quick=False, log=print):
    """The fixed configurations and selection rules of ``configurations.py`` on one scene (cached runs);
    returns the scene's part of the selection table."""
    cache = configurations.RunCache()
    scene_key = '{}-{}'.format(name, hashlib.sha1(repr(scene.settings).encode()).hexdigest()[:8])
    indexer = CoarseIndexer(scene.fine_grid, scene.coarse_grid)
    fcol, frow = indexer.index(scene.fine_grid.full_window())
    zone = indexer.zone(fcol.ravel(), frow.ravel())
    n_cells = scene.coarse_grid.n_pixels
    coarse_shape = (scene.coarse_grid.height, scene.coarse_grid.width)
    paths = {r['method']: r['path'] for r in runs if 'error' not in r}
    # The table's own runs serve as the default and the previous default.
    own = {'default': Method.TERRAIN_AWARE.title, 'aicc': PREVIOUS_DEFAULT}
    records = {}
    started, n_run = time.perf_counter(), 0
    fixed_configurations = configurations.configurations(quick)
    for key, options in [(k, o) for k, (_, o) in configurations.RULE_RUNS.items()] + list(
            fixed_configurations.items()):
        record = None if key in own else cache.get(scene_key, key)
        if record is None:
            if key in own and own[key] in results:
                result, path = results[own[key]], paths[own[key]]
            else:
                path = os.path.join(scene.folder, 'configuration.tif')
                result = downscaling.downscale(inputs, path, downscaling.DownscaleOptions(sun=sun, **options))
                n_run += 1
            se, sse, n = configurations.cell_errors(_read(path), scene.truth, zone, n_cells)
            record = dict(se=se, sse=sse, n=n, consistency=np.array(result.consistency_max_error),
                          weight=(result.coarse.output_pixels * result.coarse.sample_mask).astype(float),
                          **configurations.selection_record(result.selection))
            if key not in own:
                cache.put(scene_key, key, record)
        records[key] = record
    rules = configurations.evaluate_rules(records, coarse_shape)
    bilinear = configurations.ubrmse(*configurations.cell_errors(_read(paths[Method.BILINEAR.title]), scene.truth,
                                                                zone, n_cells))
    fixed = {key: configurations.ubrmse(records[key]['se'], records[key]['sse'], records[key]['n'])
             for key in fixed_configurations}
    log('    configurations: {} run, {} cached ({:.0f} s); chosen {}'.format(
        n_run, len(records) - n_run - len(own), time.perf_counter() - started, rules.get('default', {}).get('chosen')))
    return {'bilinear': bilinear, 'fixed': fixed, 'rules': rules,
            'consistency': max(float(r['consistency']) for r in records.values())}


def run_scene(case, index, workdir, log=print, with_configurations=True, quick=False):
    """Build one scene and run every pipeline method (and, with ``with_configurations``, the fixed
    configurations and rules of the selection table); returns (scene, info, per-method run records)."""
    name = case_name(case)
    folder = os.path.join(workdir, name)
    started = time.perf_counter()
    scene = make_twin_scene(DEMS[case['dem']]['path'], folder, twin_settings(case, seed=101 + index))
    build_s = time.perf_counter() - started
    inputs = downscaling.DownscaleInputs(*(RasterSource(scene.paths[key], name=key)
                                        for key in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    runs, results = [], {}
    sun = SunGeometry(acquisition_date=scene.settings.acquisition_date)
    for index, (title, method, extra) in enumerate(method_runs()):
        record = {'method': title, 'method_index': index, 'path': os.path.join(folder, 'method{}.tif'.format(index)),
                  'peer': False, 'variant': index >= len(Method),
                  'consistent_method': method in downscaling.CONSISTENT_METHODS}
        started = time.perf_counter()
        try:
            results[title] = result = downscaling.downscale(inputs, record['path'], downscaling.DownscaleOptions(
                method=method, sun=sun, **extra))
            record.update(seconds=time.perf_counter() - started, consistency_max_error=result.consistency_max_error,
                          n_sample_cells=result.n_sample_cells, stage_seconds=result.stage_seconds)
            if result.selection is not None:
                record['chosen_configuration'] = result.selection.chosen.label
        except Exception as error:  # recorded in the table, never hidden
            record.update(seconds=time.perf_counter() - started, error='{}: {}'.format(type(error).__name__, error))
        runs.append(record)
    selection = (run_configurations(scene, name, inputs, sun, runs, results, quick, log) if with_configurations
                 else None)
    coarse_cells = int(np.isfinite(_read(scene.paths['coarse_sm'])).sum())
    info = dict(case, scene=name, dem_label=DEMS[case['dem']]['label'], width=scene.fine_grid.width,
                height=scene.fine_grid.height, fine_pixel_m=scene.fine_grid.pixel_width,
                coarse_width=scene.coarse_grid.width, coarse_height=scene.coarse_grid.height,
                coarse_valid_cells=coarse_cells,
                scale_ratio=ground_pixel_size_m(scene.coarse_grid) / ground_pixel_size_m(scene.fine_grid),
                build_s=build_s, selection=selection,
                soil_moisture='break' if case.get('relation_break') else 'terrain' if case['follows'] else 'flat')
    log('  {:<40} {:>4}×{:<4} px, {:>4} coarse cells, ratio {:>4.1f}: {}'.format(
        name, info['width'], info['height'], coarse_cells, info['scale_ratio'],
        ' '.join('{:.2f}s'.format(r['seconds']) if 'error' not in r else 'ERR' for r in runs)))
    return scene, info, runs


#: The methods run on DISPATCH's own twins (TwinSettings.lst_model = 'dispatch'), one per DEM.
DISPATCH_TWIN_RUNS = (('bilinear', Method.BILINEAR, {}), ('default', Method.TERRAIN_AWARE, {}),
                      ('DISPATCH', Method.DISPATCH, {}), ('DISPATCH, linear SEE', Method.DISPATCH,
                                                          dict(see_model='linear')),
                      ('DISPATCH on the LST as given', Method.DISPATCH, dict(sun=SunGeometry())))


def run_dispatch_twins(workdir, log=print):
    """Per DEM, one twin made from the DISPATCH model (≈10×, EPSG:4326 cells, clear sky, θ independent of
    terrain): ubRMSE (m³/m³) of bilinear, the default, and DISPATCH with and without its options."""
    rows = []
    for index, dem in enumerate(DEMS):
        case = dict(dem=dem, ratio=10, coarse='EPSG:4326', clouds=0.0, follows=False)
        settings = twin_settings(case, seed=201 + index)
        settings.lst_model = 'dispatch'
        folder = os.path.join(workdir, 'dispatch_twin_' + dem)
        scene = make_twin_scene(DEMS[dem]['path'], folder, settings)
        inputs = downscaling.DownscaleInputs(*(RasterSource(scene.paths[key], name=key)
                                               for key in ('coarse_sm', 'lst', 'ndvi', 'dem')))
        row = {'dem': dem, 'dem_label': DEMS[dem]['label']}
        for label, method, changes in DISPATCH_TWIN_RUNS:
            out = os.path.join(folder, 'out.tif')
            options = dict(method=method, sun=SunGeometry(acquisition_date=scene.settings.acquisition_date))
            options.update(changes)
            downscaling.downscale(inputs, out, downscaling.DownscaleOptions(**options))
            row[label] = agreement(_read(out).ravel(), scene.truth.ravel())['ubrmse']
        rows.append(row)
        log('  DISPATCH twin {:<12} '.format(dem) + ' '.join('{} {:.4f}'.format(label, row[label])
                                                             for label, _, _ in DISPATCH_TWIN_RUNS))
    return rows


def run_gwr_peer(jobs, workdir, log=print):
    """All scenes in one child process of the side venv; {folder: answer}. Empty when unavailable."""
    path = os.path.join(workdir, 'gwr_jobs.json')
    answer_path = os.path.join(workdir, 'gwr_answer.json')
    common.write_json(path, jobs)
    command = [GWR_PYTHON, '-P', os.path.join(common.BENCH_DIR, 'gwr_peer.py'), path, answer_path]
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        log('  GWR peer failed:\n' + completed.stderr[-2000:])
    answers = common.read_json(answer_path) or []
    return {a['folder']: a for a in answers}


def gwr_status(requested):
    if not requested:
        return False, 'not run (--no-gwr)'
    if not os.path.exists(GWR_PYTHON):
        return False, ('not run: mgwr is not installed ({} missing; create it with '
                       '`bash benchmarks/setup_gwr_venv.sh`)'.format(GWR_PYTHON))
    completed = subprocess.run([GWR_PYTHON, '-c', 'import mgwr, numpy, osgeo; print(mgwr.__version__)'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        return False, 'not run: mgwr does not import in {} ({})'.format(GWR_PYTHON, completed.stderr.strip()[-200:])
    return True, 'mgwr {} in {}'.format(completed.stdout.strip(), GWR_PYTHON)


def evaluate(scene, info, runs):
    """Metrics of every run against the truth over the pixels where every run has a value."""
    truth = scene.truth.ravel()
    estimates = {}
    for record in runs:
        if 'error' not in record and os.path.exists(record['path']):
            estimates[record['method']] = _read(record['path']).ravel()
    common_mask = np.isfinite(truth)
    for values in estimates.values():
        common_mask &= np.isfinite(values)
    n_truth = int(np.isfinite(truth).sum())
    rows = []
    for record in runs:
        # The scene's selection table stays with the scene (accuracy.json 'scenes'), not in every row.
        row = {k: v for k, v in info.items() if k != 'selection'}
        row.update({k: v for k, v in record.items() if k not in ('path', 'stage_seconds')})
        values = estimates.get(record['method'])
        if values is not None:
            metrics = agreement(values[common_mask], truth[common_mask])
            own = agreement(values, truth)
            row.update(n_common=metrics['n'], bias=metrics['bias'], rmse=metrics['rmse'], ubrmse=metrics['ubrmse'],
                       r=metrics['r'], coverage=own['n'] / n_truth if n_truth else float('nan'),
                       ubrmse_own_pixels=own['ubrmse'])
            if record.get('peer'):
                row['consistency_max_error'] = consistency_error(values, scene)
        else:
            row.update(n_common=0, bias=float('nan'), rmse=float('nan'), ubrmse=float('nan'), r=float('nan'),
                       coverage=0.0, ubrmse_own_pixels=float('nan'))
        rows.append(row)
    bilinear = next((r['ubrmse'] for r in rows if r['method'] == Method.BILINEAR.title), float('nan'))
    for row in rows:
        row['ubrmse_vs_bilinear'] = row['ubrmse'] / bilinear if bilinear and math.isfinite(bilinear) else float('nan')
    return rows


CSV_COLUMNS = ['scene', 'dem', 'ratio', 'coarse', 'clouds', 'follows', 'relation_break', 'width', 'height',
               'fine_pixel_m', 'coarse_width', 'coarse_height', 'coarse_valid_cells', 'scale_ratio', 'method', 'peer',
               'n_common', 'coverage', 'bias', 'rmse', 'ubrmse', 'r', 'ubrmse_vs_bilinear', 'ubrmse_own_pixels',
               'consistency_max_error', 'seconds', 'error']


def run_accuracy(quick=False, gwr=True, results=common.DEFAULT_RESULTS_DIR, workdir=None, log=print):
    own_workdir = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix='smd_accuracy_')
    os.makedirs(workdir, exist_ok=True)
    started = time.perf_counter()
    use_gwr, gwr_note = gwr_status(gwr)
    cases = scene_cases(quick)
    log('Accuracy: {} twin scenes × {} methods{}'.format(len(cases), len(method_runs()),
                                                         ' + GWR peer' if use_gwr else ''))
    try:
        scenes = []
        for index, case in enumerate(cases):
            scenes.append(run_scene(case, index, workdir, log, quick=quick))
        pipeline_s = time.perf_counter() - started
        gwr_s = 0.0
        if use_gwr:
            jobs = [{'folder': scene.folder, 'outputs': {key: os.path.join(scene.folder, key + '.tif')
                                                         for key in PEER_METHODS}} for scene, _, _ in scenes]
            gwr_started = time.perf_counter()
            answers = run_gwr_peer(jobs, workdir, log)
            gwr_s = time.perf_counter() - gwr_started
            for (scene, _info, runs), job in zip(scenes, jobs):
                answer = answers.get(scene.folder, {'error': 'no answer from the GWR peer'})
                for index, (key, name) in enumerate(PEER_METHODS.items()):
                    variant = answer.get(key.replace('_residual', ''), {})
                    record = {'method': name, 'method_index': len(method_runs()) + index, 'path': job['outputs'][key],
                              'peer': True, 'consistent_method': key.endswith('_residual'),
                              'seconds': variant.get('seconds', float('nan'))}
                    if 'error' in answer:
                        record['error'] = answer['error']
                    else:
                        record['gwr_bandwidth_cells'] = variant.get('bandwidth_cells')
                    runs.append(record)
            log('  GWR peer: {:.0f} s for {} scenes'.format(gwr_s, len(scenes)))
        rows = []
        for scene, info, runs in scenes:
            rows.extend(evaluate(scene, info, runs))
        dispatch_twins = [] if quick else run_dispatch_twins(workdir, log)
        total_s = time.perf_counter() - started
        payload = {'command': common.command_line(), 'quick': bool(quick), 'gwr': gwr_note,
                   'machine': common.machine_info(), 'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                   'total_seconds': total_s, 'pipeline_seconds': pipeline_s, 'gwr_seconds': gwr_s,
                   'methods': ([title for title, _, _ in method_runs()]
                               + (list(PEER_METHODS.values()) if use_gwr else [])),
                   'consistent_methods': [title for title, method, _ in method_runs()
                                          if method in downscaling.CONSISTENT_METHODS],
                   'scenes': [info for _, info, _ in scenes], 'rows': rows, 'dispatch_twins': dispatch_twins}
        common.write_json(os.path.join(results, 'accuracy.json'), payload)
        common.write_csv(os.path.join(results, 'accuracy.csv'), rows, CSV_COLUMNS)
        log('Accuracy done in {:.0f} s (pipeline {:.0f} s, GWR {:.0f} s).'.format(total_s, pipeline_s, gwr_s))
        return payload
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='two small scenes only (CI)')
    parser.add_argument('--no-gwr', action='store_true', help='skip the mgwr peer even when installed')
    parser.add_argument('--results', default=common.DEFAULT_RESULTS_DIR, help='folder for accuracy.json / .csv')
    parser.add_argument('--workdir', default=None, help='keep the scenes and outputs in this folder')
    args = parser.parse_args(argv)
    run_accuracy(args.quick, not args.no_gwr, args.results, args.workdir)
    return 0
