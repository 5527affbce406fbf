"""Hostile and unlucky input through Processing, for all eight algorithms (issue 11).

Every refused case asserts: a QgsProcessingException whose message is one sentence (no
traceback), the inputs byte-identical afterwards, and nothing new in the output folder, the
input folder or the temporary folder (a per-test folder here). Cases refused by the shared
output checks also assert that nothing was computed first. A representative subset runs
through qgis_process.bin (exit status, stderr, JSON numbers).
"""
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date, timedelta

import numpy as np
import pytest
from helpers import aligned_coarse_grid, block_means, fine_grid, read, smooth_field, write
from osgeo import gdal, osr

from soil_moisture_downscaling.core.dates import stack_metadata
from soil_moisture_downscaling.core.raster_io import GridSpec, RasterWriter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(REPO, 'tests', 'data')
MODIS_LST = os.path.join(DATA, 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf')
C3S_FILE = os.path.join(DATA, 'C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-20180101000000-ICDR-v201706.0.0.nc')
SNOTEL_CSV = os.path.join(DATA, 'CO_335_sample_raw.csv')
SNOTEL_STATIONS = os.path.join(DATA, 'co-snotel-stations.geojson')
DAY = date(2021, 7, 15)


# -- inputs ---------------------------------------------------------------------------------------------------

def fields(seed=0, size=120):
    rng = np.random.default_rng(seed)
    shape = (size, size)
    return {'lst': 300 + smooth_field(rng, shape, 3, 4.0),
            'ndvi': np.clip(0.4 + smooth_field(rng, shape, 3, 0.15), 0, 0.9),
            'dem': 2500 + smooth_field(rng, shape, 5, 300.0),
            'coarse': np.clip(0.25 + smooth_field(rng, (size // 10, size // 10), 2, 0.05), 0.05, 0.5)}


def write_scene(folder, values, grid=None):
    """Coarse (10 km), LST with its date, NDVI and DEM (1 km) in ``folder``; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    grid = grid or fine_grid(values['lst'].shape[1], values['lst'].shape[0], 1000.0)
    coarse_grid = aligned_coarse_grid(grid, 10)
    paths = {name: os.path.join(folder, name + '.tif') for name in ('coarse', 'lst', 'ndvi', 'dem')}
    write(paths['coarse'], coarse_grid, values['coarse'])
    write(paths['lst'], grid, values['lst'], metadata={'ACQUISITION_DATE': DAY.isoformat()})
    write(paths['ndvi'], grid, values['ndvi'])
    write(paths['dem'], grid, values['dem'])
    return paths


def write_stack(path, grid, dates, arrays):
    metadata, band_metadata, descriptions = stack_metadata(dates)
    with RasterWriter(str(path), grid, len(dates), descriptions=descriptions, metadata=metadata,
                      band_metadata=band_metadata) as writer:
        for band, values in enumerate(arrays, start=1):
            writer.write(grid.full_window(), np.asarray(values, dtype=np.float32), band=band)
        writer.commit()
    return str(path)


def undated_copy(source, target):
    """A copy of a stack without its dates."""
    gdal.Translate(target, source)
    dataset = gdal.Open(target, gdal.GA_Update)
    dataset.SetMetadata({})
    for band in range(1, dataset.RasterCount + 1):
        dataset.GetRasterBand(band).SetMetadata({})
        dataset.GetRasterBand(band).SetDescription('')
    dataset = None
    return target


def truncated_copy(source, target, fraction=0.6):
    shutil.copyfile(source, target)
    with open(target, 'r+b') as handle:
        handle.truncate(int(os.path.getsize(target) * fraction))
    return str(target)


def wgs84_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    """Every input of the battery in one folder, hashed before and after each case."""
    folder = str(tmp_path_factory.mktemp('hostile_inputs'))
    values = fields()
    paths = write_scene(folder, values)
    grid = fine_grid(120, 120, 1000.0)
    # Hostile variants of the single-date inputs.
    wet = values['coarse'].copy()
    wet[:4, :4] = 0.9                                 # above SM_MAX = 0.6: cannot be kept
    paths['coarse_wet'] = str(write(os.path.join(folder, 'coarse_wet.tif'), aligned_coarse_grid(grid, 10), wet).path)
    paths['lst_k100'] = str(write(os.path.join(folder, 'lst_k100.tif'), grid, values['lst'] * 100).path)
    hot_f = (values['lst'] + 10 - 273.15) * 9 / 5 + 32   # about 99 °F
    paths['lst_f'] = str(write(os.path.join(folder, 'lst_f.tif'), grid, hot_f).path)
    paths['ndvi_pct'] = str(write(os.path.join(folder, 'ndvi_pct.tif'), grid, values['ndvi'] * 100).path)
    noise = np.random.default_rng(5).integers(0, 2 ** 32, size=(120, 120), dtype=np.uint64).astype(np.uint32)
    random_path = os.path.join(folder, 'random_bytes.tif')
    dataset = gdal.GetDriverByName('GTiff').Create(random_path, 120, 120, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform(grid.geotransform)
    dataset.SetProjection(grid.crs_wkt)
    dataset.GetRasterBand(1).WriteArray(noise.view(np.float32))
    dataset = None
    paths['random_bytes'] = random_path
    part = GridSpec(42, 120, grid.geotransform, grid.crs_wkt)   # the western 35 % of the LST grid
    paths['dem_part'] = str(write(os.path.join(folder, 'dem_part.tif'), part, values['dem'][:, :42]).path)
    away = GridSpec(120, 120, (grid.geotransform[0] + 500000, 1000.0, 0.0, grid.geotransform[3], 0.0, -1000.0),
                    grid.crs_wkt)
    paths['dem_away'] = str(write(os.path.join(folder, 'dem_away.tif'), away, values['dem']).path)
    paths['lst_truncated'] = truncated_copy(paths['lst'], os.path.join(folder, 'lst_truncated.tif'))
    paths['dem_truncated'] = truncated_copy(paths['dem'], os.path.join(folder, 'dem_truncated.tif'))
    # A 3-date series.
    dates = [DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)]
    paths['coarse_stack'] = write_stack(os.path.join(folder, 'coarse_stack.tif'), aligned_coarse_grid(grid, 10), dates,
                                        [values['coarse'] + 0.01 * k for k in range(3)])
    paths['lst_stack'] = write_stack(os.path.join(folder, 'lst_stack.tif'), grid, dates,
                                     [values['lst'] + k for k in range(3)])
    for name in ('coarse', 'lst'):
        paths[name + '_undated'] = undated_copy(paths[name + '_stack'], os.path.join(folder, name + '_undated.tif'))
    # Files of the import algorithms.
    paths['modis'] = shutil.copy(MODIS_LST, folder)
    paths['modis_truncated'] = truncated_copy(MODIS_LST, os.path.join(folder, 'MOD11A1.A2021227.h11v05.061.'
                                                                                '2021228105320_cut.hdf'), 0.3)
    paths['c3s'] = shutil.copy(C3S_FILE, folder)
    paths['c3s_truncated'] = truncated_copy(C3S_FILE, os.path.join(folder, 'C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-'
                                                                           '20180101000000-ICDR-v201706.0.0_cut.nc'))
    paths['snotel'] = shutil.copy(SNOTEL_CSV, folder)
    paths['snotel_stations'] = shutil.copy(SNOTEL_STATIONS, folder)
    paths.update(validation_inputs(folder))
    paths.update(insitu_dialects(folder))
    return folder, paths


def validation_inputs(folder):
    """A 30-date raster series around one station and its in-situ table (generic CSV)."""
    lon, lat = -105.5, 40.0
    grid = GridSpec(5, 5, (lon - 0.025, 0.01, 0.0, lat + 0.025, 0.0, -0.01), wgs84_wkt())
    dates = [date(2021, 6, 1) + timedelta(days=k) for k in range(30)]
    truth = 0.2 + 0.1 * np.sin(np.arange(30) / 4.0)
    arrays = [np.full((5, 5), t + 0.02) for t in truth]
    raster = write_stack(os.path.join(folder, 'sm_series.tif'), grid, dates, arrays)
    table = os.path.join(folder, 'insitu.csv')
    with open(table, 'w', newline='') as handle:
        out = csv.writer(handle)
        out.writerow(['station', 'date', 'soil_moisture', 'latitude', 'longitude', 'depth_m'])
        for day, value in zip(dates, truth):
            out.writerow(['S1', day.isoformat(), '{:.4f}'.format(value), lat, lon, 0.05])
    return {'sm_series': raster, 'insitu_csv': table,
            'sm_series_truncated': truncated_copy(raster, os.path.join(folder, 'sm_series_truncated.tif'), 0.5)}


def insitu_dialects(folder):
    """Generic CSVs as spreadsheets write them (item 7)."""
    def save(name, text):
        path = os.path.join(folder, name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        return path
    header = 'station;date;soil_moisture;latitude;longitude\n'
    return {
        'csv_decimal_comma': save('decimal_comma.csv', header + ''.join(
            'S1;2010-07-0{};0,2{};40,0;-105,5\n'.format(day, day) for day in (1, 2, 3))),
        'csv_ambiguous_dates': save('ambiguous_dates.csv', 'station,date,soil_moisture,latitude,longitude\n' + ''.join(
            'S1,0{}/07/2010,0.2{},40.0,-105.5\n'.format(day, day) for day in (1, 2, 3))),
        'csv_day_first': save('day_first.csv', 'station,date,soil_moisture,latitude,longitude\n' + ''.join(
            'S1,{:02d}/07/2010,0.2,40.0,-105.5\n'.format(day) for day in (3, 14, 28))),
        'csv_duplicates': save('duplicates.csv', 'station,date,soil_moisture,latitude,longitude\n'
                               'S1,2010-07-01,0.21,40.0,-105.5\nS1,2010-07-01,0.21,40.0,-105.5\n'
                               'S1,2010-07-02,0.22,40.0,-105.5\nS1,2010-07-02,0.35,40.0,-105.5\n'
                               'S1,2010-07-03,0.23,40.0,-105.5\n'),
        'csv_unreadable': save('unreadable.csv', 'station,date,soil_moisture,latitude,longitude\n'
                               'S1,2010-07-01,0.21,40.0,-105.5\nS1,2010-07-02,wet,40.0,-105.5\n'
                               'S1,2010-07-03,,40.0,-105.5\nS1,2010-07-04,0.24,40.0,-105.5\n'),
    }


# -- the harness ------------------------------------------------------------------------------------------------

def fingerprint(folder):
    """{relative path: sha256} of every file under ``folder`` (hidden ones included)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, 'rb') as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
        out.update({os.path.relpath(os.path.join(root, name), folder) + '/': 'folder' for name in dirs})
    return out


class Arena:
    """A per-test output folder and temporary folder (TMPDIR and Python's tempfile point at it)."""

    def __init__(self, tmp_path, monkeypatch, inputs):
        self.out = tmp_path / 'out'
        self.tmp = tmp_path / 'tmp'
        self.out.mkdir()
        self.tmp.mkdir()
        monkeypatch.setenv('TMPDIR', str(self.tmp))
        monkeypatch.setattr(tempfile, 'tempdir', str(self.tmp))
        self.input_folder, self.paths = inputs

    def snapshot(self, *folders):
        return {str(f): fingerprint(f) for f in (self.input_folder, self.out, self.tmp) + folders}


@pytest.fixture
def arena(tmp_path, monkeypatch, inputs, qgis_app):
    return Arena(tmp_path, monkeypatch, inputs)


class Recorder:
    """A QgsProcessingFeedback that keeps what it was told."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class _Recorder(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos, self.warnings, self.errors = [], [], []
                self.max_progress = 0.0
                self.progressChanged.connect(lambda value: setattr(self, 'max_progress',
                                                                   max(self.max_progress, value)))

            def pushInfo(self, text):  # noqa: N802
                self.infos.append(text)

            def pushWarning(self, text):  # noqa: N802
                self.warnings.append(text)

            def reportError(self, text, fatalError=False):  # noqa: N802,N803
                self.errors.append(text)
        return _Recorder()


def one_sentence(message):
    """The message as a user reads it: one line, one sentence, no traceback."""
    message = message.replace('Unable to execute algorithm\n', '').strip()
    assert 'Traceback' not in message and 'File "' not in message, message
    assert '\n' not in message, message
    assert message.endswith(('.', ')')), message
    assert not re.search(r'[.!?] [A-Z]', message), 'more than one sentence: ' + message
    return message


def assert_unchanged(before, after):
    """No file changed, appeared or disappeared in any of the folders, except the statistics cache
    <raster>.aux.xml that QGIS itself writes next to any raster it opens (inputs included)."""
    changes = []
    for folder in before:
        old, new = before[folder], after[folder]

        def cache(name, old=old):
            return name.endswith('.aux.xml') and name[:-len('.aux.xml')] in old
        changes += ['{}: {}'.format(what, os.path.join(folder, name)) for what, names in (
            ('appeared', {n for n in set(new) - set(old) if not cache(n)}), ('disappeared', set(old) - set(new)),
            ('changed', {n for n in set(old) & set(new) if old[n] != new[n] and not cache(n)}))
            for name in sorted(names)]
    assert not changes, changes


def refused(arena, algorithm, parameters, match, before_compute=True, extra_folders=()):
    """Run, expect a refusal; check the message, the inputs and the folders; return the message."""
    import processing
    from qgis.core import QgsProcessingException
    before = arena.snapshot(*extra_folders)
    feedback = Recorder()
    with pytest.raises(QgsProcessingException) as raised:
        processing.run(algorithm, parameters, feedback=feedback)
    message = one_sentence(str(raised.value))
    assert re.search(match, message, re.IGNORECASE), message
    assert_unchanged(before, arena.snapshot(*extra_folders))
    if before_compute:
        assert feedback.infos == [] and feedback.max_progress == 0, 'computed before refusing: {}'.format(
            feedback.infos[:3])
    return message


def succeeded(algorithm, parameters):
    import processing
    feedback = Recorder()
    result = processing.run(algorithm, parameters, feedback=feedback)
    return result, feedback


def scene_parameters(paths, output, **extra):
    parameters = {'COARSE_SM': paths['coarse'], 'LST': paths['lst'], 'NDVI': paths['ndvi'], 'DEM': paths['dem'],
                  'OUTPUT': str(output)}
    parameters.update(extra)
    return parameters


# -- folders the user cannot write to (read_only_folder: conftest.py) -------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system of 16 kB (a tmpfs; needs the right to mount)."""
    folder = tmp_path / 'full_disk'
    folder.mkdir()
    mounted = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip('cannot mount a small file system here: {}'.format(mounted.stderr.decode().strip()))
    with open(folder / 'filler', 'wb', buffering=0) as handle:   # fill it up: no room is left for any output
        try:
            while True:
                handle.write(b'x' * 512)
        except OSError:
            pass
    yield folder
    subprocess.run(['umount', str(folder)], capture_output=True)


# -- item 1: an output that is an input, or another output -----------------------------------------------------

@pytest.mark.parametrize('algorithm, build, match', [
    ('soilmoisture:downscale', lambda p, o: scene_parameters(p, p['lst']), 'LST'),
    ('soilmoisture:downscale', lambda p, o: scene_parameters(p, o / 'sm.tif', REPORT=p['lst']), 'LST'),
    ('soilmoisture:downscale', lambda p, o: scene_parameters(p, o / 'sm.tif', DIAGNOSTICS=str(o / 'sm.tif')),
     'Diagnostics'),
    ('soilmoisture:downscale', lambda p, o: scene_parameters(p, o / 'sm.tif', DIAGNOSTICS=str(o / 'sm.img'),
                                                             REPORT=str(o / 'sm.qml')), 'style'),
    ('soilmoisture:correctlst', lambda p, o: {'LST': p['lst'], 'NDVI': p['ndvi'], 'DEM': p['dem'],
                                              'OUTPUT': p['dem']}, 'DEM'),
    ('soilmoisture:filllstgaps', lambda p, o: {'LST': p['lst'], 'OUTPUT': p['lst']}, 'LST'),
    ('soilmoisture:filllstgaps', lambda p, o: {'LST': p['lst'], 'OUTPUT': str(o / 'f.tif'),
                                               'FILLED_MASK': str(o / 'f.tif')}, 'mask'),
    ('soilmoisture:downscaleseries', lambda p, o: {'COARSE_SM': p['coarse_stack'], 'LST': p['lst_stack'],
                                                   'NDVI': p['ndvi'], 'DEM': p['dem'], 'OUTPUT': p['coarse_stack']},
     'coarse'),
    ('soilmoisture:importmodis', lambda p, o: {'INPUT': [p['modis']], 'OUTPUT': p['modis']}, 'MODIS'),
    ('soilmoisture:importmodis', lambda p, o: {'INPUT': [p['modis']], 'OUTPUT': str(o / 'lst.tif'),
                                               'VIEW_TIME': str(o / 'lst.tif')}, 'view time'),
    ('soilmoisture:importsoilmoisture', lambda p, o: {'INPUT': [p['c3s']], 'OUTPUT': p['c3s']}, 'C3S-SOIL'),
    ('soilmoisture:importinsitu', lambda p, o: {'INPUT': [p['insitu_csv']], 'STATIONS': str(o / 's.gpkg'),
                                                'MEASUREMENTS': p['insitu_csv']}, 'in-situ'),
    ('soilmoisture:importinsitu', lambda p, o: {'INPUT': [p['insitu_csv']], 'STATIONS': str(o / 's.gpkg'),
                                                'MEASUREMENTS': str(o / 's.gpkg')}, 'Stations'),
    ('soilmoisture:validate', lambda p, o: {'RASTERS': [p['sm_series']], 'STATIONS': p['insitu_stations'],
                                            'MEASUREMENTS': p['insitu_table'], 'OUTPUT': str(o / 'm.gpkg'),
                                            'PAIRS': p['insitu_table'], 'REPORT': str(o / 'r.html')}, 'table'),
    ('soilmoisture:validate', lambda p, o: {'RASTERS': [p['sm_series']], 'STATIONS': p['insitu_stations'],
                                            'MEASUREMENTS': p['insitu_table'], 'OUTPUT': str(o / 'm.gpkg'),
                                            'PAIRS': str(o / 'p.csv'), 'REPORT': p['sm_series']}, 'raster'),
    ('soilmoisture:validate', lambda p, o: {'RASTERS': [p['sm_series']], 'STATIONS': p['insitu_stations'],
                                            'MEASUREMENTS': p['insitu_table'], 'OUTPUT': str(o / 'm.csv'),
                                            'PAIRS': str(o / 'm.csv'), 'REPORT': str(o / 'r.html')}, 'pairs'),
])
def test_an_output_that_is_an_input_or_another_output_is_refused_before_computing(arena, imported_insitu, algorithm,
                                                                                  build, match):
    paths = dict(arena.paths, **imported_insitu)
    message = refused(arena, algorithm, build(paths, arena.out), match)
    assert 'same file' in message or 'both' in message


@pytest.fixture(scope='module')
def imported_insitu(inputs, tmp_path_factory, qgis_app):
    """Stations and table of the validation CSV, imported once (inputs of "validate")."""
    import processing
    folder = tmp_path_factory.mktemp('imported_insitu')
    result = processing.run('soilmoisture:importinsitu', {
        'INPUT': [inputs[1]['insitu_csv']], 'STATIONS': str(folder / 'stations.gpkg'),
        'MEASUREMENTS': str(folder / 'table.csv')})
    return {'insitu_stations': result['STATIONS'], 'insitu_table': result['MEASUREMENTS']}


def test_an_output_through_a_symlink_to_an_input_is_refused(arena):
    link = arena.out / 'link.tif'
    os.symlink(arena.paths['lst'], link)
    refused(arena, 'soilmoisture:downscale', scene_parameters(arena.paths, link), 'LST')


def test_per_date_files_that_would_overwrite_an_input_are_refused(arena, tmp_path):
    folder = tmp_path / 'series_in'
    folder.mkdir()
    coarse = shutil.copy(arena.paths['coarse_stack'], folder / 'soil_moisture_{}.tif'.format(DAY.isoformat()))
    refused(arena, 'soilmoisture:downscaleseries', {
        'COARSE_SM': str(coarse), 'LST': arena.paths['lst_stack'], 'NDVI': arena.paths['ndvi'],
        'DEM': arena.paths['dem'], 'OUTPUT_MODE': 1, 'OUTPUT_FOLDER': str(folder)}, 'soil_moisture_2021-07-15',
        before_compute=False, extra_folders=(folder,))


# -- item 2: outputs that cannot be written, inputs that cannot be read -----------------------------------------

def test_an_output_under_a_file_is_refused_before_computing(arena):
    (arena.out / 'afile').write_text('not a folder')
    refused(arena, 'soilmoisture:downscale', scene_parameters(arena.paths, arena.out / 'afile' / 'sm.tif'), 'afile')


def test_an_output_that_is_a_folder_is_refused_before_computing(arena):
    (arena.out / 'sm.tif').mkdir()
    refused(arena, 'soilmoisture:correctlst', {'LST': arena.paths['lst'], 'NDVI': arena.paths['ndvi'],
                                                'DEM': arena.paths['dem'], 'OUTPUT': str(arena.out / 'sm.tif')},
            'folder')


@pytest.mark.parametrize('algorithm, build', [
    ('soilmoisture:downscale', lambda p, f, o: scene_parameters(p, f / 'sm.tif')),
    ('soilmoisture:downscale', lambda p, f, o: scene_parameters(p, o / 'sm.tif', REPORT=str(f / 'r.html'))),
    ('soilmoisture:correctlst', lambda p, f, o: {'LST': p['lst'], 'NDVI': p['ndvi'], 'DEM': p['dem'],
                                                 'OUTPUT': str(f / 'c.tif')}),
    ('soilmoisture:filllstgaps', lambda p, f, o: {'LST': p['lst'], 'OUTPUT': str(o / 'f.tif'),
                                                  'FILLED_MASK': str(f / 'mask.tif')}),
    ('soilmoisture:downscaleseries', lambda p, f, o: {'COARSE_SM': p['coarse_stack'], 'LST': p['lst_stack'],
                                                      'NDVI': p['ndvi'], 'DEM': p['dem'], 'OUTPUT_MODE': 1,
                                                      'OUTPUT_FOLDER': str(f)}),
    ('soilmoisture:importmodis', lambda p, f, o: {'INPUT': [p['modis']], 'OUTPUT': str(f / 'lst.tif')}),
    ('soilmoisture:importsoilmoisture', lambda p, f, o: {'INPUT': [p['c3s']], 'OUTPUT': str(f / 'sm.tif')}),
    ('soilmoisture:importinsitu', lambda p, f, o: {'INPUT': [p['insitu_csv']], 'STATIONS': str(f / 's.gpkg'),
                                                   'MEASUREMENTS': str(o / 't.csv')}),
    ('soilmoisture:validate', lambda p, f, o: {'RASTERS': [p['sm_series']], 'STATIONS': p['insitu_stations'],
                                               'MEASUREMENTS': p['insitu_table'], 'OUTPUT': str(o / 'm.gpkg'),
                                               'PAIRS': str(f / 'p.csv'), 'REPORT': str(o / 'r.html')}),
])
def test_an_output_in_a_read_only_folder_is_refused_before_computing(arena, read_only_folder, imported_insitu,
                                                                     algorithm, build):
    paths = dict(arena.paths, **imported_insitu)
    message = refused(arena, algorithm, build(paths, read_only_folder, arena.out), 'write',
                      extra_folders=(read_only_folder,))
    assert str(read_only_folder) in message


@pytest.mark.parametrize('algorithm, build, name', [
    ('soilmoisture:downscale', lambda p, o: scene_parameters(p, o / 'sm.tif', LST=p['lst_truncated']),
     'lst_truncated.tif'),
    ('soilmoisture:correctlst', lambda p, o: {'LST': p['lst'], 'NDVI': p['ndvi'], 'DEM': p['dem_truncated'],
                                              'OUTPUT': str(o / 'c.tif')}, 'dem_truncated.tif'),
    ('soilmoisture:filllstgaps', lambda p, o: {'LST': p['lst_truncated'], 'OUTPUT': str(o / 'f.tif')},
     'lst_truncated.tif'),
    ('soilmoisture:importmodis', lambda p, o: {'INPUT': [p['modis_truncated']], 'OUTPUT': str(o / 'l.tif')},
     '_cut.hdf'),
    ('soilmoisture:importsoilmoisture', lambda p, o: {'INPUT': [p['c3s_truncated']], 'OUTPUT': str(o / 's.tif')},
     '_cut.nc'),
    ('soilmoisture:validate', lambda p, o: {'RASTERS': [p['sm_series_truncated']], 'STATIONS': p['insitu_stations'],
                                            'MEASUREMENTS': p['insitu_table'], 'OUTPUT': str(o / 'm.gpkg'),
                                            'PAIRS': str(o / 'p.csv'), 'REPORT': str(o / 'r.html')},
     'sm_series_truncated.tif'),
])
def test_a_truncated_input_gives_one_sentence_naming_it(arena, imported_insitu, algorithm, build, name):
    paths = dict(arena.paths, **imported_insitu)
    message = refused(arena, algorithm, build(paths, arena.out), name, before_compute=False)
    assert re.search('damaged|incomplete|truncated', message), message


def test_a_full_disk_leaves_nothing_and_says_so(arena, full_disk):
    message = refused(arena, 'soilmoisture:downscale', scene_parameters(
        arena.paths, full_disk / 'sm.tif', DIAGNOSTICS=str(arena.out / 'diag.tif'),
        REPORT=str(arena.out / 'r.html')), 'full', before_compute=False, extra_folders=(full_disk,))
    assert str(full_disk / 'sm.tif') in message


def test_a_full_disk_for_the_report_leaves_no_map_either(arena, full_disk):
    """Item 3: the output stayed (exit 1) when the report failed."""
    refused(arena, 'soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', DIAGNOSTICS=str(arena.out / 'diag.tif'),
        REPORT=str(full_disk / 'report.html')), 'report.html', before_compute=False, extra_folders=(full_disk,))


def test_a_full_disk_for_the_diagnostics_leaves_no_map_either(arena, full_disk):
    """Item 3: diag.tif stayed when OUTPUT failed; here the other way round, neither may stay."""
    refused(arena, 'soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', DIAGNOSTICS=str(full_disk / 'diag.tif')), 'diag.tif',
        before_compute=False, extra_folders=(full_disk,))


def test_a_report_that_fails_leaves_neither_map_nor_diagnostics(arena, monkeypatch):
    import errno

    from soil_moisture_downscaling.processing.algorithms import downscale as downscale_algorithm

    def no_space(path, *args, **kwargs):
        with open(path, 'w') as handle:
            handle.write('<html>half a page')
        raise OSError(errno.ENOSPC, 'No space left on device', path)
    monkeypatch.setattr(downscale_algorithm, 'write_downscaling_report', no_space)
    message = refused(arena, 'soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', DIAGNOSTICS=str(arena.out / 'diag.tif'),
        REPORT=str(arena.out / 'report.html')), 'free some space', before_compute=False)
    assert str(arena.out / 'report.html') in message


def test_a_full_disk_for_the_mask_leaves_no_filled_lst(arena, full_disk):
    refused(arena, 'soilmoisture:filllstgaps', {'LST': arena.paths['lst'], 'OUTPUT': str(arena.out / 'f.tif'),
                                                 'FILLED_MASK': str(full_disk / 'mask.tif')}, 'mask.tif',
            before_compute=False, extra_folders=(full_disk,))


def test_a_full_disk_for_the_pairs_leaves_no_metrics_or_report(arena, full_disk, imported_insitu):
    big = {'RASTERS': [arena.paths['sm_series']], 'STATIONS': imported_insitu['insitu_stations'],
           'MEASUREMENTS': imported_insitu['insitu_table'], 'MIN_PAIRS': 3, 'OUTPUT': str(arena.out / 'm.gpkg'),
           'PAIRS': str(full_disk / 'pairs.csv'), 'REPORT': str(arena.out / 'r.html')}
    refused(arena, 'soilmoisture:validate', big, 'pairs.csv', before_compute=False, extra_folders=(full_disk,))


# -- item 5: the extension names the format --------------------------------------------------------------------

@pytest.mark.parametrize('name', ['sm.png', 'sm.gpkg', 'sm.vrt'])
def test_an_unsupported_raster_extension_is_refused_before_computing(arena, name):
    message = refused(arena, 'soilmoisture:downscale', scene_parameters(arena.paths, arena.out / name), 'tif')
    assert '.img' in message and '.nc' in message


def test_multi_band_outputs_in_a_one_band_format_are_refused_before_computing(arena):
    """netCDF and ASCII grid take one band: the 13-band diagnostics and a multi-band series are refused
    before anything is computed (GDAL would write netCDF bands as separate variables without bands)."""
    message = refused(arena, 'soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', DIAGNOSTICS=str(arena.out / 'diag.nc')), r'one band.*\.tif')
    assert 'diag.nc' in message
    refused(arena, 'soilmoisture:downscaleseries', {
        'COARSE_SM': arena.paths['coarse_stack'], 'LST': arena.paths['lst_stack'], 'NDVI': arena.paths['ndvi'],
        'DEM': arena.paths['dem'], 'OUTPUT': str(arena.out / 'series.asc')}, r'one band.*\.tif')


