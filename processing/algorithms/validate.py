"""soilmoisture:validate — Validate against in-situ data."""
import numpy as np
from qgis.core import (NULL, QgsCoordinateReferenceSystem, QgsFeature, QgsFeatureRequest, QgsFeatureSink, QgsField,
                       QgsFields, QgsGeometry, QgsPointXY, QgsProcessing, QgsProcessingException,
                       QgsProcessingOutputNumber,
                       QgsProcessingParameterBoolean, QgsProcessingParameterEnum, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterField,
                       QgsProcessingParameterFileDestination, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterNumber, QgsProcessingParameterString, QgsWkbTypes)
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from ...compat import FIELD_INT, FIELD_REAL, FIELD_TEXT
from ...core import insitu, validation
from ...report.validation import describe_inputs, describe_options, write_validation_report
from ...translation import QT_TRANSLATE_NOOP, tr
from ..outputs import add_report_parameter, parameter_default_names, show_report
from ..styling import correlation_renderer, style_vector_on_load, write_vector_sidecar_style
from .base import SoilMoistureAlgorithm, final_output_path, layer_crs_override

#: MATCHING enum labels; the order is permanent.
MATCHING_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Pixel containing the station'),
                   QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Mean of the 3×3 pixels around the station'))
REQUIRED_TABLE_FIELDS = ('station', 'date', 'soil_moisture')


def python_value(value):
    """A feature attribute as a plain Python value (NULL → None, QDate → date, QDateTime → date)."""
    if isinstance(value, QDateTime):
        return value.date().toPyDate() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    return value


