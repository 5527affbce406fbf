"""The one raster reader and writer of the plugin (GDAL only, no QGIS).

Rasters are read block by block as float64 arrays with NaN for nodata, and
written into a hidden staging folder next to the destination, moved into place
only once complete, so an output exists completely or not at all. The format is
the one the file extension names (GeoTIFF, Erdas Imagine, netCDF, ASCII grid).
"""
from __future__ import annotations

import contextlib
import math
import os
import threading
from collections import namedtuple
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from osgeo import gdal, osr

from .errors import InputError, OutputError
from .outputs_commit import OutputCommit, check_free_space, io_error_message, short_reason

gdal.UseExceptions()
osr.UseExceptions()

#: Nodata value written into every floating-point output.
OUTPUT_NODATA = -9999.0

#: Creation options of the final GeoTIFF outputs (tiled, losslessly compressed; band-interleaved so a
#: band written alone never touches the others).
GTIFF_OPTIONS = ('TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'INTERLEAVE=BAND', 'COMPRESS=DEFLATE',
                 'PREDICTOR=2', 'ZLEVEL=1', 'BIGTIFF=IF_SAFER', 'NUM_THREADS=2')
#: Creation options of scratch files that are read back and rewritten.
SCRATCH_OPTIONS = ('TILED=YES', 'BLOCKXSIZE=256', 'BLOCKYSIZE=256', 'INTERLEAVE=BAND', 'BIGTIFF=IF_SAFER')

Window = namedtuple('Window', 'xoff yoff xsize ysize')


def spatial_reference(wkt: str) -> osr.SpatialReference:
    """osr.SpatialReference from WKT with x = easting/longitude axis order."""
    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def crs_label(wkt: str) -> str:
    """A short name for a CRS in log lines, e.g. 'EPSG:32613'."""
    srs = spatial_reference(wkt)
    if srs.GetAuthorityCode(None) is None:
        try:
            srs.AutoIdentifyEPSG()
        except RuntimeError:
            pass
    code = srs.GetAuthorityCode(None)
    name = srs.GetAuthorityName(None)
    if code and name:
        return '{}:{}'.format(name, code)
    return srs.GetName() or 'custom CRS'


