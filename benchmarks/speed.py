"""Speed and memory of the downscaling against a plain bilinear warp of the coarse product.

For fine grids from about 1 to 100 megapixels (and, opt-in, the 40000 × 40000 px
"larger than memory" scene) this

1. generates a continental scene block by block (never a whole array): a fine grid
   in CONUS Albers (EPSG:5070) whose extent is the conterminous US (so 13.4 Mpx is
   CONUS at 1 km), MODIS-like packed inputs (LST UInt16 × 0.02 K, NDVI Int16 × 1e-4,
   DEM Int16 m: the Colorado 30″ DEM mirror-tiled across the extent and bilinearly
   interpolated), and the coarse product on the ESA CCI 0.25° grid in EPSG:4326
   (another CRS, 3 % of cells missing);
2. times, each in a fresh child process, ``gdal.Warp(-r bilinear)`` of the coarse
   product onto the fine grid (same creation options as the plugin's output GeoTIFF)
   and ``core.downscaling.downscale`` (what the Processing algorithm calls) with the
   default method and a memory budget (``DownscaleOptions.memory_mb``);
3. records wall time, ``result.stage_seconds`` and the child's peak resident memory
   (``ru_maxrss``), and writes ``speed.json`` / ``speed.csv``.

Run: ``/usr/bin/python3 -P benchmarks/speed.py [--quick] [--huge] [--results DIR]``.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

if __name__ == '__main__':
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), 'tools'))
    import plugin_package  # noqa: E402
    plugin_package.ensure_importable()
    from soil_moisture_downscaling.benchmarks.speed import main  # noqa: E402
    sys.exit(main())

import numpy as np  # noqa: E402
from osgeo import gdal, osr  # noqa: E402
from scipy import ndimage  # noqa: E402

from . import common  # noqa: E402
from ..core.raster_io import GTIFF_OPTIONS, GridSpec  # noqa: E402
from ..core.residual import bilinear_on_lattice  # noqa: E402

gdal.UseExceptions()

#: CONUS in EPSG:5070 (m): centre and size of the extent every speed grid covers (area kept constant).
CONUS_CENTRE = (-50000.0, 1725000.0)
CONUS_SIZE = (4620000.0, 2890000.0)
#: Fine grid sizes (label, width, height): 13.4 Mpx is CONUS at 1 km.
SIZES = [('1 Mpx', 1265, 791), ('4 Mpx', 2530, 1582), ('13 Mpx (CONUS 1 km)', 4620, 2890),
         ('25 Mpx', 6325, 3955), ('100 Mpx', 12650, 7910)]
QUICK_SIZES = [('0.25 Mpx', 632, 396)]
HUGE_SIZE = ('1.6 Gpx', 40000, 40000)
#: Grids above this many Mpx are "heavy": their runs are niced (the machine is shared).
HEAVY_MPX = 50
INPUT_OPTIONS = ['TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'BIGTIFF=YES']
COARSE_RESOLUTION_DEG = 0.25
#: Ground size of one pixel of the Colorado 30″ DEM (m, E-W and N-S at 39° N).
DEM_PIXEL_M = (720.0, 926.0)


def _albers_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(5070)
    return srs.ExportToWkt()


def speed_grid(width, height):
    """A fine grid of width × height px over a CONUS-sized area (EPSG:5070); square pixels."""
    pixel = float(np.sqrt(CONUS_SIZE[0] * CONUS_SIZE[1] / (width * height)))
    x0 = CONUS_CENTRE[0] - 0.5 * width * pixel
    y1 = CONUS_CENTRE[1] + 0.5 * height * pixel
    return GridSpec(int(width), int(height), (x0, pixel, 0.0, y1, 0.0, -pixel), _albers_wkt())


def _mirrored(positions, n):
    """Fractional indices folded back and forth into [0, n − 1] (the DEM tiled by mirroring)."""
    period = 2.0 * (n - 1)
    positions = np.mod(np.asarray(positions, dtype=np.float64), period)
    return np.where(positions > n - 1, period - positions, positions)


def separable_bilinear(small, row_positions, col_positions, mirror=False):
    """Bilinear interpolation of a small array at a row × column lattice (fractional indices)."""
    if mirror:
        row_positions = _mirrored(row_positions, small.shape[0])
        col_positions = _mirrored(col_positions, small.shape[1])
    return bilinear_on_lattice(small, row_positions, col_positions)


def _smooth_small(rng, cell_m, sigma):
    """A smooth random field (unit sd) on a small lattice covering the CONUS extent with cells of cell_m."""
    shape = (int(CONUS_SIZE[1] * 1.3 // cell_m) + 3, int(CONUS_SIZE[0] * 1.3 // cell_m) + 3)
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode='reflect')
    return field / field.std()


class _FieldSampler:
    """Evaluates the scene's smooth fields and the tiled DEM at the pixels of a block of rows."""

    def __init__(self, grid, seed):
        from .twin_scene import COLORADO_DEM
        rng = np.random.default_rng(seed)
        dataset = gdal.Open(COLORADO_DEM)
        self.dem = dataset.GetRasterBand(1).ReadAsArray().astype(np.float64)
        dataset = None
        self.grid = grid
        self.regional = [(_smooth_small(rng, 40000.0, 2.5), 40000.0) for _ in range(3)]
        self.local = (_smooth_small(rng, 8000.0, 1.5), 8000.0)
        gt = grid.geotransform
        self.x = gt[0] + (np.arange(grid.width) + 0.5) * gt[1]
        self.x_origin = CONUS_CENTRE[0] - 0.65 * CONUS_SIZE[0]
        self.y_top = CONUS_CENTRE[1] + 0.65 * CONUS_SIZE[1]

    def _field(self, small_and_cell, y):
        small, cell = small_and_cell
        return separable_bilinear(small, (self.y_top - y) / cell, (self.x - self.x_origin) / cell)

    def block(self, yoff, ysize, rng):
        gt = self.grid.geotransform
        y = gt[3] + (yoff + np.arange(ysize) + 0.5) * gt[5]
        z = separable_bilinear(self.dem, (self.y_top - y) / DEM_PIXEL_M[1], (self.x - self.x_origin) / DEM_PIXEL_M[0],
                               mirror=True)
        f1, f2, f3 = (self._field(f, y) for f in self.regional)
        local = self._field(self.local, y)
        shape = z.shape
        ndvi = np.clip(0.40 + 0.15 * f2 + 0.06 * local + 0.02 * rng.standard_normal(shape), 0.02, 0.92)
        lst = (306.0 + 5.0 * f1 + 2.0 * f3 - 6.5e-3 * (z - 1500.0) - 14.0 * (ndvi - 0.4) - 1.5 * local
               + 0.8 * rng.standard_normal(shape))
        return lst, ndvi, z


