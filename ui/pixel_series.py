"""What the soil moisture inspector shows, worked out without a GUI.

Which band a click reads (the band the layer draws, or the band of the Temporal
Controller's current day), a pixel's values through a dated series of rasters,
the coarse product's cell under it on the same days, and the nearest in-situ
station's daily values. Points come with the WKT of their CRS; values are m³/m³
with NaN for no data.
"""
import math
from dataclasses import dataclass
from datetime import date
from typing import Optional

import numpy as np

from ..core.dates import band_dates
from ..core.errors import InputError
from ..core.raster_io import RasterSource
from ..core.validation import daily_means, pixel_of, read_at_pixels, transform_points

#: Mean Earth radius (km), for distances to stations.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class SeriesEntry:
    """One date of a series: a band of a raster file."""
    path: str
    band: int
    day: Optional[date]


def band_to_read(used_bands, band_count):
    """The band a click reads: the first band the layer's renderer draws (1-based), else band 1."""
    for band in used_bands or ():
        if 1 <= band <= band_count:
            return int(band)
    return 1


def file_entries(path):
    """The dated bands of a raster file as SeriesEntry (bands without a date are left out)."""
    try:
        dates = band_dates(path)
    except InputError:
        return []
    return [SeriesEntry(str(path), band, day) for band, day in enumerate(dates, start=1) if day is not None]


def series_of(layer_entries, path):
    """The series a layer belongs to: the dated layers shown with it (its group), or, when that is
    only itself, the dated bands of its own file; sorted by date, one entry per date."""
    entries = [e for e in layer_entries if e.day is not None]
    if len({e.day for e in entries}) < 2:
        entries = file_entries(path)
    by_day = {}
    for entry in entries:
        by_day.setdefault(entry.day, entry)
    return [by_day[day] for day in sorted(by_day)]


def entry_in_range(entries, first_day, end_day):
    """The first entry dated in [first_day, end_day) (the Temporal Controller's current frame), or None."""
    if first_day is None:
        return None
    end_day = end_day if end_day is not None and end_day > first_day else first_day
    return next((entry for entry in entries if entry.day is not None
                 and (first_day <= entry.day < end_day or entry.day == first_day)), None)


def values_at(path, x, y, point_crs_wkt, bands=None, crs_wkt=None):
    """Values of ``bands`` (default: all) at the pixel containing point (x, y), NaN for no data;
    None when the point is outside the raster. ``crs_wkt`` overrides the file's CRS."""
    source = RasterSource(str(path), crs_wkt=crs_wkt, name='inspected')
    grid = source.grid()
    if bands is None:
        dataset = source.open()
        bands = list(range(1, dataset.RasterCount + 1))
        dataset = None
    px, py = transform_points([x], [y], point_crs_wkt, grid.crs_wkt)
    pixel = pixel_of(grid, float(px[0]), float(py[0]))
    if pixel is None:
        return None
    return [float(v) for v in read_at_pixels(source, grid, [pixel], list(bands), 0)[0]]


def pixel_series(entries, x, y, point_crs_wkt):
    """(dates, values) of the pixel under (x, y) through ``entries``; each file is opened once."""
    if not entries:
        return [], np.empty(0)
    by_path = {}
    for entry in entries:
        by_path.setdefault(entry.path, []).append(entry)
    found = {}
    for path, items in by_path.items():
        values = values_at(path, x, y, point_crs_wkt, [e.band for e in items])
        for entry, value in zip(items, values if values is not None else [math.nan] * len(items)):
            found[entry] = value
    return [e.day for e in entries], np.array([found[e] for e in entries], dtype=float)


def values_on_days(days, other_days, other_values):
    """The values of another series on ``days`` (NaN where it has none), e.g. the coarse product."""
    lookup = dict(zip(other_days, other_values))
    return np.array([lookup.get(day, math.nan) for day in days], dtype=float)


def distance_km(lon1, lat1, lon2, lat2):
    """Great-circle distance (km) between two longitude/latitude points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest_station(stations, lon, lat):
    """(station id, distance in km) of the station nearest to (lon, lat); ``stations`` lists
    (id, lon, lat) in degrees. None when there is none."""
    best = None
    for station, s_lon, s_lat in stations:
        if not (math.isfinite(s_lon) and math.isfinite(s_lat)):
            continue
        d = distance_km(lon, lat, s_lon, s_lat)
        if best is None or d < best[1]:
            best = (station, d)
    return best


def station_series(days, depths_m, values):
    """(dates, daily mean m³/m³) of a station's shallowest sensor that has values."""
    days = np.asarray(days, dtype='datetime64[D]')
    depths = np.asarray(depths_m, dtype=float)
    values = np.asarray(values, dtype=float)
    valid = np.isfinite(values)
    if not valid.any():
        return [], np.empty(0)
    if np.isfinite(depths[valid]).any():
        shallowest = np.nanmin(depths[valid])
        keep = valid & (np.abs(depths - shallowest) < 5e-5)
    else:
        keep = valid
    unique, means = daily_means(days[keep], values[keep])
    return [d.astype(object) for d in unique], means
