"""The inspector's data logic without a GUI (ui/pixel_series.py): which band, which date, a pixel over time."""
import math
from datetime import date

import numpy as np
import pytest
from helpers import fine_grid, utm_wkt

from soil_moisture_downscaling.core.dates import stack_metadata
from soil_moisture_downscaling.core.raster_io import RasterWriter
from soil_moisture_downscaling.ui import pixel_series as ps

DAYS = [date(2021, 7, 15), date(2021, 7, 18), date(2021, 7, 21)]


def dated_stack(path, grid, days):
    """A stack whose band b holds b + row/1000 + col/1e6 (every pixel and band tells itself apart)."""
    metadata, band_metadata, descriptions = stack_metadata(days)
    rows, cols = np.mgrid[0:grid.height, 0:grid.width]
    with RasterWriter(str(path), grid, len(days), descriptions=descriptions, metadata=metadata,
                      band_metadata=band_metadata) as writer:
        for band in range(1, len(days) + 1):
            values = (band + rows / 1000.0 + cols / 1e6).astype(np.float32)
            values[0, 0] = np.nan
            writer.write(grid.full_window(), values, band=band)
        writer.commit()
    return str(path)


def centre(grid, col, row):
    gt = grid.geotransform
    return gt[0] + (col + 0.5) * gt[1], gt[3] + (row + 0.5) * gt[5]


def test_band_to_read_is_the_band_drawn():
    assert ps.band_to_read([4], 6) == 4
    assert ps.band_to_read([], 6) == 1
    assert ps.band_to_read([9, 2], 6) == 2  # a band the file does not have is skipped


def test_series_of_a_multiband_file_and_of_a_group(tmp_path):
    grid = fine_grid(8, 6)
    path = dated_stack(tmp_path / 'stack.tif', grid, DAYS)
    from_file = ps.series_of([ps.SeriesEntry(path, 2, DAYS[1])], path)
    assert [(e.band, e.day) for e in from_file] == [(1, DAYS[0]), (2, DAYS[1]), (3, DAYS[2])]
    # A group of dated layers: one entry per date, sorted, the first layer of a date kept.
    group = [ps.SeriesEntry('b.tif', 1, DAYS[2]), ps.SeriesEntry('a.tif', 1, DAYS[0]),
             ps.SeriesEntry('c.tif', 1, DAYS[2]), ps.SeriesEntry('d.tif', 1, None)]
    assert [(e.path, e.day) for e in ps.series_of(group, 'a.tif')] == [('a.tif', DAYS[0]), ('b.tif', DAYS[2])]


def test_entry_of_the_temporal_controller_frame():
    entries = [ps.SeriesEntry('s.tif', band, day) for band, day in enumerate(DAYS, start=1)]
    assert ps.entry_in_range(entries, date(2021, 7, 18), date(2021, 7, 21)).band == 2
    assert ps.entry_in_range(entries, date(2021, 7, 16), date(2021, 7, 17)) is None
    assert ps.entry_in_range(entries, date(2021, 7, 16), date(2021, 7, 19)).band == 2
    assert ps.entry_in_range(entries, DAYS[2], DAYS[2]).band == 3  # an instant
    assert ps.entry_in_range(entries, None, None) is None


def test_values_at_read_the_pixel_in_any_crs(tmp_path):
    grid = fine_grid(8, 6)
    path = dated_stack(tmp_path / 'stack.tif', grid, DAYS)
    x, y = centre(grid, 5, 3)
    assert ps.values_at(path, x, y, utm_wkt()) == pytest.approx([1.003005, 2.003005, 3.003005], abs=1e-6)
    from osgeo import osr
    source = osr.SpatialReference()
    source.ImportFromWkt(utm_wkt())
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(source, wgs84).TransformPoint(x, y)
    assert ps.values_at(path, lon, lat, wgs84.ExportToWkt(), [2]) == pytest.approx([2.003005], abs=1e-6)
    assert ps.values_at(path, x + 1e6, y, utm_wkt()) is None
    x0, y0 = centre(grid, 0, 0)
    assert math.isnan(ps.values_at(path, x0, y0, utm_wkt(), [1])[0])


def test_pixel_series_reads_each_date_once(tmp_path):
    grid = fine_grid(8, 6)
    first = dated_stack(tmp_path / 'first.tif', grid, DAYS[:2])
    second = dated_stack(tmp_path / 'second.tif', grid, DAYS[2:])
    entries = [ps.SeriesEntry(first, 1, DAYS[0]), ps.SeriesEntry(first, 2, DAYS[1]),
               ps.SeriesEntry(second, 1, DAYS[2])]
    x, y = centre(grid, 2, 1)
    days, values = ps.pixel_series(entries, x, y, utm_wkt())
    assert days == DAYS
    assert values == pytest.approx([1.001002, 2.001002, 1.001002], abs=1e-6)


def test_values_on_days_match_by_date():
    values = ps.values_on_days(DAYS, [DAYS[2], DAYS[0]], [0.3, 0.1])
    assert values[0] == 0.1 and math.isnan(values[1]) and values[2] == 0.3


def test_nearest_station_by_great_circle_distance():
    assert ps.distance_km(-105.0, 40.0, -105.0, 41.0) == pytest.approx(111.19, abs=0.05)
    stations = [('A', -105.0, 41.0), ('B', -104.0, 40.0), ('C', float('nan'), 40.0)]
    station, km = ps.nearest_station(stations, -105.0, 40.0)
    assert station == 'B' and km == pytest.approx(111.19 * math.cos(math.radians(40.0)), rel=2e-3)
    assert ps.nearest_station([], 0.0, 0.0) is None


def test_station_series_takes_the_shallowest_sensor_and_daily_means():
    days = [DAYS[0], DAYS[0], DAYS[0], DAYS[1], DAYS[1]]
    depths = [0.05, 0.05, 0.20, 0.05, 0.20]
    values = [0.20, 0.30, 0.90, 0.10, 0.90]
    out_days, out_values = ps.station_series(days, depths, values)
    assert out_days == DAYS[:2]
    assert out_values == pytest.approx([0.25, 0.10])
    # The shallowest sensor with values: a 0.02 m sensor without any is not chosen.
    out_days, out_values = ps.station_series(days + [DAYS[0]], depths + [0.02], values + [float('nan')])
    assert out_values == pytest.approx([0.25, 0.10])