def _create(path, grid, data_type, nodata, scale=None, description=None):
    dataset = gdal.GetDriverByName('GTiff').Create(path, grid.width, grid.height, 1, data_type,
                                                   options=INPUT_OPTIONS)
    dataset.SetGeoTransform(grid.geotransform)
    dataset.SetProjection(grid.crs_wkt)
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    if scale is not None:
        band.SetScale(scale)
        band.SetOffset(0.0)
    if description:
        band.SetDescription(description)
    return dataset


def coarse_grid_over(grid):
    """The part of the global 0.25° grid (origin −180, 90; EPSG:4326) that covers the fine grid."""
    from ..core.alignment import GridMapper, grid_outline
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    wkt = srs.ExportToWkt()
    x, y = GridMapper(grid, wkt, step=1).exact(*grid_outline(grid))
    res = COARSE_RESOLUTION_DEG
    c0, c1 = int(np.floor((x.min() + 180.0) / res)) - 1, int(np.ceil((x.max() + 180.0) / res)) + 1
    r0, r1 = int(np.floor((90.0 - y.max()) / res)) - 1, int(np.ceil((90.0 - y.min()) / res)) + 1
    return GridSpec(c1 - c0, r1 - r0, (-180.0 + c0 * res, res, 0.0, 90.0 - r0 * res, 0.0, -res), wkt)


