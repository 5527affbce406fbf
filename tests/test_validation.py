"""Validation against in-situ stations: metrics against independent implementations on real
SNOTEL data, screening counts, matching (pixel, 3×3, coarse cell), a twin-scene series with a
known truth, real ESA CCI against real SCAN, bad input, and the Processing algorithm."""
import csv
import json
import math
import os
from datetime import date, timedelta

import numpy as np
import pytest
from helpers import read
from osgeo import gdal, osr
from scipy import stats

from soil_moisture_downscaling.benchmarks.twin_scene import FRONT_RANGE_DEM, TwinSettings, make_twin_scene
from soil_moisture_downscaling.core import insitu, metrics, validation
from soil_moisture_downscaling.core.dates import stack_metadata
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import GridSpec, RasterSource, RasterWriter
from soil_moisture_downscaling.core.terrain import SunGeometry

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
SNOTEL_CSV = os.path.join(DATA, 'CO_335_sample_raw.csv')
SNOTEL_STATIONS = os.path.join(DATA, 'co-snotel-stations.geojson')
ISMN_ZIP = os.path.join(DATA, 'ismn_scan_header_values.zip')
CCI_FILE = os.path.join(DATA, 'ESACCI-SOILMOISTURE-L3S-SSMV-COMBINED-20100701000000-fv04.5.nc')
SM_COLUMN = 'Soil.Moisture.Percent..{}in..pct..Start.of.Day.Values'
TRIPLET = '335:CO:SNTL'


def wgs84():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    return srs.ExportToWkt()


def number(text):
    return float('nan') if text in ('', 'NA') else float(text)


def snotel_days():
    """{date: row} of the raw SNOTEL CSV, parsed here with the csv module."""
    with open(SNOTEL_CSV, newline='') as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        month, day, year = (int(v) for v in row['Date'].split('/'))
        out[date(year, month, day)] = row
    return out


def sm(row, inches):
    return number(row[SM_COLUMN.format(inches)]) / 100.0


def station_335():
    with open(SNOTEL_STATIONS) as handle:
        feature = next(f for f in json.load(handle)['features'] if f['properties']['stationTriplet'] == TRIPLET)
    return feature['geometry']['coordinates']


def snotel_data():
    lon, lat = station_335()
    data, _ = insitu.join_station_positions(insitu.read_insitu(SNOTEL_CSV),
                                            {TRIPLET: insitu.Station(TRIPLET, 'Berthoud Summit', 'SNTL', lon, lat)})
    return data


def snotel_points():
    lon, lat = station_335()
    return validation.StationPoints([TRIPLET], np.array([lon]), np.array([lat]), wgs84(), ['Berthoud Summit'])


def write_series(path, grid, dates, arrays, data_type=gdal.GDT_Float64):
    """A band-per-date stack with the plugin's date convention (core/dates.py)."""
    metadata, band_metadata, descriptions = stack_metadata(dates)
    with RasterWriter(str(path), grid, len(dates), data_type, descriptions=descriptions, metadata=metadata,
                      band_metadata=band_metadata) as writer:
        for band, values in enumerate(arrays, start=1):
            writer.write(grid.full_window(), values, band=band)
        writer.commit()
    return str(path)


#: 5 × 5 grid of 0.01° around SNOTEL 335; the station lies in pixel (col 2, row 2).
SNOTEL_GRID = GridSpec(5, 5, (-105.80, 0.01, 0.0, 39.83, 0.0, -0.01), wgs84())
#: Offsets (m³/m³) added around the station pixel, so that pixel and 3×3 mean differ.
OFFSETS = np.arange(25, dtype=float).reshape(5, 5) * 0.001 - 0.012


