"""Outputs are written completely or not at all, in the format their extension names, and
scratch never outlives its run (issue 11, items 2, 3, 5 and 9), at the core level."""
import errno
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import fine_grid, read
from osgeo import gdal

from soil_moisture_downscaling.core import scratch
from soil_moisture_downscaling.core.errors import OutputError
from soil_moisture_downscaling.core.outputs_commit import OutputCommit, io_error_message
from soil_moisture_downscaling.core.raster_io import (RasterWriter, raster_output_extensions, write_array)


def leftovers(folder):
    """Everything under ``folder`` (relative paths), hidden files included."""
    found = []
    for root, dirs, files in os.walk(folder):
        found += [os.path.relpath(os.path.join(root, name), folder) for name in dirs + files]
    return sorted(found)


def dead_pid():
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, '-c', 'pass'])
    child.wait()
    return child.pid


# -- the transaction --------------------------------------------------------------------------------------------

def test_outputs_in_two_folders_appear_together_at_commit(tmp_path):
    (tmp_path / 'a').mkdir()
    outputs = OutputCommit()
    first = outputs.stage(str(tmp_path / 'a' / 'map.tif'))
    second = outputs.stage(str(tmp_path / 'b' / 'c' / 'report.html'))
    for path, text in ((first, 'raster'), (first[:-4] + '.qml', 'style'), (second, 'page')):
        with open(path, 'w') as handle:
            handle.write(text)
    # Nothing is visible under its final name before the commit.
    assert not (tmp_path / 'a' / 'map.tif').exists() and not (tmp_path / 'b' / 'c' / 'report.html').exists()
    outputs.commit()
    assert (tmp_path / 'a' / 'map.tif').read_text() == 'raster'
    assert (tmp_path / 'a' / 'map.qml').read_text() == 'style'
    assert (tmp_path / 'b' / 'c' / 'report.html').read_text() == 'page'
    assert leftovers(tmp_path) == ['a', 'a/map.qml', 'a/map.tif', 'b', 'b/c', 'b/c/report.html']


def test_abort_removes_every_staged_file_and_the_folders_it_made(tmp_path):
    (tmp_path / 'keep.txt').write_text('user file')
    outputs = OutputCommit()
    for path in (outputs.stage(str(tmp_path / 'map.tif')), outputs.stage(str(tmp_path / 'new' / 'deeper' / 'r.html'))):
        with open(path, 'w') as handle:
            handle.write('x')
    outputs.abort()
    assert leftovers(tmp_path) == ['keep.txt']


def test_a_commit_that_fails_half_way_restores_the_previous_files(tmp_path, monkeypatch):
    (tmp_path / 'one.tif').write_text('old one')
    (tmp_path / 'two.tif').write_text('old two')
    outputs = OutputCommit()
    for name in ('one.tif', 'two.tif'):
        with open(outputs.stage(str(tmp_path / name)), 'w') as handle:
            handle.write('new')
    real_replace = os.replace

    def failing_replace(source, target):
        # The new two.tif cannot be moved into place (e.g. the disk filled up meanwhile).
        staged = os.path.basename(os.path.dirname(str(source))).startswith('.smd-partial-')
        if staged and os.path.basename(str(target)) == 'two.tif':
            raise OSError(errno.ENOSPC, 'No space left on device', str(target))
        return real_replace(source, target)
    monkeypatch.setattr(os, 'replace', failing_replace)
    with pytest.raises(OutputError, match='two.tif'):
        outputs.commit()
    monkeypatch.setattr(os, 'replace', real_replace)
    assert (tmp_path / 'one.tif').read_text() == 'old one'
    assert (tmp_path / 'two.tif').read_text() == 'old two'
    assert leftovers(tmp_path) == ['one.tif', 'two.tif']


def test_io_errors_become_one_sentence_naming_the_file_and_the_fix(tmp_path):
    path = str(tmp_path / 'out.tif')
    for number, fix in ((errno.ENOSPC, 'free some space'), (errno.EACCES, 'folder you can write to'),
                        (errno.EROFS, 'writable'), (errno.ENOTDIR, 'not a folder'), (errno.EISDIR, 'file name')):
        message = io_error_message(OSError(number, os.strerror(number), path))
        assert path in message and fix in message
        assert message.endswith('.') and '\n' not in message and message.count('. ') == 0


# -- the raster writer ------------------------------------------------------------------------------------------

def test_a_stale_aux_xml_does_not_survive_an_overwrite(tmp_path):
    """Item 9: QGIS shows the statistics stored in <output>.aux.xml."""
    grid = fine_grid(20, 10)
    path = tmp_path / 'sm.tif'
    write_array(str(path), grid, np.full((10, 20), 0.1))
    (tmp_path / 'sm.tif.aux.xml').write_text(
        '<PAMDataset><PAMRasterBand band="1"><Metadata><MDI key="STATISTICS_MEAN">0.1</MDI></Metadata>'
        '</PAMRasterBand></PAMDataset>')
    (tmp_path / 'sm.tif.ovr').write_bytes(b'old overviews')
    write_array(str(path), grid, np.full((10, 20), 0.3))
    assert not (tmp_path / 'sm.tif.aux.xml').exists() and not (tmp_path / 'sm.tif.ovr').exists()
    dataset = gdal.Open(str(path))
    assert dataset.GetRasterBand(1).ComputeRasterMinMax(False) == pytest.approx((0.3, 0.3))
    dataset = None


