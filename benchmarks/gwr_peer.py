"""Outside peer for the accuracy benchmark: geographically weighted regression from ``mgwr``.

What it does, per twin scene (the same inputs the plugin gets; the truth is not read):
1. Zonal means of the predictors over the valid fine pixels of each coarse cell (fine pixel
   centres mapped into the coarse grid, as the plugin does: ``core.alignment.CoarseIndexer``).
   Cells with a soil moisture value and at least 50 % valid fine pixels are the samples.
   Two variants (``VARIANTS``): LST and NDVI; LST, NDVI and elevation z (the scene's DEM on
   the fine grid), the strongest outside peer we know of in mountains.
2. GWR θ_c = b0 + b1·LST_c + b2·NDVI_c [+ b3·z_c] (predictors standardized over the samples) with
   mgwr's bandwidth selection: ``Sel_BW(kernel='bisquare', fixed=False).search(criterion='AICc')``
   (adaptive bisquare kernel, nearest-neighbour bandwidth) searched over [20, n − 1] neighbours
   (mgwr's default lower bound, 40 + 2·3 = 46, was hit in most scenes and exceeds n in the
   smallest ones; 20 is about the number of cells in the plugin's smallest 5 × 5 window), one
   process (``n_jobs=1``, like the plugin); coordinates = coarse cell centres projected into
   the fine CRS (metres).
3. Apply at the fine scale: the local coefficients are interpolated bilinearly from the sample
   cells' centres in the coarse grid's index space (the plugin's own ``BilinearWeights``), and
   θ_f = b0 + b1·LST_f + b2·NDVI_f [+ b3·z_f] on the raw LST (no terrain correction, no gap filling).
4. Two outputs per variant: ``<variant>`` (no residual correction; the cell means are not kept) and
   ``<variant>_residual`` (residual correction as in METHOD.md §6: r_c = θ_c − ⟨θ̂⟩_c spread
   bilinearly plus the per-cell remainder, so every cell keeps its value). No clipping.

It needs mgwr, which QGIS does not ship: run it with the side venv's interpreter
(``/tmp/mgwr_venv/bin/python -P benchmarks/gwr_peer.py jobs.json answer.json``);
``accuracy.py`` does so when that venv exists and skips the peer otherwise.
"""
import json
import os
import sys
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.gwr_peer import main  # noqa: E402
    sys.exit(main())

import numpy as np  # noqa: E402

from ..core.alignment import CoarseIndexer, GridMapper, cell_capacity  # noqa: E402
from ..core.raster_io import RasterSource, read_array, write_array  # noqa: E402
from ..core.residual import BilinearWeights, zonal_sums  # noqa: E402

MIN_VALID_FRACTION = 0.5
#: Smallest bandwidth (nearest neighbours) searched.
MIN_BANDWIDTH = 20


#: The peer's variants: output key → predictors (``z`` = elevation from the scene's ``dem.tif``, on the fine grid).
VARIANTS = {'gwr': ('lst', 'ndvi'), 'gwr_z': ('lst', 'ndvi', 'z')}