def snotel_series(path, inches, scale=1.0, shift_days=0):
    """The SNOTEL <inches> series as a raster series: the station pixel holds the value, the others value+offset."""
    days = snotel_days()
    dates = [d for d in sorted(days) if not math.isnan(sm(days[d], inches))]
    arrays = [scale * (sm(days[d], inches) + OFFSETS - OFFSETS[2, 2]) for d in dates]
    return write_series(path, SNOTEL_GRID, [d + timedelta(days=shift_days) for d in dates], arrays)


def independent_metrics(x, y):
    """n, bias, RMSE, ubRMSE by hand, R and its Fisher-z 95 % interval from scipy."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = x.size
    r = stats.pearsonr(x, y)[0]
    half = 1.96 / math.sqrt(n - 3)
    return {'n': n, 'bias': sum(x - y) / n, 'rmse': math.sqrt(sum((x - y) ** 2) / n),
            'ubrmse': math.sqrt(sum(((x - x.mean()) - (y - y.mean())) ** 2) / n), 'r': r,
            'r_lower': math.tanh(math.atanh(r) - half), 'r_upper': math.tanh(math.atanh(r) + half)}


def assert_metrics_equal(found, expected, tolerance=1e-9):
    assert found['n'] == expected['n']
    for name in ('bias', 'rmse', 'ubrmse', 'r', 'r_lower', 'r_upper'):
        assert abs(found[name] - expected[name]) <= tolerance, (name, found[name], expected[name])


# -- metrics on real SNOTEL data -------------------------------------------------------------------------------

def test_metrics_equal_scipy_and_hand_formulas_on_real_snotel():
    days = snotel_days()
    common = [d for d in sorted(days) if not (math.isnan(sm(days[d], 2)) or math.isnan(sm(days[d], 4)))]
    x = [sm(days[d], 4) for d in common]   # the 4 in sensor as the "estimate"
    y = [sm(days[d], 2) for d in common]   # the 2 in sensor as the reference
    found = metrics.agreement(x, y)
    expected = independent_metrics(x, y)
    assert expected['n'] == 357
    assert_metrics_equal(found, expected)
    assert found['rmse'] ** 2 == pytest.approx(found['bias'] ** 2 + found['ubrmse'] ** 2, abs=1e-15)
    print('\nSNOTEL 335, 4 in vs 2 in, 2023: n {n}, R {r:.4f} [{r_lower:.4f}, {r_upper:.4f}], bias {bias:.4f}, '
          'RMSE {rmse:.4f}, ubRMSE {ubrmse:.4f} m³/m³'.format(**found))


def test_validate_snotel_series_equals_independent_metrics_and_counts_screened_days(tmp_path):
    series = snotel_series(tmp_path / 'sm4in.tif', 4)
    data = snotel_data()
    days = snotel_days()
    valid2 = [d for d in sorted(days) if not math.isnan(sm(days[d], 2))]
    snow = {d for d in valid2 if number(days[d]['Snow.Water.Equivalent..in..Start.of.Day.Values']) > 0
            or number(days[d]['Snow.Depth..in..Start.of.Day.Values']) > 0}
    frozen = {d for d in valid2 if number(days[d]['Air.Temperature.Average..degF.']) <= 32.0}
    assert (len(valid2), len(snow), len(frozen - snow)) == (357, 250, 2)

    raster = [validation.RasterInput(series, 'SNOTEL 4 in')]
    for screen_snow, screen_frozen, removed in ((False, False, set()), (True, False, snow),
                                                (True, True, snow | frozen)):
        result = validation.validate(raster, snotel_points(), data.table, validation.ValidationOptions(
            screen_snow=screen_snow, screen_frozen=screen_frozen))
        kept = [d for d in valid2 if d not in removed and not math.isnan(sm(days[d], 4))]
        expected = independent_metrics([sm(days[d], 4) for d in kept], [sm(days[d], 2) for d in kept])
        station = result.rasters[0].metrics[TRIPLET]
        assert_metrics_equal(station, expected)
        assert_metrics_equal(result.rasters[0].pooled, expected)
        assert result.rasters[0].summary['r']['mean'] == result.rasters[0].summary['r']['median'] == station['r']
        screening = result.screening
        assert screening.total == 357 and screening.kept == 357 - len(removed)
        assert screening.removed['snow'] == (len(snow) if screen_snow else 0)
        assert screening.removed['frozen'] == (len(frozen - snow) if screen_frozen else 0)
        assert screening.flagged['snow'] == len(snow) and screening.flagged['frozen'] == len(frozen)
        assert not screening.available['flags'] and screening.removed['flags'] == 0
        assert result.series[TRIPLET].depth_m == 0.0508
        assert result.rasters[0].pixels[TRIPLET] == (2, 2)
        print('\nsnow {}, frozen {}: n {}, R {:.4f}, RMSE {:.4f}'.format(screen_snow, screen_frozen, station['n'],
                                                                        station['r'], station['rmse']))


def test_three_by_three_mean_and_requested_depth(tmp_path):
    series = snotel_series(tmp_path / 'sm8in.tif', 8)
    days = snotel_days()
    result = validation.validate([validation.RasterInput(series, '8 in')], snotel_points(), snotel_data().table,
                                 validation.ValidationOptions(matching='3x3', depth_m=0.10, screen_snow=False,
                                                              screen_frozen=False))
    # The 4 in sensor (0.1016 m) is the one nearest 0.10 m; the 3×3 mean adds the mean offset of the block.
    assert result.series[TRIPLET].depth_m == 0.1016
    block_shift = OFFSETS[1:4, 1:4].mean() - OFFSETS[2, 2]
    common = [d for d in sorted(days) if not (math.isnan(sm(days[d], 4)) or math.isnan(sm(days[d], 8)))]
    expected = independent_metrics([sm(days[d], 8) + block_shift for d in common], [sm(days[d], 4) for d in common])
    assert_metrics_equal(result.rasters[0].metrics[TRIPLET], expected)
    with pytest.raises(InputError, match='No station has a sensor within 0.02 m of the requested depth 0.3 m'):
        validation.validate([validation.RasterInput(series, '8 in')], snotel_points(), snotel_data().table,
                            validation.ValidationOptions(depth_m=0.3))


# -- a twin-scene series with a known truth -------------------------------------------------------------------

TWIN_DATES = [date(2021, 7, 1) + timedelta(days=5 * i) for i in range(6)]


@pytest.fixture(scope='module')
def twin_series(tmp_path_factory):
    """Six dates = six twin scenes (seeds 70–75) on one 500 m grid, downscaled with the default method and
    stacked; 14 stations at chosen pixels whose in-situ values are the truth plus known noise."""
    folder = tmp_path_factory.mktemp('validation_twin')
    estimates, truths, coarse = [], [], []
    scene = None
    for index, day in enumerate(TWIN_DATES):
        scene = make_twin_scene(FRONT_RANGE_DEM, str(folder / 'scene{}'.format(index)), TwinSettings(
            fine_resolution=500, coarse_factor=8, seed=70 + index, acquisition_date=day,
            extent=(430000, 4410000, 474000, 4454000)))
        output = str(folder / 'downscaled{}.tif'.format(index))
        downscale(DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem'))),
                  output, DownscaleOptions(sun=SunGeometry(acquisition_date=day)))
        estimates.append(read(output))
        truths.append(scene.truth)
        coarse.append(read(scene.paths['coarse_sm']))
    fine, coarse_grid = scene.fine_grid, scene.coarse_grid
    paths = {'downscaled': write_series(folder / 'downscaled_series.tif', fine, TWIN_DATES, estimates,
                                        gdal.GDT_Float32),
             'coarse': write_series(folder / 'coarse_series.tif', coarse_grid, TWIN_DATES, coarse, gdal.GDT_Float32)}
    rng = np.random.default_rng(5)
    rows = rng.choice(np.arange(2, fine.height - 2), 14, replace=False)
    cols = rng.choice(np.arange(2, fine.width - 2), 14, replace=False)
    noise = rng.normal(0.0, 0.02, (14, len(TWIN_DATES)))
    truth = np.array(truths)
    insitu_values = truth[:, rows, cols].T + noise          # (station, date)
    insitu_values[3, 2] = np.nan                            # a missing day at one station
    to_wgs84 = osr.CoordinateTransformation(fine.srs(), osr.SpatialReference(wgs84()))
    csv_path = str(folder / 'probes.csv')
    gt = fine.geotransform
    with open(csv_path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['station', 'date', 'soil_moisture', 'latitude', 'longitude', 'depth_m'])
        for k in range(14):
            x, y = gt[0] + (cols[k] + 0.5) * gt[1], gt[3] + (rows[k] + 0.5) * gt[5]
            lat, lon, _ = to_wgs84.TransformPoint(x, y)   # EPSG:4326 axis order: latitude, longitude
            for t, day in enumerate(TWIN_DATES):
                writer.writerow(['P{:02d}'.format(k), day.isoformat(), repr(float(insitu_values[k, t])),
                                 repr(lat), repr(lon), '0.05'])
    return {'paths': paths, 'csv': csv_path, 'rows': rows, 'cols': cols, 'estimate': np.array(estimates),
            'coarse': np.array(coarse), 'truth': truth, 'insitu': insitu_values, 'fine': fine,
            'coarse_grid': coarse_grid, 'folder': folder}


def twin_inputs(twin):
    data = insitu.read_insitu(twin['csv'])
    ids = sorted(data.stations)
    points = validation.StationPoints(ids, np.array([data.stations[s].lon for s in ids]),
                                      np.array([data.stations[s].lat for s in ids]), wgs84())
    rasters = [validation.RasterInput(twin['paths']['downscaled'], 'downscaled'),
               validation.RasterInput(twin['paths']['coarse'], 'coarse')]
    return rasters, points, data.table


def test_twin_series_metrics_equal_those_implied_by_the_hidden_truth(twin_series):
    twin = twin_series
    rasters, points, table = twin_inputs(twin)
    result = validation.validate(rasters, points, table, validation.ValidationOptions(min_pairs=3))
    downscaled, coarse = result.rasters
    cgt = twin['coarse_grid'].geotransform
    fgt = twin['fine'].geotransform
    pooled = {'downscaled': ([], []), 'coarse': ([], [])}
    per_station = {'downscaled': [], 'coarse': []}
    for k in range(14):
        station = 'P{:02d}'.format(k)
        row, col = twin['rows'][k], twin['cols'][k]
        y = twin['insitu'][k]
        keep = np.isfinite(y)
        assert downscaled.pixels[station] == (col, row)
        # The coarse cell containing the pixel centre, from the coarse geotransform.
        x_centre, y_centre = fgt[0] + (col + 0.5) * fgt[1], fgt[3] + (row + 0.5) * fgt[5]
        ccol, crow = int((x_centre - cgt[0]) // cgt[1]), int((y_centre - cgt[3]) // cgt[5])
        assert coarse.pixels[station] == (ccol, crow)
        for name, x in (('downscaled', twin['estimate'][:, row, col]), ('coarse', twin['coarse'][:, crow, ccol])):
            expected = independent_metrics(x[keep], y[keep])
            raster = downscaled if name == 'downscaled' else coarse
            assert_metrics_equal(raster.metrics[station], expected)
            pooled[name][0].append(x[keep])
            pooled[name][1].append(y[keep])
            per_station[name].append(expected)
    assert result.rasters[0].metrics['P03']['n'] == len(TWIN_DATES) - 1
    for name, raster in (('downscaled', downscaled), ('coarse', coarse)):
        assert_metrics_equal(raster.pooled, independent_metrics(np.concatenate(pooled[name][0]),
                                                                np.concatenate(pooled[name][1])))
        for metric in ('r', 'bias', 'rmse', 'ubrmse'):
            values = [m[metric] for m in per_station[name]]
            assert raster.summary[metric]['mean'] == pytest.approx(np.mean(values), abs=1e-12)
            assert raster.summary[metric]['median'] == pytest.approx(np.median(values), abs=1e-12)
        print('\n{}: mean R {:.3f}, median R {:.3f}, pooled RMSE {:.4f}, ubRMSE {:.4f}'.format(
            name, raster.summary['r']['mean'], raster.summary['r']['median'], raster.pooled['rmse'],
            raster.pooled['ubrmse']))


def test_twin_series_without_noise_gives_the_estimate_error(twin_series, tmp_path):
    """In situ = the truth at the pixel: the validation RMSE is the downscaling error at the stations."""
    twin = twin_series
    rasters, points, table = twin_inputs(twin)
    truth_at = {'P{:02d}'.format(k): twin['truth'][:, twin['rows'][k], twin['cols'][k]] for k in range(14)}
    exact = insitu.table_from_columns(
        station=[s for s in sorted(truth_at) for _ in TWIN_DATES], date=TWIN_DATES * 14,
        depth_m=[0.05] * (14 * len(TWIN_DATES)), soil_moisture=np.concatenate([truth_at[s] for s in sorted(truth_at)]))
    result = validation.validate(rasters[:1], points, exact, validation.ValidationOptions(min_pairs=3))
    for k in range(14):
        station = 'P{:02d}'.format(k)
        error = twin['estimate'][:, twin['rows'][k], twin['cols'][k]] - truth_at[station]
        assert result.rasters[0].metrics[station]['rmse'] == pytest.approx(np.sqrt(np.mean(error ** 2)), abs=1e-12)
        assert result.rasters[0].metrics[station]['bias'] == pytest.approx(np.mean(error), abs=1e-12)


def test_twin_series_three_by_three(twin_series):
    twin = twin_series
    rasters, points, table = twin_inputs(twin)
    result = validation.validate(rasters[:1], points, table, validation.ValidationOptions(matching='3x3',
                                                                                          min_pairs=3))
    for k in range(14):
        row, col = twin['rows'][k], twin['cols'][k]
        x = np.nanmean(twin['estimate'][:, row - 1:row + 2, col - 1:col + 2], axis=(1, 2))
        y = twin['insitu'][k]
        keep = np.isfinite(y)
        assert_metrics_equal(result.rasters[0].metrics['P{:02d}'.format(k)], independent_metrics(x[keep], y[keep]))


# -- real ESA CCI against real SCAN ------------------------------------------------------------------------------

def test_esa_cci_against_ismn_scan_on_2010_07_01():
    cci = 'NETCDF:"{}":sm'.format(CCI_FILE)
    data = insitu.read_insitu(ISMN_ZIP)
    ids = sorted(data.stations)
    points = validation.StationPoints(ids, np.array([data.stations[s].lon for s in ids]),
                                      np.array([data.stations[s].lat for s in ids]), wgs84())
    raster = [validation.RasterInput(cci, 'ESA CCI', wgs84())]   # the file carries no CRS; the date is in its name
    with pytest.raises(InputError, match=r'removed all 156002 .*Flags found: U \(136936\), D02 \(13841\).*good flags'):
        validation.validate(raster, points, data.table, validation.ValidationOptions(min_pairs=1))
    result = validation.validate(raster, points, data.table,
                                 validation.ValidationOptions(min_pairs=1, good_flags=('G', 'U')))
    assert result.screening.removed['flags'] == 156002 - 136936
    dataset = gdal.Open(cci)   # kept in a variable: GDAL 3.6 frees bands of a dataset that is gone
    values = dataset.GetRasterBand(1).ReadAsArray().astype(float)
    dataset = None
    for station in ids:
        lon, lat = data.stations[station].lon, data.stations[station].lat
        cell = values[int((90.0 - lat) // 0.25), int((lon + 180.0) // 0.25)]
        day = ((data.table.station == station) & (data.table.date == np.datetime64('2010-07-01'))
               & (data.table.flag == 'U'))
        dates, estimate, in_situ = result.rasters[0].pairs[station]
        if cell < 0:   # no retrieval (-9999) at AAMU-jtg that day
            assert station == 'SCAN:AAMU-jtg' and dates.size == 0
            continue
        assert dates.tolist() == [date(2010, 7, 1)]
        assert estimate[0] == pytest.approx(cell, abs=1e-7)
        assert in_situ[0] == pytest.approx(data.table.soil_moisture[day].mean(), abs=1e-15)
    abrams = result.rasters[0].pairs['SCAN:Abrams']
    assert (round(abrams[1][0], 3), round(abrams[2][0], 3)) == (0.191, 0.090)   # as quoted by the data curator
    assert result.rasters[0].pooled['n'] == 2


# -- bad input -----------------------------------------------------------------------------------------------------

def test_stations_outside_every_raster(tmp_path):
    series = snotel_series(tmp_path / 's.tif', 4)
    far = validation.StationPoints([TRIPLET], np.array([-100.0]), np.array([35.0]), wgs84())
    with pytest.raises(InputError, match='No station lies inside any raster.*Check the CRS'):
        validation.validate([validation.RasterInput(series, 's')], far, snotel_data().table)


def test_no_overlapping_dates(tmp_path):
    series = snotel_series(tmp_path / 's.tif', 4, shift_days=400)
    days = snotel_days()
    snow_free = [d for d in sorted(days) if not math.isnan(sm(days[d], 2))
                 and number(days[d]['Snow.Water.Equivalent..in..Start.of.Day.Values']) <= 0
                 and number(days[d]['Snow.Depth..in..Start.of.Day.Values']) <= 0]
    with pytest.raises(InputError, match=r'No date of the rasters matches.*cover {} to {}.*"s": 2024-02-05 to '
                                         r'2025-02-03'.format(snow_free[0], snow_free[-1])):
        validation.validate([validation.RasterInput(series, 's')], snotel_points(), snotel_data().table,
                            validation.ValidationOptions(screen_frozen=False))


def test_raster_in_percent_and_raster_without_date(tmp_path):
    series = snotel_series(tmp_path / 'percent.tif', 4, scale=100.0)
    with pytest.raises(InputError, match='must be in m³/m³, not %'):
        validation.validate([validation.RasterInput(series, 'percent')], snotel_points(), snotel_data().table)
    undated = str(tmp_path / 'undated.tif')
    write_series(undated, SNOTEL_GRID, [date(2023, 7, 1)], [np.full((5, 5), 0.2)])
    dataset = gdal.Open(undated, gdal.GA_Update)
    dataset.SetMetadata({})
    dataset.GetRasterBand(1).SetMetadata({})
    dataset.GetRasterBand(1).SetDescription('')
    dataset = None
    with pytest.raises(InputError, match='has no date.*ACQUISITION_DATE'):
        validation.validate([validation.RasterInput(undated, 'undated')], snotel_points(), snotel_data().table)


def test_station_ids_that_match_nothing_and_too_few_pairs(tmp_path):
    series = snotel_series(tmp_path / 's.tif', 4)
    other = validation.StationPoints(['999:CO:SNTL'], np.array([-105.78]), np.array([39.80]), wgs84())
    with pytest.raises(InputError, match='None of the station ids of the in-situ table'):
        validation.validate([validation.RasterInput(series, 's')], other, snotel_data().table)
    with pytest.raises(InputError, match=r'No station has at least 500 pairs \(the most: 107 at 335:CO:SNTL\)'):
        validation.validate([validation.RasterInput(series, 's')], snotel_points(), snotel_data().table,
                            validation.ValidationOptions(min_pairs=500, screen_frozen=False))


# -- the Processing algorithm ------------------------------------------------------------------------------------

def test_validate_algorithm_is_registered_with_help(qgis_app):
    from qgis.core import QgsApplication
    import processing
    algorithm = QgsApplication.processingRegistry().algorithmById('soilmoisture:validate')
    assert algorithm is not None and algorithm.displayName() == 'Validate against in-situ data'
    ids = [p.name() for p in algorithm.parameterDefinitions()]
    assert ids == ['RASTERS', 'STATIONS', 'STATION_ID_FIELD', 'MEASUREMENTS', 'MATCHING', 'DEPTH', 'SCREEN_SNOW',
                   'SCREEN_FROZEN', 'SCREEN_FLAGS', 'GOOD_FLAGS', 'MIN_PAIRS', 'OUTPUT', 'PAIRS', 'REPORT']
    assert all(p.help() for p in algorithm.parameterDefinitions())
    assert algorithm.parameterDefinition('GOOD_FLAGS').flags() & algorithm.parameterDefinition(
        'GOOD_FLAGS').FlagAdvanced
    for name in ('soilmoisture:validate', 'soilmoisture:importinsitu'):
        dialog = processing.createAlgorithmDialog(name)
        assert dialog is not None
        dialog.close()


def import_snotel(tmp_path):
    import processing
    return processing.run('soilmoisture:importinsitu', {
        'INPUT': [SNOTEL_CSV], 'STATION_LAYER': SNOTEL_STATIONS, 'STATIONS': str(tmp_path / 'stations.gpkg'),
        'MEASUREMENTS': str(tmp_path / 'table.gpkg')})


def test_import_then_validate_through_processing(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer
    imported = import_snotel(tmp_path)
    four, eight = snotel_series(tmp_path / 'four.tif', 4), snotel_series(tmp_path / 'eight.tif', 8)
    result = processing.run('soilmoisture:validate', {
        'RASTERS': [four, eight], 'STATIONS': imported['STATIONS'], 'MEASUREMENTS': imported['MEASUREMENTS'],
        'OUTPUT': str(tmp_path / 'metrics.gpkg'), 'PAIRS': str(tmp_path / 'pairs.csv'),
        'REPORT': str(tmp_path / 'report.html')})
    days = snotel_days()
    kept = [d for d in sorted(days) if not math.isnan(sm(days[d], 2))
            and number(days[d]['Snow.Water.Equivalent..in..Start.of.Day.Values']) <= 0
            and number(days[d]['Snow.Depth..in..Start.of.Day.Values']) <= 0
            and not number(days[d]['Air.Temperature.Average..degF.']) <= 32.0]   # a missing temperature is kept
    expected = {inches: independent_metrics([sm(days[d], inches) for d in kept if not math.isnan(sm(days[d], inches))],
                                             [sm(days[d], 2) for d in kept if not math.isnan(sm(days[d], inches))])
                for inches in (4, 8)}
    assert result['N_PAIRS'] == expected[4]['n'] == 105 and result['N_STATIONS'] == 1
    for key, name in (('POOLED_R', 'r'), ('MEAN_R', 'r'), ('MEDIAN_R', 'r'), ('POOLED_RMSE', 'rmse'),
                      ('POOLED_UBRMSE', 'ubrmse'), ('POOLED_BIAS', 'bias')):
        assert result[key] == pytest.approx(expected[4][name], abs=1e-9)
    layer = QgsVectorLayer(result['OUTPUT'], 'metrics', 'ogr')
    assert layer.isValid() and layer.featureCount() == 1
    feature = next(layer.getFeatures())
    assert (feature['station'], feature['name'], feature['depth_m']) == (TRIPLET, 'Berthoud Summit', 0.0508)
    assert feature.geometry().asPoint().x() == pytest.approx(-105.77786)
    for prefix, inches in (('four', 4), ('eight', 8)):
        assert feature[prefix + '_n'] == expected[inches]['n']
        for suffix, name in (('r', 'r'), ('r_low', 'r_lower'), ('r_high', 'r_upper'), ('bias', 'bias'),
                             ('rmse', 'rmse'), ('ubrmse', 'ubrmse')):
            assert feature['{}_{}'.format(prefix, suffix)] == pytest.approx(expected[inches][name], abs=1e-9)
    with open(result['PAIRS'], newline='') as handle:
        pairs = list(csv.DictReader(handle))
    assert len(pairs) == expected[4]['n'] + expected[8]['n']
    first = pairs[0]
    assert (first['station'], first['raster'], first['pixel_col'], first['pixel_row']) == (TRIPLET, 'four', '2', '2')
    assert float(first['in_situ_m3_m3']) == pytest.approx(sm(days[date.fromisoformat(first['date'])], 2), abs=1e-12)
    page = open(result['REPORT'], encoding='utf-8').read()
    assert page.count('<img') == 4   # two scatter plots, the map, one time series
    assert 'snow (SWE &gt; 0 or snow depth &gt; 0)' in page and 'Pooled R' in page
    style = (tmp_path / 'metrics.qml').read_text()
    assert 'graduatedSymbol' in style and 'coalesce(&quot;four_r&quot;' in style
    assert not [name for name in os.listdir(tmp_path) if 'partial' in name]   # temporary files moved into place


def test_validate_with_stations_outside_writes_nothing(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    imported = import_snotel(tmp_path)
    outside = write_series(tmp_path / 'elsewhere.tif', GridSpec(5, 5, (-100.0, 0.01, 0.0, 35.0, 0.0, -0.01), wgs84()),
                           [date(2023, 7, 1)], [np.full((5, 5), 0.2)])
    out = tmp_path / 'out'
    with pytest.raises(QgsProcessingException, match='No station lies inside any raster'):
        processing.run('soilmoisture:validate', {
            'RASTERS': [outside], 'STATIONS': imported['STATIONS'], 'MEASUREMENTS': imported['MEASUREMENTS'],
            'OUTPUT': str(out / 'metrics.gpkg'), 'PAIRS': str(out / 'pairs.csv'), 'REPORT': str(out / 'r.html')})
    assert not out.exists() or os.listdir(out) == []


def test_validate_loaded_result_is_styled_by_r(qgis_app, twin_series, tmp_path):
    import processing
    from qgis.core import QgsGraduatedSymbolRenderer, QgsProject
    imported = processing.run('soilmoisture:importinsitu', {
        'INPUT': [twin_series['csv']], 'STATIONS': str(tmp_path / 'stations.gpkg'),
        'MEASUREMENTS': str(tmp_path / 'table.csv')})
    QgsProject.instance().removeAllMapLayers()
    processing.runAndLoadResults('soilmoisture:validate', {
        'RASTERS': [twin_series['paths']['downscaled'], twin_series['paths']['coarse']],
        'STATIONS': imported['STATIONS'], 'MEASUREMENTS': imported['MEASUREMENTS'], 'MIN_PAIRS': 3,
        'OUTPUT': str(tmp_path / 'metrics.gpkg')})
    layers = [layer for layer in QgsProject.instance().mapLayers().values()
              if layer.source().startswith(str(tmp_path / 'metrics.gpkg'))]
    assert len(layers) == 1
    renderer = layers[0].renderer()
    assert isinstance(renderer, QgsGraduatedSymbolRenderer)
    assert renderer.classAttribute() == 'coalesce("downscaled_series_r", -9.0)'
    assert len(renderer.ranges()) == 7 and layers[0].name().startswith('In-situ validation')
    assert layers[0].featureCount() == 14
    QgsProject.instance().removeAllMapLayers()
