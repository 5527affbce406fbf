"""Series: many dates in one call, gap filling in time, dated outputs, Temporal Controller."""
import os
from datetime import date

import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.core.dates import band_dates
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.downscaling import DownscaleOptions
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.series import SeriesInputs, downscale_series, match_dates, parse_date_list

def test_series_downscales_every_date_seamlessly_and_consistently(series30, tmp_path):
    paths, dates = series30
    inputs = SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], RasterSource(paths['dem']))
    result = downscale_series(inputs, str(tmp_path / 'series.tif'), DownscaleOptions())
    assert result.dates == dates and not result.skipped
    assert band_dates(tmp_path / 'series.tif') == dates
    assert any('annual LST cycle' in m for m in result.messages)
    assert result.consistency_max_error < 1e-4
    truth = read(paths['truth'], band=7)
    out = read(tmp_path / 'series.tif', band=7)
    lst = read(paths['lst'], band=7)
    assert np.isnan(lst).mean() > 0.15
    assert np.isfinite(out).all(), 'no holes under the clouds'
    error = out - truth
    print('\ndate 7 ubRMSE {:.4f} under clouds, {:.4f} clear'.format(np.std(error[np.isnan(lst)]),
                                                                    np.std(error[~np.isnan(lst)])))


def test_one_file_per_date(series30, tmp_path):
    paths, dates = series30
    inputs = SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], RasterSource(paths['dem']))
    short = DownscaleOptions(method=1)
    result = downscale_series(inputs, str(tmp_path / 'folder'), short, per_date_files=True)
    names = sorted(os.listdir(tmp_path / 'folder'))
    assert names == ['soil_moisture_{}.tif'.format(d.isoformat()) for d in dates]
    assert band_dates(result.outputs[3]) == [dates[3]]


def test_dates_that_do_not_match_are_refused():
    with pytest.raises(InputError, match='do not match'):
        match_dates([date(2021, 7, 1), date(2021, 7, 2)], [date(2021, 7, 1), date(2021, 7, 3)])
    with pytest.raises(InputError, match='no date in common'):
        match_dates([date(2021, 7, 1)], [date(2022, 7, 1)])
    with pytest.raises(InputError, match='YYYY-MM-DD'):
        parse_date_list('2021-07-01, 1st of July')


def test_series_without_dates_asks_for_them(tmp_path):
    from helpers import aligned_coarse_grid, fine_grid, write
    grid = fine_grid(40, 40)
    write(tmp_path / 'c.tif', aligned_coarse_grid(grid, 10), np.full((4, 4), 0.2))
    write(tmp_path / 'l.tif', grid, np.full((40, 40), 300.0))
    with pytest.raises(InputError, match='does not say the date'):
        downscale_series(SeriesInputs(str(tmp_path / 'c.tif'), str(tmp_path / 'l.tif')), str(tmp_path / 'o.tif'))


def test_series_algorithm_sets_temporal_properties_when_loaded(qgis_app, series30, tmp_path):
    import processing
    from qgis.core import Qgis, QgsProject
    import qgis.utils
    paths, dates = series30
    QgsProject.instance().removeAllMapLayers()
    # The user has a group of their own selected: QGIS 3.40 and later load results into it.
    root = QgsProject.instance().layerTreeRoot()
    user_group = root.addGroup('My layers')
    view = qgis.utils.iface.layerTreeView()
    view.setCurrentIndex(view.node2index(user_group))
    processing.runAndLoadResults('soilmoisture:downscaleseries', {
        'COARSE_SM': paths['coarse_sm'], 'LST': paths['lst'], 'NDVI': paths['ndvi'], 'DEM': paths['dem'],
        'METHOD': 5, 'OUTPUT': str(tmp_path / 'series.tif')})
    layers = [l for l in QgsProject.instance().mapLayers().values() if l.source() == str(tmp_path / 'series.tif')]
    assert len(layers) == len(dates)
    shown = {}
    for layer in layers:
        properties = layer.temporalProperties()
        assert properties.isActive()
        assert properties.mode() == Qgis.RasterTemporalMode.FixedTemporalRange
        begin = properties.fixedTemporalRange().begin().date()
        shown[date(begin.year(), begin.month(), begin.day())] = layer.renderer().usesBands()[0]
    assert shown == {day: band for band, day in enumerate(dates, start=1)}
    # Each date once in the layer tree, all in the series' group (no stray entry of the loaded layer).
    nodes = [node for node in root.findLayers() if node.layer().source() == str(tmp_path / 'series.tif')]
    assert len(nodes) == len(dates)
    [group] = {node.parent().name() for node in nodes}
    assert group.endswith('{} dates)'.format(len(dates)))
    QgsProject.instance().removeAllMapLayers()
    root.removeAllChildren()


def files_below(folder):
    return {os.path.join(root, name) for root, _, names in os.walk(folder) for name in names}