@dataclass(frozen=True)
class GridSpec:
    """A raster grid: size in pixels, GDAL geotransform and CRS (WKT)."""
    width: int
    height: int
    geotransform: tuple
    crs_wkt: str

    @property
    def pixel_width(self) -> float:
        return abs(self.geotransform[1])

    @property
    def pixel_height(self) -> float:
        return abs(self.geotransform[5])

    @property
    def n_pixels(self) -> int:
        return self.width * self.height

    @property
    def is_north_up(self) -> bool:
        gt = self.geotransform
        return gt[2] == 0 and gt[4] == 0 and gt[1] > 0 and gt[5] < 0

    @property
    def is_geographic(self) -> bool:
        return bool(spatial_reference(self.crs_wkt).IsGeographic())

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of a north-up grid."""
        gt = self.geotransform
        x0, x1 = gt[0], gt[0] + self.width * gt[1]
        y0, y1 = gt[3], gt[3] + self.height * gt[5]
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def srs(self) -> osr.SpatialReference:
        return spatial_reference(self.crs_wkt)

    def same_crs(self, other: GridSpec) -> bool:
        return bool(self.srs().IsSame(other.srs()))

    def same_grid(self, other: GridSpec, tolerance: float = 1e-6) -> bool:
        """True when both grids have the same CRS, size and pixel positions."""
        if (self.width, self.height) != (other.width, other.height) or not self.same_crs(other):
            return False
        scale = max(self.pixel_width, self.pixel_height)
        return all(abs(a - b) <= tolerance * scale for a, b in zip(self.geotransform, other.geotransform))

    def full_window(self) -> Window:
        return Window(0, 0, self.width, self.height)

    def window_for_bounds(self, bounds: Sequence[float]) -> Optional[Window]:
        """The window of pixels that intersect ``bounds`` (xmin, ymin, xmax, ymax in the grid's CRS),
        or None when they do not overlap; a point or a line still selects its pixel."""
        gt = self.geotransform
        xmin, ymin, xmax, ymax = bounds
        c0 = math.floor((xmin - gt[0]) / gt[1] + 1e-9)
        c1 = math.ceil((xmax - gt[0]) / gt[1] - 1e-9)
        r0 = math.floor((ymax - gt[3]) / gt[5] + 1e-9)
        r1 = math.ceil((ymin - gt[3]) / gt[5] - 1e-9)
        c1, r1 = max(c1, c0 + 1), max(r1, r0 + 1)
        c0, r0 = max(c0, 0), max(r0, 0)
        c1, r1 = min(c1, self.width), min(r1, self.height)
        if c1 <= c0 or r1 <= r0:
            return None
        return Window(c0, r0, c1 - c0, r1 - r0)

    def subgrid(self, window: Window) -> GridSpec:
        """The grid of a window of this grid."""
        gt = self.geotransform
        x = gt[0] + window.xoff * gt[1] + window.yoff * gt[2]
        y = gt[3] + window.xoff * gt[4] + window.yoff * gt[5]
        return GridSpec(window.xsize, window.ysize, (x, gt[1], gt[2], y, gt[4], gt[5]), self.crs_wkt)

    def pixel_centres(self, window: Window) -> Tuple[np.ndarray, np.ndarray]:
        """Map coordinates (x, y) of the pixel centres of a window, each (ysize, xsize)."""
        gt = self.geotransform
        cols = window.xoff + np.arange(window.xsize) + 0.5
        rows = window.yoff + np.arange(window.ysize) + 0.5
        c, r = np.meshgrid(cols, rows)
        return gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]

    def describe(self) -> str:
        unit = '°' if self.is_geographic else ' m'
        return '{} × {} px of {:.6g}{} in {}'.format(self.width, self.height, self.pixel_width, unit,
                                                     crs_label(self.crs_wkt))


@dataclass(frozen=True)
class RasterSource:
    """One band of a raster file (or any GDAL data source string).

    ``crs_wkt`` overrides the file's CRS, e.g. the CRS a user assigned to the
    layer in QGIS; ``name`` is used in messages.
    """
    path: str
    band: int = 1
    crs_wkt: Optional[str] = None
    name: str = 'raster'

    def open(self) -> gdal.Dataset:
        try:
            dataset = gdal.Open(str(self.path), gdal.GA_ReadOnly)
        except RuntimeError as error:
            raise damaged_file_error(self.path, error) or InputError('The {} raster {} cannot be opened ({}).'.format(
                self.name, self.path, short_reason(error)))
        if dataset is None:
            raise InputError('The {} raster cannot be opened: {}'.format(self.name, self.path))
        if not 1 <= self.band <= dataset.RasterCount:
            raise InputError('The {} raster has {} band(s); band {} does not exist.'.format(
                self.name, dataset.RasterCount, self.band))
        return dataset

    def grid(self) -> GridSpec:
        dataset = self.open()
        wkt = self.crs_wkt or dataset.GetProjection()
        if not wkt:
            raise InputError(
                'The {} raster ({}) has no coordinate reference system. Assign one to the layer '
                '(Layer Properties ▸ Source; EPSG:4326 for ESA CCI / C3S soil moisture files) '
                'or import it with "Import soil moisture product".'.format(self.name, self.path))
        gt = dataset.GetGeoTransform(can_return_null=True)
        if gt is None:
            raise InputError('The {} raster ({}) is not georeferenced: it has no geotransform.'.format(
                self.name, self.path))
        if gt[2] != 0 or gt[4] != 0:
            raise InputError('The {} raster is rotated; warp it to a north-up grid first '
                             '(Raster ▸ Projections ▸ Warp).'.format(self.name))
        return GridSpec(dataset.RasterXSize, dataset.RasterYSize, tuple(gt), wkt)

    def nodata(self) -> Optional[float]:
        dataset = self.open()  # keep the dataset alive while its band is used (GDAL frees it otherwise)
        return dataset.GetRasterBand(self.band).GetNoDataValue()


class RasterReader:
    """Reads windows of one band as float64 with NaN where the band has no data.

    Safe to share between threads: a GDAL dataset is not, so reads take turns.
    """

    def __init__(self, source: RasterSource, dataset: Optional[gdal.Dataset] = None):
        """``dataset``: the source's file already open, to share between the readers of its
        bands (one handle per band of a 365-band stack costs GDAL about 2 MB each, per band
        object of every handle); readers sharing a dataset must be used from one thread."""
        self.source = source
        self._lock = threading.Lock()
        self.dataset = dataset if dataset is not None else source.open()
        self.band = self.dataset.GetRasterBand(source.band)
        self.nodata = self.band.GetNoDataValue()
        self.scale = self.band.GetScale()
        self.offset = self.band.GetOffset()

    def read(self, window: Optional[Window] = None) -> np.ndarray:
        if window is None:
            window = Window(0, 0, self.dataset.RasterXSize, self.dataset.RasterYSize)
        with self._lock:
            try:
                raw = self.band.ReadAsArray(int(window.xoff), int(window.yoff), int(window.xsize), int(window.ysize))
            except RuntimeError as error:
                raise InputError(unreadable_message(self.source, error))
        values = raw.astype(np.float64)
        if self.nodata is not None and not math.isnan(self.nodata):
            values[values == self.nodata] = np.nan
        # Scale/offset stored in the file (e.g. packed NetCDF) give physical units.
        if self.scale not in (None, 1.0) or self.offset not in (None, 0.0):
            values = values * (self.scale or 1.0) + (self.offset or 0.0)
        return values

    def read_decimated(self, max_size: int) -> np.ndarray:
        """The whole band resampled (nearest) so that its longer side is at most max_size."""
        width, height = self.dataset.RasterXSize, self.dataset.RasterYSize
        factor = max(1.0, max(width, height) / float(max_size))
        buf_x, buf_y = max(1, int(round(width / factor))), max(1, int(round(height / factor)))
        try:
            values = self.band.ReadAsArray(0, 0, width, height, buf_xsize=buf_x, buf_ysize=buf_y).astype(np.float64)
        except RuntimeError as error:
            raise InputError(unreadable_message(self.source, error))
        if self.nodata is not None and not math.isnan(self.nodata):
            values[values == self.nodata] = np.nan
        if self.scale not in (None, 1.0) or self.offset not in (None, 0.0):
            values = values * (self.scale or 1.0) + (self.offset or 0.0)
        return values

    def close(self) -> None:
        self.band = None
        self.dataset = None


def unreadable_message(source: RasterSource, error: BaseException) -> str:
    """One sentence for a raster whose pixels cannot be read (e.g. a truncated download)."""
    return ('The {} raster {} cannot be read ({}): the file is damaged or incomplete; download or export it '
            'again.'.format(source.name, source.path, short_reason(error)))


#: First bytes of the containers the plugin reads: HDF4, HDF5 (netCDF-4), netCDF classic, TIFF and BigTIFF.
_SIGNATURES = ((b'\x0e\x03\x13\x01', 'HDF4'), (b'\x89HDF\r\n\x1a\n', 'HDF5 / netCDF-4'), (b'CDF\x01', 'netCDF'),
               (b'CDF\x02', 'netCDF'), (b'CDF\x05', 'netCDF'), (b'II*\x00', 'TIFF'), (b'MM\x00*', 'TIFF'),
               (b'II+\x00', 'BigTIFF'), (b'MM\x00+', 'BigTIFF'))


def damaged_file_error(path: str, error: BaseException) -> Optional[InputError]:
    """An InputError for a file GDAL cannot open although it starts like an HDF, netCDF or TIFF
    file (typically a download cut short); None when it does not start like one."""
    try:
        with open(str(path), 'rb') as handle:
            head = handle.read(8)
    except OSError:
        return None
    kind = next((name for signature, name in _SIGNATURES if head.startswith(signature)), None)
    if kind is None:
        return None
    return InputError('{} starts like a {} file but cannot be read ({}): it is damaged or incomplete, e.g. a download '
                      'cut short; download or export it again.'.format(path, kind, short_reason(error)))


def read_array(source: RasterSource, window: Optional[Window] = None) -> np.ndarray:
    """Convenience: one window (default: all) of a source as float64 with NaN nodata."""
    reader = RasterReader(source)
    try:
        return reader.read(window)
    finally:
        reader.close()


class gdal_cache_limit:
    """Context manager: GDAL's block cache counts against the memory budget (an eighth of it)."""

    def __init__(self, memory_mb: float):
        self.limit = int(max(16, float(memory_mb) / 8) * 1024 * 1024)

    def __enter__(self):
        self.previous = gdal.GetCacheMax()
        gdal.SetCacheMax(min(self.previous, self.limit))
        return self

    def __exit__(self, *exc):
        gdal.SetCacheMax(self.previous)
        return False


def row_windows(grid: GridSpec, bytes_per_pixel: float, memory_mb: float, row_multiple: int = 1) -> List[Window]:
    """Full-width row strips whose working set fits in memory_mb.

    bytes_per_pixel is the caller's estimate of the memory it needs per pixel
    of a block (all its temporary arrays together).
    """
    budget = max(1.0, float(memory_mb)) * 1024 * 1024
    rows = int(budget // max(1, bytes_per_pixel * grid.width))
    rows = max(1, min(grid.height, rows))
    if row_multiple > 1 and rows > row_multiple:
        rows -= rows % row_multiple
    return [Window(0, y, grid.width, min(rows, grid.height - y)) for y in range(0, grid.height, rows)]


#: Raster formats by file extension: (extension, GDAL driver, name, holds several bands). GeoTIFF
#: first: the default. Others are written as a GeoTIFF and copied at commit (block-wise writing
#: and reading back need GeoTIFF; netCDF and ASCII grid cannot be written block by block).
#: GDAL copies a multi-band raster into netCDF as one variable per band, which opens as
#: subdatasets with no band of its own (dates and band order lost): netCDF takes one band only.
RASTER_FORMATS = (('tif', 'GTiff', 'GeoTIFF', True), ('tiff', 'GTiff', 'GeoTIFF', True),
                  ('img', 'HFA', 'Erdas Imagine', True), ('nc', 'netCDF', 'netCDF, one band', False),
                  ('asc', 'AAIGrid', 'ASCII grid, one band', False))
#: Why some common raster extensions are refused.
_REFUSED = {
    'png': 'PNG holds 8- or 16-bit images, not soil moisture or temperature values',
    'jpg': 'JPEG holds lossy 8-bit images, not soil moisture or temperature values',
    'jpeg': 'JPEG holds lossy 8-bit images, not soil moisture or temperature values',
    'gpkg': 'a GeoPackage stores rasters as image tiles of one band and would round or refuse the values',
    'vrt': 'a VRT only points at other files and holds no values of its own',
}


def raster_output_extensions() -> List[str]:
    """Extensions of the raster formats the writer writes (GeoTIFF first)."""
    return [ext for ext, driver, _, _ in RASTER_FORMATS if gdal.GetDriverByName(driver) is not None]


def _supported_formats():
    names = ['.{} ({})'.format(ext, name) for ext, driver, name, _ in RASTER_FORMATS
             if ext != 'tiff' and gdal.GetDriverByName(driver) is not None]
    return ', '.join(names[:-1]) + ' or ' + names[-1] if len(names) > 1 else names[0]


def raster_output_driver(path: str, band_count: int = 1) -> str:
    """The GDAL driver for the extension of ``path``; OutputError (before anything is written)
    when that format cannot hold the output."""
    extension = os.path.splitext(str(path))[1].lower().lstrip('.')
    for ext, driver, name, several_bands in RASTER_FORMATS:
        if ext == extension and gdal.GetDriverByName(driver) is not None:
            if band_count > 1 and not several_bands:
                raise OutputError('Cannot write {}: the plugin writes one band into the {} format and this output has '
                                  '{}; write it as .tif or .img instead.'.format(path, name.split(',')[0], band_count))
            return driver
    reason = _REFUSED.get(extension, 'the extension .{} is not a raster format the plugin writes'.format(extension)
                          if extension else 'it has no extension')
    raise OutputError('Cannot write {}: {}; write {} instead.'.format(path, reason, _supported_formats()))


class RasterWriter:
    """Writes a raster block by block into a staging folder, then moves it into place.

    The extension of ``path`` chooses the format (:data:`RASTER_FORMATS`). Use as a context
    manager and call :meth:`commit` when every block is written; leaving the block without
    commit (an error or a cancel) deletes what was written, so no partial output is ever left
    at ``path``. With ``outputs`` (an :class:`OutputCommit` shared by the outputs of a run),
    :meth:`commit` only completes the file and the run's commit moves it into place.
    I/O errors raise :class:`OutputError` naming ``path``.
    """

    def __init__(self, path: Union[str, os.PathLike], grid: GridSpec, band_count: int = 1,
                 data_type: int = gdal.GDT_Float32,
                 nodata: Optional[float] = OUTPUT_NODATA, descriptions: Optional[Sequence[str]] = None,
                 metadata: Optional[Mapping[str, object]] = None, options: Sequence[str] = GTIFF_OPTIONS,
                 band_metadata: Optional[Sequence[Optional[Mapping[str, object]]]] = None,
                 outputs: Optional[OutputCommit] = None):
        self.path = str(path)
        self.grid = grid
        self.nodata = nodata
        self.committed = False
        self.dataset = None
        self.driver = raster_output_driver(self.path, band_count)
        self._outputs = outputs if outputs is not None else OutputCommit()
        self._own_outputs = outputs is None
        self.staged_path = self.partial_path = None
        with self._aborting():
            copies = self.driver != 'GTiff'
            check_free_space(self.path, grid.n_pixels * band_count * gdal.GetDataTypeSize(data_type) // 8
                             * (2 if copies else 1))
            self.staged_path = self._outputs.stage(self.path)
            self.partial_path = self.staged_path + '.scratch.tif' if copies else self.staged_path
            driver = gdal.GetDriverByName('GTiff')
            self.dataset = driver.Create(self.partial_path, grid.width, grid.height, band_count, data_type,
                                         options=list(options))
            self.dataset.SetGeoTransform(grid.geotransform)
            self.dataset.SetProjection(grid.crs_wkt)
            for index in range(1, band_count + 1):
                band = self.dataset.GetRasterBand(index)
                if nodata is not None:
                    band.SetNoDataValue(nodata)
                if descriptions:
                    band.SetDescription(descriptions[index - 1])
                if band_metadata and band_metadata[index - 1]:
                    band.SetMetadata({k: str(v) for k, v in band_metadata[index - 1].items()})
            if metadata:
                self.dataset.SetMetadata({k: str(v) for k, v in metadata.items()})

    @contextlib.contextmanager
    def _aborting(self):
        """On an error inside: remove what was written, and raise OutputError naming the output."""
        try:
            yield
        except OutputError:
            self.abort()
            raise
        except (RuntimeError, OSError) as error:
            self.abort()
            raise OutputError(io_error_message(error, self.path))

    def write(self, window: Window, values: np.ndarray, band: int = 1) -> None:
        """Write a (ysize, xsize) array; NaN becomes the nodata value."""
        values = np.asarray(values)
        if self.nodata is not None and values.dtype.kind == 'f':
            values = np.where(np.isnan(values), self.nodata, values)
        try:
            self.dataset.GetRasterBand(band).WriteArray(values, int(window.xoff), int(window.yoff))
        except RuntimeError as error:
            raise OutputError(io_error_message(error, self.path))

    def read(self, window: Window, band: int = 1) -> np.ndarray:
        """Read back a written window (float64, NaN for nodata), for multi-pass updates."""
        try:
            values = self.dataset.GetRasterBand(band).ReadAsArray(
                int(window.xoff), int(window.yoff), int(window.xsize), int(window.ysize)).astype(np.float64)
        except RuntimeError as error:
            raise OutputError(io_error_message(error, self.path))
        if self.nodata is not None:
            values[values == self.nodata] = np.nan
        return values

    def commit(self) -> str:
        """Complete the file (and move it into place unless a run's commit does that); returns ``path``."""
        with self._aborting():
            self.dataset.FlushCache()
            if self.partial_path != self.staged_path:
                copy = gdal.GetDriverByName(self.driver).CreateCopy(self.staged_path, self.dataset, strict=1)
                copy.FlushCache()
                copy = None
                self.dataset = None
                _remove_files(self.partial_path)
            self.dataset = None
            if self._own_outputs:
                self._outputs.commit()
        self.committed = True
        return self.path

    def abort(self) -> None:
        self.dataset = None
        if self._own_outputs:
            self._outputs.abort()
        else:
            _remove_files(self.partial_path, self.staged_path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.committed:
            self.abort()
        return False


def _remove_files(*paths):
    """Remove raster files and their GDAL sidecars, ignoring those that do not exist."""
    for path in paths:
        if path is None:
            continue
        for candidate in (path, path + '.aux.xml'):
            if os.path.exists(candidate):
                os.remove(candidate)


def write_array(path: str, grid: GridSpec, arrays: Union[np.ndarray, Sequence[np.ndarray]],
                nodata: Optional[float] = OUTPUT_NODATA, data_type: int = gdal.GDT_Float32,
                descriptions: Optional[Sequence[str]] = None, metadata: Optional[Mapping[str, object]] = None) -> str:
    """Write whole arrays (one per band) at once; for small rasters and test scenes."""
    if isinstance(arrays, np.ndarray) and arrays.ndim == 2:
        arrays = [arrays]
    with RasterWriter(path, grid, len(arrays), data_type, nodata, descriptions, metadata) as writer:
        for index, values in enumerate(arrays, start=1):
            writer.write(grid.full_window(), values, band=index)
        return writer.commit()


def update_metadata(path: str, items: Mapping[str, object], band_descriptions: Optional[Sequence[str]] = None) -> None:
    """Add dataset metadata ``items`` (and, given, band descriptions) to a finished raster, in place.

    Used to record where an output came from (e.g. the file of its diagnostics);
    the pixel values are not touched.
    """
    dataset = gdal.Open(str(path), gdal.GA_Update)
    try:
        for key, value in items.items():
            dataset.SetMetadataItem(str(key), str(value))
        for index, text in enumerate(band_descriptions or [], start=1):
            dataset.GetRasterBand(index).SetDescription(str(text))
        dataset.FlushCache()
    finally:
        dataset = None


#: netCDF keeps a dataset's GDAL metadata items as global attributes with this prefix.
_NETCDF_ITEM_PREFIX = 'NC_GLOBAL#GDAL_'


def dataset_metadata(path: str) -> Dict[str, str]:
    """The dataset metadata items of a raster file as written ({} when it cannot be read): in a netCDF
    output, whose items GDAL stores as ``NC_GLOBAL#GDAL_<item>``, under their own names as well."""
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError:
        return {}
    items = dict(dataset.GetMetadata() or {}) if dataset is not None else {}
    for key, value in list(items.items()):
        if key.startswith(_NETCDF_ITEM_PREFIX):
            items.setdefault(key[len(_NETCDF_ITEM_PREFIX):], value)
    return items