def test_an_unsupported_extension_is_refused_by_an_import_too(arena):
    refused(arena, 'soilmoisture:importsoilmoisture', {'INPUT': [arena.paths['c3s']],
                                                        'OUTPUT': str(arena.out / 'sm.png')}, r'\.tif')


@pytest.mark.parametrize('extension, driver', [('nc', 'netCDF'), ('img', 'HFA'), ('asc', 'AAIGrid')])
def test_the_output_is_written_in_the_format_its_extension_names(arena, extension, driver):
    path = arena.out / 'sm.{}'.format(extension)
    result, _ = succeeded('soilmoisture:correctlst', {'LST': arena.paths['lst'], 'NDVI': arena.paths['ndvi'],
                                                       'DEM': arena.paths['dem'], 'OUTPUT': str(path)})
    assert result['OUTPUT'] == str(path)
    dataset = gdal.Open(str(path))
    assert dataset.GetDriver().ShortName == driver
    dataset = None
    corrected = read(path)
    assert np.isfinite(corrected).mean() > 0.95 and 250 < np.nanmean(corrected) < 350
    assert (arena.out / 'sm.qml').exists()
    assert not [n for n in os.listdir(arena.out) if n.startswith('.')]


def test_the_provider_offers_the_formats_the_writer_writes(qgis_app):
    from qgis.core import QgsApplication

    from soil_moisture_downscaling.core.raster_io import raster_output_extensions
    provider = QgsApplication.processingRegistry().providerById('soilmoisture')
    assert provider.supportedOutputRasterLayerExtensions() == raster_output_extensions()
    assert provider.defaultRasterFileExtension() == 'tif'


