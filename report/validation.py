"""The HTML report of a validation against in-situ stations: summary, screening, per-station
metrics, scatter plots with the 1:1 line, a map of the stations and time series per station."""
import numpy as np

from ..core.raster_io import RasterReader, RasterSource
from ..core.validation import SCREEN_LABELS, SCREENS
from .html import HtmlReport, new_figure, untranslated

#: Time series are drawn for at most this many stations (those with the most pairs first).
MAX_SERIES_PLOTS = 24
RASTER_COLOURS = ('#d95f02', '#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666')


def _colour(index):
    return RASTER_COLOURS[index % len(RASTER_COLOURS)]


def _as_dates(values):
    return np.asarray(values, dtype='datetime64[D]').astype(object)


def _interval(m):
    if not np.isfinite(m['r']):
        return '–'
    if not np.isfinite(m['r_lower']):
        return '{:.3f}'.format(m['r'])
    return '{:.3f} [{:.3f}, {:.3f}]'.format(m['r'], m['r_lower'], m['r_upper'])


def _summary_tables(report, result):
    rows = []
    for raster in result.rasters:
        s = raster.summary
        rows.append((raster.name, raster.n_stations_validated, raster.pooled['n'], s['r']['mean'], s['r']['median'],
                     s['bias']['mean'], s['bias']['median'], s['rmse']['mean'], s['rmse']['median'],
                     s['ubrmse']['mean'], s['ubrmse']['median']))
    report.table(rows, header=['Raster', 'Stations', 'Pairs', 'Mean R', 'Median R', 'Mean bias', 'Median bias',
                               'Mean RMSE', 'Median RMSE', 'Mean ubRMSE', 'Median ubRMSE'])
    report.paragraph('Across stations with at least {} pairs; bias, RMSE and ubRMSE in m³/m³ (bias = raster − in '
                     'situ).'.format(result.options.min_pairs))
    pooled = [(raster.name, raster.pooled['n'], _interval(raster.pooled), raster.pooled['bias'],
               raster.pooled['rmse'], raster.pooled['ubrmse']) for raster in result.rasters]
    report.table(pooled, header=['Raster', 'Pairs', 'Pooled R [95 %]', 'Pooled bias', 'Pooled RMSE', 'Pooled ubRMSE'])
    report.paragraph('Pooled: all pairs of those stations together (differences between stations count as signal).')


def _screening_table(report, screening):
    rows = []
    for screen in SCREENS:
        if not screening.enabled[screen]:
            state = 'off'
        elif not screening.available[screen]:
            state = 'on (no data to check)'
        else:
            state = 'on'
        rows.append((SCREEN_LABELS[screen], state, screening.flagged[screen], screening.removed[screen]))
    rows.append(('Records kept', '', '', screening.kept))
    report.table(rows, header=['Screen', 'State', 'Records flagged', 'Records removed'])
    report.paragraph('{} in-situ records at the chosen depths; a record removed by an earlier screen is not counted '
                     'again by a later one. Daily means are taken over the records kept.'.format(screening.total))


def _station_table(report, result):
    header = ['Station', 'Name', 'Depth (m)']
    for raster in result.rasters:
        header += ['{}: n'.format(raster.name), 'R [95 %]', 'bias', 'RMSE', 'ubRMSE']
    rows = []
    for station in result.station_ids:
        row = [station, result.station_names.get(station, ''), result.series[station].depth_m]
        for raster in result.rasters:
            m = raster.metrics[station]
            if m['validated']:
                row += [m['n'], _interval(m), m['bias'], m['rmse'], m['ubrmse']]
            else:
                row += [m['n'], '–', '–', '–', '–']
        rows.append(row)
    report.table(rows, header=header)


