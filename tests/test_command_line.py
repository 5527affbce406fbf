"""`smdownscale` / `python -m soil_moisture_downscaling`: the algorithms from a shell, without QGIS,
and `pip install .` (issue 14)."""
import csv
import json
import os
import pty
import subprocess
import sys
import zipfile
from datetime import date

import numpy as np
import pytest
from helpers import read
from osgeo import osr

from plugin_package import plugin_parent_dir
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, 'sample_data')
SAMPLE_ARGS = ['--coarse-sm', os.path.join(SAMPLE, 'coarse_soil_moisture_025deg.tif'),
               '--lst', os.path.join(SAMPLE, 'lst_modis_like_K.tif'), '--ndvi', os.path.join(SAMPLE, 'ndvi.tif')]


def smdownscale(args, cwd, stderr=subprocess.PIPE, python=sys.executable, env=None):
    """The command as a user runs it: a fresh process, the package found by name (never the repository root)."""
    env = env if env is not None else dict(os.environ, PYTHONPATH=plugin_parent_dir())
    return subprocess.run([python, '-m', 'soil_moisture_downscaling'] + args, cwd=str(cwd), env=env,
                          stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=600)


def test_downscale_prints_plain_json_and_writes_the_core_map(tmp_path):
    out = tmp_path / 'sm.tif'
    completed = smdownscale(['downscale'] + SAMPLE_ARGS + ['--dem', os.path.join(SAMPLE, 'dem_1km.tif'),
                                                           '--acquisition-date', '2021-07-15', '--output', str(out),
                                                           '--report', str(tmp_path / 'r.html'), '--json'], tmp_path)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert results['OUTPUT'] == str(out) and results['REPORT'] == str(tmp_path / 'r.html')
    assert isinstance(results['CONSISTENCY_MAX_ERROR'], float) and results['CONSISTENCY_MAX_ERROR'] < 1e-4
    assert -12.0 < results['LAPSE_RATE_K_PER_KM'] < 0.0
    assert 'Method: Terrain-aware adaptive window (default)' in completed.stderr   # the log, on stderr
    # The same map as the core called directly with the algorithm's defaults.
    inputs = DownscaleInputs(*(RasterSource(os.path.join(SAMPLE, name)) for name in (
        'coarse_soil_moisture_025deg.tif', 'lst_modis_like_K.tif', 'ndvi.tif', 'dem_1km.tif')))
    downscale(inputs, str(tmp_path / 'core.tif'), DownscaleOptions(sun=SunGeometry(acquisition_date=date(2021, 7, 15))))
    assert read(out).tobytes() == read(tmp_path / 'core.tif').tobytes()
    assert (tmp_path / 'r.html').stat().st_size > 10000
    tiled = smdownscale(['downscale'] + SAMPLE_ARGS + ['--dem', os.path.join(SAMPLE, 'dem_1km.tif'),
                                                       '--acquisition-date', '2021-07-15', '--tile-rows', '100',
                                                       '--output', str(tmp_path / 'tiled.tif')], tmp_path)
    assert tiled.returncode == 0 and 'read as 5 tiles' in tiled.stderr
    assert np.nanmax(np.abs(read(tmp_path / 'tiled.tif') - read(out))) <= 1e-6


def test_bad_input_gives_the_core_message_and_exit_code_2(tmp_path):
    completed = smdownscale(['downscale'] + SAMPLE_ARGS + ['--output', str(tmp_path / 'x.tif')], tmp_path)
    assert completed.returncode == 2
    assert 'needs a DEM' in completed.stderr and 'Traceback' not in completed.stderr
    assert not (tmp_path / 'x.tif').exists()
    bad_method = smdownscale(['downscale'] + SAMPLE_ARGS + ['--method', 'kriging', '--output', 'y.tif'], tmp_path)
    assert bad_method.returncode == 2 and 'unknown method' in bad_method.stderr
    missing = smdownscale(['series', '--coarse-sm', 'nope.tif', '--lst', 'nope.tif', '--output', 'z.tif'], tmp_path)
    assert missing.returncode == 2 and 'Cannot open' in missing.stderr and 'Traceback' not in missing.stderr


def file_bytes(*paths):
    return [open(str(path), 'rb').read() for path in paths]