class ValidateAlgorithm(SoilMoistureAlgorithm):
    RASTERS = 'RASTERS'
    STATIONS = 'STATIONS'
    STATION_ID_FIELD = 'STATION_ID_FIELD'
    MEASUREMENTS = 'MEASUREMENTS'
    MATCHING = 'MATCHING'
    DEPTH = 'DEPTH'
    SCREEN_SNOW = 'SCREEN_SNOW'
    SCREEN_FROZEN = 'SCREEN_FROZEN'
    SCREEN_FLAGS = 'SCREEN_FLAGS'
    GOOD_FLAGS = 'GOOD_FLAGS'
    MIN_PAIRS = 'MIN_PAIRS'
    OUTPUT = 'OUTPUT'
    PAIRS = 'PAIRS'
    REPORT = 'REPORT'

    def name(self):
        return 'validate'

    def displayName(self):  # noqa: N802
        return tr('Validate against in-situ data')

    def tags(self):
        return ['soil moisture', 'validation', 'in situ', 'station', 'SNOTEL', 'SCAN', 'ISMN', 'RMSE', 'ubRMSE',
                'bias', 'correlation', 'accuracy', 'ground truth', 'time series']

    def shortDescription(self):  # noqa: N802
        return tr('Downscaled maps or series (and the coarse product) against in-situ stations: R, bias, RMSE, '
                  'ubRMSE, with a report.')

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Compares soil moisture rasters with in-situ measurements at stations: the downscaled map, the coarse '
            'product, comparison methods…\n\n'
            'Each raster is one date (ACQUISITION_DATE metadata, or a date in the file name) or a series with one '
            'date per band (band descriptions YYYY-MM-DD, as written by the plugin). Each station is matched to the '
            'pixel that contains it, or to the mean of the valid pixels of the 3×3 block around it; only those '
            'pixels are read. The stations and the table come from "Import in-situ soil moisture".\n\n'
            'The shallowest sensor of each station is used unless a depth is given. In-situ records are screened '
            '(each screen can be switched off and is reported with the number of records it removed): snow (SWE > '
            '0 or snow depth > 0), frozen soil (soil or air temperature ≤ 0 °C) and ISMN quality flags other than '
            'the good ones; then daily means are taken.\n\n'
            'Metrics (x = raster, y = in situ, m³/m³): n, Pearson R with its 95 % interval, bias = mean(x − y), '
            'RMSE and ubRMSE, per station with at least the minimum number of pairs, their mean and median across '
            'stations, and pooled over all pairs. Outputs: the stations with the metrics of every raster (styled by '
            'the R of the first raster), a CSV of the matched pairs and an HTML report with scatter plots, a map '
            'and time series.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.RASTERS, tr('Soil moisture rasters or series'),
                                                                QgsProcessing.TypeRaster),
                           tr('Rasters in m³/m³ to evaluate, e.g. the downscaled map or series, the coarse product and '
                              'comparison methods. The first one styles the station layer.'))
        self.add_parameter(QgsProcessingParameterFeatureSource(self.STATIONS, tr('Stations'),
                                                               [QgsProcessing.TypeVectorPoint]),
                           tr('Station points, e.g. the "Stations" output of "Import in-situ soil moisture". Any CRS.'))
        self.add_parameter(QgsProcessingParameterField(self.STATION_ID_FIELD, tr('Station id field'),
                                                       defaultValue='station', parentLayerParameterName=self.STATIONS,
                                                       optional=True),
                           tr('Field of the station layer with the ids used in the table\'s "station" column '
                              '(empty: "station", as written by "Import in-situ soil moisture").'))
        self.add_parameter(QgsProcessingParameterFeatureSource(self.MEASUREMENTS, tr('In-situ soil moisture table'),
                                                               [QgsProcessing.TypeVector]),
                           tr('The table written by "Import in-situ soil moisture" (fields {}).').format(
                               ', '.join(insitu.TABLE_FIELDS)))
        self.add_parameter(QgsProcessingParameterEnum(self.MATCHING, tr('Matching'),
                                                      options=[tr(label) for label in MATCHING_LABELS],
                                                      defaultValue=0),
                           tr('Raster value compared with a station: the pixel containing it (for a coarse product: '
                              'its cell), or the mean of the valid pixels of the 3×3 block around it.'))
        self.add_parameter(QgsProcessingParameterNumber(self.DEPTH, tr('Sensor depth (m)'),
                                                        QgsProcessingParameterNumber.Double, optional=True,
                                                        minValue=0.0, maxValue=5.0),
                           tr('Depth of the sensors to use, in metres (e.g. 0.05); the nearest sensor within 2 cm '
                              'is taken. Empty: the shallowest sensor of each station.'))
        self.add_parameter(QgsProcessingParameterBoolean(self.SCREEN_SNOW, tr('Remove snow-covered days'),
                                                         defaultValue=True),
                           tr('Remove records with SWE > 0 or snow depth > 0 (when the table has them).'))
        self.add_parameter(QgsProcessingParameterBoolean(self.SCREEN_FROZEN, tr('Remove frozen soil'),
                                                         defaultValue=True),
                           tr('Remove records with soil or air temperature ≤ 0 °C (when the table has them).'))
        self.add_parameter(QgsProcessingParameterBoolean(self.SCREEN_FLAGS, tr('Remove bad quality flags'),
                                                         defaultValue=True),
                           tr('Remove records whose quality flag (ISMN) is not one of the good flags. Records without '
                              'a flag (NRCS reports) are kept.'))
        self.add_parameter(QgsProcessingParameterString(self.GOOD_FLAGS, tr('Good quality flags'), defaultValue='G'),
                           tr('Comma-separated flags counted as good (ISMN: G). A record flagged "D01,D02" is good '
                              'only when every part is. Some archives use other codes (the SCAN test archive flags '
                              'most hours "U"); when the screening removes everything, the message lists the flags '
                              'found.'),
                           advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MIN_PAIRS, tr('Minimum pairs per station'),
                                                        QgsProcessingParameterNumber.Integer, defaultValue=10,
                                                        minValue=1),
                           tr('Stations with fewer matched dates get no metrics (R needs at least 4 pairs for its '
                              'interval).'))
        self.add_parameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr('Station metrics'),
                                                             QgsProcessing.TypeVectorPoint),
                           tr('The stations with, per raster, <name>_n, _r, _r_low, _r_high (95 % interval), _bias, '
                              '_rmse, _ubrmse; styled by the R of the first raster.'))
        self.add_parameter(QgsProcessingParameterFileDestination(self.PAIRS, tr('Matched pairs'),
                                                                 tr('CSV files (*.csv)'), optional=True,
                                                                 createByDefault=True),
                           tr('CSV with one row per matched pair: {}.').format(', '.join(validation.PAIR_COLUMNS)))
        add_report_parameter(self, self.REPORT, tr('Validation report'),
                             tr('HTML report: summary, screening, metrics per station, scatter plots with the 1:1 '
                                'line, a map of the stations and the time series per station.'),
                             create_by_default=True)
        for name, description in (('N_PAIRS', tr('Pairs of the first raster (validated stations)')),
                                  ('N_STATIONS', tr('Stations validated against the first raster')),
                                  ('MEAN_R', tr('Mean R across stations (first raster)')),
                                  ('MEDIAN_R', tr('Median R across stations (first raster)')),
                                  ('POOLED_R', tr('Pooled R (first raster)')),
                                  ('POOLED_BIAS', tr('Pooled bias, m³/m³ (first raster)')),
                                  ('POOLED_RMSE', tr('Pooled RMSE, m³/m³ (first raster)')),
                                  ('POOLED_UBRMSE', tr('Pooled ubRMSE, m³/m³ (first raster)'))):
            self.addOutput(QgsProcessingOutputNumber(name, description))

    # -- reading the inputs ------------------------------------------------------------------------------------
    def rasters(self, parameters, context):
        layers = self.parameterAsLayerList(parameters, self.RASTERS, context)
        if not layers:
            raise QgsProcessingException(tr('Give at least one soil moisture raster.'))
        rasters = []
        for layer in layers:
            if layer.providerType() != 'gdal':
                raise QgsProcessingException(
                    tr('The raster "{}" is not file-based ({} provider). Save it as a GeoTIFF first.').format(
                        layer.name(), layer.providerType()))
            rasters.append(validation.RasterInput(layer.source(), layer.name(), layer_crs_override(layer)))
        return rasters

    def station_points(self, source, id_field):
        if id_field not in source.fields().names():
            raise QgsProcessingException(tr('The station layer has no field "{}"; choose the station id field.').format(
                id_field))
        names = 'name' in source.fields().names() and id_field != 'name'
        ids, xs, ys, labels = [], [], [], []
        for feature in source.getFeatures():
            geometry = feature.geometry()
            key = python_value(feature[id_field])
            if geometry.isNull() or key is None:
                continue
            point = geometry.asMultiPoint()[0] if geometry.isMultipart() else geometry.asPoint()
            ids.append(str(key).strip())
            xs.append(point.x())
            ys.append(point.y())
            labels.append(str(python_value(feature['name']) or '') if names else '')
        crs = source.sourceCrs()
        if not crs.isValid():
            raise QgsProcessingException(tr('The station layer has no CRS: assign one (Layer Properties ▸ Source).'))
        return validation.StationPoints(ids, np.array(xs, dtype=float), np.array(ys, dtype=float),
                                        crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL), labels)

    def measurement_table(self, source, feedback):
        names = source.fields().names()
        missing = [f for f in REQUIRED_TABLE_FIELDS if f not in names]
        if missing:
            raise QgsProcessingException(
                tr('The in-situ table has no field {} (fields: {}). Use the table written by "Import in-situ soil '
                   'moisture", which reads NRCS, ISMN and generic CSV files.').format(
                    ', '.join('"{}"'.format(m) for m in missing), ', '.join(names)))
        present = [f for f in insitu.TABLE_FIELDS if f in names]
        columns = {f: [] for f in present}
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
        request.setSubsetOfAttributes(present, source.fields())
        total = source.featureCount() or 1
        for index, feature in enumerate(source.getFeatures(request)):
            if index % 20000 == 0:
                if feedback.isCanceled():
                    raise QgsProcessingException(tr('Cancelled by the user; no output was written.'))
                feedback.setProgress(10.0 * index / total)
            for name in present:
                columns[name].append(python_value(feature[name]))
        dates = []
        for value in columns['date']:
            if value is None:
                dates.append(None)
                continue
            if isinstance(value, str):
                parsed = insitu.parse_timestamp(value)
                value = parsed[0] if parsed else None
            dates.append(value)
        if any(d is None for d in dates):
            raise QgsProcessingException(tr('Some rows of the in-situ table have no valid date (YYYY-MM-DD).'))
        columns['date'] = [np.datetime64(d.isoformat(), 'D') for d in dates]
        numeric = ('depth_m', 'depth_to_m', 'soil_moisture', 'swe_mm', 'snow_depth_mm', 'air_temp_c', 'soil_temp_c')
        for name in numeric:
            if name in columns:
                columns[name] = [insitu.parse_number(v) for v in columns[name]]
        table = insitu.table_from_columns(**columns)
        self.run_core(insitu.check_fraction, table.soil_moisture, 'the in-situ table')
        return table

    # -- running --------------------------------------------------------------------------------------------------
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        rasters = self.rasters(parameters, context)
        stations_source = self.parameterAsSource(parameters, self.STATIONS, context)
        if stations_source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.STATIONS))
        table_source = self.parameterAsSource(parameters, self.MEASUREMENTS, context)
        if table_source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.MEASUREMENTS))
        id_field = self.parameterAsString(parameters, self.STATION_ID_FIELD, context) or 'station'
        points = self.station_points(stations_source, id_field)
        table = self.measurement_table(table_source, feedback)
        depth = None
        if parameters.get(self.DEPTH) not in (None, ''):
            depth = self.parameterAsDouble(parameters, self.DEPTH, context)
        good_flags = tuple(f.strip() for f in self.parameterAsString(parameters, self.GOOD_FLAGS, context).split(',')
                           if f.strip())
        options = validation.ValidationOptions(
            matching=validation.MATCHINGS[self.parameterAsEnum(parameters, self.MATCHING, context)],
            depth_m=depth,
            screen_flags=self.parameterAsBoolean(parameters, self.SCREEN_FLAGS, context),
            good_flags=good_flags or ('G',),
            screen_snow=self.parameterAsBoolean(parameters, self.SCREEN_SNOW, context),
            screen_frozen=self.parameterAsBoolean(parameters, self.SCREEN_FROZEN, context),
            min_pairs=self.parameterAsInt(parameters, self.MIN_PAIRS, context))
        progress = self.progress(feedback).sub(0.1, 0.8)
        result = self.run_core(validation.validate, rasters, points, table, options, progress)
        for message in result.messages:
            feedback.pushInfo(message)

        pairs_path = self.parameterAsFileOutput(parameters, self.PAIRS, context) or None
        report_path = self.parameterAsFileOutput(parameters, self.REPORT, context) or None
        prefixes = validation.metric_field_prefixes([r.name for r in result.rasters])
        # Every output is staged and committed together by the base class (guarded_run).
        if report_path:
            feedback.pushInfo(tr('Writing the report…'))
            write_validation_report(report_path, result, describe_inputs(rasters, points, table, tr),
                                    describe_options(options, tr))
        feedback.setProgress(90)
        if pairs_path:
            validation.write_pairs_csv(pairs_path, result)
        output_id = self.write_stations(parameters, context, stations_source, points, result, prefixes)

        first_r_field = '{}_r'.format(prefixes[0])
        write_vector_sidecar_style(output_id, correlation_renderer(first_r_field))
        style_vector_on_load(context, output_id, lambda: correlation_renderer(first_r_field),
                             tr('In-situ validation ({})').format(result.rasters[0].name),
                             parameter_default_names(self, self.OUTPUT))
        first = result.rasters[0]
        # Listed in the Results Viewer after the run (postProcessAlgorithm), once the commit has put it in place.
        self.report_path = final_output_path(report_path) if report_path else None
        return {self.OUTPUT: output_id, self.PAIRS: pairs_path, self.REPORT: report_path,
                'N_PAIRS': first.pooled['n'], 'N_STATIONS': first.n_stations_validated,
                'MEAN_R': first.summary['r']['mean'], 'MEDIAN_R': first.summary['r']['median'],
                'POOLED_R': first.pooled['r'], 'POOLED_BIAS': first.pooled['bias'],
                'POOLED_RMSE': first.pooled['rmse'], 'POOLED_UBRMSE': first.pooled['ubrmse']}

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        show_report(self, getattr(self, 'report_path', None), feedback)
        return {}

    def write_stations(self, parameters, context, source, points, result, prefixes):
        fields = QgsFields()
        for name, kind in (('station', FIELD_TEXT), ('name', FIELD_TEXT), ('depth_m', FIELD_REAL),
                           ('in_situ_days', FIELD_INT)):
            fields.append(QgsField(name, kind))
        for prefix in prefixes:
            for suffix, _, is_integer in validation.METRIC_FIELDS:
                fields.append(QgsField('{}_{}'.format(prefix, suffix), FIELD_INT if is_integer else FIELD_REAL))
        sink, output_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Point,
                                               source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        for station in result.station_ids:
            index = points.ids.index(station)
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(points.x[index], points.y[index])))
            series = result.series[station]
            values = [station, result.station_names.get(station) or NULL, series.depth_m, int(series.dates.size)]
            for raster in result.rasters:
                m = raster.metrics[station]
                for _, key, is_integer in validation.METRIC_FIELDS:
                    value = m[key]
                    values.append(int(value) if is_integer else (float(value) if np.isfinite(value) else NULL))
            feature.setAttributes(values)
            if not sink.addFeature(feature, QgsFeatureSink.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
        return output_id
