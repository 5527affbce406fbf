"""soilmoisture:importinsitu — Import in-situ soil moisture."""
import numpy as np
from qgis.core import (NULL, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsFeature, QgsFeatureRequest,
                       QgsFeatureSink, QgsField, QgsFields, QgsGeometry, QgsPointXY, QgsProcessing,
                       QgsProcessingException, QgsProcessingOutputNumber, QgsProcessingParameterBoolean,
                       QgsProcessingParameterEnum, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterMultipleLayers, QgsWkbTypes)
from qgis.PyQt.QtCore import QDate, QVariant

from ...core import insitu
from .base import SoilMoistureAlgorithm

#: FORMAT enum labels; the order is permanent (models and scripts store the index).
FORMAT_LABELS = (
    'Detect from the file',
    'NRCS SNOTEL / SCAN daily report (CSV, soil moisture in %)',
    'ISMN "header + values" (zip, folder or .stm files)',
    'Generic CSV (station, date, soil moisture [, latitude, longitude, depth, flag, …])',
)
FORMAT_KEYS = ('auto', 'nrcs', 'ismn', 'generic')
#: Fields tried, in order, as the station id of the station layer when none is chosen.
STATION_ID_CANDIDATES = ('stationTriplet', 'station', 'station_id', 'stationId', 'site_id', 'id', 'name')

_TEXT, _REAL, _INT, _DATE = QVariant.String, QVariant.Double, QVariant.Int, QVariant.Date
MEASUREMENT_TYPES = {'station': _TEXT, 'date': _DATE, 'time': _TEXT, 'depth_m': _REAL, 'depth_to_m': _REAL,
                     'soil_moisture': _REAL, 'flag': _TEXT, 'swe_mm': _REAL, 'snow_depth_mm': _REAL,
                     'air_temp_c': _REAL, 'soil_temp_c': _REAL}
STATION_TYPES = {'station': _TEXT, 'name': _TEXT, 'network': _TEXT, 'latitude': _REAL, 'longitude': _REAL,
                 'elevation_m': _REAL, 'n_records': _INT, 'first_date': _DATE, 'last_date': _DATE, 'depths_m': _TEXT}


def make_fields(names, types):
    fields = QgsFields()
    for name in names:
        fields.append(QgsField(name, types[name]))
    return fields


def qdate(value):
    return NULL if value is None else QDate(value.year, value.month, value.day)


def qvalue(value):
    """A Python value as a feature attribute: None and NaN → NULL, dates → QDate, numpy scalars → Python."""
    if isinstance(value, np.generic):
        value = value.item()   # sip turns numpy scalars into invalid variants
    if value is None or (isinstance(value, float) and value != value):
        return NULL
    if hasattr(value, 'isoformat') and hasattr(value, 'year'):
        return qdate(value)
    return value


