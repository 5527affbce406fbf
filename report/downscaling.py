"""The HTML report of one downscaling run (maps, coarse-scale fit, window sizes, consistency)."""
import numpy as np

from ..core import linking
from ..core.downscaling import CONSISTENT_METHODS
from ..core.raster_io import RasterReader, RasterSource
from .html import HtmlReport, new_figure, untranslated
from .palette import SOIL_MOISTURE_RANGE, soil_moisture_colormap

SOIL_MOISTURE_COLOURS = soil_moisture_colormap()
SM_RANGE = SOIL_MOISTURE_RANGE


def _map(report, values, title, caption, cmap=SOIL_MOISTURE_COLOURS, vmin=SM_RANGE[0], vmax=SM_RANGE[1],
         label='m³/m³', discrete=False):
    figure = new_figure(6.0, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    image = axes.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, interpolation='nearest')
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    colorbar = figure.colorbar(image, ax=axes, shrink=0.85)
    colorbar.set_label(label)
    report.figure(figure, caption)


def _category_map(report, values, title, caption, categories):
    """A map of classes: one colour per (value, colour, label) with a legend, no colour bar."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch
    codes = [value for value, _, _ in categories]
    cmap = ListedColormap([colour for _, colour, _ in categories])
    norm = BoundaryNorm([c - 0.5 for c in codes] + [codes[-1] + 0.5], cmap.N)
    figure = new_figure(6.0, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    axes.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, interpolation='nearest')
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    axes.legend(handles=[Patch(facecolor=colour, edgecolor='#555555', label=label) for _, colour, label in categories],
                loc='upper left', bbox_to_anchor=(1.01, 1.0), frameon=False)
    report.figure(figure, caption)


#: The predictor sets of the local models (core.linking.PREDICTOR_SETS), as map classes.
PREDICTOR_SET_CLASSES = tuple((index, colour, label) for index, (colour, label)
                              in enumerate(zip(('#fdb863', '#5e3c99'), linking.PREDICTOR_SETS)))


def _fit_scatter(report, result):
    coarse = result.coarse
    theta = coarse.theta
    lst = coarse.mean_lst
    sample = coarse.sample_mask
    figure = new_figure(6.5, 4.5)
    axes = figure.add_subplot(1, 1, 1)
    points = axes.scatter(lst[sample], theta[sample], c=coarse.mean_ndvi[sample], cmap='YlGn', s=14,
                          edgecolors='#555555', linewidths=0.3, vmin=0, vmax=0.9, zorder=3)
    figure.colorbar(points, ax=axes, shrink=0.85).set_label('cell mean NDVI')
    fit = result.fit
    if fit is not None and sample.any():
        cells = np.flatnonzero(sample.ravel() & np.isin(fit.fallback.ravel(), (
            linking.FALLBACK_LOCAL, linking.FALLBACK_GLOBAL, linking.FALLBACK_SCENE_WIDE)))
        step = max(1, len(cells) // 60)
        spread = np.nanstd(lst[sample]) * 0.25
        beta = fit.beta.reshape(-1, len(linking.TERMS))
        for index in cells[::step]:
            x0 = lst.ravel()[index]
            xs = np.array([x0 - spread, x0 + spread])
            ndvi = np.full(2, coarse.mean_ndvi.ravel()[index])
            elevation = np.full(2, coarse.mean_elevation.ravel()[index])
            terms = fit.standardizer.terms(xs, ndvi, elevation if np.isfinite(elevation).all() else None)
            axes.plot(xs, linking.predict(beta[index], terms), color='#d95f02', linewidth=0.8, alpha=0.7, zorder=2)
    axes.set_xlabel('cell mean LST* (K)' if result.terrain.mode != 'none' else 'cell mean LST (K)')
    axes.set_ylabel('coarse soil moisture θ (m³/m³)')
    axes.set_title('Coarse-scale relation and local fits (orange)')
    report.figure(figure, 'Each dot is a coarse cell used in the calibration; orange segments are the local models '
                          'of a sample of cells, drawn at the cell\'s own NDVI and elevation.')


def _selection(report, result):
    """The self-adaptive choice: expected fine-scale error of every candidate, as curves over the window."""
    choice = result.selection
    families = []
    for score in choice.scores:
        family = (score.candidate.terrain_mode, score.candidate.with_elevation)
        if family not in families:
            families.append(family)
    windows = sorted({s.candidate.half_window for s in choice.scores
                      if s.candidate.half_window != linking.GLOBAL_WINDOW})
    positions = {h: i for i, h in enumerate(windows)}
    positions[linking.GLOBAL_WINDOW] = len(windows)
    figure = new_figure(6.5, 4.2)
    axes = figure.add_subplot(1, 1, 1)
    for family in families:
        scores = sorted((s for s in choice.scores if (s.candidate.terrain_mode, s.candidate.with_elevation) == family),
                        key=lambda s: positions[s.candidate.half_window])
        axes.plot([positions[s.candidate.half_window] for s in scores], [np.sqrt(s.criterion) for s in scores],
                  marker='o', markersize=4, linewidth=1.0,
                  label='{}; {}'.format(family[0], linking.PREDICTOR_SETS[int(family[1])]))
    best = choice.chosen_score
    axes.plot([positions[best.candidate.half_window]], [np.sqrt(best.criterion)], marker='*', markersize=14,
              color='black', linestyle='none', label='chosen')
    axes.set_xticks(range(len(windows) + 1))
    axes.set_xticklabels([str(h) for h in windows] + ['scene'])
    axes.set_xlabel('half-window h (coarse cells); scene = one scene-wide model')
    axes.set_ylabel('expected fine-scale error (m³/m³)')
    axes.set_title('Self-adaptive choice')
    axes.legend(fontsize='small')
    report.figure(figure, 'Expected error at the fine scale of every candidate (square root of the criterion): each '
                          'coarse cell is left out and predicted by the candidate fitted on the others, corrected by '
                          'its neighbours\' residuals as the residual step would, plus the pixel noise of LST* and '
                          'NDVI the candidate\'s coefficients carry into soil moisture. The lowest is chosen.')
    rows = [(s.candidate.label, float(np.sqrt(s.criterion)), float(np.sqrt(s.validation)), float(np.sqrt(s.noise)))
            for s in sorted(choice.scores, key=lambda s: s.criterion)]
    report.table(rows, header=['Candidate (terrain mode; predictors; window)', 'Expected error (m³/m³)',
                               'Left-out part (m³/m³)', 'Pixel-noise part (m³/m³)'])


def _consistency(report, result):
    coarse = result.coarse
    theta = coarse.theta.ravel()
    downscaled = coarse.downscaled_mean.ravel()
    keep = np.isfinite(theta) & np.isfinite(downscaled)
    figure = new_figure(5.0, 5.0)
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(theta[keep], downscaled[keep], s=10, color='#2c7fb8')
    if keep.any():
        low = min(theta[keep].min(), downscaled[keep].min())
        high = max(theta[keep].max(), downscaled[keep].max())
        axes.plot([low, high], [low, high], color='black', linewidth=0.8, label='1:1')
        axes.legend(loc='upper left')
    axes.set_xlabel('coarse value θ_c (m³/m³)')
    axes.set_ylabel('mean of the downscaled pixels in the cell (m³/m³)')
    axes.set_title('Value consistency: max error {:.1e} m³/m³'.format(result.consistency_max_error))
    promise = ('This method keeps every coarse value: all dots lie on the 1:1 line.'
               if result.method in CONSISTENT_METHODS else
               'This method does not promise to keep the coarse values (comparison method).')
    report.figure(figure, promise)


def describe_inputs(inputs, tr=untranslated):
    """Report rows (label, path) of a run's DownscaleInputs; ``tr`` translates the labels."""
    rows = []
    for label, source in ((tr('Coarse soil moisture'), inputs.coarse_sm), (tr('LST'), inputs.lst),
                          (tr('NDVI'), inputs.ndvi), (tr('DEM'), inputs.dem)):
        rows.append((label, source.path if source is not None else tr('(none)')))
    return rows


