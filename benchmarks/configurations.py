"""The self-adaptive selection judged against hindsight: fixed configurations and selection rules.

For every twin scene of the accuracy benchmark the terrain-aware method (METHOD 0) is run with each
fixed configuration of the oracle (terrain mode × predictor set × window, ``configurations()``), and
with the selection rules that need a run of their own (``RULE_RUNS``). Per run, the error against
the hidden truth is kept per coarse cell (Σe, Σe², n over the pixels where the truth and the
output both have a value), in a cache keyed by the scene, the configuration and a fingerprint of
the plugin's code (``core/``) and of the twin generator, so rules can be added and evaluated
without re-running everything (default cache: ``$SMD_BENCH_CACHE`` or ``<tmp>/smd_bench_cache``).

Rules without a run of their own are composed from the cached fixed configurations:
- the default's criterion without its pixel-noise term (the candidate is looked up);
- per region (tiles of REGION_CELLS × REGION_CELLS coarse cells) and per cell (the criterion
  smoothed over a bisquare window of CELL_SMOOTHING cells), from the per-cell criterion of the
  default run: each cell takes the chosen configuration's errors in that cell. This ignores what
  happens across region edges (coefficients and residuals are interpolated between cells), so it
  is an approximation of a real per-region run;
- hindsight: the best fixed configuration per scene (the oracle), per region and per cell.
"""
import hashlib
import os
import tempfile

import numpy as np
from scipy import ndimage

from ..core import linking
from ..core.downscaling import Candidate
from ..core.downscaling.options import AUTO_TERRAIN_MODES

#: The oracle's space: every terrain mode, both predictor sets, windows h = 2..6, 8 and one scene-wide model (0).
ORACLE_MODES = ('illumination+lapse', 'fixed lapse rate', 'illumination', 'none')
ORACLE_PREDICTORS = ('LST*, NDVI', 'LST*, NDVI, elevation')
ORACLE_WINDOWS = (2, 3, 4, 5, 6, 8, 0)
#: Runs of the terrain-aware method with the options of a rule: key → (label, DownscaleOptions arguments).
RULE_RUNS = {
    'default': ('self-adaptive, neighbour validation + pixel noise (default)', {}),
    'aicc': ('per-cell AICc (the default of version 0.1)', {'selection': 'per-cell AICc'}),
    'cross_scale': ('self-adaptive, cross-scale validation + pixel noise', {'selection_criterion':
                                                                             'cross-scale validation'}),
}
#: Regions of the per-region rule (coarse cells a side) and smoothing of the per-cell rule (half-width, cells).
REGION_CELLS = 8
CELL_SMOOTHING = 4
CACHE_DIR = os.environ.get('SMD_BENCH_CACHE', os.path.join(tempfile.gettempdir(), 'smd_bench_cache'))
_REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def configuration_key(terrain_mode, predictors, half_window):
    return '{}|{}|{}'.format(terrain_mode, predictors, half_window)


def candidate_key(candidate):
    """The fixed configuration of a selection candidate."""
    return configuration_key(candidate.terrain_mode, ORACLE_PREDICTORS[int(candidate.with_elevation)],
                             candidate.half_window)


def configuration_label(key):
    mode, predictors, window = key.split('|')
    return Candidate(mode, predictors == ORACLE_PREDICTORS[1], int(window)).label


def configurations(quick=False):
    """{key: DownscaleOptions arguments} of the fixed configurations (quick: the default's terrain modes,
    h = 2, 6 and scene-wide only)."""
    modes, windows = (AUTO_TERRAIN_MODES, (2, 6, 0)) if quick else (ORACLE_MODES, ORACLE_WINDOWS)
    return {configuration_key(mode, predictors, h): {'terrain_mode': mode, 'predictors': predictors,
                                                      'candidate_windows': (h,)}
            for mode in modes for predictors in ORACLE_PREDICTORS for h in windows}


def fingerprint(paths=('core', 'benchmarks/twin_scene.py')):
    """A short hash of the source files under ``paths`` (relative to the repository)."""
    digest = hashlib.sha1()
    for path in paths:
        full = os.path.join(_REPO, path)
        files = [full] if os.path.isfile(full) else sorted(
            os.path.join(folder, name) for folder, _, names in os.walk(full) for name in names if name.endswith('.py'))
        for name in files:
            digest.update(os.path.relpath(name, _REPO).encode())
            with open(name, 'rb') as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


