"""A series on a Dask cluster gives the same maps, byte for byte, as the one-process run; a killed
worker and a stopped run change nothing but the time taken (issue 14)."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import distributed  # noqa: E402,F401  (python3-distributed: scripts/ensure_deps.sh)
from dask_localhost import LocalhostCluster  # noqa: E402
from helpers import read  # noqa: E402
from soil_moisture_downscaling.core.distributed import ClusterSpec  # noqa: E402
from soil_moisture_downscaling.core.errors import Cancelled  # noqa: E402
from soil_moisture_downscaling.core.downscaling import DownscaleOptions  # noqa: E402
from soil_moisture_downscaling.core.progress import Progress  # noqa: E402
from soil_moisture_downscaling.core.raster_io import RasterSource  # noqa: E402
from soil_moisture_downscaling.core.series import RESULT_ITEM, SeriesInputs, downscale_series  # noqa: E402

#: Dates of the fixture series used here: 12 dates over 44 days is too short for the annual cycle,
#: so the full 30 (116 days) are used and the series-wide cycle is shared by the tasks.
N_DATES = 30


def series_inputs(paths):
    return SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], RasterSource(paths['dem']))


def folder_bytes(folder):
    """{file name: bytes} of the date files of an output folder."""
    return {name: open(os.path.join(folder, name), 'rb').read() for name in sorted(os.listdir(folder))
            if name.endswith('.tif')}


def map_of(data):
    """A date file's map and its stored consistency error: pixels, grid and metadata with that error left
    out of the results item. The error is a float64 measure of cell means at ~1e-16 whose last bits follow
    the BLAS threads of the process (the kriging of the residual solves small systems; Dask workers run
    BLAS on one thread): the float32 map does not change with them, the measure does."""
    from osgeo import gdal
    name = '/vsimem/date_{}.tif'.format(id(data))
    gdal.FileFromMemBuffer(name, data)
    try:
        dataset = gdal.Open(name)
        metadata = dataset.GetMetadata()
        results = json.loads(metadata.pop(RESULT_ITEM))
        error = results.pop('consistency_max_error', None)
        band = dataset.GetRasterBand(1)
        described = (dataset.ReadAsArray().tobytes(), dataset.GetGeoTransform(), dataset.GetProjection(),
                     band.GetNoDataValue(), band.GetDescription(), metadata, results)
    finally:
        dataset = None
        gdal.Unlink(name)
    return described, error


def assert_same_maps(folder, reference):
    """The date files of ``folder`` hold the maps of ``reference`` ({name: bytes}) exactly."""
    found = folder_bytes(folder)
    assert sorted(found) == sorted(reference)
    for name in reference:
        (mine, my_error), (theirs, their_error) = map_of(found[name]), map_of(reference[name])
        assert mine == theirs, name
        assert abs(my_error - their_error) < 1e-12, name


def leftovers(folder):
    """Hidden or temporary files a run must not leave in its output folder."""
    return [name for name in os.listdir(folder) if name.startswith('.') or 'partial' in name or 'staged' in name]


@pytest.fixture(scope='module')
def one_process(series30, tmp_path_factory):
    """The one-process run (today's threaded run), one file per date: the reference bytes."""
    paths, dates = series30
    folder = str(tmp_path_factory.mktemp('one_process'))
    result = downscale_series(series_inputs(paths), folder, DownscaleOptions(), per_date_files=True)
    assert len(result.dates) == N_DATES and result.computed == dates
    return folder_bytes(folder)


@pytest.fixture
def localhost_cluster(tmp_path):
    cluster = LocalhostCluster(2, str(tmp_path))
    yield cluster
    cluster.close()


@pytest.mark.slow
def test_local_cluster_of_two_processes_gives_the_same_bytes(series30, one_process, tmp_path):
    paths, dates = series30
    folder = str(tmp_path / 'out')
    result = downscale_series(series_inputs(paths), folder, DownscaleOptions(), per_date_files=True,
                              cluster=ClusterSpec(workers=2))
    assert sorted(result.computed) == dates
    assert_same_maps(folder, one_process)
    assert not leftovers(folder)


@pytest.mark.slow
def test_scheduler_with_two_workers_gives_the_same_bytes_as_a_multiband_output(series30, one_process,
                                                                               localhost_cluster, tmp_path):
    paths, dates = series30
    output = str(tmp_path / 'series.tif')
    result = downscale_series(series_inputs(paths), output, DownscaleOptions(),
                              cluster=ClusterSpec(address=localhost_cluster.address))
    assert sorted(result.computed) == dates
    for band, day in enumerate(dates, start=1):
        reference = tmp_path / 'reference.tif'
        reference.write_bytes(one_process['soil_moisture_{}.tif'.format(day.isoformat())])
        assert read(output, band=band).tobytes() == read(reference).tobytes()
    assert not leftovers(str(tmp_path))


@pytest.mark.slow
def test_a_worker_killed_mid_run_changes_nothing(series30, one_process, localhost_cluster, tmp_path):
    paths, dates = series30
    folder = tmp_path / 'out'
    victim = localhost_cluster.workers[0]
    killed = []

    def kill_after_the_first_date(percent):
        # Progress moves as dates finish: kill a worker once one is done and many are still to run.
        if percent > 10.0 and not killed:
            victim.send_signal(signal.SIGKILL)
            killed.append(percent)
    result = downscale_series(series_inputs(paths), str(folder), DownscaleOptions(), per_date_files=True,
                              progress=Progress(kill_after_the_first_date),
                              cluster=ClusterSpec(address=localhost_cluster.address))
    assert killed and victim.wait(timeout=30) == -signal.SIGKILL
    # A date the killed worker had written before its result came back is found complete, not recomputed.
    assert sorted(result.computed + result.reused) == dates
    assert_same_maps(str(folder), one_process)
    assert not leftovers(str(folder))


@pytest.mark.slow
def test_a_stopped_run_resumes_without_recomputing_finished_dates(series30, one_process, tmp_path):
    paths, dates = series30
    output = str(tmp_path / 'series.tif')
    finished = []

    def log(message):
        if 'consistency' in message:
            finished.append(message)
    with pytest.raises(Cancelled):
        downscale_series(series_inputs(paths), output, DownscaleOptions(),
                         progress=Progress(None, lambda: len(finished) >= 7, log))
    assert not os.path.exists(output)
    parts = tmp_path / '.series.tif.parts'
    kept = {name: os.stat(str(parts / name)).st_mtime_ns for name in os.listdir(str(parts))
            if name.startswith('soil_moisture_')}
    assert len(kept) == 7
    time.sleep(0.05)   # a rewritten file would get a later modification time
    result = downscale_series(series_inputs(paths), output, DownscaleOptions())
    assert result.reused == dates[:7]
    assert result.computed == dates[7:]
    for band, day in enumerate(dates, start=1):
        reference = tmp_path / 'reference.tif'
        reference.write_bytes(one_process['soil_moisture_{}.tif'.format(day.isoformat())])
        assert read(output, band=band).tobytes() == read(reference).tobytes()
    assert not parts.exists()


@pytest.mark.slow
def test_changed_options_recompute_every_date(series30, tmp_path):
    """A file from other options is not "complete": the fingerprint in its metadata differs."""
    paths, dates = series30
    folder = str(tmp_path / 'out')
    first = downscale_series(series_inputs(paths), folder, DownscaleOptions(method=1), per_date_files=True)
    again = downscale_series(series_inputs(paths), folder, DownscaleOptions(method=1), per_date_files=True)
    other = downscale_series(series_inputs(paths), folder, DownscaleOptions(method=1, sm_max=0.5), per_date_files=True)
    assert first.computed == dates and again.reused == dates and other.computed == dates


@pytest.mark.slow
def test_series_algorithm_runs_on_a_scheduler_with_progress_and_cancel(qgis_app, series30, one_process,
                                                                        localhost_cluster, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback
    paths, dates = series30
    parameters = {'COARSE_SM': paths['coarse_sm'], 'LST': paths['lst'], 'NDVI': paths['ndvi'], 'DEM': paths['dem'],
                  'DASK_SCHEDULER': localhost_cluster.address}
    feedback = QgsProcessingFeedback()
    seen = []
    feedback.progressChanged.connect(seen.append)
    result = processing.run('soilmoisture:downscaleseries', dict(parameters, OUTPUT=str(tmp_path / 'series.tif')),
                            feedback=feedback)
    assert result['N_DATES'] == len(dates)
    assert len({round(value) for value in seen if 5 < value < 95}) > 10   # moves date by date
    for band, day in enumerate(dates, start=1):
        reference = tmp_path / 'reference.tif'
        reference.write_bytes(one_process['soil_moisture_{}.tif'.format(day.isoformat())])
        assert read(tmp_path / 'series.tif', band=band).tobytes() == read(reference).tobytes()

    stopping = QgsProcessingFeedback()
    stopping.progressChanged.connect(lambda value: value > 20 and stopping.cancel())
    with pytest.raises(QgsProcessingException, match='Cancelled'):
        processing.run('soilmoisture:downscaleseries', dict(parameters, OUTPUT=str(tmp_path / 'stopped.tif')),
                       feedback=stopping)
    assert not (tmp_path / 'stopped.tif').exists()
    from distributed import Client
    with Client(localhost_cluster.address, timeout=30) as client:
        deadline = time.time() + 30
        while client.processing() and any(client.processing().values()) and time.time() < deadline:
            time.sleep(0.2)
        assert not any(client.processing().values())   # the cancelled futures left the workers
    parts = tmp_path / '.stopped.tif.parts'
    assert 0 < len([n for n in os.listdir(str(parts)) if n.startswith('soil_moisture_')]) < len(dates)


def test_without_dask_the_series_runs_here_and_a_cluster_asks_for_the_package(series30, tmp_path):
    """Dask is imported only for a cluster: without it a plain run works and a cluster run says what to install."""
    paths, _ = series30
    from plugin_package import plugin_parent_dir
    code = (
        'import sys\n'
        'sys.modules["dask"] = sys.modules["distributed"] = None  # as if not installed\n'
        'from soil_moisture_downscaling.cli import main\n'
        'args = ["series", "--coarse-sm", {c!r}, "--lst", {l!r}, "--ndvi", {n!r}, "--method", "1", "--output", {o!r}]\n'
        'print(main(args), main(args[:-1] + [{o2!r}, "--workers", "2"]))\n').format(
            c=paths['coarse_sm'], l=paths['lst'], n=paths['ndvi'], o=str(tmp_path / 'a.tif'),
            o2=str(tmp_path / 'b.tif'))
    completed = subprocess.run([sys.executable, '-c', code], env=dict(os.environ, PYTHONPATH=plugin_parent_dir()),
                               cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert completed.stdout.split()[-2:] == ['0', '2'], completed.stderr
    assert 'pip install "soil_moisture_downscaling[dask]"' in completed.stderr
    assert (tmp_path / 'a.tif').exists() and not (tmp_path / 'b.tif').exists()