def _scatter(report, result, index):
    raster = result.rasters[index]
    figure = new_figure(5.2, 5.0)
    axes = figure.add_subplot(1, 1, 1)
    xs, ys = [], []
    for station in result.station_ids:
        if not raster.metrics[station]['validated']:
            continue
        _, estimate, in_situ = raster.pairs[station]
        axes.scatter(in_situ, estimate, s=9, alpha=0.7)
        xs.append(in_situ)
        ys.append(estimate)
    if xs:
        values = np.concatenate(xs + ys)
        low, high = float(values.min()), float(values.max())
        pad = 0.05 * (high - low or 0.1)
        axes.plot([low - pad, high + pad], [low - pad, high + pad], color='black', linewidth=0.8, label='1:1')
        axes.set_xlim(low - pad, high + pad)
        axes.set_ylim(low - pad, high + pad)
        axes.legend(loc='upper left')
    axes.set_aspect('equal')
    axes.set_xlabel('in situ (m³/m³)')
    axes.set_ylabel('{} (m³/m³)'.format(raster.name))
    pooled = raster.pooled
    axes.set_title('{}: pooled R {:.3f}, RMSE {:.3f}, ubRMSE {:.3f}'.format(
        raster.name, pooled['r'], pooled['rmse'], pooled['ubrmse']), fontsize=9)
    report.figure(figure, 'Raster against in situ, one colour per station ({} stations with at least {} pairs, {} '
                          'pairs).'.format(raster.n_stations_validated, result.options.min_pairs, pooled['n']))


def _map(report, result):
    raster = result.rasters[0]
    counts = {}
    for station in result.station_ids:
        for d in raster.pairs[station][0].astype(object):
            counts[d] = counts.get(d, 0) + 1
    band = 1
    shown = raster.dates[0] if raster.dates else None
    if counts:
        shown = max(counts, key=counts.get)
        band = raster.dates.index(shown) + 1
    reader = RasterReader(RasterSource(raster.path, band, None, raster.name))
    try:
        image = reader.read_decimated(600)
    finally:
        reader.close()
    xmin, ymin, xmax, ymax = raster.grid.bounds
    figure = new_figure(6.5, 5.2)
    axes = figure.add_subplot(1, 1, 1)
    shown_image = axes.imshow(np.ma.masked_invalid(image), extent=(xmin, xmax, ymin, ymax), cmap='Greys',
                              interpolation='nearest', origin='upper')
    figure.colorbar(shown_image, ax=axes, shrink=0.8).set_label('{} (m³/m³)'.format(raster.name))
    with_r = [(raster.positions[s], raster.metrics[s]['r']) for s in result.station_ids
              if raster.metrics[s]['validated'] and np.isfinite(raster.metrics[s]['r'])]
    without = [raster.positions[s] for s in result.station_ids
               if not (raster.metrics[s]['validated'] and np.isfinite(raster.metrics[s]['r']))]
    if with_r:
        points = axes.scatter([p[0][0] for p in with_r], [p[0][1] for p in with_r], c=[p[1] for p in with_r],
                              cmap='RdYlBu', vmin=-1, vmax=1, s=40, edgecolors='black', linewidths=0.6, zorder=3)
        figure.colorbar(points, ax=axes, shrink=0.8).set_label('R at the station')
    if without:
        axes.scatter([p[0] for p in without], [p[1] for p in without], facecolors='none', edgecolors='#555555', s=40,
                     linewidths=0.8, zorder=3, label='no metrics')
        axes.legend(loc='lower right', fontsize=8)
    xs = [p[0] for p in raster.positions.values() if np.isfinite(p[0])] + [xmin, xmax]
    ys = [p[1] for p in raster.positions.values() if np.isfinite(p[1])] + [ymin, ymax]
    pad_x, pad_y = 0.03 * (max(xs) - min(xs) or 1.0), 0.03 * (max(ys) - min(ys) or 1.0)
    axes.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    axes.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    axes.set_title('Stations over {}{}'.format(raster.name, ' ({})'.format(shown.isoformat()) if shown else ''),
                   fontsize=9)
    axes.tick_params(labelsize=7)
    report.figure(figure, 'Stations coloured by R against {}; hollow: fewer than {} pairs or outside the raster. '
                          'Coordinates in the raster CRS.'.format(raster.name, result.options.min_pairs))


