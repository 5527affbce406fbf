"""Import of in-situ soil moisture: NRCS SNOTEL report, ISMN archive, generic CSV, station join,
and the "Import in-situ soil moisture" algorithm. Every expected value is computed here
independently from the raw files (csv / zipfile), not with the plugin's readers."""
import csv
import json
import math
import os
import zipfile
from datetime import date

import numpy as np
import pytest

from soil_moisture_downscaling.core import insitu
from soil_moisture_downscaling.core.errors import InputError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
SNOTEL_CSV = os.path.join(DATA, 'CO_335_sample_raw.csv')
SNOTEL_STATIONS = os.path.join(DATA, 'co-snotel-stations.geojson')
ISMN_ZIP = os.path.join(DATA, 'ismn_scan_header_values.zip')
SM_COLUMN = 'Soil.Moisture.Percent..{}in..pct..Start.of.Day.Values'


def snotel_rows():
    with open(SNOTEL_CSV, newline='') as handle:
        return list(csv.DictReader(handle))


def us_date(text):
    month, day, year = (int(v) for v in text.split('/'))
    return date(year, month, day)


def number(text):
    return float('nan') if text in ('', 'NA') else float(text)


def ismn_files():
    """{station folder: (header fields, [(date, 'HH:MM', value, flag)])} parsed from the zip here."""
    out = {}
    with zipfile.ZipFile(ISMN_ZIP) as archive:
        for name in archive.namelist():
            if not name.endswith('.stm'):
                continue
            lines = archive.read(name).decode('utf-8').split('\r')
            rows = []
            for line in lines[1:]:
                parts = line.split()
                if len(parts) >= 3:
                    year, month, day = (int(v) for v in parts[0].split('/'))
                    rows.append((date(year, month, day), parts[1], float(parts[2]), parts[3] if len(parts) > 3 else ''))
            out[name.split('/')[-2]] = (lines[0].split(), rows)
    return out


# -- NRCS SNOTEL report ------------------------------------------------------------------------------------------

def test_snotel_report_dates_units_and_depths():
    data = insitu.read_insitu(SNOTEL_CSV)
    assert data.source_format == 'nrcs'
    assert list(data.stations) == ['335:CO']
    table = data.table
    rows = snotel_rows()
    for inches in (2, 4, 8, 20):
        expected = [(us_date(r['Date']), number(r[SM_COLUMN.format(inches)]) / 100.0) for r in rows
                    if not math.isnan(number(r[SM_COLUMN.format(inches)]))]
        at_depth = np.abs(table.depth_m - inches * 0.0254) < 1e-12
        assert at_depth.sum() == len(expected)
        assert table.date[at_depth].astype(object).tolist() == [d for d, _ in expected]
        np.testing.assert_allclose(table.soil_moisture[at_depth], [v for _, v in expected], rtol=0, atol=1e-15)
    # 2 in = 0.0508 m; 357 valid days at 2, 4 and 8 in, 356 at 20 in, none at 40 in (all NA).
    assert sorted({round(d, 6) for d in table.depth_m}) == [0.0508, 0.1016, 0.2032, 0.508]
    assert len(table) == 357 * 3 + 356
    first = (table.date == np.datetime64('2023-01-01')) & (np.abs(table.depth_m - 0.0508) < 1e-9)
    assert table.soil_moisture[first][0] == pytest.approx(0.037, abs=1e-15)
    assert table.swe_mm[first][0] == pytest.approx(8.5 * 25.4, abs=1e-9)          # 8.5 in
    assert table.snow_depth_mm[first][0] == pytest.approx(41 * 25.4, abs=1e-9)     # 41 in
    assert table.air_temp_c[first][0] == pytest.approx((23.7 - 32) * 5 / 9, abs=1e-12)  # daily average, °F → °C
    assert table.date.min() == np.datetime64('2023-01-01') and table.date.max() == np.datetime64('2023-12-31')
    assert (table.soil_moisture.min(), table.soil_moisture.max()) == (pytest.approx(0.014), pytest.approx(0.274))
    assert set(table.time) == {''} and set(table.flag) == {''}


def test_snotel_station_joined_by_triplet_from_the_station_geojson():
    with open(SNOTEL_STATIONS) as handle:
        features = json.load(handle)['features']
    points = {f['properties']['stationTriplet']: insitu.Station(
        f['properties']['stationTriplet'], f['properties']['name'], 'SNTL', *f['geometry']['coordinates'])
        for f in features}
    # 122 features, 116 stations: Columbine, Fremont Pass, Roach, Vallecito and Zirkel are repeated (same position).
    assert len(features) == 122 and len(points) == 116
    data, messages = insitu.join_station_positions(insitu.read_insitu(SNOTEL_CSV), points)
    assert list(data.stations) == ['335:CO:SNTL']
    station = data.stations['335:CO:SNTL']
    assert (station.name, station.lon, station.lat) == ('Berthoud Summit', -105.77786, 39.80364)
    assert set(data.table.station) == {'335:CO:SNTL'}
    insitu.require_positions(data, True)