# -- item 3: one run, all outputs or none; item 9: no stale statistics ------------------------------------------

def test_every_output_of_a_run_appears_and_no_scratch_is_left(arena):
    result, _ = succeeded('soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', DIAGNOSTICS=str(arena.out / 'diag.tif'),
        REPORT=str(arena.out / 'report.html')))
    # QGIS may keep the statistics it computed for the style in <raster>.aux.xml (fresh ones).
    assert sorted(n for n in os.listdir(arena.out) if not n.endswith('.aux.xml')) == [
        'diag.qml', 'diag.tif', 'report.html', 'sm.qml', 'sm.tif']
    assert os.listdir(arena.tmp) == []
    assert result['DIAGNOSTICS'] == str(arena.out / 'diag.tif') and result['REPORT'] == str(arena.out / 'report.html')


def test_an_overwrite_leaves_no_stale_statistics(arena):
    parameters = {'LST': arena.paths['lst'], 'NDVI': arena.paths['ndvi'], 'DEM': arena.paths['dem'],
                  'OUTPUT': str(arena.out / 'c.tif')}
    succeeded('soilmoisture:correctlst', parameters)
    (arena.out / 'c.tif.aux.xml').write_text(
        '<PAMDataset><PAMRasterBand band="1"><Metadata><MDI key="STATISTICS_MEAN">999</MDI>'
        '<MDI key="STATISTICS_MAXIMUM">1000</MDI></Metadata></PAMRasterBand></PAMDataset>')
    succeeded('soilmoisture:correctlst', parameters)
    aux = arena.out / 'c.tif.aux.xml'
    # GDAL 3.13 writes fresh statistics there, whose digits may well include "999".
    assert not aux.exists() or '>999<' not in aux.read_text()
    from qgis.core import QgsRasterBandStats, QgsRasterLayer
    layer = QgsRasterLayer(str(arena.out / 'c.tif'), 'c')
    assert layer.dataProvider().bandStatistics(1, QgsRasterBandStats.Max).maximumValue < 400