@pytest.mark.parametrize('extension, driver', [('tif', 'GTiff'), ('tiff', 'GTiff'), ('img', 'HFA'), ('nc', 'netCDF'),
                                               ('asc', 'AAIGrid')])
def test_the_extension_chooses_the_format(tmp_path, extension, driver):
    """Item 5: each extension gives its own format, with the same values and grid."""
    grid = fine_grid(30, 20, pixel=500.0)
    values = np.linspace(0.05, 0.45, 600).reshape(20, 30)
    values[3, 4] = np.nan
    path = str(tmp_path / 'sm.{}'.format(extension))
    write_array(path, grid, values)
    dataset = gdal.Open(path)
    assert dataset.GetDriver().ShortName == driver
    assert dataset.GetGeoTransform() == pytest.approx(grid.geotransform)
    dataset = None
    back = read(path)
    assert np.isnan(back[3, 4])
    assert np.allclose(back[np.isfinite(values)], values[np.isfinite(values)], atol=1e-6)
    assert [name for name in os.listdir(tmp_path) if name.startswith('.')] == []


def test_multi_band_outputs_go_to_formats_that_hold_bands(tmp_path):
    grid = fine_grid(10, 10)
    arrays = [np.full((10, 10), 0.1), np.full((10, 10), 0.2)]
    write_array(str(tmp_path / 'two.img'), grid, arrays)
    assert gdal.Open(str(tmp_path / 'two.img')).RasterCount == 2
    for refused in ('two.asc', 'two.nc'):
        with pytest.raises(OutputError, match=r'one band.*\.tif'):
            write_array(str(tmp_path / refused), grid, arrays)
    assert [name for name in os.listdir(tmp_path) if not name.startswith('two.img')] == []


@pytest.mark.parametrize('name', ['sm.png', 'sm.gpkg', 'sm.vrt', 'sm.jpg', 'sm.xyz', 'sm'])
def test_formats_that_cannot_hold_the_output_are_refused_with_the_supported_list(tmp_path, name):
    with pytest.raises(OutputError) as refused:
        write_array(str(tmp_path / name), fine_grid(10, 10), np.full((10, 10), 0.2))
    message = str(refused.value)
    for extension in ('.tif', '.img', '.nc', '.asc'):
        assert extension in message
    assert '\n' not in message
    assert os.listdir(tmp_path) == []


def test_supported_extensions_start_with_geotiff():
    assert raster_output_extensions()[0] == 'tif'
    assert set(raster_output_extensions()) == {'tif', 'tiff', 'img', 'nc', 'asc'}


def test_a_write_error_names_the_output_and_leaves_nothing(tmp_path, monkeypatch):
    grid = fine_grid(40, 40)
    writer = RasterWriter(str(tmp_path / 'sm.tif'), grid)

    def broken(*args, **kwargs):
        raise RuntimeError('TIFFAppendToStrip:Write error at scanline 0: No space left on device')
    monkeypatch.setattr(writer.dataset.GetRasterBand(1).__class__, 'WriteArray', broken)
    with pytest.raises(OutputError) as failed:
        with writer:
            writer.write(grid.full_window(), np.zeros((40, 40)))
            writer.commit()
    assert str(tmp_path / 'sm.tif') in str(failed.value) and 'free some space' in str(failed.value)
    assert os.listdir(tmp_path) == []


def test_an_output_larger_than_the_free_disk_is_refused_before_writing(tmp_path):
    """Item 10: a grid of 400000 × 400000 px needs 640 GB as Float32."""
    huge = fine_grid(400000, 400000, pixel=1.0)
    with pytest.raises(OutputError, match='GB'):
        RasterWriter(str(tmp_path / 'huge.tif'), huge, options=('TILED=YES', 'SPARSE_OK=TRUE'))
    assert os.listdir(tmp_path) == []


# -- scratch --------------------------------------------------------------------------------------------------

def test_work_folders_carry_the_owner_and_stale_ones_are_removed(tmp_path):
    mine = scratch.work_folder('test', str(tmp_path))
    assert str(os.getpid()) in os.path.basename(mine)
    parent_pid = os.getppid()
    host = os.path.basename(mine).split('-')[2:-2]
    stale = tmp_path / '.smd-downscale-{}-{}-0123abcd'.format('-'.join(host), dead_pid())
    alive = tmp_path / '.smd-downscale-{}-{}-4567abcd'.format('-'.join(host), parent_pid)
    other_host = tmp_path / '.smd-downscale-otherhost-{}-89abcdef'.format(dead_pid())
    for folder in (stale, alive, other_host):
        folder.mkdir()
        (folder / 'pixels.bin').write_bytes(b'x' * 100)
    removed = scratch.remove_stale(str(tmp_path))
    assert removed == [str(stale)]
    assert os.path.isdir(mine) and alive.is_dir() and other_host.is_dir()


def test_staging_cleans_stale_staging_folders_of_dead_runs(tmp_path):
    host = os.path.basename(scratch.owned_name('x')).split('-')[2:-2]
    stale = tmp_path / '.smd-partial-{}-{}-0123abcd'.format('-'.join(host), dead_pid())
    stale.mkdir()
    (stale / 'sm.tif').write_bytes(b'half a raster')
    outputs = OutputCommit()
    outputs.stage(str(tmp_path / 'sm.tif'))
    assert not stale.exists()
    outputs.abort()
    assert os.listdir(tmp_path) == []