def test_snotel_report_without_positions_is_refused_with_the_fix():
    with pytest.raises(InputError, match='station point layer'):
        insitu.require_positions(insitu.read_insitu(SNOTEL_CSV), False)


def test_report_generator_header_spelling_is_read_the_same(tmp_path):
    # The report generator itself writes "Soil Moisture Percent -2in (pct) Start of Day Values" and '#' comments.
    rows = snotel_rows()[:40]
    path = tmp_path / 'report.csv'
    with open(path, 'w', newline='') as handle:
        handle.write('#Berthoud Summit (335) Colorado SNOTEL Site - 11314 ft\n#Reporting Frequency: Daily\n')
        writer = csv.writer(handle)
        writer.writerow(['Date', 'Snow Water Equivalent (in) Start of Day Values',
                         'Soil Moisture Percent -2in (pct) Start of Day Values',
                         'Soil Moisture Percent -8in (pct) Start of Day Values'])
        for r in rows:
            writer.writerow([us_date(r['Date']).isoformat(), r['Snow.Water.Equivalent..in..Start.of.Day.Values'],
                             r[SM_COLUMN.format(2)], r[SM_COLUMN.format(8)]])
    data = insitu.read_insitu(str(path))
    assert data.source_format == 'nrcs'
    assert list(data.stations) == ['335']
    two = np.abs(data.table.depth_m - 0.0508) < 1e-12
    np.testing.assert_allclose(data.table.soil_moisture[two], [number(r[SM_COLUMN.format(2)]) / 100 for r in rows
                                                               if r[SM_COLUMN.format(2)] != 'NA'])
    assert set(np.round(data.table.depth_m, 6)) == {0.0508, 0.2032}


# -- ISMN --------------------------------------------------------------------------------------------------------

def test_ismn_zip_stations_dates_depths_values_and_flags():
    data = insitu.read_insitu(ISMN_ZIP)
    assert data.source_format == 'ismn'
    expected = ismn_files()
    assert sorted(data.stations) == sorted('SCAN:' + folder for folder in expected)
    for folder, (header, rows) in expected.items():
        station = data.stations['SCAN:' + folder]
        assert (station.lat, station.lon, station.elevation_m) == (float(header[3]), float(header[4]),
                                                                  float(header[5]))
        mask = data.table.station == 'SCAN:' + folder
        assert mask.sum() == len(rows)
        assert data.table.date[mask].astype(object).tolist() == [r[0] for r in rows]
        assert data.table.time[mask].tolist() == [r[1] for r in rows]
        np.testing.assert_array_equal(data.table.soil_moisture[mask], [r[2] for r in rows])
        assert data.table.flag[mask].tolist() == [r[3] for r in rows]
        # Depth from the file name: 0.050800 m = 2 in (the header rounds it to 0.05).
        assert set(data.table.depth_m[mask]) == {0.0508} and set(data.table.depth_to_m[mask]) == {0.0508}
    adams = data.stations['SCAN:AdamsRanch#1']
    assert (adams.lat, adams.lon, adams.name) == (34.25, -105.417, 'Adams_Ranch_#1')
    first = np.flatnonzero(data.table.station == 'SCAN:AdamsRanch#1')[0]
    assert (data.table.date[first], data.table.time[first], data.table.soil_moisture[first], data.table.flag[first]) \
        == (np.datetime64('2007-01-01'), '00:00', 0.137, 'D02')
    # The daily mean of 2010-07-01 quoted by the data curator (0.077 m³/m³).
    day = (data.table.station == 'SCAN:AdamsRanch#1') & (data.table.date == np.datetime64('2010-07-01'))
    assert day.sum() == 24
    assert data.table.soil_moisture[day].mean() == pytest.approx(
        np.mean([r[2] for r in expected['AdamsRanch#1'][1] if r[0] == date(2010, 7, 1)]), abs=1e-15)
    assert round(data.table.soil_moisture[day].mean(), 3) == 0.077


def test_ismn_folder_and_single_stm_read_like_the_zip(tmp_path):
    with zipfile.ZipFile(ISMN_ZIP) as archive:
        archive.extractall(tmp_path)
    from_zip = insitu.read_insitu(ISMN_ZIP).table
    from_folder = insitu.read_insitu(str(tmp_path)).table
    assert len(from_folder) == len(from_zip)
    for station in set(from_zip.station):
        a, b = from_zip.station == station, from_folder.station == station
        np.testing.assert_array_equal(from_zip.soil_moisture[a], from_folder.soil_moisture[b])
    stm = next(os.path.join(folder, name) for folder, _, names in os.walk(tmp_path) for name in names
               if name.startswith('SCAN_SCAN_Abrams'))
    single = insitu.read_insitu(stm)
    assert list(single.stations) == ['SCAN:Abrams']
    assert len(single.table) == int((from_zip.station == 'SCAN:Abrams').sum())