def test_a_series_into_a_folder_commits_every_date_together(arena):
    folder = arena.out / 'series'
    folder.mkdir()
    (folder / 'notes.txt').write_text('the user keeps notes here')
    result, _ = succeeded('soilmoisture:downscaleseries', {
        'COARSE_SM': arena.paths['coarse_stack'], 'LST': arena.paths['lst_stack'], 'NDVI': arena.paths['ndvi'],
        'DEM': arena.paths['dem'], 'METHOD': 2, 'OUTPUT_MODE': 1, 'OUTPUT_FOLDER': str(folder)})
    names = sorted(n for n in os.listdir(folder) if not n.endswith('.aux.xml'))
    assert names == ['notes.txt'] + sorted('soil_moisture_{}.{}'.format((DAY + timedelta(days=k)).isoformat(), ext)
                                           for k in range(3) for ext in ('qml', 'tif'))
    assert result['OUTPUT_FILES'] == [str(folder / 'soil_moisture_{}.tif'.format((DAY + timedelta(days=k)).isoformat()))
                                      for k in range(3)]


# -- item 4: coarse values that cannot be kept -----------------------------------------------------------------

def test_coarse_values_above_the_bound_are_reported_not_hidden(arena):
    result, feedback = succeeded('soilmoisture:downscale', scene_parameters(
        arena.paths, arena.out / 'sm.tif', COARSE_SM=arena.paths['coarse_wet'], SM_MAX=0.6))
    assert result['N_INFEASIBLE_CELLS'] == 16
    # The cell means, computed here from the map, cannot reach 0.9 with every pixel at most 0.6.
    means = block_means(read(arena.out / 'sm.tif'), 10)
    worst = float(np.max(np.abs(means[:4, :4] - np.float32(0.9))))
    assert worst >= 0.3 - 1e-6
    assert result['INFEASIBLE_MAX_ERROR'] == pytest.approx(worst, abs=1e-5)
    assert result['CONSISTENCY_MAX_ERROR'] == pytest.approx(worst, abs=1e-5)   # not the 1e-16 of the other cells
    assert any('16 coarse cells' in w and '0.6' in w for w in feedback.warnings), feedback.warnings


