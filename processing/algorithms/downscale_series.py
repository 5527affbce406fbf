"""soilmoisture:downscaleseries — Downscale a soil moisture series."""
import os

from qgis.core import (QgsProcessingContext, QgsProcessingException, QgsProcessingOutputMultipleLayers,
                       QgsProcessingOutputNumber, QgsProcessingParameterEnum, QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterString, QgsProcessingUtils)

from ...core.distributed import ClusterSpec
from ...core.series import SeriesInputs, downscale_series, parse_date_list
from ...core.terrain import SunGeometry
from ...translation import QT_TRANSLATE_NOOP, tr
from ..outputs import COARSE_ITEM, is_temporary_output, optional_output_layer
from ..styling import SeriesStyler, load_details, sidecar_path, write_sidecar_style
from .base import final_output_path, run_commit
from .downscale import DownscaleAlgorithm

OUTPUT_MODES = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'One multi-band GeoTIFF (band per date)'),
                QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'One GeoTIFF per date in a folder'))


class DownscaleSeriesAlgorithm(DownscaleAlgorithm):
    DATES = 'DATES'
    OUTPUT_MODE = 'OUTPUT_MODE'
    OUTPUT_FOLDER = 'OUTPUT_FOLDER'
    DASK_SCHEDULER = 'DASK_SCHEDULER'

    def name(self):
        return 'downscaleseries'

    def displayName(self):  # noqa: N802
        return tr('Downscale a soil moisture series')

    def shortDescription(self):  # noqa: N802
        return tr('Every date of a soil moisture stack downscaled in one run, loaded for the Temporal Controller.')

    def tags(self):
        return super().tags() + ['time series', 'daily', 'temporal', 'stack', 'seamless']

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Downscales every date of a coarse soil moisture stack (one band per date, m³/m³) onto the grid of an '
            'LST stack (one band per date, K), with the same method and options as "Downscale soil moisture".\n\n'
            'Dates are read from the stacks (as written by "Import soil moisture product" and "Import MODIS LST / '
            'NDVI") or given as a list, one per band. Both stacks must hold the same dates. NDVI may be one raster '
            'for all dates or a dated stack, interpolated linearly in time. With gap filling, LST cloud gaps are '
            'filled with each pixel\'s annual temperature cycle plus the day\'s anomaly when the series covers at '
            'least 10 dates over 90 days, and spatially otherwise, so every date gives a complete map where the '
            'coarse product has data; dates the product leaves empty give an empty band.\n\n'
            'Output: one multi-band GeoTIFF (band per date, dates in the band descriptions) or one GeoTIFF per date. '
            'Loaded layers are set up for the Temporal Controller (one layer per date, each shown on its day, in '
            'one group); the soil moisture inspector plots a pixel over time.\n\n'
            'Each date is written as soon as it is done, with a fingerprint of its inputs and options: run again '
            'after a stop (same inputs, options and output) and the finished dates are kept, not recomputed. '
            'With a Dask scheduler address (advanced), the dates run on that Dask cluster, one task per date; its '
            'workers need this package installed (pip install soil_moisture_downscaling[dask]) and must see the '
            'input and output paths under the same names.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.COARSE_SM, tr('Coarse soil moisture stack (m³/m³)')),
                           tr('One band per date, m³/m³, e.g. from "Import soil moisture product".'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, tr('LST stack (K)')),
                           tr('One band per date, kelvin, e.g. from "Import MODIS LST / NDVI". Its grid is the output '
                              'grid.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, tr('NDVI (single or dated stack)'),
                                                             optional=True),
                           tr('One NDVI raster for all dates, or a stack with dates (interpolated in time). Needed by '
                              'every method except bilinear.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, tr('DEM (m; terrain-aware method)'),
                                                             optional=True),
                           tr('Elevation in metres; needed by the terrain-aware method.'))
        self.add_parameter(QgsProcessingParameterString(self.DATES, tr('Dates, one per band'),
                                                        optional=True, multiLine=False),
                           tr('Only needed when the stacks do not carry their dates: one date (YYYY-MM-DD) per band, '
                              'separated by commas, for both stacks.'))
        self.add_parameter(QgsProcessingParameterNumber(self.OVERPASS_SOLAR_TIME, tr('Overpass local solar time (h)'),
                                                        QgsProcessingParameterNumber.Double,
                                                        defaultValue=SunGeometry.solar_hour, minValue=0.0,
                                                        maxValue=24.0),
                           tr('Local solar time of the LST acquisitions (10.5 for Terra, 13.5 for Aqua); the sun '
                              'position is computed for each date.'), advanced=True)
        self.add_method_parameters()
        self.add_parameter(QgsProcessingParameterEnum(self.OUTPUT_MODE, tr('Output as'),
                                                      options=[tr(mode) for mode in OUTPUT_MODES], defaultValue=0),
                           tr('A single multi-band GeoTIFF with one band per date, or one GeoTIFF per date in a '
                              'folder.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Downscaled series (multi-band)'),
                                                                   optional=True),
                           tr('Float32 GeoTIFF, one band per date (m³/m³), dates in band descriptions and metadata.'))
        self.add_parameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER,
                                                                   tr('Folder for one file per date'), optional=True),
                           tr('Used when "Output as" is one GeoTIFF per date: soil_moisture_YYYY-MM-DD.tif files.'))
        self.add_parameter(QgsProcessingParameterString(self.DASK_SCHEDULER, tr('Dask scheduler address'),
                                                        optional=True, multiLine=False),
                           tr('Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786) to run the dates on its '
                              'workers, one task per date. Empty: run here.'), advanced=True)
        self.addOutput(QgsProcessingOutputNumber('N_DATES', tr('Number of dates')))
        self.addOutput(QgsProcessingOutputNumber('CONSISTENCY_MAX_ERROR', tr('Largest cell-mean error (m³/m³)')))
        self.addOutput(QgsProcessingOutputMultipleLayers('OUTPUT_FILES', tr('Files written')))
        self.addOutput(QgsProcessingOutputNumber('N_INFEASIBLE_CELLS', tr('Coarse cells outside the soil moisture '
                                                                          'bounds, summed over the dates')))

    def output_band_count(self, name, parameters, context):
        # One band per date of the coarse stack in the multi-band output.
        return self.raster_band_count(parameters, self.COARSE_SM, context) if name == self.OUTPUT else 1

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
                raise self.missing_output(tr('a folder ("Folder for one file per date")'))
        else:
            output = optional_output_layer(self, parameters, self.OUTPUT, context)
            if not output:
                raise self.missing_output(tr('a file ("Downscaled series")'))
        inputs = SeriesInputs(coarse.path, lst.path, ndvi.path if ndvi else None, dem, coarse.crs_wkt, lst.crs_wkt,
                              ndvi.crs_wkt if ndvi else None)
        address = self.parameterAsString(parameters, self.DASK_SCHEDULER, context).strip()
        cluster = ClusterSpec(address=address) if address else None
        if cluster is not None:
            feedback.pushInfo(tr('Dates run on {}.').format(cluster.describe()))
        # The dates are committed by the core as each is done (a stopped run resumes); the multi-band output is
        # staged in this run's commit, so its style file and it appear together. An output that is not
        # resumable is staged already (resumable_outputs): the core commits into its staged place.
        commit = run_commit()
        resumable = final_output_path(output) == output
        result = self.run_core(downscale_series, inputs, output, options, dates, per_date, self.progress(feedback),
                               cluster, commit if resumable else None, {COARSE_ITEM: os.path.abspath(coarse.path)})
        name = self.series_name(output, per_date)
        group = tr('{} ({}, {} dates)').format(name, options.method.title, len(result.dates))
        for path in result.outputs:
            # Next to a date file in place already, the style file is staged to appear with the run's outputs.
            in_place = per_date and final_output_path(path) == path
            write_sidecar_style(path, 'soil_moisture', commit.stage(sidecar_path(path)) if in_place else None)
        if per_date:
            for path, day in zip(result.outputs, result.dates):
                details = QgsProcessingContext.LayerDetails('{} {}'.format(name, day.isoformat()), context.project(),
                                                            self.OUTPUT_FOLDER)
                # Without the hint Processing tries the file as a vector first ("OGR: Cannot open …").
                details.layerTypeHint = QgsProcessingUtils.LayerHint.Raster
                details.forceName = True
                details.setPostProcessor(SeriesStyler.create([day], name, group))
                context.addLayerToLoadOnCompletion(final_output_path(path), details)
        else:
            details = load_details(context, output)
            if details is not None:
                details.name = name
                details.layerTypeHint = QgsProcessingUtils.LayerHint.Raster
                details.setPostProcessor(SeriesStyler.create(result.dates, name, group))
        return {self.OUTPUT: None if per_date else output, self.OUTPUT_FOLDER: output if per_date else None,
                'OUTPUT_FILES': result.outputs, 'N_DATES': len(result.dates),
                'CONSISTENCY_MAX_ERROR': result.consistency_max_error, 'N_INFEASIBLE_CELLS': result.n_infeasible_cells}

    def resumable_outputs(self, targets):
        """The series and its folder: the core commits each date as it is done, so a stopped run resumes.
        Not a temporary output that Processing made up (no later run finds it): staged like any other, a
        failed run leaves nothing of it."""
        return [t.path for t in targets if t.name in (self.OUTPUT, self.OUTPUT_FOLDER)
                and not is_temporary_output(t.path)]

    @staticmethod
    def series_name(output, per_date):
        """Layer names of a series: the file's (or folder's) name, unless Processing made it up (``output``
        may be the staged path of the running algorithm: the name is the final file's or folder's)."""
        output = final_output_path(output)
        if is_temporary_output(output):
            return tr('Downscaled soil moisture')
        return os.path.basename(os.path.normpath(output)) if per_date else os.path.splitext(
            os.path.basename(output))[0]

    @staticmethod
    def missing_output(what):
        return QgsProcessingException(tr('Choose where to write the series: {}.').format(what))