def _time_series(report, result):
    first = result.rasters[0]
    ranked = sorted(result.station_ids, key=lambda s: -first.metrics[s]['n'])
    shown = [s for s in ranked if any(r.metrics[s]['n'] for r in result.rasters)][:MAX_SERIES_PLOTS]
    if len(shown) < len(result.station_ids):
        report.paragraph('Time series of {} of {} stations (those with the most pairs).'.format(
            len(shown), len(result.station_ids)))
    for station in shown:
        series = result.series[station]
        figure = new_figure(8.0, 2.8)
        axes = figure.add_subplot(1, 1, 1)
        if series.removed_dates.size:
            axes.plot(_as_dates(series.removed_dates), series.removed_values, 'x', color='#bbbbbb', markersize=3,
                      label='in situ, screened out')
        axes.plot(_as_dates(series.dates), series.values, '-', color='black', linewidth=0.8, marker='.',
                  markersize=2, label='in situ ({:g} m)'.format(series.depth_m))
        for index, raster in enumerate(result.rasters):
            values = raster.values[station]
            keep = np.isfinite(values)
            if keep.any():
                dates = np.array(raster.dates, dtype=object)[keep]
                axes.plot(dates, values[keep], 'o-', color=_colour(index), markersize=3, linewidth=0.6,
                          label=raster.name)
        axes.set_ylabel('m³/m³')
        name = result.station_names.get(station, '')
        axes.set_title('{}{}'.format(station, ' — {}'.format(name) if name else ''), fontsize=9)
        axes.legend(loc='upper right', fontsize=7)
        axes.tick_params(labelsize=7)
        figure.autofmt_xdate()
        metrics_text = '; '.join('{}: n {}, R {}'.format(r.name, r.metrics[station]['n'], _interval(r.metrics[station]))
                                 for r in result.rasters)
        report.figure(figure, '{}: {}'.format(station, metrics_text))


def describe_inputs(rasters, points, table, tr=untranslated):
    """Report rows (label, value) of a validation's inputs; ``tr`` translates the labels."""
    rows = [(tr('Raster {}').format(i + 1), '{} ({})'.format(r.name, r.path)) for i, r in enumerate(rasters)]
    rows += [(tr('Stations'), len(points.ids)), (tr('In-situ records'), len(table))]
    return rows


def describe_options(options, tr=untranslated):
    """Report rows (label, value) of ValidationOptions; ``tr`` translates the labels."""
    on, off = tr('on'), tr('off')
    return [(tr('Matching'), options.matching),
            (tr('Depth (m)'), tr('shallowest') if options.depth_m is None else options.depth_m),
            (tr('Snow screening'), on if options.screen_snow else off),
            (tr('Frozen-soil screening'), on if options.screen_frozen else off),
            (tr('Flag screening'), tr('on (good: {})').format(', '.join(options.good_flags))
             if options.screen_flags else off),
            (tr('Minimum pairs per station'), options.min_pairs)]


def write_validation_report(path, result, inputs_description=(), parameters_description=()):
    """Write the HTML report of a ValidationResult (core/validation.py); returns the path."""
    report = HtmlReport('Validation against in-situ soil moisture')
    report.paragraph('{} raster(s) against {} station(s). Metrics as in pytesmo (x = raster, y = in situ): '
                     'bias = mean(x − y), RMSE, ubRMSE = √(RMSE² − bias²), Pearson R with the Fisher-z 95 % '
                     'interval.'.format(len(result.rasters), len(result.station_ids)))
    if inputs_description or parameters_description:
        report.heading('Inputs and parameters')
        report.table(list(inputs_description) + list(parameters_description), header=['Item', 'Value'])
    report.heading('Summary')
    _summary_tables(report, result)
    report.heading('Screening of the in-situ data')
    _screening_table(report, result.screening)
    report.heading('Metrics per station')
    _station_table(report, result)
    report.heading('Scatter plots')
    for index in range(len(result.rasters)):
        _scatter(report, result, index)
    report.heading('Map')
    _map(report, result)
    report.heading('Time series')
    _time_series(report, result)
    report.heading('Log')
    report.preformatted(result.messages)
    return report.write(path)