# -- item 6: plain numbers -------------------------------------------------------------------------------------

def test_every_numeric_result_is_a_plain_python_number(arena):
    result, _ = succeeded('soilmoisture:downscale', scene_parameters(arena.paths, arena.out / 'sm.tif'))
    for name in ('CONSISTENCY_MAX_ERROR', 'LAPSE_RATE_K_PER_KM', 'ILLUMINATION_COEFFICIENT_K', 'N_INFEASIBLE_CELLS'):
        assert type(result[name]) in (int, float), (name, type(result[name]))
    result, _ = succeeded('soilmoisture:correctlst', {'LST': arena.paths['lst'], 'NDVI': arena.paths['ndvi'],
                                                       'DEM': arena.paths['dem'], 'OUTPUT': str(arena.out / 'c.tif')})
    for name in ('LAPSE_RATE_K_PER_KM', 'ILLUMINATION_COEFFICIENT_K', 'CORR_LST_STAR_COS_I'):
        assert type(result[name]) is float, (name, type(result[name]))


# -- item 7: in-situ CSV dialects ------------------------------------------------------------------------------

def import_csv(arena, path):
    return succeeded('soilmoisture:importinsitu', {'INPUT': [path], 'STATIONS': str(arena.out / 's.gpkg'),
                                                    'MEASUREMENTS': str(arena.out / 't.csv')})