def make_speed_scene(folder, width, height, seed=7, block_rows=None, progress=None):
    """Write lst.tif, ndvi.tif, dem.tif (fine grid) and coarse_sm.tif into folder, block by block."""
    os.makedirs(folder, exist_ok=True)
    grid = speed_grid(width, height)
    sampler = _FieldSampler(grid, seed)
    paths = {name: os.path.join(folder, name + '.tif') for name in ('lst', 'ndvi', 'dem', 'coarse_sm')}
    lst_ds = _create(paths['lst'], grid, gdal.GDT_UInt16, 0, 0.02, 'lst_K')
    lst_ds.SetMetadata({'ACQUISITION_DATE': '2021-07-15'})
    ndvi_ds = _create(paths['ndvi'], grid, gdal.GDT_Int16, -3000, 1e-4, 'ndvi')
    dem_ds = _create(paths['dem'], grid, gdal.GDT_Int16, -32768, None, 'elevation_m')
    rows = block_rows or max(16, min(1024, int(4_000_000 // width)))
    rows -= rows % 16 if rows > 16 else 0
    for index, yoff in enumerate(range(0, height, rows)):
        ysize = min(rows, height - yoff)
        lst, ndvi, z = sampler.block(yoff, ysize, np.random.default_rng([seed, index]))
        lst_ds.GetRasterBand(1).WriteArray(np.clip(np.rint(lst / 0.02), 1, 65535).astype(np.uint16), 0, yoff)
        ndvi_ds.GetRasterBand(1).WriteArray(np.rint(ndvi / 1e-4).astype(np.int16), 0, yoff)
        dem_ds.GetRasterBand(1).WriteArray(np.rint(z).astype(np.int16), 0, yoff)
        if progress is not None:
            progress((yoff + ysize) / height)
    for dataset in (lst_ds, ndvi_ds, dem_ds):
        dataset.FlushCache()
    lst_ds = ndvi_ds = dem_ds = None
    coarse = coarse_grid_over(grid)
    rng = np.random.default_rng(seed + 1)
    field = ndimage.gaussian_filter(rng.standard_normal((coarse.height, coarse.width)), 3.0, mode='reflect')
    theta = 0.05 + 0.35 / (1.0 + np.exp(-1.5 * field / field.std()))
    theta[rng.random(theta.shape) < 0.03] = np.nan
    dataset = gdal.GetDriverByName('GTiff').Create(paths['coarse_sm'], coarse.width, coarse.height, 1,
                                                   gdal.GDT_Float32)
    dataset.SetGeoTransform(coarse.geotransform)
    dataset.SetProjection(coarse.crs_wkt)
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.WriteArray(np.where(np.isnan(theta), -9999.0, theta).astype(np.float32))
    dataset = None
    return grid, coarse, paths


# ----------------------------------------------------------------------------- children

def child_warp(folder, out):
    """The reference: gdal.Warp -r bilinear of the coarse product onto the fine grid."""
    from ..core.raster_io import RasterSource
    base = common.current_rss_mb()
    grid = RasterSource(os.path.join(folder, 'lst.tif')).grid()
    xmin, ymin, xmax, ymax = grid.bounds
    started = time.perf_counter()
    gdal.Warp(out, os.path.join(folder, 'coarse_sm.tif'), options=gdal.WarpOptions(
        format='GTiff', outputBounds=(xmin, ymin, xmax, ymax), width=grid.width, height=grid.height,
        dstSRS=grid.crs_wkt, resampleAlg='bilinear', outputType=gdal.GDT_Float32, srcNodata=-9999.0,
        dstNodata=-9999.0, creationOptions=list(GTIFF_OPTIONS)))
    seconds = time.perf_counter() - started
    return {'seconds': seconds, 'peak_rss_mb': common.peak_rss_mb(), 'baseline_rss_mb': base,
            'output_bytes': os.path.getsize(out)}


def child_downscale(folder, out, method, memory_mb, threads=0, changes=''):
    from datetime import date
    from ..core.downscaling import DownscaleInputs, DownscaleOptions, downscale
    from ..core.raster_io import RasterSource
    from ..core.terrain import SunGeometry
    base = common.current_rss_mb()
    inputs = DownscaleInputs(*(RasterSource(os.path.join(folder, key + '.tif'), name=key)
                               for key in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    options = DownscaleOptions(method=int(method), memory_mb=float(memory_mb), threads=int(threads),
                               sun=SunGeometry(acquisition_date=date(2021, 7, 15)))
    # changes: a JSON object of DownscaleOptions fields other than their defaults (e.g. the residual spread).
    for name, value in (json.loads(changes) if changes else {}).items():
        setattr(options, name, value)
    started = time.perf_counter()
    result = downscale(inputs, out, options)
    seconds = time.perf_counter() - started
    return {'seconds': seconds, 'stage_seconds': result.stage_seconds, 'peak_rss_mb': common.peak_rss_mb(),
            'baseline_rss_mb': base, 'consistency_max_error': result.consistency_max_error,
            'n_output_pixels': result.n_output_pixels, 'output_bytes': os.path.getsize(out),
            'threads': options.workers}


def _child_main(argv):
    kind, folder, out = argv[0], argv[1], argv[2]
    if kind == 'warp':
        answer = child_warp(folder, out)
    else:
        answer = child_downscale(folder, out, *argv[3:7])
    print(json.dumps(answer))
    return 0


# ----------------------------------------------------------------------------- parent

def _remove(path):
    for candidate in (path, path + '.aux.xml'):
        if os.path.exists(candidate):
            os.remove(candidate)


def measure(folder, label, grid, coarse, method=0, memory_mb=512.0, repeats=1, nice=0, log=print, one_thread=False,
            changes=None):
    """Time warp and downscale (fresh child per run); medians over ``repeats``. With
    ``one_thread``, also one downscale run restricted to a single thread. ``changes``: DownscaleOptions
    fields other than their defaults ({name: value})."""
    changes_json = json.dumps(changes) if changes else ''
    from ..core.downscaling import Method
    out = os.path.join(folder, 'out.tif')
    warps, runs = [], []
    for _ in range(repeats):
        warps.append(common.run_child('speed', ['warp', folder, out], nice=nice))
        _remove(out)
        runs.append(common.run_child('speed', ['downscale', folder, out, method, memory_mb, 0, changes_json],
                                     nice=nice))
        _remove(out)
    warp_s = statistics.median(w['seconds'] for w in warps)
    run_s = statistics.median(r['seconds'] for r in runs)
    best = min(runs, key=lambda r: r['seconds'])
    mpx = grid.n_pixels / 1e6
    row = {
        'case': label, 'width': grid.width, 'height': grid.height, 'megapixels': mpx,
        'fine_pixel_m': grid.pixel_width, 'coarse_cells': coarse.n_pixels, 'method': Method(int(method)).title,
        'memory_mb_budget': memory_mb, 'repeats': repeats,
        'warp_s': warp_s, 'downscale_s': run_s, 'ratio_to_warp': run_s / warp_s if warp_s > 0 else float('nan'),
        'downscale_s_per_mpx': run_s / mpx, 'warp_s_per_mpx': warp_s / mpx,
        'downscale_mpx_per_s': mpx / run_s, 'peak_rss_mb': max(r['peak_rss_mb'] for r in runs),
        'baseline_rss_mb': runs[0]['baseline_rss_mb'], 'warp_peak_rss_mb': max(w['peak_rss_mb'] for w in warps),
        'consistency_max_error': max(r['consistency_max_error'] for r in runs),
        'output_mb': best['output_bytes'] / 1e6, 'stage_seconds': best['stage_seconds'],
        'all_downscale_s': [r['seconds'] for r in runs], 'all_warp_s': [w['seconds'] for w in warps],
        'threads': runs[0].get('threads'), 'options': changes or 'default',
    }
    if one_thread:
        single = common.run_child('speed', ['downscale', folder, out, method, memory_mb, 1, changes_json], nice=nice)
        _remove(out)
        row.update(downscale_1thread_s=single['seconds'], ratio_to_warp_1thread=single['seconds'] / warp_s)
    log('  {:<22} {:>6.1f} Mpx  warp {:>7.2f} s  downscale {:>8.2f} s  ratio {:>5.2f}  peak {:>6.0f} MB'.format(
        label, mpx, warp_s, run_s, row['ratio_to_warp'], row['peak_rss_mb']))
    return row


def run_sizes(sizes, workdir, all_methods_at_first=True, nice=0, log=print, memory_mb=512.0, max_repeats=3,
              changes=None):
    from ..core.downscaling import Method
    rows, method_rows = [], []
    for index, (label, width, height) in enumerate(sizes):
        folder = os.path.join(workdir, 'speed_{}x{}'.format(width, height))
        started = time.perf_counter()
        grid, coarse, _ = make_speed_scene(folder, width, height)
        generate_s = time.perf_counter() - started
        # Three runs up to the CONUS grid (the headline ratio), one beyond (each takes minutes).
        repeats = max_repeats if grid.n_pixels <= 15e6 else 1
        heavy_nice = max(nice, 10) if grid.n_pixels / 1e6 > HEAVY_MPX else nice
        row = measure(folder, label, grid, coarse, 0, memory_mb, repeats, heavy_nice, log, one_thread=True,
                      changes=changes)
        row['generate_s'] = generate_s
        rows.append(row)
        if index == 0 and all_methods_at_first:
            for method in Method:
                method_rows.append(row if method == 0 else measure(folder, label, grid, coarse, method, memory_mb,
                                                                   repeats, nice, log))
        shutil.rmtree(folder, ignore_errors=True)
    return rows, method_rows


def run_huge(workdir, memory_mb=512.0, nice=10, log=print, size=HUGE_SIZE, keep_inputs=False):
    """The 40000 × 40000 px scene, generated block by block, downscaled under a memory budget.

    Inputs already in ``workdir/huge`` from an earlier run (same size) are reused;
    ``keep_inputs`` leaves them there afterwards (otherwise the folder is deleted).
    """
    label, width, height = size
    folder = os.path.join(workdir, 'huge')
    paths = {name: os.path.join(folder, name + '.tif') for name in ('lst', 'ndvi', 'dem', 'coarse_sm')}
    reused = all(os.path.exists(p) for p in paths.values())
    if reused:
        from ..core.raster_io import RasterSource
        grid = RasterSource(paths['lst']).grid()
        reused = (grid.width, grid.height) == (width, height)
    started = time.perf_counter()
    if reused:
        from ..core.raster_io import RasterSource
        grid, coarse = RasterSource(paths['lst']).grid(), RasterSource(paths['coarse_sm']).grid()
        log('  {} ({} × {} px): reusing the inputs in {}'.format(label, width, height, folder))
    else:
        usage = shutil.disk_usage(workdir)
        log('  {} ({} × {} px): generating inputs (free disk {:.0f} GB)...'.format(label, width, height,
                                                                                 usage.free / 1e9))
        grid, coarse, paths = make_speed_scene(folder, width, height)
    generate_s = None if reused else time.perf_counter() - started
    input_gb = sum(os.path.getsize(p) for p in paths.values()) / 1e9
    if not reused:
        log('  generated in {:.0f} s ({:.1f} GB of inputs)'.format(generate_s, input_gb))
    try:
        row = measure(folder, label, grid, coarse, 0, memory_mb, 1, nice, log)
    finally:
        if not keep_inputs:
            shutil.rmtree(folder, ignore_errors=True)
    row.update(generate_s=generate_s, input_gb=input_gb, inputs_reused=reused)
    return row


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == '--child':
        return _child_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='the smallest grid only')
    parser.add_argument('--huge', action='store_true',
                        help='also the 40000 × 40000 px scene (~15 min, ~10 GB of inputs + scratch)')
    parser.add_argument('--huge-only', action='store_true', help='only the 40000 × 40000 px scene')
    parser.add_argument('--memory-mb', type=float, default=512.0, help='DownscaleOptions.memory_mb (default 512)')
    parser.add_argument('--results', default=common.DEFAULT_RESULTS_DIR, help='folder for speed.json / speed.csv')
    parser.add_argument('--workdir', default=None, help='scratch folder (default: a new temporary folder)')
    parser.add_argument('--nice', type=int, default=0, help='niceness of the child processes (grids over '
                        '{} Mpx always run with at least 10)'.format(HEAVY_MPX))
    parser.add_argument('--min-mpx', type=float, default=0.0, help='only grids of at least this many Mpx')
    parser.add_argument('--max-mpx', type=float, default=float('inf'), help='only grids of at most this many Mpx')
    parser.add_argument('--merge', action='store_true', help='keep the rows of other grids already in speed.json')
    parser.add_argument('--keep-inputs', action='store_true', help='keep the huge scene\'s inputs in --workdir')
    parser.add_argument('--residual', default='', help='DownscaleOptions.residual of the default-method runs '
                        '(default: the option\'s default)')
    parser.add_argument('--option', action='append', default=[], metavar='NAME=VALUE',
                        help='another DownscaleOptions field of the default-method runs, e.g. '
                        '"selection=per-cell AICc" (repeatable)')
    args = parser.parse_args(argv)
    run_speed(args)
    return 0


def option_changes(args):
    """{DownscaleOptions field: value} of --residual and --option NAME=VALUE (values as text)."""
    changes = dict(option.split('=', 1) for option in getattr(args, 'option', []) or [])
    if getattr(args, 'residual', ''):
        changes['residual'] = args.residual
    return changes


def run_speed(args, log=print):
    workdir = args.workdir or tempfile.mkdtemp(prefix='smd_speed_')
    os.makedirs(workdir, exist_ok=True)
    results = args.results
    try:
        if not getattr(args, 'huge_only', False):
            sizes = QUICK_SIZES if args.quick else [
                s for s in SIZES if getattr(args, 'min_mpx', 0.0) <= s[1] * s[2] / 1e6 <= getattr(
                    args, 'max_mpx', float('inf'))]
            log('Speed: {} grid(s), downscale vs gdal.Warp bilinear (fresh process per run)'.format(len(sizes)))
            all_methods = not args.quick and sizes[:1] == SIZES[:1]
            rows, method_rows = run_sizes(sizes, workdir, all_methods_at_first=all_methods, nice=args.nice, log=log,
                                          memory_mb=args.memory_mb, max_repeats=1 if args.quick else 3,
                                          changes=option_changes(args))
            payload = {'command': common.command_line(), 'quick': bool(args.quick), 'machine': common.machine_info(),
                       'rows': rows, 'methods': method_rows, 'date': time.strftime('%Y-%m-%d %H:%M UTC',
                                                                                  time.gmtime())}
            old = common.read_json(os.path.join(results, 'speed.json')) if getattr(args, 'merge', False) else None
            if old:
                new_cases = {r['case'] for r in rows}
                kept = [r for r in old['rows'] if r['case'] not in new_cases]
                payload['rows'] = sorted(kept + rows, key=lambda r: r['megapixels'])
                payload['methods'] = method_rows or old.get('methods', [])
                payload['command'] = old['command'] + '` and `' + payload['command']
            rows, method_rows = payload['rows'], payload['methods']
            common.write_json(os.path.join(results, 'speed.json'), payload)
            columns = ['case', 'width', 'height', 'megapixels', 'fine_pixel_m', 'coarse_cells', 'method',
                       'memory_mb_budget', 'repeats', 'warp_s', 'downscale_s', 'ratio_to_warp',
                       'downscale_s_per_mpx', 'peak_rss_mb', 'baseline_rss_mb', 'warp_peak_rss_mb',
                       'consistency_max_error', 'generate_s']
            stage_names = sorted({k for r in rows + method_rows for k in r['stage_seconds']})
            flat = []
            for r in rows + method_rows[1:]:
                f = dict(r)
                f.update({'stage_' + k: r['stage_seconds'].get(k, 0.0) for k in stage_names})
                flat.append(f)
            common.write_csv(os.path.join(results, 'speed.csv'), flat, columns + ['stage_' + k for k in stage_names])
        if getattr(args, 'huge', False) or getattr(args, 'huge_only', False):
            log('Huge scene (memory budget {:.0f} MB, nice {}):'.format(args.memory_mb, max(args.nice, 10)))
            row = run_huge(workdir, args.memory_mb, max(args.nice, 10), log,
                           keep_inputs=getattr(args, 'keep_inputs', False))
            common.write_json(os.path.join(results, 'huge.json'),
                              {'command': common.command_line(), 'machine': common.machine_info(), 'row': row,
                               'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