def test_not_an_ismn_archive_is_refused(tmp_path):
    path = tmp_path / 'other.zip'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('readme.txt', 'nothing')
    with pytest.raises(InputError, match='no ISMN .stm file'):
        insitu.read_insitu(str(path))


# -- generic CSV -------------------------------------------------------------------------------------------------

def write_csv(path, header, rows, delimiter=','):
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def test_generic_csv_with_positions(tmp_path):
    path = write_csv(tmp_path / 'probes.csv', ['Station', 'Date', 'soil_moisture', 'lat', 'lon', 'depth_m', 'comment'],
                     [['A', '2021-07-01', '0.21', '40.1', '-105.5', '0.05', 'x'],
                      ['A', '2021-07-02 13:30', '0.19', '40.1', '-105.5', '0.05', ''],
                      ['B', '7/1/2021', 'NA', '40.2', '-105.6', '0.05', ''],
                      ['B', '2021/07/02', '0.30', '40.2', '-105.6', '0.05', '']], delimiter=';')
    data = insitu.read_insitu(path)
    assert data.source_format == 'generic'
    assert (data.stations['B'].lon, data.stations['B'].lat) == (-105.6, 40.2)
    table = data.table
    assert table.station.tolist() == ['A', 'A', 'B']          # the NA value is dropped
    assert table.date.astype(str).tolist() == ['2021-07-01', '2021-07-02', '2021-07-02']
    assert table.time.tolist() == ['', '13:30', '']
    np.testing.assert_array_equal(table.soil_moisture, [0.21, 0.19, 0.30])
    assert any('comment' in m for m in data.messages)          # unused columns are named in the log


def test_generic_csv_in_percent_is_refused_unless_declared(tmp_path):
    path = write_csv(tmp_path / 'percent.csv', ['station', 'date', 'sm', 'latitude', 'longitude'],
                     [['A', '2021-07-01', '21.5', '40', '-105'], ['A', '2021-07-02', '0.5', '40', '-105']])
    with pytest.raises(InputError, match=r'1 of 2 values exceed 1 .*percent.*divide them by 100'):
        insitu.read_insitu(path)
    data = insitu.read_insitu(path, percent=True)
    np.testing.assert_allclose(data.table.soil_moisture, [0.215, 0.005])


def test_generic_csv_with_unknown_columns_names_what_it_needs(tmp_path):
    path = write_csv(tmp_path / 'unknown.csv', ['probe', 'when', 'reading'], [['A', '2021-07-01', '0.2']])
    with pytest.raises(InputError) as error:
        insitu.read_insitu(path)
    message = str(error.value)
    assert 'cannot find the station, date, soil_moisture column(s)' in message
    assert 'Columns found: probe, when, reading' in message and '"soil_moisture"' in message


def test_generic_csv_with_an_unreadable_date(tmp_path):
    path = write_csv(tmp_path / 'dates.csv', ['station', 'date', 'soil_moisture'], [['A', 'July 1st', '0.2']])
    with pytest.raises(InputError, match="cannot read the date 'July 1st'"):
        insitu.read_insitu(path)


def test_timestamps_and_names():
    assert insitu.parse_timestamp('2010/07/01 13:00') == (date(2010, 7, 1), '13:00')
    assert insitu.parse_timestamp('1/5/2023') == (date(2023, 1, 5), '')
    assert insitu.parse_timestamp('2023-01-05T00:00:00Z') == (date(2023, 1, 5), '00:00')
    assert insitu.parse_timestamp('20230105') == (date(2023, 1, 5), '')
    assert insitu.parse_timestamp('2023-02-30') is None
    assert insitu.normalized_name('Soil.Moisture.Percent..2in..pct..') == insitu.normalized_name(
        'Soil Moisture Percent -2in (pct)') == 'soil moisture percent 2in pct'
    assert insitu.station_id_candidates('335:CO:SNTL') == ['335:CO:SNTL', '335:CO', '335']


# -- the Processing algorithm ------------------------------------------------------------------------------------

def test_import_algorithm_is_registered_with_help(qgis_app):
    from qgis.core import QgsApplication
    algorithm = QgsApplication.processingRegistry().algorithmById('soilmoisture:importinsitu')
    assert algorithm is not None and algorithm.displayName() == 'Import in-situ soil moisture'
    ids = [p.name() for p in algorithm.parameterDefinitions()]
    assert ids == ['INPUT', 'FORMAT', 'STATION_LAYER', 'STATION_ID_FIELD', 'VALUES_IN_PERCENT', 'STATIONS',
                   'MEASUREMENTS']
    assert all(p.help() for p in algorithm.parameterDefinitions())
    assert algorithm.parameterDefinition('VALUES_IN_PERCENT').flags() & algorithm.parameterDefinition(
        'VALUES_IN_PERCENT').FlagAdvanced