def test_decimal_commas_are_read_and_said(arena):
    result, feedback = import_csv(arena, arena.paths['csv_decimal_comma'])
    assert result['N_RECORDS'] == 3
    assert any('decimal comma' in m for m in feedback.infos + feedback.warnings)


def test_ambiguous_day_month_dates_are_refused(arena):
    message = refused(arena, 'soilmoisture:importinsitu', {
        'INPUT': [arena.paths['csv_ambiguous_dates']], 'STATIONS': str(arena.out / 's.gpkg'),
        'MEASUREMENTS': str(arena.out / 't.csv')}, 'ambiguous', before_compute=False)
    assert '01/07/2010' in message and 'YYYY-MM-DD' in message


def test_day_first_dates_are_recognised_from_days_above_12(arena):
    result, feedback = import_csv(arena, arena.paths['csv_day_first'])
    with open(arena.out / 't.csv') as handle:
        dates = sorted(row['date'].replace('/', '-') for row in csv.DictReader(handle))   # QGIS writes 2010/07/03
    assert dates == ['2010-07-03', '2010-07-14', '2010-07-28']
    assert any('day/month' in m for m in feedback.infos + feedback.warnings)


def test_duplicate_and_conflicting_rows_are_reported(arena):
    result, feedback = import_csv(arena, arena.paths['csv_duplicates'])
    assert result['N_RECORDS'] == 4     # the exact duplicate is dropped, both conflicting rows are kept
    said = ' '.join(feedback.warnings)
    assert '1 duplicate' in said and '2010-07-01' in said
    assert '1 conflicting' in said and '2010-07-02' in said