class RunCache:
    """Per-cell errors of runs, one .npz per (scene, configuration) under a folder per code fingerprint."""

    def __init__(self, folder=CACHE_DIR):
        self.folder = os.path.join(folder, 'runs-' + fingerprint())

    def _path(self, scene, key):
        safe = key.replace('|', '__').replace('*', 'star').replace(',', '').replace(' ', '_').replace('+', 'plus')
        return os.path.join(self.folder, scene, safe + '.npz')

    def get(self, scene, key):
        path = self._path(scene, key)
        if not os.path.exists(path):
            return None
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def put(self, scene, key, record):
        path = self._path(scene, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = path + '.partial.npz'
        np.savez_compressed(partial, **record)
        os.replace(partial, path)


def cell_errors(estimate, truth, zone, n_cells):
    """(Σe, Σe², n) per coarse cell of e = estimate − truth over the pixels where both have a value."""
    error = np.asarray(estimate, dtype=np.float64).ravel() - np.asarray(truth, dtype=np.float64).ravel()
    keep = np.isfinite(error) & (zone >= 0)
    bins = np.where(keep, zone, n_cells)
    error = np.where(keep, error, 0.0)
    return (np.bincount(bins, weights=error, minlength=n_cells + 1)[:n_cells],
            np.bincount(bins, weights=error * error, minlength=n_cells + 1)[:n_cells],
            np.bincount(bins, minlength=n_cells + 1)[:n_cells].astype(float))


def ubrmse(se, sse, n):
    """ubRMSE (m³/m³) from per-cell sums."""
    total = n.sum()
    if total == 0:
        return float('nan')
    mean = se.sum() / total
    return float(np.sqrt(max(sse.sum() / total - mean * mean, 0.0)))


def selection_record(selection):
    """What a run's selection is kept as: the candidates' keys, criteria and per-cell criteria."""
    if selection is None:
        return {}
    return {'candidates': np.array([candidate_key(s.candidate) for s in selection.scores]),
            'criterion': np.array([s.criterion for s in selection.scores]),
            'validation': np.array([s.validation for s in selection.scores]),
            'cell_criterion': np.stack([s.cells for s in selection.scores]).astype(np.float32),
            'chosen': np.array(candidate_key(selection.chosen))}


def _compose(records, keys, choice):
    """ubRMSE of the map that takes, in each cell, the errors of configuration keys[choice[cell]]."""
    cells = np.arange(len(choice))
    se, sse, n = (np.stack([records[k][name] for k in keys])[choice, cells] for name in ('se', 'sse', 'n'))
    return ubrmse(se, sse, n)


def _regions(shape, size):
    rows = np.arange(shape[0]) // size
    cols = np.arange(shape[1]) // size
    return (rows[:, None] * (cols[-1] + 1) + cols[None, :]).ravel()


def _smoothed(values, weight, half_width):
    kernel = linking.bisquare_kernel(half_width)
    finite = np.isfinite(values) & (weight > 0)
    total = ndimage.correlate(np.where(finite, values * weight, 0.0), kernel, mode='constant')
    weights = ndimage.correlate(np.where(finite, weight, 0.0), kernel, mode='constant')
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(weights > 0, total / weights, np.inf)


def evaluate_rules(records, coarse_shape):
    """{rule: {'ubrmse', 'chosen'}} of one scene from its cached runs ({key: record})."""
    fixed = [key for key in records if key.count('|') == 2]
    results = {}
    for key in RULE_RUNS:
        if key in records:
            record = records[key]
            results[key] = {'ubrmse': ubrmse(record['se'], record['sse'], record['n']),
                            'chosen': str(record['chosen']) if 'chosen' in record else None}
    default = records.get('default')
    fixed_ub = {key: ubrmse(records[key]['se'], records[key]['sse'], records[key]['n']) for key in fixed}
    if fixed_ub:
        best = min(fixed_ub, key=fixed_ub.get)
        results['oracle'] = {'ubrmse': fixed_ub[best], 'chosen': best}
        # Hindsight per region and per cell, over the default's candidates (and over all fixed configurations).
        sse = np.stack([records[k]['sse'] for k in fixed])
        regions = _regions(coarse_shape, REGION_CELLS)
        per_region = np.stack([np.bincount(regions, weights=row, minlength=regions.max() + 1) for row in sse])
        results['oracle_region'] = {'ubrmse': _compose(records, fixed, np.argmin(per_region, axis=0)[regions]),
                                    'chosen': None}
        results['oracle_cell'] = {'ubrmse': _compose(records, fixed, np.argmin(sse, axis=0)), 'chosen': None}
    if default is not None and 'candidates' in default:
        keys = [str(k) for k in default['candidates']]
        if all(k in records for k in keys) and 'weight' in default:
            no_noise = keys[int(np.nanargmin(np.where(np.isfinite(default['validation']), default['validation'],
                                                      np.inf)))]
            results['no_noise'] = {'ubrmse': fixed_ub[no_noise], 'chosen': no_noise}
            cells = default['cell_criterion'].astype(float).reshape(len(keys), -1)
            weight = default['weight'].ravel()
            common = np.all(np.isfinite(cells), axis=0) & (weight > 0)
            scene_choice = int(np.argmin(np.where(np.isfinite(default['criterion']), default['criterion'], np.inf)))
            regions = _regions(coarse_shape, REGION_CELLS)
            per_region = np.stack([np.bincount(regions, weights=np.where(common, row * weight, 0.0),
                                               minlength=regions.max() + 1) for row in cells])
            region_choice = np.argmin(per_region, axis=0)[regions]
            results['region'] = {'ubrmse': _compose(records, keys, region_choice), 'chosen': None}
            smoothed = np.stack([_smoothed(np.where(common, row, np.nan).reshape(coarse_shape),
                                           weight.reshape(coarse_shape), CELL_SMOOTHING).ravel() for row in cells])
            cell_choice = np.where(np.isfinite(smoothed.min(axis=0)), np.argmin(smoothed, axis=0), scene_choice)
            results['cell'] = {'ubrmse': _compose(records, keys, cell_choice), 'chosen': None}
    return results


#: Rules in the order of the report: key → label (RULE_RUNS first).
RULE_LABELS = dict([(key, label) for key, (label, _) in RULE_RUNS.items()] + [
    ('no_noise', 'self-adaptive without the pixel-noise term'),
    ('region', 'per region of {0}×{0} cells (composed)'.format(REGION_CELLS)),
    ('cell', 'per cell, criterion smoothed over h = {} (composed)'.format(CELL_SMOOTHING)),
    ('oracle', 'hindsight: best fixed configuration per scene (oracle)'),
    ('oracle_region', 'hindsight: best per region of {0}×{0} cells (composed)'.format(REGION_CELLS)),
    ('oracle_cell', 'hindsight: best per cell (composed)'),
])