def gwr_downscale(folder, outputs):
    """Run every variant of VARIANTS on one scene; ``outputs`` maps '<variant>' and '<variant>_residual'
    to output paths (a variant is run when either of its paths is given). Returns the answer dict."""
    from mgwr.gwr import GWR
    from mgwr.sel_bw import Sel_BW
    started = time.perf_counter()
    names = {'coarse_sm': 'coarse_sm', 'lst': 'lst', 'ndvi': 'ndvi', 'z': 'dem'}
    sources = {key: RasterSource(os.path.join(folder, name + '.tif'), name=name) for key, name in names.items()}
    fine = sources['lst'].grid()
    coarse = sources['coarse_sm'].grid()
    theta = read_array(sources['coarse_sm']).ravel()
    fine_values = {key: read_array(sources[key]).ravel() for key in ('lst', 'ndvi', 'z')}
    indexer = CoarseIndexer(fine, coarse)
    fcol, frow = (a.ravel() for a in indexer.index(fine.full_window()))
    zone = indexer.zone(fcol, frow)
    n_cells = coarse.n_pixels
    # Cell centres in the fine CRS (metres), the GWR coordinates.
    cols, rows = np.meshgrid(np.arange(coarse.width) + 0.5, np.arange(coarse.height) + 0.5)
    gt = coarse.geotransform
    cx, cy = gt[0] + cols.ravel() * gt[1], gt[3] + rows.ravel() * gt[5]
    if not coarse.same_crs(fine):
        cx, cy = GridMapper(coarse, fine.crs_wkt, step=1).exact(cx, cy)
    answer = {'folder': folder}
    for variant, predictors in VARIANTS.items():
        plain, residual = outputs.get(variant), outputs.get(variant + '_residual')
        if not (plain or residual):
            continue
        variant_started = time.perf_counter()
        values = [fine_values[key] for key in predictors]
        valid = zone >= 0
        for v in values:
            valid &= np.isfinite(v)
        vzone = np.where(valid, zone, -1)
        count = zonal_sums(vzone, values[0], n_cells)[1]
        with np.errstate(invalid='ignore', divide='ignore'):
            means = [zonal_sums(vzone, v, n_cells, counts=False)[0] / count for v in values]
            fraction = count / cell_capacity(coarse, fine).ravel()
        samples = (np.isfinite(theta) & (count > 0) & (fraction >= MIN_VALID_FRACTION)
                   & np.isfinite(cx) & np.isfinite(cy))
        centre = [m[samples].mean() for m in means]
        scale = [m[samples].std() or 1.0 for m in means]
        coords = np.column_stack([cx[samples], cy[samples]])
        y = theta[samples].reshape(-1, 1)
        x = np.column_stack([(m[samples] - c) / s for m, c, s in zip(means, centre, scale)])
        fit_started = time.perf_counter()
        n = len(y)
        selector = Sel_BW(coords, y, x, kernel='bisquare', fixed=False, n_jobs=1)
        bandwidth = selector.search(criterion='AICc', bw_min=min(MIN_BANDWIDTH, n - 1), bw_max=n - 1)
        result = GWR(coords, y, x, bandwidth, kernel='bisquare', fixed=False, n_jobs=1).fit()
        fit_seconds = time.perf_counter() - fit_started
        beta = np.full((n_cells, len(predictors) + 1), np.nan)
        beta[samples] = result.params
        # Fine prediction with coefficients interpolated from the sample cells' centres.
        shape = (coarse.height, coarse.width)
        b = BilinearWeights.from_indices(fcol[valid], frow[valid], shape).interpolate(beta, samples)
        predicted = np.full(zone.shape, np.nan)
        predicted[valid] = b[:, 0] + sum(b[:, k + 1] * (v[valid] - c) / s
                                         for k, (v, c, s) in enumerate(zip(values, centre, scale)))
        corrected = _residual_correction(predicted, theta, zone, fcol, frow, shape, n_cells)
        for path, estimate in ((plain, predicted), (residual, corrected)):
            if path:
                write_array(path, fine, estimate.reshape(fine.height, fine.width).astype(np.float32))
        answer[variant] = {'bandwidth_cells': float(bandwidth), 'n_samples': int(samples.sum()),
                           'aicc': float(result.aicc), 'r_squared': float(result.R2), 'fit_seconds': fit_seconds,
                           'seconds': time.perf_counter() - variant_started}
    answer['seconds'] = time.perf_counter() - started
    return answer


def _residual_correction(predicted, theta, zone, fcol, frow, shape, n_cells):
    """METHOD.md §6 without clipping: r_c = θ_c − ⟨θ̂⟩_c spread bilinearly plus the per-cell remainder."""
    has = np.isfinite(predicted) & (zone >= 0)
    pzone = np.where(has, zone, -1)
    sums, counts = zonal_sums(pzone, predicted, n_cells)
    with np.errstate(invalid='ignore', divide='ignore'):
        residual = theta - sums / counts
    residual_cells = np.isfinite(residual)
    corrected = predicted.copy()
    use = has & residual_cells[np.maximum(zone, 0)]
    spread = np.full(predicted.shape, np.nan)
    spread[use] = BilinearWeights.from_indices(fcol[use], frow[use], shape).interpolate(
        np.where(residual_cells, residual, 0.0), residual_cells)
    spread_sum, spread_count = zonal_sums(np.where(use, zone, -1), spread, n_cells)
    with np.errstate(invalid='ignore', divide='ignore'):
        remainder = residual - spread_sum / spread_count
    corrected[use] = predicted[use] + spread[use] + remainder[zone[use]]
    corrected[has & ~use] = np.nan
    return corrected


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as handle:
        jobs = json.load(handle)
    answers = []
    for job in jobs:
        try:
            answers.append(gwr_downscale(job['folder'], job['outputs']))
        except Exception as error:  # one failing scene must not lose the others
            answers.append({'folder': job['folder'], 'error': '{}: {}'.format(type(error).__name__, error)})
        with open(argv[1], 'w') as handle:
            json.dump(answers, handle)
    return 0