def test_unreadable_and_empty_values_are_counted(arena):
    result, feedback = import_csv(arena, arena.paths['csv_unreadable'])
    assert result['N_RECORDS'] == 2
    said = ' '.join(feedback.warnings)
    assert '1 row' in said and "'wet'" in said and '1 empty' in said


# -- item 8: duplicate dates in a series -----------------------------------------------------------------------

def test_duplicate_dates_given_for_a_series_are_refused(arena):
    refused(arena, 'soilmoisture:downscaleseries', {
        'COARSE_SM': arena.paths['coarse_undated'], 'LST': arena.paths['lst_undated'], 'NDVI': arena.paths['ndvi'],
        'DEM': arena.paths['dem'], 'DATES': '2021-07-15, 2021-07-16, 2021-07-15', 'OUTPUT': str(arena.out / 's.tif')},
        '2021-07-15.*twice|twice.*2021-07-15', before_compute=False)


# -- item 10: sun, DEM coverage, units, disk -------------------------------------------------------------------

def test_a_sun_below_the_horizon_warns(arena):
    _, feedback = succeeded('soilmoisture:correctlst', {
        'LST': arena.paths['lst'], 'NDVI': arena.paths['ndvi'], 'DEM': arena.paths['dem'],
        'OVERPASS_SOLAR_TIME': 2.0, 'OUTPUT': str(arena.out / 'c.tif')})
    assert any('below the horizon' in w for w in feedback.warnings), feedback.warnings


def test_a_dem_covering_part_of_the_lst_warns_with_the_fraction(arena):
    _, feedback = succeeded('soilmoisture:downscale', scene_parameters(arena.paths, arena.out / 'sm.tif',
                                                                       DEM=arena.paths['dem_part']))
    assert any('35 %' in w and 'DEM' in w for w in feedback.warnings), feedback.warnings


def test_a_dem_beside_the_lst_is_refused(arena):
    refused(arena, 'soilmoisture:downscale', scene_parameters(arena.paths, arena.out / 'sm.tif',
                                                              DEM=arena.paths['dem_away']), 'DEM.*overlap',
            before_compute=False)


@pytest.mark.parametrize('layer, name, fix, wrong', [
    ('LST', 'lst_k100', r'0\.01', '0.02'),
    ('LST', 'lst_f', 'Fahrenheit', 'Celsius'),
    ('NDVI', 'ndvi_pct', 'divide.*100', '0.0001'),
    ('LST', 'random_bytes', 'kelvin', '0.02'),
])
def test_values_in_another_unit_get_the_right_advice(arena, layer, name, fix, wrong):
    message = refused(arena, 'soilmoisture:downscale', scene_parameters(arena.paths, arena.out / 'sm.tif',
                                                                        **{layer: arena.paths[name]}),
                      fix, before_compute=False)
    assert wrong not in message


def test_importmodis_checks_the_disk_before_a_huge_grid(arena):
    message = refused(arena, 'soilmoisture:importmodis', {'INPUT': [arena.paths['modis']], 'TARGET_RESOLUTION': 1.0,
                                                          'OUTPUT': str(arena.out / 'lst.tif')}, 'disk|GB',
                      before_compute=False)
    assert str(arena.out) in message


# -- through qgis_process.bin ----------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def qgis_profile(tmp_path_factory):
    """A throw-away QGIS profile with the plugin enabled (once for the module)."""
    profile = tmp_path_factory.mktemp('qgis_process_profile')
    plugins = profile / 'plugins'
    plugins.mkdir()
    (plugins / 'soil_moisture_downscaling').symlink_to(REPO)
    runtime = profile / 'runtime'
    runtime.mkdir(mode=0o700)    # else Qt makes one in TMPDIR
    env = dict(os.environ, HOME=str(profile), QGIS_CUSTOM_CONFIG_PATH=str(profile / 'config'),
               QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM='offscreen', XDG_RUNTIME_DIR=str(runtime))
    subprocess.run(['/usr/bin/qgis_process.bin', 'plugins', 'enable', 'soil_moisture_downscaling'], env=env,
                   check=True, capture_output=True, timeout=300)
    return env


def qgis_process(args, tmp_path, env, wait=True):
    """qgis_process.bin with ``args``, its temporary folder (TMPDIR) in tmp_path / 'process_tmp'."""
    temp = tmp_path / 'process_tmp'
    temp.mkdir(exist_ok=True)
    command = ['/usr/bin/qgis_process.bin'] + args
    env = dict(env, TMPDIR=str(temp))
    if not wait:
        return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def error_lines(completed):
    """The lines of stderr that come from the plugin (not Qt's or Python's start-up chatter, nor the
    heading qgis_process puts above a refusal of checkParameterValues, nor GDAL's own "ERROR 1: ..."
    lines, which QGIS 3.40 and later print when they read a damaged layer's pixels on loading it)."""
    noise = ('QStandardPaths', 'DeprecationWarning', 'setapi', 'An error was encountered while checking parameter')
    lines, previous = [], ''
    for line in completed.stderr.splitlines():
        # A Python warning takes two lines: "file:n: SomeWarning: text", then its source line, indented.
        chatter = (any(n in line for n in noise) or re.match(r'(GDAL )?ERROR \d+: ', line)
                   or ('Warning: ' in previous and line.startswith((' ', '\t'))))
        previous = line
        if line.strip() and not chatter:
            lines.append(line.replace('ERROR:', '').strip())
    return lines


@pytest.mark.slow
@pytest.mark.parametrize('case', ['output_is_input', 'under_a_file', 'truncated_input', 'read_only_folder',
                                  'insitu_table_is_input', 'unsupported_extension'])