def test_a_temporary_series_output_is_not_kept_for_a_resume(qgis_app, series30):
    """A series written where Processing makes up a temporary file cannot be found by a later run: it is staged
    like any other output, so a cancelled run leaves none of its dates behind, and a finished one no parts."""
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback, QgsProcessingUtils
    paths, dates = series30
    parameters = {'COARSE_SM': paths['coarse_sm'], 'LST': paths['lst'], 'NDVI': paths['ndvi'], 'METHOD': 1,
                  'OUTPUT': 'TEMPORARY_OUTPUT'}
    temporary = QgsProcessingUtils.tempFolder()
    before = files_below(temporary)
    stopping = QgsProcessingFeedback()
    stopping.progressChanged.connect(lambda value: value > 30 and stopping.cancel())
    with pytest.raises(QgsProcessingException, match='Cancelled'):
        processing.run('soilmoisture:downscaleseries', parameters, feedback=stopping)
    assert files_below(temporary) == before
    result = processing.run('soilmoisture:downscaleseries', parameters)
    assert band_dates(result['OUTPUT']) == dates
    made = {path for path in files_below(temporary) - before if not path.endswith('.aux.xml')}   # QGIS's statistics
    assert made == {result['OUTPUT'], os.path.splitext(result['OUTPUT'])[0] + '.qml'}


def test_fill_lst_gaps_algorithm_single_date_and_stack(qgis_app, series30, tmp_path):
    import processing
    paths, dates = series30
    # A single date: spatial model.
    from osgeo import gdal
    gdal.Translate(str(tmp_path / 'one.tif'), paths['lst'], bandList=[5])
    single = processing.run('soilmoisture:filllstgaps', {
        'LST': str(tmp_path / 'one.tif'), 'NDVI': paths['ndvi'], 'DEM': paths['dem'],
        'ACQUISITION_DATE': dates[4].isoformat(), 'OUTPUT': str(tmp_path / 'one_filled.tif'),
        'FILLED_MASK': str(tmp_path / 'one_mask.tif')})
    before = read(tmp_path / 'one.tif')
    after = read(single['OUTPUT'])
    assert single['N_FILLED'] == np.isnan(before).sum() and single['N_MISSING'] == 0
    assert np.array_equal(after[~np.isnan(before)], before[~np.isnan(before)])
    assert np.array_equal(read(single['FILLED_MASK']) == 1, np.isnan(before))
    # The stack: the annual cycle.
    stack = processing.run('soilmoisture:filllstgaps', {'LST': paths['lst'], 'OUTPUT': str(tmp_path / 'all.tif')})
    filled = read(stack['OUTPUT'], band=12)
    assert np.isfinite(filled).all()
    assert band_dates(stack['OUTPUT']) == dates


def test_ndvi_stack_is_interpolated_in_time(tmp_path):
    from helpers import fine_grid
    from soil_moisture_downscaling.core.dates import stack_metadata
    from soil_moisture_downscaling.core.raster_io import RasterWriter
    from soil_moisture_downscaling.core.series import NdviInTime
    grid = fine_grid(30, 20)
    dates = [date(2021, 7, 1), date(2021, 7, 17)]
    metadata, band_metadata, descriptions = stack_metadata(dates)
    with RasterWriter(str(tmp_path / 'ndvi.tif'), grid, 2, descriptions=descriptions, metadata=metadata,
                      band_metadata=band_metadata) as writer:
        writer.write(grid.full_window(), np.full((20, 30), 0.2, np.float32), band=1)
        writer.write(grid.full_window(), np.full((20, 30), 0.6, np.float32), band=2)
        writer.commit()
    ndvi = NdviInTime(str(tmp_path / 'ndvi.tif'), None, str(tmp_path), 64)
    assert ndvi.source(date(2021, 7, 17)).band == 2
    np.testing.assert_allclose(read(ndvi.source(date(2021, 7, 5)).path), 0.2 + 0.4 * 4 / 16, atol=1e-6)
    np.testing.assert_allclose(read(ndvi.source(date(2021, 6, 1)).path, band=ndvi.source(date(2021, 6, 1)).band), 0.2)
    np.testing.assert_allclose(read(ndvi.source(date(2021, 9, 1)).path, band=ndvi.source(date(2021, 9, 1)).band), 0.6)


def test_dates_given_as_a_list_and_cancel(series30, tmp_path):
    from soil_moisture_downscaling.core.errors import Cancelled
    from soil_moisture_downscaling.core.progress import Progress
    paths, dates = series30
    inputs = SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], RasterSource(paths['dem']))
    shifted = [d.replace(year=2020) for d in dates]
    result = downscale_series(inputs, str(tmp_path / 'listed.tif'), DownscaleOptions(method=1), dates=shifted)
    assert band_dates(result.outputs[0]) == shifted
    with pytest.raises(InputError, match='one date per band'):
        downscale_series(inputs, str(tmp_path / 'x.tif'), DownscaleOptions(method=1), dates=shifted[:3])
    reports = []

    def cancel_after_a_few():
        return len(reports) > 15
    with pytest.raises(Cancelled):
        downscale_series(inputs, str(tmp_path / 'cancelled.tif'), DownscaleOptions(),
                         progress=Progress(reports.append, cancel_after_a_few))
    assert not (tmp_path / 'cancelled.tif').exists()
    assert not [p for p in os.listdir(tmp_path) if p.startswith('.smseries_') or 'partial' in p]