def left_in(folder):
    """What a run left in ``folder`` (hidden staging and scratch folders included)."""
    return sorted(os.listdir(str(folder)))


def test_an_output_that_is_an_input_is_refused_before_computing_as_in_qgis(tmp_path):
    """Issue 11's checks run for the command line too (core.outputs_commit): the message Processing gives, with
    the options as labels; exit code 2; the input untouched; nothing computed."""
    lst = tmp_path / 'lst.tif'
    lst.write_bytes(open(os.path.join(SAMPLE, 'lst_modis_like_K.tif'), 'rb').read())
    args = ['downscale', '--coarse-sm', SAMPLE_ARGS[1], '--lst', str(lst), '--ndvi', SAMPLE_ARGS[5], '--method', '5']
    before = file_bytes(lst)
    completed = smdownscale(args + ['--output', str(lst)], tmp_path)
    assert completed.returncode == 2, completed.stderr
    assert 'The output "--output" is the same file as the input "--lst" ({}): choose another name for the ' \
           'output.'.format(lst) in completed.stderr
    assert 'Method:' not in completed.stderr and 'Traceback' not in completed.stderr   # refused before computing
    assert file_bytes(lst) == before and left_in(tmp_path) == ['lst.tif']
    both = smdownscale(args + ['--output', str(tmp_path / 'sm.tif'), '--report', str(tmp_path / 'sm.tif')], tmp_path)
    assert both.returncode == 2 and 'are both set to' in both.stderr and left_in(tmp_path) == ['lst.tif']
    series = tmp_path / 'series'
    series.mkdir()
    coarse = series / 'soil_moisture_2021-07-15.tif'     # an input where the series would write a date
    coarse.write_bytes(open(SAMPLE_ARGS[1], 'rb').read())
    refused = smdownscale(['series', '--coarse-sm', str(coarse), '--lst', str(lst), '--ndvi', SAMPLE_ARGS[5],
                           '--method', '5', '--dates', '2021-07-15', '--output-folder', str(series)], tmp_path)
    assert refused.returncode == 2 and 'would write {} over the input "coarse soil moisture"'.format(
        coarse) in refused.stderr, refused.stderr
    assert left_in(series) == ['soil_moisture_2021-07-15.tif'] and file_bytes(coarse) == file_bytes(SAMPLE_ARGS[1])


def test_an_output_that_cannot_be_written_is_refused_before_computing(tmp_path, read_only_folder):
    (tmp_path / 'afile').write_text('not a folder')
    for output, named in ((read_only_folder / 'sm.tif', read_only_folder), (tmp_path / 'afile' / 'sm.tif', 'afile'),
                          (tmp_path / 'sm.png', 'write .tif')):
        completed = smdownscale(['downscale'] + SAMPLE_ARGS + ['--method', '5', '--output', str(output)], tmp_path)
        assert completed.returncode == 2, completed.stderr
        assert 'Cannot write' in completed.stderr and str(named) in completed.stderr, completed.stderr
        assert 'Method:' not in completed.stderr and 'Traceback' not in completed.stderr
    diagnostics = smdownscale(['downscale'] + SAMPLE_ARGS + ['--method', '5', '--output', str(tmp_path / 'sm.tif'),
                                                             '--diagnostics', str(tmp_path / 'diag.nc')], tmp_path)
    assert diagnostics.returncode == 2 and 'one band' in diagnostics.stderr and str(tmp_path / 'diag.nc') in \
        diagnostics.stderr and 'Method:' not in diagnostics.stderr, diagnostics.stderr   # 13 bands, refused first
    series = smdownscale(['series', '--coarse-sm', SAMPLE_ARGS[1], '--lst', SAMPLE_ARGS[3], '--ndvi', SAMPLE_ARGS[5],
                          '--dates', '2021-07-15', '--output-folder', str(read_only_folder / 'dates')], tmp_path)
    assert series.returncode == 2 and 'Cannot write' in series.stderr and str(read_only_folder) in series.stderr
    assert 'Series of' not in series.stderr
    assert left_in(read_only_folder) == ['existing.txt'] and left_in(tmp_path) == ['afile', 'read_only']


