"""soilmoisture:filllstgaps — Fill LST gaps."""
from qgis.core import (QgsProcessingOutputNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer, QgsProcessingParameterString)

from ...core.lst_gaps import fill_lst_gaps
from ...core.series import parse_date_list
from ...translation import tr
from ..outputs import optional_output_layer, output_layer_name, parameter_default_names
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm


class FillLstGapsAlgorithm(SoilMoistureAlgorithm):
    LST = 'LST'
    NDVI = 'NDVI'
    DEM = 'DEM'
    DATES = 'DATES'
    OUTPUT = 'OUTPUT'
    FILLED_MASK = 'FILLED_MASK'

    def name(self):
        return 'filllstgaps'

    def displayName(self):  # noqa: N802
        return tr('Fill LST gaps')

    def shortDescription(self):  # noqa: N802
        return tr('Cloud gaps in land surface temperature filled from terrain and NDVI, or from each pixel\'s '
                  'annual cycle.')

    def tags(self):
        return ['LST', 'cloud', 'gap filling', 'seamless', 'annual cycle', 'interpolation', 'MODIS']

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Fills cloud gaps in land surface temperature (K).\n\n'
            'One date: LST is modelled from elevation, sun illumination (from the DEM and the sun position) and NDVI '
            'on the clear pixels, and the model plus its residual interpolated from nearby clear pixels fills the '
            'gaps. A stack of dates covering at least 90 days (10 dates or more): each pixel\'s annual temperature '
            'cycle, fitted on its clear days, plus the day\'s anomaly interpolated from that day\'s clear pixels. '
            'Shorter stacks are filled date by date spatially.\n\n'
            'The optional mask marks filled pixels (1), original ones (0) and those still unknown (255).')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, tr('Land surface temperature (K)')),
                           tr('One date, or a stack with one band per date (dates in the metadata or given below).'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, tr('NDVI'), optional=True),
                           tr('NDVI in [-1, 1], a predictor of LST for one date; its own holes are interpolated.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, tr('Digital elevation model (m)'),
                                                             optional=True),
                           tr('Elevation in metres, any CRS and resolution; gives elevation and illumination as '
                              'predictors of LST for one date.'))
        self.add_sun_parameters()
        self.add_parameter(QgsProcessingParameterString(self.DATES, tr('Dates of a stack'), optional=True),
                           tr('One date (YYYY-MM-DD) per band, separated by commas, only when the stack does not '
                              'carry its dates.'), advanced=True)
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Gap-filled LST')),
                           tr('Float32 GeoTIFF (K), same bands as the input.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.FILLED_MASK, tr('Filled-pixel mask'),
                                                                   optional=True, createByDefault=False),
                           tr('Byte raster: 1 filled, 0 original, 255 still unknown.'))
        self.addOutput(QgsProcessingOutputNumber('N_FILLED', tr('Pixels filled')))
        self.addOutput(QgsProcessingOutputNumber('N_MISSING', tr('Pixels still missing')))

    def output_band_count(self, name, parameters, context):
        return self.raster_band_count(parameters, self.LST, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        lst = self.raster_source(parameters, self.LST, context, 'LST')
        ndvi = self.raster_source(parameters, self.NDVI, context, 'NDVI', required=False)
        dem = self.raster_source(parameters, self.DEM, context, 'DEM', required=False)
        text = self.parameterAsString(parameters, self.DATES, context)
        dates = self.run_core(parse_date_list, text) if text.strip() else None
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        mask = optional_output_layer(self, parameters, self.FILLED_MASK, context)
        sun = self.sun_geometry(parameters, context, lst)
        result = self.run_core(fill_lst_gaps, lst.path, output, ndvi, dem, sun, dates, self.memory_mb(), mask,
                               lst.crs_wkt, self.progress(feedback))
        write_sidecar_style(output, 'lst')
        style_on_load(context, output, 'lst', output_layer_name(output, tr('Gap-filled LST')),
                      parameter_default_names(self, self.OUTPUT))
        return {self.OUTPUT: output, self.FILLED_MASK: mask, 'N_FILLED': result.n_filled,
                'N_MISSING': result.n_missing_after}
