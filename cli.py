"""``smdownscale``: the plugin's Processing algorithms from a shell, without QGIS.

One subcommand per algorithm, with the algorithm's parameters spelled as options
(``COARSE_SM`` → ``--coarse-sm``) and its defaults (taken from the core's option classes).
Every subcommand runs inside the safety net of the algorithms (:func:`run_safely`, on
core.outputs_commit): outputs checked before computing, written together or not at all.
Bad input and outputs that cannot be written print the same message as in QGIS on stderr
and exit with code 2; a progress bar is drawn on stderr when it is a terminal; ``--json``
prints the results (the algorithm's output ids) as JSON on stdout. This module imports no
QGIS: only core/ and report/.
"""
import argparse
import csv
import json
import math
import os
import sys
import tempfile
from datetime import date

from .core.errors import Cancelled, InputError, OutputError

EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130


# -- terminal output ------------------------------------------------------------------------------------------

class Terminal:
    """Log lines and a progress bar on stderr (the bar only when stderr is a terminal)."""

    WIDTH = 30

    def __init__(self, stream=None, quiet=False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar = hasattr(self.stream, 'isatty') and self.stream.isatty()
        self.shown = None

    def percent(self, value):
        if not self.bar:
            return
        filled = int(round(self.WIDTH * value / 100.0))
        text = '\r[{}{}] {:5.1f} %'.format('#' * filled, '.' * (self.WIDTH - filled), value)
        if text != self.shown:
            self.stream.write(text)
            self.stream.flush()
            self.shown = text

    def log(self, message):
        if self.quiet:
            return
        if self.shown:
            self.stream.write('\r' + ' ' * len(self.shown) + '\r')
        self.stream.write(message + '\n')
        if self.shown:
            self.stream.write(self.shown)
        self.stream.flush()

    def close(self):
        if self.shown:
            self.stream.write('\n')
            self.shown = None

    def progress(self):
        from .core.progress import Progress
        return Progress(self.percent, None, self.log)


def plain(value):
    """A result value as plain JSON: numpy numbers as Python numbers, NaN as null, dates as text."""
    if hasattr(value, 'item') and not isinstance(value, (list, tuple, dict)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def option_name(dest):
    """The option of an argparse destination: 'coarse_sm' → '--coarse-sm' (the label in messages)."""
    return '--' + dest.replace('_', '-')


def _paths(value):
    return [] if not value else list(value) if isinstance(value, (list, tuple)) else [value]


def run_safely(args, terminal):
    """Run the subcommand of ``args`` as Processing runs an algorithm (core.outputs_commit, shared with
    processing/algorithms/base.py): outputs that are inputs or each other, or cannot be written, refused
    before anything is computed; outputs written under staged names and committed together at the end,
    or all removed on failure, cancel or SIGTERM; the scratch of dead runs removed.

    A subcommand declares ``outputs`` ((destination, kind) as check_outputs, or (destination, kind, bands)
    with bands a number or a function of ``args``, for raster outputs of more than one band), ``inputs``
    (destinations holding input files) and ``resumable`` (outputs its core commits itself, e.g. a series'
    dates); it finds the run's commit in ``args.commit``. Messages and results name the final paths."""
    from .core import scratch
    from .core.outputs_commit import OutputCommit, check_run_outputs, stage_outputs
    outputs, band_counts = [], {}
    for dest, kind, *bands in args.outputs:
        if getattr(args, dest):
            outputs.append((option_name(dest), os.path.abspath(getattr(args, dest)), kind))
            band_counts[outputs[-1][1]] = bands[0](args) if bands and callable(bands[0]) else (bands or [1])[0]
    inputs = [(option_name(dest), path) for dest in args.inputs for path in _paths(getattr(args, dest))
              if os.path.exists(path)]
    scratch.install_sigterm_cleanup()
    scratch.remove_stale(tempfile.gettempdir())
    check_run_outputs(outputs, inputs, band_counts, styles=False)   # the command line writes no .qml
    with OutputCommit(protect=inputs) as commit:
        staged = stage_outputs(commit, outputs, [os.path.abspath(getattr(args, d)) for d in args.resumable
                                                 if getattr(args, d)])
        for dest, *_ in args.outputs:
            if getattr(args, dest):
                setattr(args, dest, staged[os.path.abspath(getattr(args, dest))])
        args.commit = commit
        try:
            results = args.run(args, terminal)
            commit.commit()
        except (InputError, OutputError, Cancelled) as error:
            raise type(error)(commit.public(str(error))) from None
    return {key: [commit.public(v) for v in value] if isinstance(value, list) else commit.public(value)
            for key, value in results.items()}


def print_results(results, as_json):
    results = {key: plain(value) for key, value in results.items()}
    if as_json:
        print(json.dumps(results, indent=1))
        return
    for key, value in results.items():
        if value is not None:
            print('{}: {}'.format(key, ', '.join(map(str, value)) if isinstance(value, list) else value))


# -- shared parameters ----------------------------------------------------------------------------------------

def _defaults():
    from .core.downscaling import DownscaleOptions
    return DownscaleOptions()


def add_common(parser):
    parser.add_argument('--memory-mb', type=float, default=_defaults().memory_mb,
                        help='memory budget of the fine passes in MB, GDAL cache included (default %(default)s)')
    parser.add_argument('--threads', type=int, default=_defaults().threads,
                        help='worker threads for the fine passes; 0 = one per core, at most 4 (default)')
    parser.add_argument('--json', action='store_true', help='print the results as JSON on stdout')
    parser.add_argument('--quiet', action='store_true', help='no log lines on stderr')


def add_sun(parser):
    from .core.terrain import SunGeometry
    parser.add_argument('--sun-zenith', type=float, help='sun zenith angle at the LST overpass (degrees)')
    parser.add_argument('--sun-azimuth', type=float, help='sun azimuth at the overpass (degrees clockwise from north)')
    parser.add_argument('--acquisition-date', type=_iso_date,
                        help='date of the LST (YYYY-MM-DD); default: its ACQUISITION_DATE metadata')
    add_solar_time(parser, SunGeometry)


def add_solar_time(parser, sun_class):
    parser.add_argument('--overpass-solar-time', type=float, default=sun_class().solar_hour,
                        help='local solar time of the LST overpass in hours (10.5 Terra, 13.5 Aqua; default '
                             '%(default)s)')


def add_method(parser):
    from .core.downscaling import MODELS, RESIDUAL_SPREADS, Method
    defaults = _defaults()
    parser.add_argument('--method', type=_method, default=defaults.method,
                        help='downscaling method, index or name: {} (default 0)'.format(
                            '; '.join('{} {}'.format(int(m), m.title) for m in Method)))
    parser.add_argument('--model', choices=MODELS, default=defaults.model, help='linking model (default linear)')
    parser.add_argument('--min-half-window', type=int, default=defaults.min_half_window,
                        help='smallest half-window in coarse cells (default %(default)s)')
    parser.add_argument('--max-half-window', type=int, default=defaults.max_half_window,
                        help='largest half-window in coarse cells (default %(default)s)')
    parser.add_argument('--min-valid-fraction', type=float, default=defaults.min_valid_fraction,
                        help='minimum valid fraction of a coarse cell (default %(default)s)')
    parser.add_argument('--sm-min', type=float, default=defaults.sm_min,
                        help='lowest soil moisture, m³/m³ (default %(default)s)')
    parser.add_argument('--sm-max', type=float, default=defaults.sm_max,
                        help='highest soil moisture, m³/m³ (default %(default)s)')
    parser.add_argument('--fill-gaps', action=argparse.BooleanOptionalAction, default=defaults.fill_gaps,
                        help='fill LST/NDVI gaps and estimate empty coarse cells (default on)')
    parser.add_argument('--noise-filter', action=argparse.BooleanOptionalAction, default=defaults.noise_filter,
                        help='weight fine anomalies by their signal fraction (methods 0 and 5; default on)')
    parser.add_argument('--residual', choices=RESIDUAL_SPREADS, default=defaults.residual,
                        help='how the coarse residual is spread to the pixels: bilinear between cell centres or '
                             'area-to-point kriging (methods 0, 2, 4, 5; default %(default)s)')


def _iso_date(text):
    from .core.dates import parse_date
    value = parse_date(text)
    if value is None:
        raise argparse.ArgumentTypeError('{!r} is not a date; write it as YYYY-MM-DD'.format(text))
    return value


def _method(text):
    from .core.downscaling import Method
    by_name = {m.title.lower(): m for m in Method}
    if text.strip().isdigit() and int(text) < len(Method):
        return Method(int(text))
    if text.strip().lower() in by_name:
        return by_name[text.strip().lower()]
    raise argparse.ArgumentTypeError('unknown method {!r}; give 0–{} or a name: {}'.format(
        text, len(Method) - 1, ', '.join(m.title for m in Method)))


def band_count(path):
    """Bands of a raster file (1 when it cannot be read: reading it then says what is wrong)."""
    from osgeo import gdal
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError:
        return 1
    return dataset.RasterCount if dataset is not None else 1


def raster(path, label, required=True):
    """A core RasterSource (band 1) of a path, or None."""
    from .core.raster_io import RasterSource
    if not path:
        if required:
            raise InputError('Give the {} raster.'.format(label))
        return None
    return RasterSource(path, 1, None, label)


def sun_geometry(args, lst_path):
    from .core.dates import band_dates
    from .core.terrain import SunGeometry
    acquisition = args.acquisition_date
    if acquisition is None and lst_path:
        dates = band_dates(lst_path)
        acquisition = dates[0] if len(dates) == 1 else None
    return SunGeometry(args.sun_zenith, args.sun_azimuth, acquisition, args.overpass_solar_time)


def method_options(args, sun):
    from .core.downscaling import DownscaleOptions
    return DownscaleOptions(method=args.method, model=args.model, min_half_window=args.min_half_window,
                            max_half_window=args.max_half_window, min_valid_fraction=args.min_valid_fraction,
                            sm_min=args.sm_min, sm_max=args.sm_max, sun=sun, memory_mb=args.memory_mb,
                            threads=args.threads, fill_gaps=args.fill_gaps, noise_filter=args.noise_filter,
                            residual=args.residual)


def qgis_extent(text):
    """(xmin, ymin, xmax, ymax, CRS text or None) from QGIS's extent form 'xmin,xmax,ymin,ymax [EPSG:4326]'."""
    crs = None
    if '[' in text:
        text, crs = text.split('[', 1)
        crs = crs.rstrip().rstrip(']').strip()
    try:
        xmin, xmax, ymin, ymax = (float(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError('write an extent as xmin,xmax,ymin,ymax (QGIS order), optionally followed '
                                         'by its CRS in brackets: 10,12,45,46 [EPSG:4326]')
    return xmin, ymin, xmax, ymax, crs


def crs_wkt(text):
    """WKT of a CRS given as EPSG:xxxx, a PROJ string or WKT; None for empty."""
    if not text:
        return None
    from osgeo import osr
    srs = osr.SpatialReference()
    try:
        srs.SetFromUserInput(text)
    except RuntimeError:
        raise InputError('Cannot understand the CRS {!r}: give EPSG:xxxx, a PROJ string or WKT.'.format(text))
    return srs.ExportToWkt()


# -- subcommands ----------------------------------------------------------------------------------------------

def run_downscale(args, terminal):
    from .core.downscaling import DownscaleInputs, downscale
    from .report.downscaling import describe_inputs, describe_options, write_downscaling_report
    inputs = DownscaleInputs(raster(args.coarse_sm, 'coarse soil moisture'), raster(args.lst, 'LST'),
                             raster(args.ndvi, 'NDVI', False), raster(args.dem, 'DEM', False))
    options = method_options(args, sun_geometry(args, args.lst))
    terminal.log('Method: {}; memory budget {:.0f} MB.'.format(options.method.label, options.memory_mb))
    if args.tile_rows:
        from .core.tiling import downscale_tiled
        result = downscale_tiled(inputs, args.output, options, args.tile_rows, args.diagnostics, terminal.progress())
    else:
        result = downscale(inputs, args.output, options, args.diagnostics, terminal.progress())
    if args.report:
        terminal.log('Writing the report…')
        write_downscaling_report(args.report, result, describe_inputs(inputs), describe_options(options))
    return {'OUTPUT': args.output, 'DIAGNOSTICS': args.diagnostics, 'REPORT': args.report,
            'CONSISTENCY_MAX_ERROR': result.consistency_max_error,
            'LAPSE_RATE_K_PER_KM': result.terrain.lapse_rate_k_per_km,
            'ILLUMINATION_COEFFICIENT_K': result.terrain.illumination_k,
            'N_INFEASIBLE_CELLS': result.n_infeasible_cells, 'INFEASIBLE_MAX_ERROR': result.infeasible_max_error}


def run_series(args, terminal):
    from .core.distributed import ClusterSpec
    from .core.series import SeriesInputs, downscale_series, parse_date_list
    from .core.terrain import SunGeometry
    if bool(args.output) == bool(args.output_folder):
        raise InputError('Choose where to write the series: --output FILE.tif (one band per date) or '
                         '--output-folder DIR (one GeoTIFF per date).')
    dates = parse_date_list(args.dates) if args.dates else None
    options = method_options(args, SunGeometry(solar_hour=args.overpass_solar_time))
    cluster = None
    if args.scheduler or args.workers > 1:
        cluster = ClusterSpec(address=args.scheduler, workers=args.workers, retries=args.retries)
    dem = raster(args.dem, 'DEM', False)
    inputs = SeriesInputs(args.coarse_sm, args.lst, args.ndvi, dem)
    result = downscale_series(inputs, args.output or args.output_folder, options, dates, bool(args.output_folder),
                              terminal.progress(), cluster, args.commit)
    return {'OUTPUT': args.output, 'OUTPUT_FOLDER': args.output_folder, 'OUTPUT_FILES': result.outputs,
            'N_DATES': len(result.dates), 'CONSISTENCY_MAX_ERROR': result.consistency_max_error,
            'N_COMPUTED': len(result.computed), 'N_REUSED': len(result.reused), 'N_SKIPPED': len(result.skipped),
            'N_INFEASIBLE_CELLS': result.n_infeasible_cells}


def run_correct_lst(args, terminal):
    from .core.downscaling import correct_lst_raster
    result = correct_lst_raster(raster(args.lst, 'LST'), raster(args.ndvi, 'NDVI'), raster(args.dem, 'DEM'),
                                args.output, args.mode, sun_geometry(args, args.lst), args.memory_mb,
                                terminal.progress())
    return {'OUTPUT': args.output, 'LAPSE_RATE_K_PER_KM': result.correction.lapse_rate_k_per_km,
            'ILLUMINATION_COEFFICIENT_K': result.correction.illumination_k,
            'CORR_LST_STAR_COS_I': result.check['corr_lst_star_cos_i']}


def run_fill_lst_gaps(args, terminal):
    from .core.lst_gaps import fill_lst_gaps
    from .core.series import parse_date_list
    dates = parse_date_list(args.dates) if args.dates else None
    result = fill_lst_gaps(args.lst, args.output, raster(args.ndvi, 'NDVI', False), raster(args.dem, 'DEM', False),
                           sun_geometry(args, args.lst), dates, args.memory_mb, args.filled_mask, None,
                           terminal.progress())
    return {'OUTPUT': args.output, 'FILLED_MASK': args.filled_mask, 'N_FILLED': result.n_filled,
            'N_MISSING': result.n_missing_after}


def run_import_modis(args, terminal):
    from .core.modis import TargetGrid, import_modis
    reference = raster(args.reference_grid, 'reference grid', False)
    extent = extent_wkt = None
    if args.target_extent:
        *extent, extent_crs = args.target_extent
        extent, extent_wkt = tuple(extent), crs_wkt(extent_crs)
    target = TargetGrid(crs_wkt=crs_wkt(args.target_crs), extent=extent, extent_crs_wkt=extent_wkt,
                        resolution=args.target_resolution, reference=reference.grid() if reference else None)
    result = import_modis(args.input, args.output, args.variable, args.quality, target, args.view_time,
                          args.memory_mb, terminal.progress())
    terminal.log('Valid pixels per date: {}.'.format(', '.join(
        '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_pixels))))
    return {'OUTPUT': args.output, 'VIEW_TIME': args.view_time, 'PRODUCT': result.product,
            'DATES': ','.join(d.isoformat() for d in result.dates)}


def run_import_soil_moisture(args, terminal):
    from .core.sm_products import import_soil_moisture
    extent = None
    if args.extent:
        xmin, ymin, xmax, ymax, extent_crs = args.extent
        if extent_crs and crs_wkt(extent_crs) != crs_wkt('EPSG:4326'):
            from .core.validation import transform_points
            xs, ys = transform_points([xmin, xmax, xmin, xmax], [ymin, ymin, ymax, ymax], crs_wkt(extent_crs),
                                      crs_wkt('EPSG:4326'))
            xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
        extent = (xmin, ymin, xmax, ymax)
    result = import_soil_moisture(args.input, args.output, args.variable, extent, terminal.progress(), args.quality,
                                  args.smap_overpass)
    terminal.log('Valid cells per date: {}.'.format(', '.join(
        '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_cells))))
    return {'OUTPUT': args.output, 'DATES': ','.join(d.isoformat() for d in result.dates),
            'PRODUCT': '; '.join(result.products)}


def run_import_insitu(args, terminal):
    from .core import insitu
    data = insitu.merge([insitu.read_insitu(path, args.format, args.values_in_percent) for path in args.input])
    if args.station_layer:
        data, _ = insitu.join_station_positions(data, read_station_layer(args.station_layer, args.station_id_field))
    insitu.require_positions(data, bool(args.station_layer))
    for message in data.messages:
        terminal.log(message)
    summaries = insitu.station_summaries(data)
    stations = [(s.id, s.name, s.network, s.lat, s.lon, s.elevation_m, n, first, last, depths)
                for s, n, first, last, depths in summaries]
    write_csv(args.stations, insitu.STATION_FIELDS, stations)
    write_csv(args.measurements, insitu.TABLE_FIELDS, data.table.rows())
    terminal.log('{} station(s), {} soil moisture records.'.format(len(summaries), len(data.table)))
    return {'STATIONS': args.stations, 'MEASUREMENTS': args.measurements, 'N_STATIONS': len(summaries),
            'N_RECORDS': len(data.table)}


def run_validate(args, terminal):
    import numpy as np
    from .core import insitu, validation
    from .report.validation import describe_inputs, describe_options, write_validation_report
    rasters = [validation.RasterInput(path, os.path.splitext(os.path.basename(path))[0]) for path in args.rasters]
    stations = read_station_layer(args.stations, args.station_id_field)
    points = validation.StationPoints(list(stations), np.array([s.lon for s in stations.values()], dtype=float),
                                      np.array([s.lat for s in stations.values()], dtype=float), crs_wkt('EPSG:4326'),
                                      [s.name for s in stations.values()])
    table = insitu.merge([insitu.read_insitu(path, 'auto') for path in args.measurements]).table
    options = validation.ValidationOptions(
        matching=args.matching, depth_m=args.depth, screen_flags=args.screen_flags,
        good_flags=tuple(f.strip() for f in args.good_flags.split(',') if f.strip()) or ('G',),
        screen_snow=args.screen_snow, screen_frozen=args.screen_frozen, min_pairs=args.min_pairs)
    result = validation.validate(rasters, points, table, options, terminal.progress())
    for message in result.messages:
        terminal.log(message)
    prefixes = validation.metric_field_prefixes([r.name for r in result.rasters])
    # Staged by run_safely and committed together.
    if args.report:
        write_validation_report(args.report, result, describe_inputs(rasters, points, table),
                                describe_options(options))
    if args.pairs:
        validation.write_pairs_csv(args.pairs, result)
    write_station_metrics(args.output, result, points, prefixes)
    first = result.rasters[0]
    return {'OUTPUT': args.output, 'PAIRS': args.pairs, 'REPORT': args.report, 'N_PAIRS': first.pooled['n'],
            'N_STATIONS': first.n_stations_validated, 'MEAN_R': first.summary['r']['mean'],
            'MEDIAN_R': first.summary['r']['median'], 'POOLED_R': first.pooled['r'],
            'POOLED_BIAS': first.pooled['bias'], 'POOLED_RMSE': first.pooled['rmse'],
            'POOLED_UBRMSE': first.pooled['ubrmse']}


# -- station files (what the toolbox reads and writes as layers) -----------------------------------------------

def write_csv(path, header, rows):
    """A CSV written completely or not at all (None and NaN as empty cells)."""
    from .core.outputs_commit import write_file

    def write(handle):
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(['' if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row])
    return write_file(path, write, newline='', encoding='utf-8')


def read_station_layer(path, id_field):
    """{id: insitu.Station} from any point layer OGR reads (a CSV needs latitude/longitude columns,
    as written by import-insitu), positions in WGS84."""
    from osgeo import osr
    from .core import insitu
    try:
        dataset = gdal_open_vector(path)
    except RuntimeError as error:
        raise InputError('Cannot open the station layer {}: {}'.format(path, error))
    layer = dataset.GetLayer(0)
    definition = layer.GetLayerDefn()
    names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    if id_field not in names:
        raise InputError('The station layer has no field "{}" (fields: {}); choose the station id field.'.format(
            id_field, ', '.join(names)))
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    source_srs = layer.GetSpatialRef()
    transform = None
    if source_srs is not None and not source_srs.IsSame(wgs84):
        source_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(source_srs, wgs84)
    stations = {}
    for feature in layer:
        geometry = feature.GetGeometryRef()
        key = feature.GetField(id_field)
        if geometry is None or key is None or not str(key).strip():
            continue
        if transform is not None:
            geometry = geometry.Clone()
            geometry.Transform(transform)
        point = (geometry if geometry.GetGeometryCount() == 0 else geometry.GetGeometryRef(0)).GetPoint_2D(0)
        text = {field: '' if feature.GetField(field) is None else str(feature.GetField(field))
                for field in ('name', 'network') if field in names}
        elevation = feature.GetField('elevation_m') if 'elevation_m' in names else None
        stations[str(key).strip()] = insitu.Station(
            str(key).strip(), text.get('name', '') if id_field != 'name' else '', text.get('network', ''), point[0],
            point[1], float(elevation) if elevation not in (None, '') else float('nan'))
    return stations


def gdal_open_vector(path):
    from osgeo import gdal
    gdal.UseExceptions()
    options = ['X_POSSIBLE_NAMES=longitude,lon,x', 'Y_POSSIBLE_NAMES=latitude,lat,y', 'KEEP_GEOM_COLUMNS=NO']
    dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR,
                          open_options=options if str(path).lower().endswith('.csv') else None)
    if str(path).lower().endswith('.csv') and dataset.GetLayer(0).GetSpatialRef() is None:
        # OGR's CSV driver gives points from the coordinate columns but no CRS: they are WGS84 here.
        dataset = gdal.OpenEx('CSV:' + str(path), gdal.OF_VECTOR, open_options=options)
    return dataset


def write_station_metrics(path, result, points, prefixes):
    """The station metrics layer as a CSV with longitude/latitude (WGS84)."""
    from .core import validation
    header = ['station', 'name', 'longitude', 'latitude', 'depth_m', 'in_situ_days']
    for prefix in prefixes:
        header += ['{}_{}'.format(prefix, suffix) for suffix, _, _ in validation.METRIC_FIELDS]
    rows = []
    for station in result.station_ids:
        index = points.ids.index(station)
        series = result.series[station]
        row = [station, result.station_names.get(station) or '', points.x[index], points.y[index], series.depth_m,
               int(series.dates.size)]
        for raster in result.rasters:
            metrics = raster.metrics[station]
            row += [plain(metrics[key]) for _, key, _ in validation.METRIC_FIELDS]
        rows.append(row)
    write_csv(path, header, rows)


# -- the parser -----------------------------------------------------------------------------------------------

def build_parser():
    from .core.downscaling import DIAGNOSTIC_BANDS
    from .core.lst_correction import MODES
    from .core.modis import VARIABLE_CHOICES
    from .core.sm_products import OVERPASS_CHOICES, SM_QUALITY_ALL, SM_QUALITY_RECOMMENDED
    from .core.insitu import FORMATS
    from .core.validation import MATCHINGS, ValidationOptions
    from .core.terrain import SunGeometry
    parser = argparse.ArgumentParser(
        prog='smdownscale', description='Soil moisture downscaling (the QGIS plugin\'s algorithms) from the shell. '
        'Bad input: message on stderr, exit code 2.')
    commands = parser.add_subparsers(dest='command', metavar='COMMAND')
    commands.required = True

    p = commands.add_parser('downscale', help='downscale soil moisture (one date)')
    p.add_argument('--coarse-sm', required=True, help='coarse soil moisture raster, m³/m³ (band 1)')
    p.add_argument('--lst', required=True, help='land surface temperature, K; its grid is the output grid')
    p.add_argument('--ndvi', help='NDVI in [-1, 1] (every method but bilinear)')
    p.add_argument('--dem', help='elevation in metres (the terrain-aware method)')
    add_sun(p)
    add_method(p)
    p.add_argument('--output', required=True, help='downscaled soil moisture GeoTIFF (m³/m³)')
    p.add_argument('--diagnostics', help='optional diagnostics raster (window, predictors, fit, flags)')
    p.add_argument('--report', help='optional HTML report')
    p.add_argument('--tile-rows', type=int, default=0,
                   help='read the date as strips of about N rows, each with its own inputs (a continental date); '
                        'the same map. Default 0: one scene')
    add_common(p)
    p.set_defaults(run=run_downscale, inputs=('coarse_sm', 'lst', 'ndvi', 'dem'),
                   outputs=(('output', 'raster'), ('diagnostics', 'raster', len(DIAGNOSTIC_BANDS)), ('report', 'file')),
                   resumable=())

    p = commands.add_parser('series', help='downscale a soil moisture series (stacks, one band per date)')
    p.add_argument('--coarse-sm', required=True, help='coarse soil moisture stack, one band per date (m³/m³)')
    p.add_argument('--lst', required=True, help='LST stack, one band per date (K); its grid is the output grid')
    p.add_argument('--ndvi', help='one NDVI raster, or a dated stack interpolated in time')
    p.add_argument('--dem', help='elevation in metres')
    p.add_argument('--dates', help='one date per band (YYYY-MM-DD, …) when the stacks do not carry them')
    add_solar_time(p, SunGeometry)
    add_method(p)
    p.add_argument('--output', help='one multi-band GeoTIFF, band per date')
    p.add_argument('--output-folder', help='one GeoTIFF per date in this folder (soil_moisture_YYYY-MM-DD.tif)')
    p.add_argument('--scheduler', help='address of a running Dask scheduler (tcp://host:8786): run the dates there')
    p.add_argument('--workers', type=int, default=1,
                   help='start a local Dask cluster of N worker processes (default 1: no Dask, dates one after the '
                        'other with threads)')
    p.add_argument('--retries', type=int, default=2, help='retries of a failed date task on Dask (default 2)')
    add_common(p)
    p.set_defaults(run=run_series, inputs=('coarse_sm', 'lst', 'ndvi', 'dem'),
                   outputs=(('output', 'raster'), ('output_folder', 'folder')), resumable=('output', 'output_folder'))

    p = commands.add_parser('correct-lst', help='correct LST for terrain')
    p.add_argument('--lst', required=True, help='LST in kelvin; its grid is the output grid')
    p.add_argument('--ndvi', required=True, help='NDVI in [-1, 1]')
    p.add_argument('--dem', required=True, help='elevation in metres')
    add_sun(p)
    p.add_argument('--mode', choices=MODES[:3], default=MODES[0], help='which terrain effects are removed '
                   '(default %(default)s)')
    p.add_argument('--output', required=True, help='terrain-corrected LST GeoTIFF (K)')
    add_common(p)
    p.set_defaults(run=run_correct_lst, inputs=('lst', 'ndvi', 'dem'), outputs=(('output', 'raster'),),
                   resumable=())

    p = commands.add_parser('fill-lst-gaps', help='fill LST cloud gaps (one date or a stack)')
    p.add_argument('--lst', required=True, help='LST (K): one date, or a stack with one band per date')
    p.add_argument('--ndvi', help='NDVI, a predictor of LST for one date')
    p.add_argument('--dem', help='elevation in metres, a predictor of LST for one date')
    add_sun(p)
    p.add_argument('--dates', help='one date per band of a stack (YYYY-MM-DD, …) when it does not carry them')
    p.add_argument('--output', required=True, help='gap-filled LST GeoTIFF (K)')
    p.add_argument('--filled-mask', help='optional mask: 1 filled, 0 original, 255 unknown')
    add_common(p)
    p.set_defaults(run=run_fill_lst_gaps, inputs=('lst', 'ndvi', 'dem'),
                   outputs=(('output', 'raster', lambda args: band_count(args.lst)),
                            ('filled_mask', 'raster', lambda args: band_count(args.lst))), resumable=())

    p = commands.add_parser('import-modis', help='import MODIS / VIIRS LST or vegetation index (tiles or '
                            'AppEEARS / Earth Engine exports) into a dated GeoTIFF stack')
    p.add_argument('--input', nargs='+', required=True,
                   help='MODIS .hdf or VIIRS .h5 tiles, or GeoTIFF exports, of one product')
    p.add_argument('--variable', choices=VARIABLE_CHOICES, default=VARIABLE_CHOICES[0],
                   help='what to import (default: from the files)')
    p.add_argument('--quality', type=int, choices=(0, 1, 2), default=0,
                   help='0 good quality only (default), 1 also "other" LST / "marginal" VI pixels, 2 no quality '
                        'screening (exports without a quality layer)')
    p.add_argument('--target-crs', help='CRS of the output (EPSG:xxxx); default the native sinusoidal CRS')
    p.add_argument('--target-extent', type=qgis_extent, help='area of the output: xmin,xmax,ymin,ymax [CRS]')
    p.add_argument('--target-resolution', type=float, help='pixel size in target CRS units')
    p.add_argument('--reference-grid', help='a raster whose grid the output copies')
    p.add_argument('--output', required=True, help='GeoTIFF stack, one band per date')
    p.add_argument('--view-time', help='optional LST view time (local solar hours)')
    add_common(p)
    p.set_defaults(run=run_import_modis, inputs=('input', 'reference_grid'),
                   outputs=(('output', 'raster'), ('view_time', 'raster')), resumable=())

    p = commands.add_parser('import-soil-moisture', help='import ESA CCI / C3S, SMAP or SMOS soil moisture files '
                            'into a dated stack')
    p.add_argument('--input', nargs='+', required=True,
                   help='ESA CCI / C3S .nc, SMAP L3 .h5, SMOS L3 CATDS .nc files or SMAP GeoTIFF exports')
    p.add_argument('--variable', default='sm', help='variable; "sm" is the product\'s soil moisture (default '
                   '%(default)s)')
    p.add_argument('--extent', type=qgis_extent, help='clip to this extent: xmin,xmax,ymin,ymax [CRS]')
    p.add_argument('--quality', type=int, choices=(SM_QUALITY_RECOMMENDED, SM_QUALITY_ALL),
                   default=SM_QUALITY_RECOMMENDED, help='0 recommended retrievals only (default), 1 all retrievals')
    p.add_argument('--smap-overpass', choices=OVERPASS_CHOICES, default=OVERPASS_CHOICES[0],
                   help='SMAP retrieval: am (6 am descending, default) or pm')
    p.add_argument('--output', required=True, help='GeoTIFF stack on the product\'s grid, one band per date')
    add_common(p)
    p.set_defaults(run=run_import_soil_moisture, inputs=('input',), outputs=(('output', 'raster'),), resumable=())

    p = commands.add_parser('import-insitu', help='import in-situ soil moisture (NRCS, ISMN, generic CSV)')
    p.add_argument('--input', nargs='+', required=True, help='NRCS report CSVs, ISMN zips/.stm files or generic CSVs')
    p.add_argument('--format', choices=FORMATS, default=FORMATS[0], help='file format (default: detect)')
    p.add_argument('--station-layer', help='point layer with station positions (any OGR format; CSV with '
                   'latitude/longitude columns)')
    p.add_argument('--station-id-field', default='station', help='station id field of the layer (default '
                   '%(default)s)')
    p.add_argument('--values-in-percent', action='store_true', help='soil moisture of a generic CSV is in %%')
    p.add_argument('--stations', required=True, help='stations CSV (with latitude/longitude) to write')
    p.add_argument('--measurements', required=True, help='measurement table CSV to write')
    add_common(p)
    p.set_defaults(run=run_import_insitu, inputs=('input', 'station_layer'),
                   outputs=(('stations', 'file'), ('measurements', 'file')), resumable=())

    defaults = ValidationOptions()
    p = commands.add_parser('validate', help='validate rasters or series against in-situ data')
    p.add_argument('--rasters', nargs='+', required=True, help='soil moisture rasters or series (m³/m³)')
    p.add_argument('--stations', required=True, help='station points (e.g. the stations CSV of import-insitu)')
    p.add_argument('--station-id-field', default='station', help='station id field (default %(default)s)')
    p.add_argument('--measurements', nargs='+', required=True,
                   help='in-situ table(s): the measurements CSV of import-insitu, or in-situ files')
    p.add_argument('--matching', choices=MATCHINGS, default=defaults.matching, help='default %(default)s')
    p.add_argument('--depth', type=float, default=defaults.depth_m, help='sensor depth in m (default: shallowest)')
    p.add_argument('--screen-snow', action=argparse.BooleanOptionalAction, default=defaults.screen_snow)
    p.add_argument('--screen-frozen', action=argparse.BooleanOptionalAction, default=defaults.screen_frozen)
    p.add_argument('--screen-flags', action=argparse.BooleanOptionalAction, default=defaults.screen_flags)
    p.add_argument('--good-flags', default=','.join(defaults.good_flags), help='default %(default)s')
    p.add_argument('--min-pairs', type=int, default=defaults.min_pairs, help='default %(default)s')
    p.add_argument('--output', required=True, help='station metrics CSV to write')
    p.add_argument('--pairs', help='optional matched pairs CSV')
    p.add_argument('--report', help='optional HTML report')
    add_common(p)
    p.set_defaults(run=run_validate, inputs=('rasters', 'stations', 'measurements'),
                   outputs=(('output', 'file'), ('pairs', 'file'), ('report', 'file')), resumable=())
    return parser


def main(argv=None):
    """Run one subcommand; returns the exit code (0 done, 2 bad input, 130 cancelled)."""
    args = build_parser().parse_args(argv)
    terminal = Terminal(quiet=args.quiet)
    try:
        results = run_safely(args, terminal)
    except (InputError, OutputError) as error:
        terminal.close()
        sys.stderr.write('Error: {}\n'.format(error))
        return EXIT_BAD_INPUT
    except MemoryError:
        terminal.close()
        sys.stderr.write('Error: out of memory: lower --memory-mb.\n')
        return EXIT_BAD_INPUT
    except (Cancelled, KeyboardInterrupt):
        terminal.close()
        sys.stderr.write('Cancelled; no output was written{}.\n'.format(
            ' (the finished dates are kept: run the same command again to resume)' if args.command == 'series'
            else ''))
        return EXIT_CANCELLED
    terminal.close()
    print_results(results, args.json)
    return 0