SIGTERMED_SERIES = '''
import sys
from soil_moisture_downscaling.core import scratch
from soil_moisture_downscaling.core.downscaling import DownscaleOptions
from soil_moisture_downscaling.core.progress import Progress
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.series import SeriesInputs, downscale_series
scratch.install_sigterm_cleanup()
inputs = SeriesInputs(sys.argv[1], sys.argv[2], sys.argv[3], RasterSource(sys.argv[4]))
downscale_series(inputs, sys.argv[5], DownscaleOptions(), per_date_files=True,
                 progress=Progress(None, None, lambda message: print(message, flush=True)))
'''


@pytest.mark.slow
def test_sigterm_mid_series_keeps_the_finished_dates_and_nothing_half_written(series30, tmp_path):
    """Issue 11 for a resumable series: SIGTERM while a date is written removes that date's staging folder and
    the run's scratch in the temporary folder; the finished dates stay, complete, and a new run keeps them."""
    import signal
    import subprocess
    import sys
    import time

    from plugin_package import plugin_parent_dir

    from soil_moisture_downscaling.core.raster_io import dataset_metadata
    from soil_moisture_downscaling.core.series import FINGERPRINT_ITEM, date_result

    def task_fingerprint(path):
        return dataset_metadata(path).get(FINGERPRINT_ITEM)
    paths, dates = series30
    out, temp = tmp_path / 'out', tmp_path / 'tmp'
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, '-c', SIGTERMED_SERIES, paths['coarse_sm'], paths['lst'], paths['ndvi'], paths['dem'],
         str(out)], env=dict(os.environ, PYTHONPATH=plugin_parent_dir(), TMPDIR=str(temp)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finished = 0
    for line in process.stdout:
        finished += 'consistency' in line
        if finished == 3:
            break
    deadline = time.time() + 120
    while not [n for n in os.listdir(str(out)) if n.startswith('.smd-date-')] and time.time() < deadline:
        time.sleep(0.01)     # the fourth date is being written
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGTERM
    kept = sorted(n for n in os.listdir(str(out)) if not n.startswith('.'))
    assert len(kept) >= 3 and kept == ['soil_moisture_{}.tif'.format(d.isoformat()) for d in dates[:len(kept)]]
    assert [n for n in os.listdir(str(out)) if n.startswith('.')] == [
        n for n in os.listdir(str(out)) if n.startswith('.annual_cycle-')], 'only the cycle, kept for the resume'
    assert [n for n in os.listdir(str(temp)) if n.startswith('.smd-')] == []
    inputs = SeriesInputs(paths['coarse_sm'], paths['lst'], paths['ndvi'], RasterSource(paths['dem']))
    result = downscale_series(inputs, str(out), DownscaleOptions(), per_date_files=True)
    assert result.reused == dates[:len(kept)] and result.computed == dates[len(kept):]
    assert all(date_result(path, task_fingerprint(path)) for path in result.outputs)   # complete, with results
    assert sorted(os.listdir(str(out))) == ['soil_moisture_{}.tif'.format(d.isoformat()) for d in dates]


def test_assembly_checks_each_band_against_what_its_date_wrote(tmp_path):
    """A date file that no longer holds what its run wrote (e.g. replaced while the series was
    assembled) stops the run with a message; it never becomes a silently empty band."""
    from osgeo import osr
    from soil_moisture_downscaling.core.outputs_commit import OutputCommit
    from soil_moisture_downscaling.core.progress import Progress
    from soil_moisture_downscaling.core.raster_io import GridSpec, write_array
    from soil_moisture_downscaling.core.series import _assemble
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32613)
    grid = GridSpec(40, 30, (500000.0, 1000.0, 0.0, 4400000.0, 0.0, -1000.0), utm.ExportToWkt())
    days = [date(2021, 7, 15), date(2021, 7, 16)]
    values = np.full((30, 40), 0.2, np.float32)
    empty = np.full((30, 40), np.nan, np.float32)
    paths = [str(tmp_path / 'a.tif'), str(tmp_path / 'b.tif')]
    write_array(paths[0], grid, values, nodata=float('nan'))
    write_array(paths[1], grid, empty, nodata=float('nan'))   # its run wrote 1200 values
    with pytest.raises(InputError, match='2021-07-16 holds 0 values where its run wrote 1200'):
        with OutputCommit() as commit:
            _assemble(paths, days, grid, str(tmp_path / 'series.tif'), False, 256.0, Progress(), commit, {},
                      [1200, 1200])
    assert not (tmp_path / 'series.tif').exists()
    write_array(paths[1], grid, values, nodata=float('nan'))
    with OutputCommit() as commit:
        _assemble(paths, days, grid, str(tmp_path / 'series.tif'), False, 256.0, Progress(), commit, {},
                  [1200, 1200])
        commit.commit()
    assert np.isfinite(read(tmp_path / 'series.tif', band=2)).sum() == 1200
