"""soilmoisture:correctlst — Correct LST for terrain."""
from qgis.core import (QgsProcessingOutputNumber, QgsProcessingParameterEnum, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from ...core.downscaling import correct_lst_raster
from ...translation import QT_TRANSLATE_NOOP, tr
from ..outputs import output_layer_name, parameter_default_names
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm

#: MODE enum; the order is permanent.
MODES = ('illumination+lapse', 'illumination', 'fixed lapse rate')
MODE_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination and fitted lapse rate (default)'),
               QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination only'),
               QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination and fixed lapse rate (-6.5 K/km)'))


class CorrectLstAlgorithm(SoilMoistureAlgorithm):
    LST = 'LST'
    NDVI = 'NDVI'
    DEM = 'DEM'
    MODE = 'MODE'
    OUTPUT = 'OUTPUT'

    def name(self):
        return 'correctlst'

    def displayName(self):  # noqa: N802
        return tr('Correct LST for terrain')

    def shortDescription(self):  # noqa: N802
        return tr('Land surface temperature with the effects of elevation and sun illumination removed (LST*).')

    def tags(self):
        return ['LST', 'land surface temperature', 'terrain', 'topographic correction', 'illumination',
                'lapse rate', 'DEM', 'MODIS']

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Removes the effect of elevation (lapse rate) and sun illumination from a land surface temperature '
            'raster, keeping the part that terrain does not explain (which carries the soil moisture signal).\n\n'
            'Fits LST = a0 + a1·z + a2·cos i + a3·NDVI over the scene (least squares with 3σ outlier trimming), '
            'then writes LST* = LST − a1·(z − mean z) − a2·(cos i − cos θz), where cos i is the illumination of '
            'each pixel from the DEM\'s slope and aspect and the sun position, and cos θz that of flat ground.\n\n'
            'The log reports the fitted lapse rate (K/km) and illumination coefficient and checks that LST* no '
            'longer follows the illumination. This is the first step of "Downscale soil moisture"; running it and '
            'then the downscaling without terrain correction (method 5) gives the same map as method 0 with the '
            'per-cell AICc choice and the same terrain mode (method 0\'s self-adaptive selection also compares '
            'terrain modes, predictors and windows, which a chain of two steps cannot).')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, tr('Land surface temperature (K)')),
                           tr('Daytime LST in kelvin; its grid is the output grid.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, tr('NDVI')),
                           tr('NDVI in [-1, 1]; in the fit so that vegetation is not mistaken for terrain.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, tr('Digital elevation model (m)')),
                           tr('Elevation in metres, any CRS and resolution.'))
        self.add_sun_parameters()
        self.add_parameter(QgsProcessingParameterEnum(self.MODE, tr('Correction'),
                                                      options=[tr(label) for label in MODE_LABELS], defaultValue=0),
                           tr('Which terrain effects are removed: illumination and a lapse rate fitted to the scene, '
                              'illumination only, or illumination and the standard -6.5 K/km lapse rate.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Terrain-corrected LST')),
                           tr('Float32 GeoTIFF (K) on the LST grid.'))
        self.addOutput(QgsProcessingOutputNumber('LAPSE_RATE_K_PER_KM', tr('Lapse rate (K/km)')))
        self.addOutput(QgsProcessingOutputNumber('ILLUMINATION_COEFFICIENT_K', tr('Illumination coefficient (K)')))
        self.addOutput(QgsProcessingOutputNumber('CORR_LST_STAR_COS_I', tr('corr(LST*, cos i)')))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        lst = self.raster_source(parameters, self.LST, context, 'LST')
        ndvi = self.raster_source(parameters, self.NDVI, context, 'NDVI')
        dem = self.raster_source(parameters, self.DEM, context, 'DEM')
        mode = MODES[self.parameterAsEnum(parameters, self.MODE, context)]
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = self.run_core(correct_lst_raster, lst, ndvi, dem, output, mode,
                               self.sun_geometry(parameters, context, lst), self.memory_mb(), self.progress(feedback))
        feedback.pushInfo(tr('Fitted lapse rate: {:.2f} K/km; illumination coefficient: {:.2f} K.').format(
            result.correction.lapse_rate_k_per_km, result.correction.illumination_k))
        write_sidecar_style(output, 'lst')
        style_on_load(context, output, 'lst',
                      output_layer_name(output, tr('Terrain-corrected LST')),
                      parameter_default_names(self, self.OUTPUT))
        return {self.OUTPUT: output, 'LAPSE_RATE_K_PER_KM': result.correction.lapse_rate_k_per_km,
                'ILLUMINATION_COEFFICIENT_K': result.correction.illumination_k,
                'CORR_LST_STAR_COS_I': result.check.corr_lst_star_cos_i}
