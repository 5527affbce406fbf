"""Terrain factors from a DEM: slope, aspect, sun position and illumination (METHOD.md §2)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Optional, Protocol, Sequence, Tuple, Union

import numpy as np

from .alignment import EARTH_RADIUS_M, GridMapper, align_to_grid, choose_resampling, grid_outline
from .errors import InputError
from .raster_io import SCRATCH_OPTIONS, GridSpec, RasterReader, RasterSource, RasterWriter, Window, row_windows

if TYPE_CHECKING:
    from .progress import Progress

_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
              'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]')


def solar_position(day_of_year: Union[float, np.ndarray], solar_hour: Union[float, np.ndarray],
                   latitude_deg: Union[float, np.ndarray]) -> Tuple[Union[float, np.ndarray], Union[float, np.ndarray]]:
    """Sun zenith and azimuth (degrees; azimuth clockwise from north) from the NOAA equations.

    ``solar_hour`` is local solar time in hours (MODIS Day_view_time; Terra's
    day overpass is about 10.5), so longitude and the equation of time are not needed.
    Arrays broadcast.
    """
    gamma = 2.0 * np.pi / 365.0 * (np.asarray(day_of_year, dtype=float) - 1.0 + (np.asarray(solar_hour) - 12.0) / 24.0)
    declination = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
                   - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
                   - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    hour_angle = np.radians(15.0 * (np.asarray(solar_hour, dtype=float) - 12.0))
    latitude = np.radians(latitude_deg)
    cos_zenith = (np.sin(latitude) * np.sin(declination)
                  + np.cos(latitude) * np.cos(declination) * np.cos(hour_angle))
    zenith = np.degrees(np.arccos(np.clip(cos_zenith, -1.0, 1.0)))
    azimuth = np.degrees(np.arctan2(-np.sin(hour_angle),
                                    np.tan(declination) * np.cos(latitude) - np.sin(latitude) * np.cos(hour_angle)))
    return zenith, np.mod(azimuth, 360.0)


@dataclass(frozen=True)
class SunGeometry:
    """The sun at the LST overpass: fixed angles, or a date and local solar time."""
    zenith_deg: Optional[float] = None
    azimuth_deg: Optional[float] = None
    acquisition_date: Optional[date] = None
    solar_hour: float = 10.5

    @property
    def fixed(self) -> bool:
        return self.zenith_deg is not None and self.azimuth_deg is not None

    def validate(self) -> None:
        if (self.zenith_deg is None) != (self.azimuth_deg is None):
            raise InputError('Give both the sun zenith and the sun azimuth, or neither '
                             '(then the acquisition date and overpass time are used).')
        if self.fixed:
            if not 0.0 <= self.zenith_deg < 90.0:
                raise InputError('The sun zenith angle must be between 0 and 90 degrees (got {}).'.format(
                    self.zenith_deg))
            return
        if self.acquisition_date is None:
            raise InputError('The terrain correction needs the sun position: give the sun zenith and azimuth '
                             '(degrees), or the acquisition date (and the overpass local solar time).')
        if not 0.0 <= self.solar_hour <= 24.0:
            raise InputError('The overpass local solar time must be between 0 and 24 hours (got {}).'.format(
                self.solar_hour))

    def angles(self, latitude_deg: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(zenith, azimuth) in radians for an array of latitudes."""
        if self.fixed:
            shape = np.shape(latitude_deg)
            return (np.full(shape, math.radians(self.zenith_deg)), np.full(shape, math.radians(self.azimuth_deg)))
        day = self.acquisition_date.timetuple().tm_yday
        zenith, azimuth = solar_position(day, self.solar_hour, latitude_deg)
        return np.radians(zenith), np.radians(azimuth)

    def describe(self) -> str:
        if self.fixed:
            return 'sun zenith {:.2f}°, azimuth {:.2f}°'.format(self.zenith_deg, self.azimuth_deg)
        return 'sun position on {} at {:.2f} h local solar time'.format(self.acquisition_date.isoformat(),
                                                                          self.solar_hour)


