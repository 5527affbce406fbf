"""soilmoisture:downscaleseries — Downscale a soil moisture series."""

from qgis.core import (QgsProcessingContext, QgsProcessingOutputMultipleLayers, QgsProcessingOutputNumber,
                       QgsProcessingParameterEnum, QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterString)

from ...core.distributed import ClusterSpec
from ...core.series import SeriesInputs, downscale_series, parse_date_list
from ...core.terrain import SunGeometry
from ..styling import SeriesStyler, write_sidecar_style
from .downscale import DownscaleAlgorithm

OUTPUT_MODES = ('One multi-band GeoTIFF (band per date)', 'One GeoTIFF per date in a folder')


class DownscaleSeriesAlgorithm(DownscaleAlgorithm):
    DATES = 'DATES'
    OUTPUT_MODE = 'OUTPUT_MODE'
    OUTPUT_FOLDER = 'OUTPUT_FOLDER'
    DASK_SCHEDULER = 'DASK_SCHEDULER'

    def name(self):
        return 'downscaleseries'

    def displayName(self):  # noqa: N802
        return 'Downscale a soil moisture series'

    def tags(self):
        return super().tags() + ['time series', 'daily', 'temporal', 'stack', 'seamless']

    def shortHelpString(self):  # noqa: N802
        return (
            'Downscales every date of a coarse soil moisture stack (one band per date, m³/m³) onto the grid of an '
            'LST stack (one band per date, K), with the same method and options as "Downscale soil moisture".\n\n'
            'Dates are read from the stacks (as written by "Import soil moisture product" and "Import MODIS LST / '
            'NDVI") or given as a list, one per band. Both stacks must hold the same dates. NDVI may be one raster '
            'for all dates or a dated stack, interpolated linearly in time. With gap filling, LST cloud gaps are '
            'filled with each pixel\'s annual temperature cycle plus the day\'s anomaly when the series covers at '
            'least 10 dates over 90 days, and spatially otherwise, so every date gives a complete map where the '
            'coarse product has data; dates the product leaves empty give an empty band.\n\n'
            'Output: one multi-band GeoTIFF (band per date, dates in the band descriptions) or one GeoTIFF per date. '
            'Loaded layers are set up for the Temporal Controller (one layer per date, each shown on its day).\n\n'
            'Each date is written as soon as it is done, with a fingerprint of its inputs and options: run again '
            'after a stop (same inputs, options and output) and the finished dates are kept, not recomputed. '
            'With a Dask scheduler address (advanced), the dates run on that Dask cluster, one task per date; its '
            'workers need this package installed (pip install soil_moisture_downscaling[dask]) and must see the '
            'input and output paths under the same names.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.COARSE_SM, 'Coarse soil moisture stack (m³/m³)'),
                           'One band per date, m³/m³, e.g. from "Import soil moisture product".')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, 'Land surface temperature stack (K)'),
                           'One band per date, kelvin, e.g. from "Import MODIS LST / NDVI". Its grid is the output '
                           'grid.')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, 'NDVI (single or dated stack)', optional=True),
                           'One NDVI raster for all dates, or a stack with dates (interpolated in time).')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, 'Digital elevation model (m)', optional=True),
                           'Elevation in metres; needed by the terrain-aware method.')
        self.add_parameter(QgsProcessingParameterString(self.DATES, 'Dates, one per band (YYYY-MM-DD, …)',
                                                        optional=True, multiLine=False),
                           'Only needed when the stacks do not carry their dates: one date per band, separated by '
                           'commas, for both stacks.')
        self.add_parameter(QgsProcessingParameterNumber(self.OVERPASS_SOLAR_TIME, 'Overpass local solar time (hours)',
                                                        QgsProcessingParameterNumber.Double,
                                                        defaultValue=SunGeometry.solar_hour, minValue=0.0,
                                                        maxValue=24.0),
                           'Local solar time of the LST acquisitions (10.5 for Terra, 13.5 for Aqua); the sun '
                           'position is computed for each date.', advanced=True)
        self.add_method_parameters()
        self.add_parameter(QgsProcessingParameterEnum(self.OUTPUT_MODE, 'Output as', options=list(OUTPUT_MODES),
                                                      defaultValue=0),
                           'A single multi-band GeoTIFF with one band per date, or one GeoTIFF per date in a folder.')
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, 'Downscaled series (multi-band)',
                                                                   optional=True),
                           'Float32 GeoTIFF, one band per date (m³/m³), dates in band descriptions and metadata.')
        self.add_parameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, 'Folder for one file per date',
                                                                   optional=True),
                           'Used when "Output as" is one GeoTIFF per date: soil_moisture_YYYY-MM-DD.tif files.')
        self.add_parameter(QgsProcessingParameterString(self.DASK_SCHEDULER, 'Dask scheduler address', optional=True,
                                                        multiLine=False),
                           'Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786) to run the dates on its '
                           'workers, one task per date. Empty: run here.', advanced=True)
        self.addOutput(QgsProcessingOutputNumber('N_DATES', 'Number of dates'))
        self.addOutput(QgsProcessingOutputNumber('CONSISTENCY_MAX_ERROR', 'Largest cell-mean error (m³/m³)'))
        self.addOutput(QgsProcessingOutputMultipleLayers('OUTPUT_FILES', 'Files written'))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        coarse = self.raster_source(parameters, self.COARSE_SM, context, 'coarse soil moisture')
        lst = self.raster_source(parameters, self.LST, context, 'LST')
        ndvi = self.raster_source(parameters, self.NDVI, context, 'NDVI', required=False)
        dem = self.raster_source(parameters, self.DEM, context, 'DEM', required=False)
        text = self.parameterAsString(parameters, self.DATES, context)
        dates = self.run_core(parse_date_list, text) if text.strip() else None
        sun = SunGeometry(solar_hour=self.parameterAsDouble(parameters, self.OVERPASS_SOLAR_TIME, context))
        options = self.method_options(parameters, context, sun)
        per_date = self.parameterAsEnum(parameters, self.OUTPUT_MODE, context) == 1
        if per_date:
            output = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
            if not output:
                raise self.missing_output('a folder ("Folder for one file per date")')
        else:
            output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
            if not output:
                raise self.missing_output('a file ("Downscaled series")')
        inputs = SeriesInputs(coarse.path, lst.path, ndvi.path if ndvi else None, dem, coarse.crs_wkt, lst.crs_wkt,
                              ndvi.crs_wkt if ndvi else None)
        address = self.parameterAsString(parameters, self.DASK_SCHEDULER, context).strip()
        cluster = ClusterSpec(address=address) if address else None
        if cluster is not None:
            feedback.pushInfo('Dates run on {}.'.format(cluster.describe()))
        result = self.run_core(downscale_series, inputs, output, options, dates, per_date, self.progress(feedback),
                               cluster)
        name = 'Downscaled soil moisture'
        if per_date:
            for path, day in zip(result.outputs, result.dates):
                write_sidecar_style(path, 'soil_moisture')
                details = QgsProcessingContext.LayerDetails('{} {}'.format(name, day.isoformat()), context.project(),
                                                            self.OUTPUT_FOLDER)
                details.setPostProcessor(SeriesStyler.create([day], name))
                context.addLayerToLoadOnCompletion(path, details)
        else:
            write_sidecar_style(output, 'soil_moisture')
            if context.willLoadLayerOnCompletion(output):
                details = context.layerToLoadOnCompletionDetails(output)
                details.name = name
                details.setPostProcessor(SeriesStyler.create(result.dates, name))
        return {self.OUTPUT: None if per_date else output, self.OUTPUT_FOLDER: output if per_date else None,
                'OUTPUT_FILES': result.outputs, 'N_DATES': len(result.dates),
                'CONSISTENCY_MAX_ERROR': result.consistency_max_error}

    @staticmethod
    def missing_output(what):
        from qgis.core import QgsProcessingException
        return QgsProcessingException('Choose where to write the series: {}.'.format(what))