def test_a_report_that_fails_leaves_no_map_either(tmp_path, monkeypatch, capsys):
    """The outputs of a command are committed together, as in QGIS: the report fails after the map was computed
    (a full disk, as core.outputs_commit.write_file reports it), and neither is left."""
    from soil_moisture_downscaling import cli
    from soil_moisture_downscaling.core.errors import OutputError
    from soil_moisture_downscaling.report import downscaling as report

    def disk_full(path, *args):
        with open(path, 'w') as handle:
            handle.write('<html>half a page')
        raise OutputError('Cannot write {}: the disk is full; free some space or choose a folder on another '
                          'disk.'.format(path))
    monkeypatch.setattr(report, 'write_downscaling_report', disk_full)
    code = cli.main(['downscale'] + SAMPLE_ARGS + ['--method', '5', '--output', str(tmp_path / 'sm.tif'),
                                                   '--diagnostics', str(tmp_path / 'diag.tif'),
                                                   '--report', str(tmp_path / 'report.html'), '--quiet'])
    assert code == 2
    # The message names the report's own path, not the staged one it was written under.
    assert 'Cannot write {}: the disk is full'.format(tmp_path / 'report.html') in capsys.readouterr().err
    assert left_in(tmp_path) == []


def test_progress_bar_only_on_a_terminal(tmp_path):
    args = ['downscale'] + SAMPLE_ARGS + ['--method', '1', '--output', str(tmp_path / 'b.tif'), '--quiet']
    piped = smdownscale(args, tmp_path)
    assert piped.returncode == 0 and '%' not in piped.stderr
    controller, terminal = pty.openpty()
    try:
        shown = smdownscale(args, tmp_path, stderr=terminal)
        os.close(terminal)
        terminal = None
        drawn = b''
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
        if terminal is not None:
            os.close(terminal)
    assert shown.returncode == 0
    assert b'100.0 %' in drawn and b'[' + b'#' * 30 + b']' in drawn


def test_series_resumes_from_the_command_line(series30, tmp_path):
    paths, dates = series30
    args = ['series', '--coarse-sm', paths['coarse_sm'], '--lst', paths['lst'], '--ndvi', paths['ndvi'],
            '--dem', paths['dem'], '--method', '5', '--output-folder', str(tmp_path / 'out'), '--json']
    first = smdownscale(args, tmp_path)
    assert first.returncode == 0, first.stderr
    results = json.loads(first.stdout)
    assert results['N_DATES'] == len(dates) == results['N_COMPUTED'] and results['N_REUSED'] == 0
    assert len(results['OUTPUT_FILES']) == len(dates) and results['CONSISTENCY_MAX_ERROR'] < 1e-4
    again = json.loads(smdownscale(args, tmp_path).stdout)
    assert again['N_COMPUTED'] == 0 and again['N_REUSED'] == len(dates)


def test_import_insitu_then_validate_finds_exact_values(tmp_path):
    """Stations placed on pixels of a raster, in-situ values equal to those pixels: every metric is exact."""
    truth = str(tmp_path / 'truth_2021-07-15.tif')   # the date in the name, as the validation reads it
    with open(truth, 'wb') as handle:
        handle.write(open(os.path.join(SAMPLE, 'true_soil_moisture.tif'), 'rb').read())
    values = read(truth)
    source = RasterSource(truth)
    grid = source.grid()
    utm, wgs84 = grid.srs(), osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs84 = osr.CoordinateTransformation(utm, wgs84)
    gt = grid.geotransform
    rows = [('station', 'date', 'soil_moisture', 'latitude', 'longitude', 'depth_m')]
    for k, (row, col) in enumerate([(50, 60), (200, 300), (350, 500), (100, 450)]):
        lon, lat, _ = to_wgs84.TransformPoint(gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5])
        rows.append(('S{}'.format(k), '2021-07-15', '{:.6f}'.format(values[row, col]), lat, lon, 0.05))
    with open(str(tmp_path / 'generic.csv'), 'w', newline='') as handle:
        csv.writer(handle).writerows(rows)
    imported = smdownscale(['import-insitu', '--input', str(tmp_path / 'generic.csv'), '--stations',
                            str(tmp_path / 'stations.csv'), '--measurements', str(tmp_path / 'table.csv'), '--json'],
                           tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)['N_STATIONS'] == 4
    validated = smdownscale(['validate', '--rasters', truth, '--stations', str(tmp_path / 'stations.csv'),
                             '--measurements', str(tmp_path / 'table.csv'), '--min-pairs', '1',
                             '--output', str(tmp_path / 'metrics.csv'), '--json'], tmp_path)
    assert validated.returncode == 0, validated.stderr
    results = json.loads(validated.stdout)
    assert results['N_PAIRS'] == 4
    assert abs(results['POOLED_BIAS']) < 1e-6 and results['POOLED_RMSE'] < 1e-6 and results['POOLED_R'] > 0.999999
    with open(str(tmp_path / 'metrics.csv')) as handle:
        assert len(list(csv.DictReader(handle))) == 4