def describe_options(options, tr=untranslated):
    """Report rows (label, value) of a run's DownscaleOptions; ``tr`` translates the labels."""
    yes, no = tr('yes'), tr('no')
    return [(tr('Method'), tr(options.method.label)), (tr('Linking model'), options.model),
            (tr('Selection'), options.selection), (tr('Terrain correction'), options.terrain_mode),
            (tr('Predictors'), options.predictors),
            (tr('Half-windows (cells)'), '{}–{}'.format(options.min_half_window, options.max_half_window)),
            (tr('Minimum valid fraction'), options.min_valid_fraction),
            (tr('Soil moisture bounds (m³/m³)'), '{}–{}'.format(options.sm_min, options.sm_max)),
            (tr('Fill gaps'), yes if options.fill_gaps else no),
            (tr('Noise filter'), yes if options.noise_filter else no),
            (tr('Residual spread'), options.residual),
            (tr('Sun'), options.sun.describe() if (options.sun.fixed or options.sun.acquisition_date)
             else tr('(none)')),
            (tr('Memory budget (MB)'), options.memory_mb)]


def write_downscaling_report(path, result, inputs_description, parameters_description):
    """Write the HTML report of a DownscaleResult; returns the path."""
    report = HtmlReport('Soil moisture downscaling report')
    report.paragraph('Method: {}. Output: {}.'.format(result.method.title, result.output))
    report.heading('Inputs and parameters')
    report.table(inputs_description + parameters_description, header=['Item', 'Value'])
    report.heading('Summary')
    rows = [('Fine grid', result.fine_grid.describe()), ('Coarse cells over the scene', result.coarse_grid.describe()),
            ('Cells used in the calibration', result.n_sample_cells),
            ('Downscaled pixels', result.n_output_pixels), ('Pixels clipped to the bounds', result.n_clipped_pixels),
            ('Largest |cell mean − coarse value| (m³/m³)', result.consistency_max_error),
            ('Fine pixels with LST/NDVI gaps filled', result.n_filled_pixels),
            ('Coarse cells estimated (no product value)', result.n_filled_cells),
            ('Noise filter: weight of fine LST / NDVI anomalies', '{:.2f} / {:.2f}'.format(
                result.signal_fraction.lst, result.signal_fraction.ndvi))]
    if result.terrain.mode != 'none':
        rows += [('Terrain correction', result.terrain.mode),
                 ('Fitted lapse rate (K/km)', result.terrain.lapse_rate_k_per_km),
                 ('Illumination coefficient (K per unit cos i)', result.terrain.illumination_k),
                 ('Spatial sd of LST → LST* (K)', '{:.2f} → {:.2f}'.format(result.terrain_check.lst_sd,
                                                                         result.terrain_check.lst_star_sd)),
                 ('corr(LST*, cos i)', result.terrain_check.corr_lst_star_cos_i)]
    rows += [('Time, {} (s)'.format(stage), seconds) for stage, seconds in result.stage_seconds.items()]
    report.table(rows, header=['Quantity', 'Value'])
    report.heading('Maps')
    _map(report, result.coarse.theta, 'Coarse soil moisture (input)', 'The coarse product over the scene.')
    reader = RasterReader(RasterSource(result.output, name='output'))
    try:
        preview = reader.read_decimated(900)
    finally:
        reader.close()
    _map(report, preview, 'Downscaled soil moisture', 'The output on the fine grid (decimated for display).')
    if result.selection is not None:
        report.heading('Self-adaptive choice of the configuration')
        report.paragraph('Chosen: {} (expected fine-scale error {:.4f} m³/m³).'.format(
            result.selection.chosen.label, np.sqrt(result.selection.chosen_score.criterion)))
        _selection(report, result)
    report.heading('Coarse-scale calibration')
    _fit_scatter(report, result)
    if result.fit is not None:
        half_window = result.fit.half_window.astype(float)
        half_window[result.fit.fallback != linking.FALLBACK_LOCAL] = np.nan
        _map(report, half_window, 'Chosen half-window h (cells)', 'Half-window of the local model chosen per cell '
             '(blank: global model or own value). Window = (2h+1)² cells.', cmap='viridis',
             vmin=np.nanmin(half_window) if np.isfinite(half_window).any() else 0,
             vmax=np.nanmax(half_window) if np.isfinite(half_window).any() else 1, label='h (cells)')
        predictor = result.fit.predictor_set.astype(float)
        predictor[predictor < 0] = np.nan
        _category_map(report, predictor, 'Chosen predictor set', 'Predictors of the local model chosen per cell '
                      '(blank: global model or own value).', PREDICTOR_SET_CLASSES)
    report.heading('Value consistency')
    _consistency(report, result)
    report.heading('Log')
    report.preformatted(result.messages)
    return report.write(path)