def horn_gradients(padded_elevation: np.ndarray, dx: Union[float, np.ndarray], dy: float
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """Horn's 3×3 elevation gradients (dz/d east, dz/d north) of the interior of a padded array."""
    z = padded_elevation
    dx = np.asarray(dx, dtype=float)
    if dx.ndim == 1:
        dx = dx[:, None]
    east = ((z[:-2, 2:] + 2 * z[1:-1, 2:] + z[2:, 2:]) - (z[:-2, :-2] + 2 * z[1:-1, :-2] + z[2:, :-2])) / (8.0 * dx)
    north = ((z[:-2, :-2] + 2 * z[:-2, 1:-1] + z[:-2, 2:]) - (z[2:, :-2] + 2 * z[2:, 1:-1] + z[2:, 2:])) / (8.0 * dy)
    return east, north


def one_sided_gradients(padded_elevation: np.ndarray, dx: Union[float, np.ndarray], dy: float, pixels: np.ndarray
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Gradients (dz/d east, dz/d north) at ``pixels`` (flat indices into the interior) of a padded
    array whose 3×3 window has nodata: Horn's weighted mean (1, 2, 1) over the window's rows (for
    east) or columns (for north) of each one's difference, central where both neighbours are valid,
    one-sided from the centre of that row or column where one is, the row or column left out where
    neither is; 0 (flat) in a direction without any difference. With a full window this is Horn's
    kernel (:func:`horn_gradients`)."""
    z = padded_elevation
    rows, cols = np.unravel_index(pixels, (z.shape[0] - 2, z.shape[1] - 2))
    dx = np.broadcast_to(np.asarray(dx, dtype=float).reshape(-1, 1) if np.ndim(dx) else np.asarray(dx, dtype=float),
                         (z.shape[0] - 2, z.shape[1] - 2))[rows, cols]

    def weighted(lines, step):
        """Σ w·difference / Σ w over the three lines through the pixel (offsets −1, 0, 1 across)."""
        total = np.zeros(rows.size)
        weight = np.zeros(rows.size)
        for across, w in ((-1, 1.0), (0, 2.0), (1, 1.0)):
            before, centre, after = lines(across)
            ok_b, ok_c, ok_a = np.isfinite(before), np.isfinite(centre), np.isfinite(after)
            difference = np.where(ok_b & ok_a, (after - before) / (2.0 * step),
                                  np.where(ok_a & ok_c, (after - centre) / step,
                                           np.where(ok_b & ok_c, (centre - before) / step, np.nan)))
            used = np.isfinite(difference)
            total += np.where(used, w * difference, 0.0)
            weight += np.where(used, w, 0.0)
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(weight > 0, total / weight, 0.0)

    # Interior pixel (r, c) is z[r + 1, c + 1]; rows run north to south.
    east = weighted(lambda a: (z[rows + 1 + a, cols], z[rows + 1 + a, cols + 1], z[rows + 1 + a, cols + 2]), dx)
    north = weighted(lambda a: (z[rows + 2, cols + 1 + a], z[rows + 1, cols + 1 + a], z[rows, cols + 1 + a]), dy)
    return east, north


def partial_windows(padded_elevation: np.ndarray) -> np.ndarray:
    """Interior pixels with an elevation whose 3×3 window holds nodata (bool)."""
    z = np.isfinite(padded_elevation)
    full = np.ones((z.shape[0] - 2, z.shape[1] - 2), dtype=bool)
    for dr in range(3):
        for dc in range(3):
            full &= z[dr:dr + full.shape[0], dc:dc + full.shape[1]]
    return z[1:-1, 1:-1] & ~full


def illumination_from_gradients(dz_east: np.ndarray, dz_north: np.ndarray, sun_east: Union[float, np.ndarray],
                                sun_north: Union[float, np.ndarray], sun_up: Union[float, np.ndarray]) -> np.ndarray:
    """cos i as the dot product of the unit surface normal (−∂z/∂x, −∂z/∂y, 1)/‖·‖ and the
    unit sun vector (sin θz sin φ, sin θz cos φ, cos θz): the same value as
    :func:`illumination`, without slope and aspect angles (no trigonometry per pixel)."""
    return (sun_up - dz_east * sun_east - dz_north * sun_north) / np.sqrt(1.0 + dz_east ** 2 + dz_north ** 2)


class _DemWindowReader:
    """Reads DEM windows with a one-pixel halo (edges replicated) and their latitudes."""

    def __init__(self, source, grid, sun):
        self.reader = RasterReader(source)
        self.grid = grid
        self.sun = sun
        self.latitudes = None if (sun is None or (sun.fixed and not grid.is_geographic)) else \
            GridMapper(grid, _WGS84_WKT)
        self._sun_table = None

    def read(self, window):
        y0 = max(0, window.yoff - 1)
        y1 = min(self.grid.height, window.yoff + window.ysize + 1)
        x0 = max(0, window.xoff - 1)
        x1 = min(self.grid.width, window.xoff + window.xsize + 1)
        z = self.reader.read(Window(x0, y0, x1 - x0, y1 - y0))
        # Replicate the edge where the halo falls outside the raster.
        pad_rows = (1 - (window.yoff - y0), window.yoff + window.ysize + 1 - y1)
        pad_cols = (1 - (window.xoff - x0), window.xoff + window.xsize + 1 - x1)
        return np.pad(z, (pad_rows, pad_cols), mode='edge')

    def terrain(self, window, latitude=None):
        """(elevation, cos i, cos θz) of a window; ``latitude`` (degrees, per pixel) when the
        caller already has it."""
        padded = self.read(window)
        gt = self.grid.geotransform
        lat = None
        if self.latitudes is not None:
            lat = (self.latitudes.coords(window)[1] if latitude is None
                   else np.reshape(latitude, padded[1:-1, 1:-1].shape))
        if self.grid.is_geographic:
            rows = window.yoff + np.arange(window.ysize) + 0.5
            lat_rows = np.radians(gt[3] + rows * gt[5])
            dx = EARTH_RADIUS_M * np.cos(lat_rows) * math.radians(abs(gt[1]))
            dy = EARTH_RADIUS_M * math.radians(abs(gt[5]))
        else:
            unit = self.grid.srs().GetLinearUnits() or 1.0
            dx, dy = abs(gt[1]) * unit, abs(gt[5]) * unit
        dz_east, dz_north = horn_gradients(padded, dx, dy)
        # Pixels whose window touches nodata (coasts, the edge of the DEM's data): one-sided slopes.
        partial = np.flatnonzero(partial_windows(padded))
        if partial.size:
            dz_east.ravel()[partial], dz_north.ravel()[partial] = one_sided_gradients(padded, dx, dy, partial)
        if lat is None:
            lat = np.zeros(dz_east.shape)
        sun_east, sun_north, sun_up = self.sun_vector(lat)
        return (padded[1:-1, 1:-1], illumination_from_gradients(dz_east, dz_north, sun_east, sun_north, sun_up),
                sun_up)

    #: Latitude step (degrees) of the table the sun vector is interpolated from.
    SUN_TABLE_STEP_DEG = 0.01

    def sun_vector(self, latitude_deg):
        """Unit sun vector (east, north, up) per pixel. The sun position depends on latitude
        only (fixed date and local solar time), smoothly: it is evaluated once on a table of
        latitudes every 0.01° from pole to pole and interpolated linearly, instead of per pixel
        (the same table for every block, so values do not depend on how the grid is cut)."""
        latitude_deg = np.asarray(latitude_deg, dtype=float)
        if self._sun_table is None:
            table = np.linspace(-90.0, 90.0, int(round(180.0 / self.SUN_TABLE_STEP_DEG)) + 1)
            self._sun_latitudes = table
            zenith, azimuth = self.sun.angles(table)
            self._sun_table = np.stack([np.sin(zenith) * np.sin(azimuth), np.sin(zenith) * np.cos(azimuth),
                                        np.cos(zenith)])
        # np.interp: neighbouring pixels have nearly the same latitude, which its search exploits.
        return tuple(np.interp(latitude_deg, self._sun_latitudes, c) for c in self._sun_table)

    def partial_window(self, window):
        """Pixels of a window whose slope came from a partial 3×3 window (bool (rows, columns))."""
        return partial_windows(self.read(window))

    def close(self):
        self.reader.close()


class TerrainReader(Protocol):
    """What a run reads the terrain of the fine grid through (the readers below)."""

    def read(self, window: Window, latitude: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(elevation m, cos i, cos θz) of a window; ``latitude`` (degrees, per pixel) when known."""

    def partial_window(self, window: Window) -> np.ndarray:
        """Pixels whose slope came from a partial 3×3 window of the DEM, bool (rows, columns)."""

    def close(self) -> None:
        """Release the files read."""


class TerrainOnFineGrid:
    """Terrain factors computed on the fly from a DEM that is already on the fine grid."""

    def __init__(self, dem_source: RasterSource, grid: GridSpec, sun: Optional[SunGeometry]):
        self.dem = _DemWindowReader(dem_source, grid, sun)

    def read(self, window: Window, latitude: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.dem.terrain(window, latitude)

    def partial_window(self, window: Window) -> np.ndarray:
        """Pixels whose slope came from a partial 3×3 window of the DEM (one-sided), bool."""
        return self.dem.partial_window(window)

    def close(self) -> None:
        self.dem.close()


class TerrainFromBands:
    """Terrain factors (elevation, cos i, cos θz) read from three rasters on the fine grid, and the
    share of the DEM pixels under each pixel whose slope came from a partial window."""

    def __init__(self, sources: Sequence[RasterSource], partial_source: Optional[RasterSource] = None):
        self.readers = [RasterReader(source) for source in sources]
        self.partial = RasterReader(partial_source) if partial_source is not None else None

    def read(self, window: Window, latitude: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(reader.read(window) for reader in self.readers)

    def partial_window(self, window: Window) -> np.ndarray:
        """Pixels with a DEM pixel whose slope came from a partial 3×3 window under them, bool."""
        if self.partial is None:
            return np.zeros((window.ysize, window.xsize), dtype=bool)
        with np.errstate(invalid='ignore'):
            return self.partial.read(window) > 0

    def close(self) -> None:
        for reader in self.readers + ([self.partial] if self.partial is not None else []):
            reader.close()


def elevation_only(dem_source: RasterSource) -> TerrainReader:
    """Elevation without illumination, for methods that use z only as a predictor."""
    return _ElevationOnly(dem_source)


class _ElevationOnly:
    def __init__(self, source):
        self.reader = RasterReader(source)

    def read(self, window, latitude=None):
        z = self.reader.read(window)
        return z, np.full(z.shape, np.nan), np.full(z.shape, np.nan)

    def partial_window(self, window):
        """No slope is computed: no pixel has one from a partial window."""
        return np.zeros((window.ysize, window.xsize), dtype=bool)

    def close(self):
        self.reader.close()


#: A DEM covering less of the LST grid than this gets a warning: the map is empty where it has no elevation.
#: Partial cover is not refused: clipping the DEM is a legitimate way to limit the map to an area.
DEM_COVERAGE_WARNING = 0.995


def dem_coverage(dem_grid: GridSpec, fine_grid: GridSpec, samples: int = 100) -> float:
    """Share of the fine grid (a regular sample of pixel centres) inside the extent of the DEM."""
    cols = (np.floor(np.linspace(0, fine_grid.width, samples, endpoint=False)) + 0.5)
    rows = (np.floor(np.linspace(0, fine_grid.height, samples, endpoint=False)) + 0.5)
    c, r = np.meshgrid(cols, rows)
    gt = fine_grid.geotransform
    x, y = gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]
    if not fine_grid.same_crs(dem_grid):
        x, y = GridMapper(fine_grid, dem_grid.crs_wkt, step=1).exact(x, y)
    xmin, ymin, xmax, ymax = dem_grid.bounds
    with np.errstate(invalid='ignore'):
        return float(np.mean((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)))


def check_dem_coverage(dem_source: RasterSource, dem_grid: GridSpec, fine_grid: GridSpec, progress: Progress) -> None:
    """Refuse a DEM beside the LST grid; warn, with the share covered, when it covers only part of it."""
    covered = dem_coverage(dem_grid, fine_grid)
    if covered == 0.0:
        raise InputError('The DEM ({}) does not overlap the LST grid ({}): check its CRS and extent.'.format(
            dem_source.path, fine_grid.describe()))
    if covered < DEM_COVERAGE_WARNING:
        progress.warn('The DEM covers {:.0f} % of the LST grid: the rest of the map has no elevation and stays '
                      'empty; give a DEM that covers the whole LST if that is not intended.'.format(100.0 * covered))


def check_sun_above_horizon(sun: Optional[SunGeometry], grid: GridSpec, progress: Progress) -> None:
    """Warn when the sun is below the horizon at the overpass somewhere over the scene (a wrong time or date)."""
    if sun is None or sun.fixed or sun.acquisition_date is None:
        return
    lon, lat = GridMapper(grid, _WGS84_WKT, step=1).exact(*grid_outline(grid, 8))
    zenith, _ = solar_position(sun.acquisition_date.timetuple().tm_yday, sun.solar_hour, lat[np.isfinite(lat)])
    if zenith.size and float(np.max(zenith)) >= 90.0:
        progress.warn('The sun is below the horizon at {:.1f} h local solar time on {} over {} the scene (zenith up to '
                      '{:.0f}°), so there is no illumination to correct; check the overpass time (about 10.5 h for '
                      'Terra, 13.5 h for Aqua) and the date.'.format(
                          sun.solar_hour, sun.acquisition_date.isoformat(),
                          'all of' if float(np.min(zenith)) >= 90.0 else 'part of', float(np.max(zenith))))


def prepare_terrain(dem_source: RasterSource, fine_grid: GridSpec, sun: Optional[SunGeometry], workdir: str,
                    memory_mb: float, progress: Progress, need_illumination: bool = True) -> TerrainReader:
    """A terrain reader on the fine grid for the DEM given in any CRS and resolution.

    On the fine grid, terrain is computed per block. Otherwise slope, aspect and
    illumination are computed on the DEM's own grid (so that a finer DEM gives the
    true mean illumination of each fine pixel), written to a scratch file block by
    block, and averaged (or interpolated) onto the fine grid (METHOD.md §2).
    """
    dem_grid = dem_source.grid()
    check_dem_coverage(dem_source, dem_grid, fine_grid, progress)
    if not need_illumination:
        aligned = align_to_grid(dem_source, fine_grid, choose_resampling(dem_grid, fine_grid), workdir,
                                progress, 'DEM')
        return elevation_only(aligned)
    sun.validate()
    progress.info('Illumination: {}.'.format(sun.describe()))
    check_sun_above_horizon(sun, fine_grid, progress)
    if dem_grid.same_grid(fine_grid):
        return TerrainOnFineGrid(dem_source, fine_grid, sun)
    path = os.path.join(workdir, 'terrain_on_dem_grid.tif')
    dem = _DemWindowReader(dem_source, dem_grid, sun)
    windows = row_windows(dem_grid, 160, memory_mb)
    compute = progress.sub(0.0, 0.5)
    try:
        with RasterWriter(path, dem_grid, 4, descriptions=['elevation', 'cos_i', 'cos_sun_zenith', 'partial_window'],
                          options=SCRATCH_OPTIONS, nodata=float('nan')) as writer:
            for index, window in enumerate(windows):
                compute.report(index / len(windows))
                for band, values in enumerate(dem.terrain(window), start=1):
                    writer.write(window, values.astype(np.float32), band=band)
                writer.write(window, dem.partial_window(window).astype(np.float32), band=4)
            writer.commit()
    finally:
        dem.close()
    resampling = choose_resampling(dem_grid, fine_grid)
    warp = progress.sub(0.5, 1.0)
    sources = [align_to_grid(RasterSource(path, band, dem_grid.crs_wkt, name), fine_grid, resampling, workdir,
                             warp.sub(k / 4.0, (k + 1) / 4.0), name)
               for k, (band, name) in enumerate([(1, 'DEM elevation'), (2, 'DEM illumination'),
                                                 (3, 'DEM sun zenith'), (4, 'DEM partial slope windows')])]
    return TerrainFromBands(sources[:3], sources[3])