def test_qgis_process_refuses_in_one_sentence_with_exit_status_1(inputs, qgis_profile, tmp_path, case, request):
    folder, paths = inputs
    out = tmp_path / 'out'
    out.mkdir()
    scene = ['COARSE_SM=' + paths['coarse'], 'LST=' + paths['lst'], 'NDVI=' + paths['ndvi'], 'DEM=' + paths['dem']]
    if case == 'output_is_input':
        args, expected = ['soilmoisture:downscale', '--'] + scene + ['OUTPUT=' + paths['lst']], 'same file'
    elif case == 'under_a_file':
        (out / 'afile').write_text('x')
        args, expected = ['soilmoisture:downscale', '--'] + scene + ['OUTPUT=' + str(out / 'afile' / 'o.tif')], 'afile'
    elif case == 'truncated_input':
        args = ['soilmoisture:downscale', '--', 'COARSE_SM=' + paths['coarse'], 'LST=' + paths['lst_truncated'],
                'NDVI=' + paths['ndvi'], 'DEM=' + paths['dem'], 'OUTPUT=' + str(out / 'o.tif')]
        expected = 'lst_truncated.tif'
    elif case == 'read_only_folder':
        target = request.getfixturevalue('read_only_folder')
        args = ['soilmoisture:downscaleseries', '--', 'COARSE_SM=' + paths['coarse_stack'], 'LST=' + paths['lst_stack'],
                'NDVI=' + paths['ndvi'], 'DEM=' + paths['dem'], 'OUTPUT_MODE=1', 'OUTPUT_FOLDER=' + str(target)]
        expected = str(target)
    elif case == 'insitu_table_is_input':
        args = ['soilmoisture:importinsitu', '--', 'INPUT=' + paths['insitu_csv'], 'STATIONS=' + str(out / 's.gpkg'),
                'MEASUREMENTS=' + paths['insitu_csv']]
        expected = 'same file'
    else:
        args, expected = ['soilmoisture:downscale', '--'] + scene + ['OUTPUT=' + str(out / 'o.png')], r'\.tif'
    before = fingerprint(folder)
    completed = qgis_process(['run'] + args, tmp_path, qgis_profile)
    assert completed.returncode == 1, completed.stdout[-2000:] + completed.stderr[-2000:]
    lines = error_lines(completed)
    assert lines, completed.stderr
    for line in lines:
        one_sentence(line)
    assert re.search(expected, completed.stderr), completed.stderr
    assert_unchanged({folder: before}, {folder: fingerprint(folder)})
    assert os.listdir(out) == (['afile'] if case == 'under_a_file' else [])
    assert os.listdir(tmp_path / 'process_tmp') == [] or all(
        name.startswith('processing_') for name in os.listdir(tmp_path / 'process_tmp'))


@pytest.mark.slow
def test_qgis_process_json_gives_every_number(inputs, qgis_profile, tmp_path):
    """Item 6: numpy floats came back as "" in --json."""
    folder, paths = inputs
    completed = qgis_process(['--json', 'run', 'soilmoisture:correctlst', '--', 'LST=' + paths['lst'],
                              'NDVI=' + paths['ndvi'], 'DEM=' + paths['dem'], 'OUTPUT=' + str(tmp_path / 'c.tif')],
                             tmp_path, qgis_profile)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)['results']
    for name in ('LAPSE_RATE_K_PER_KM', 'ILLUMINATION_COEFFICIENT_K', 'CORR_LST_STAR_COS_I'):
        assert isinstance(results[name], float), (name, results[name])
    completed = qgis_process(['--json', 'run', 'soilmoisture:downscale', '--', 'COARSE_SM=' + paths['coarse_wet'],
                              'LST=' + paths['lst'], 'NDVI=' + paths['ndvi'], 'DEM=' + paths['dem'],
                              'OUTPUT=' + str(tmp_path / 'sm.tif')], tmp_path, qgis_profile)
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)['results']
    for name in ('CONSISTENCY_MAX_ERROR', 'LAPSE_RATE_K_PER_KM', 'ILLUMINATION_COEFFICIENT_K'):
        assert isinstance(results[name], float), (name, results[name])
    assert results['N_INFEASIBLE_CELLS'] == 16


# -- killed runs (item 3) --------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def big_scene(tmp_path_factory):
    """2400 × 2400 px: big enough to be caught in the middle of its passes over the fine grid."""
    return write_scene(str(tmp_path_factory.mktemp('big_scene')), fields(seed=3, size=2400))


def start_big_run(big_scene, out, tmp_path, qgis_profile):
    return qgis_process(['run', 'soilmoisture:downscale', '--', 'COARSE_SM=' + big_scene['coarse'],
                         'LST=' + big_scene['lst'], 'NDVI=' + big_scene['ndvi'], 'DEM=' + big_scene['dem'],
                         'OUTPUT=' + str(out / 'sm.tif'), 'DIAGNOSTICS=' + str(out / 'diag.tif')],
                        tmp_path, qgis_profile, wait=False)


def owned(folder):
    """The scratch and staging folders of the plugin in ``folder``."""
    return sorted(name for name in os.listdir(folder) if name.startswith('.smd-'))


def wait_for_the_fine_passes(process, tmp_path):
    """Until the run's work folder holds its per-pixel store: the passes over the fine grid have begun."""
    import time
    deadline = time.time() + 300
    while time.time() < deadline:
        assert process.poll() is None, process.communicate()
        for name in owned(tmp_path / 'process_tmp'):
            if os.path.exists(tmp_path / 'process_tmp' / name / 'pixels.bin'):
                return
        time.sleep(0.05)
    process.kill()
    pytest.fail('the run never reached its fine passes')


@pytest.mark.slow
def test_sigterm_mid_run_removes_scratch_and_staged_outputs(big_scene, qgis_profile, tmp_path):
    import signal
    out = tmp_path / 'out'
    out.mkdir()
    process = start_big_run(big_scene, out, tmp_path, qgis_profile)
    wait_for_the_fine_passes(process, tmp_path)
    assert owned(out), 'the outputs are staged next to their place'
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=300)
    assert process.returncode == -signal.SIGTERM
    assert os.listdir(out) == []
    assert owned(tmp_path / 'process_tmp') == []


@pytest.mark.slow
def test_the_next_run_removes_what_a_sigkilled_run_left(big_scene, inputs, qgis_profile, tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    process = start_big_run(big_scene, out, tmp_path, qgis_profile)
    wait_for_the_fine_passes(process, tmp_path)
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -9
    left_in_tmp, left_in_out = owned(tmp_path / 'process_tmp'), owned(out)
    assert left_in_tmp and left_in_out, 'SIGKILL cannot be caught: the scratch stays until the next run'
    paths = inputs[1]
    completed = qgis_process(['run', 'soilmoisture:correctlst', '--', 'LST=' + paths['lst'], 'NDVI=' + paths['ndvi'],
                              'DEM=' + paths['dem'], 'OUTPUT=' + str(out / 'c.tif')], tmp_path, qgis_profile)
    assert completed.returncode == 0, completed.stderr
    assert owned(tmp_path / 'process_tmp') == [] and owned(out) == []
    assert sorted(n for n in os.listdir(out) if not n.endswith('.aux.xml')) == ['c.qml', 'c.tif']