def test_pyproject_version_is_the_plugin_version():
    import configparser
    metadata = configparser.ConfigParser()
    metadata.read(os.path.join(REPO, 'metadata.txt'))
    text = open(os.path.join(REPO, 'pyproject.toml')).read()
    assert 'version = "{}"'.format(metadata['general']['version']) in text


@pytest.mark.slow
def test_pip_install_gives_a_working_command_without_the_source_tree(tmp_path):
    """A wheel built from the tracked files, installed in a venv on Debian's Python (numpy, scipy,
    GDAL and matplotlib from Debian), runs from anywhere; no tests or benchmarks are shipped."""
    tree = tmp_path / 'tree'
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=REPO,
                           capture_output=True, check=True).stdout.split(b'\0')
    tree.mkdir()
    for name in filter(None, files):
        target = tree / name.decode()
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.isfile(os.path.join(REPO, name.decode())):
            target.write_bytes(open(os.path.join(REPO, name.decode()), 'rb').read())
    venv = tmp_path / 'venv'
    subprocess.run(['/usr/bin/python3', '-m', 'venv', '--system-site-packages', str(venv)], check=True, timeout=300)
    python = str(venv / 'bin' / 'python')
    wheels = tmp_path / 'wheels'
    subprocess.run([python, '-m', 'pip', 'wheel', '--no-build-isolation', '--no-deps', '-q', '-w', str(wheels),
                    str(tree)], check=True, timeout=600, capture_output=True)
    wheel = next(wheels.glob('soil_moisture_downscaling-*.whl'))
    names = zipfile.ZipFile(str(wheel)).namelist()
    shipped = {'soil_moisture_downscaling/' + os.path.relpath(os.path.join(folder, name), REPO)
               for part in ('core', 'report') for folder, _, files in os.walk(os.path.join(REPO, part))
               for name in files if name.endswith('.py')}
    assert shipped <= set(names), shipped - set(names)   # every module of core/ and report/, subpackages too
    assert 'soil_moisture_downscaling/cli.py' in names
    assert not [n for n in names if '/tests/' in n or '/benchmarks/' in n or '/processing/' in n or '/ui/' in n]
    metadata = next(n for n in names if n.endswith('.dist-info/METADATA'))
    requires = {line.split(':', 1)[1].strip() for line in
                zipfile.ZipFile(str(wheel)).read(metadata).decode().splitlines() if line.startswith('Requires-Dist:')}
    assert {'numpy', 'scipy', 'GDAL', 'matplotlib'} <= requires, requires
    # --no-deps: the dependencies are Debian's (the venv sees them); resolving them again would fail on
    # Debian's own metadata where it names packages Debian does not ship (sid: python-dateutil → tzdata).
    # The downscaling run below imports and uses all four.
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--no-index', '--no-deps', str(wheel)], check=True,
                   timeout=600, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    helped = subprocess.run([str(venv / 'bin' / 'smdownscale'), '--help'], cwd=str(tmp_path), env=env,
                            capture_output=True, text=True, timeout=300)
    assert helped.returncode == 0 and 'downscale' in helped.stdout and 'series' in helped.stdout
    where = subprocess.run([python, '-c', 'import soil_moisture_downscaling as p; print(p.__file__)'],
                           cwd=str(tmp_path), env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv))
    out = tmp_path / 'installed.tif'
    ran = smdownscale(['downscale'] + SAMPLE_ARGS + ['--method', '5', '--output', str(out), '--json'], tmp_path,
                      python=python, env=env)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)['CONSISTENCY_MAX_ERROR'] < 1e-4 and np.isfinite(read(out)).mean() > 0.9