def test_import_snotel_with_station_layer_through_processing(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer
    result = processing.run('soilmoisture:importinsitu', {
        'INPUT': [SNOTEL_CSV], 'STATION_LAYER': SNOTEL_STATIONS, 'STATION_ID_FIELD': 'stationTriplet',
        'STATIONS': str(tmp_path / 'stations.gpkg'), 'MEASUREMENTS': str(tmp_path / 'table.gpkg')})
    assert result['N_STATIONS'] == 1 and result['N_RECORDS'] == 1427
    stations = QgsVectorLayer(result['STATIONS'], 'stations', 'ogr')
    assert stations.isValid() and stations.featureCount() == 1 and stations.crs().authid() == 'EPSG:4326'
    feature = next(stations.getFeatures())
    point = feature.geometry().asPoint()
    assert (point.x(), point.y()) == (-105.77786, 39.80364)
    assert (feature['station'], feature['name'], feature['network'], feature['n_records']) == (
        '335:CO:SNTL', 'Berthoud Summit', 'SNTL', 1427)
    assert feature['first_date'].toPyDate() == date(2023, 1, 1)
    assert feature['depths_m'] == '0.0508, 0.1016, 0.2032, 0.508'
    table = QgsVectorLayer(result['MEASUREMENTS'], 'table', 'ogr')
    assert table.isValid() and table.featureCount() == 1427
    assert [f.name() for f in table.fields()][1:] == list(insitu.TABLE_FIELDS)   # after the GeoPackage fid
    rows = {(f['date'].toPyDate(), round(f['depth_m'], 4)): f for f in table.getFeatures()}
    row = rows[(date(2023, 1, 1), 0.0508)]
    assert (row['station'], row['soil_moisture'], row['swe_mm']) == ('335:CO:SNTL', 3.7 / 100, 8.5 * 25.4)


def test_import_ismn_stm_through_processing_keeps_flags_and_hours(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer
    with zipfile.ZipFile(ISMN_ZIP) as archive:
        name = next(n for n in archive.namelist() if 'AdamsRanch' in n and n.endswith('.stm'))
        archive.extract(name, tmp_path)
    header, rows = ismn_files()['AdamsRanch#1']
    result = processing.run('soilmoisture:importinsitu', {
        'INPUT': [str(tmp_path / name)], 'FORMAT': 2, 'STATIONS': str(tmp_path / 'stations.gpkg'),
        'MEASUREMENTS': str(tmp_path / 'table.csv')})
    assert result['N_STATIONS'] == 1 and result['N_RECORDS'] == len(rows)
    stations = QgsVectorLayer(result['STATIONS'], 'stations', 'ogr')
    point = next(stations.getFeatures()).geometry().asPoint()
    assert (point.x(), point.y()) == (-105.417, 34.25)
    # The CSV table is read back by the generic reader, record for record.
    back = insitu.read_insitu(result['MEASUREMENTS'])
    assert len(back.table) == len(rows)
    assert back.table.flag[:3].tolist() == [r[3] for r in rows[:3]]
    assert back.table.time[:2].tolist() == ['00:00', '01:00']
    np.testing.assert_array_equal(back.table.soil_moisture, [r[2] for r in rows])


def test_import_without_positions_writes_nothing(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match='gives no coordinates'):
        processing.run('soilmoisture:importinsitu', {
            'INPUT': [SNOTEL_CSV], 'STATIONS': str(tmp_path / 'stations.gpkg'),
            'MEASUREMENTS': str(tmp_path / 'table.gpkg')})
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize('header, row, message', [
    (['probe', 'when', 'reading'], ['A', '2021-07-01', '0.2'], 'cannot find the station, date, soil_moisture'),
    (['station', 'date', 'soil_moisture', 'latitude', 'longitude'], ['A', '2021-07-01', '23.5', '40', '-105'],
     'must be volumetric in m³/m³'),
])
def test_import_of_a_bad_csv_stops_with_the_fix_and_writes_nothing(qgis_app, tmp_path, header, row, message):
    import processing
    from qgis.core import QgsProcessingException
    path = write_csv(tmp_path / 'bad.csv', header, [row])
    out = tmp_path / 'out'
    with pytest.raises(QgsProcessingException, match=message):
        processing.run('soilmoisture:importinsitu', {
            'INPUT': [path], 'STATIONS': str(out / 'stations.gpkg'), 'MEASUREMENTS': str(out / 'table.gpkg')})
    assert not out.exists() or os.listdir(out) == []