class ImportInsituAlgorithm(SoilMoistureAlgorithm):
    INPUT = 'INPUT'
    FORMAT = 'FORMAT'
    STATION_LAYER = 'STATION_LAYER'
    STATION_ID_FIELD = 'STATION_ID_FIELD'
    VALUES_IN_PERCENT = 'VALUES_IN_PERCENT'
    STATIONS = 'STATIONS'
    MEASUREMENTS = 'MEASUREMENTS'

    def name(self):
        return 'importinsitu'

    def displayName(self):  # noqa: N802
        return 'Import in-situ soil moisture'

    def tags(self):
        return ['soil moisture', 'in situ', 'station', 'SNOTEL', 'SCAN', 'NRCS', 'ISMN', 'probe', 'validation',
                'ground truth', 'import', 'CSV']

    def shortHelpString(self):  # noqa: N802
        return (
            'Reads in-situ soil moisture into a station point layer and a measurement table that "Validate against '
            'in-situ data" reads back.\n\n'
            'Formats: NRCS SNOTEL / SCAN daily reports as CSV (report generator layout: soil moisture in % at depths '
            'in inches, optional SWE, snow depth and air / soil temperature columns); ISMN "header + values" '
            'downloads (the zip, its unzipped folder or .stm files; quality flags kept; air and soil temperature '
            'files of the same station are joined); a generic CSV with the columns station, date, soil_moisture '
            '(m³/m³) and optionally latitude, longitude (WGS84), depth_m, flag, swe_mm, snow_depth_mm, air_temp_c, '
            'soil_temp_c.\n\n'
            'Units in the table: soil moisture m³/m³ (% / 100), depths m (2 in = 0.0508 m), SWE and snow depth mm, '
            'temperatures °C. Sub-daily records (ISMN) are kept as they are; the validation screens them and takes '
            'daily means.\n\n'
            'Station coordinates come from the file (ISMN, or latitude/longitude columns) or from a station point '
            'layer joined on its station id field: an NRCS triplet such as "335:CO:SNTL" (e.g. the NRCS station '
            'list) matches site 335 in state CO of a SNOTEL report.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.INPUT, 'In-situ files', QgsProcessing.TypeFile),
                           'One or more files: NRCS SNOTEL/SCAN report CSVs, ISMN zips or .stm files (an unzipped '
                           'ISMN folder can be given as a path), or generic CSVs. All must be of the chosen format.')
        self.add_parameter(QgsProcessingParameterEnum(self.FORMAT, 'Format', options=list(FORMAT_LABELS),
                                                      defaultValue=0),
                           'The file format; "Detect" recognises ISMN by .zip/.stm, NRCS reports by their "Soil '
                           'Moisture Percent" columns, and reads any other CSV as generic.')
        self.add_parameter(QgsProcessingParameterFeatureSource(self.STATION_LAYER, 'Station locations',
                                                               [QgsProcessing.TypeVectorPoint], optional=True),
                           'Point layer with the stations, for files that hold no coordinates (NRCS reports), e.g. '
                           'the NRCS SNOTEL station list. Its positions win over those in the files.')
        self.add_parameter(QgsProcessingParameterField(self.STATION_ID_FIELD, 'Station id field',
                                                       parentLayerParameterName=self.STATION_LAYER, optional=True),
                           'Field of the station layer holding the station id (e.g. stationTriplet "335:CO:SNTL"). '
                           'Empty: the first of {} that exists.'.format(', '.join(STATION_ID_CANDIDATES)))
        self.add_parameter(QgsProcessingParameterBoolean(self.VALUES_IN_PERCENT,
                                                         'Soil moisture of the generic CSV is in %',
                                                         defaultValue=False),
                           'Tick when the generic CSV gives volumetric soil moisture in % (it is divided by 100). '
                           'Values above 1 given as m³/m³ are refused.', advanced=True)
        self.add_parameter(QgsProcessingParameterFeatureSink(self.STATIONS, 'Stations',
                                                             QgsProcessing.TypeVectorPoint),
                           'Point layer (EPSG:4326) of the stations: id, name, network, elevation (m), number of '
                           'records, first and last date, sensor depths (m).')
        self.add_parameter(QgsProcessingParameterFeatureSink(self.MEASUREMENTS, 'In-situ soil moisture table',
                                                             QgsProcessing.TypeVector),
                           'Table without geometry, one row per observation: {}.'.format(
                               ', '.join(insitu.TABLE_FIELDS)))
        self.addOutput(QgsProcessingOutputNumber('N_STATIONS', 'Number of stations'))
        self.addOutput(QgsProcessingOutputNumber('N_RECORDS', 'Number of soil moisture records'))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        paths = self.parameterAsFileList(parameters, self.INPUT, context)
        if not paths:
            raise QgsProcessingException('Give at least one in-situ file.')
        fmt = FORMAT_KEYS[self.parameterAsEnum(parameters, self.FORMAT, context)]
        percent = self.parameterAsBoolean(parameters, self.VALUES_IN_PERCENT, context)
        datasets = []
        for index, path in enumerate(paths):
            if feedback.isCanceled():
                raise QgsProcessingException('Cancelled by the user; no output was written.')
            datasets.append(self.run_core(insitu.read_insitu, path, fmt, percent))
            feedback.setProgress(60.0 * (index + 1) / len(paths))
        data = insitu.merge(datasets)
        layer = self.parameterAsSource(parameters, self.STATION_LAYER, context)
        if layer is not None:
            points = self.station_points(layer, parameters, context, feedback)
            data, _ = insitu.join_station_positions(data, points)
        self.run_core(insitu.require_positions, data, layer is not None)
        for message in data.messages:
            feedback.pushInfo(message)

        summaries = insitu.station_summaries(data)
        station_fields = make_fields(insitu.STATION_FIELDS, STATION_TYPES)
        sink, stations_id = self.parameterAsSink(parameters, self.STATIONS, context, station_fields,
                                                 QgsWkbTypes.Point, QgsCoordinateReferenceSystem('EPSG:4326'))
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.STATIONS))
        for station, n_records, first, last, depths in summaries:
            feature = QgsFeature(station_fields)
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(station.lon, station.lat)))
            feature.setAttributes([qvalue(v) for v in (station.id, station.name, station.network, station.lat,
                                                       station.lon, station.elevation_m, n_records, first, last,
                                                       depths)])
            if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.STATIONS))

        table_fields = make_fields(insitu.TABLE_FIELDS, MEASUREMENT_TYPES)
        table_sink, table_id = self.parameterAsSink(parameters, self.MEASUREMENTS, context, table_fields,
                                                    QgsWkbTypes.NoGeometry, QgsCoordinateReferenceSystem())
        if table_sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.MEASUREMENTS))
        total = len(data.table)
        step = max(1, total // 100)
        for index, row in enumerate(data.table.rows()):
            if index % step == 0:
                # No cancel here: the sinks exist now and must be written completely.
                feedback.setProgress(60.0 + 40.0 * index / max(1, total))
            feature = QgsFeature(table_fields)
            feature.setAttributes([qvalue(v) for v in row])
            if not table_sink.addFeature(feature, QgsFeatureSink.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(table_sink, parameters, self.MEASUREMENTS))
        feedback.pushInfo('{} station(s), {} soil moisture records.'.format(len(summaries), total))
        return {self.STATIONS: stations_id, self.MEASUREMENTS: table_id, 'N_STATIONS': len(summaries),
                'N_RECORDS': total}

    def station_points(self, layer, parameters, context, feedback):
        """{id: insitu.Station} from the station layer, positions in WGS84."""
        field_names = layer.fields().names()
        id_field = self.parameterAsString(parameters, self.STATION_ID_FIELD, context)
        if not id_field:
            id_field = next((name for name in STATION_ID_CANDIDATES if name in field_names), None)
            if id_field is None:
                raise QgsProcessingException(
                    'Choose the station id field of the station layer (none of {} exists).'.format(
                        ', '.join(STATION_ID_CANDIDATES)))
        feedback.pushInfo('Station ids from the field "{}" of the station layer.'.format(id_field))
        name_field = 'name' if 'name' in field_names and id_field != 'name' else None
        network_field = next((n for n in ('networkCode', 'network') if n in field_names), None)
        elevation_field = 'elevation_m' if 'elevation_m' in field_names else None
        transform = QgsCoordinateTransform(layer.sourceCrs(), QgsCoordinateReferenceSystem('EPSG:4326'),
                                           context.transformContext())
        points = {}
        for feature in layer.getFeatures(QgsFeatureRequest()):
            geometry = feature.geometry()
            key = feature[id_field]
            if geometry.isNull() or key in (None, NULL) or str(key).strip() == '':
                continue
            point = geometry.asMultiPoint()[0] if geometry.isMultipart() else geometry.asPoint()
            point = transform.transform(point)

            def text(field, feature=feature):
                value = feature[field] if field else None
                return '' if value in (None, NULL) else str(value)
            elevation = feature[elevation_field] if elevation_field else None
            points[str(key).strip()] = insitu.Station(
                str(key).strip(), text(name_field), text(network_field), point.x(), point.y(),
                float(elevation) if elevation not in (None, NULL) else float('nan'))
        return points
