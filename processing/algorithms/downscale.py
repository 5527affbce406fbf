"""soilmoisture:downscale — Downscale soil moisture."""
from qgis.core import (QgsProcessingOutputNumber, QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterFileDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from ...core.downscaling import (MODELS, PREDICTORS, SELECTIONS, TERRAIN_MODE_CHOICES, DownscaleInputs,
                                 DownscaleOptions, Method, downscale)
from ...report.downscaling import write_downscaling_report
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm


class DownscaleAlgorithm(SoilMoistureAlgorithm):
    COARSE_SM = 'COARSE_SM'
    LST = 'LST'
    NDVI = 'NDVI'
    DEM = 'DEM'
    METHOD = 'METHOD'
    MODEL = 'MODEL'
    MIN_HALF_WINDOW = 'MIN_HALF_WINDOW'
    MAX_HALF_WINDOW = 'MAX_HALF_WINDOW'
    MIN_VALID_FRACTION = 'MIN_VALID_FRACTION'
    SM_MIN = 'SM_MIN'
    SM_MAX = 'SM_MAX'
    FILL_GAPS = 'FILL_GAPS'
    NOISE_FILTER = 'NOISE_FILTER'
    SELECTION = 'SELECTION'
    TERRAIN_MODE = 'TERRAIN_MODE'
    PREDICTORS = 'PREDICTORS'
    OUTPUT = 'OUTPUT'
    DIAGNOSTICS = 'DIAGNOSTICS'
    REPORT = 'REPORT'

    def name(self):
        return 'downscale'

    def displayName(self):  # noqa: N802
        return 'Downscale soil moisture'

    def tags(self):
        return ['soil moisture', 'downscaling', 'disaggregation', 'LST', 'NDVI', 'MODIS', 'ESA CCI', 'SMAP', 'SMOS',
                'terrain', 'DEM', 'moving window', 'GWR', 'DISPATCH', 'hydrology']

    def shortHelpString(self):  # noqa: N802
        return (
            'Downscales a coarse soil moisture raster (m³/m³, e.g. 25 km ESA CCI, C3S, SMAP or SMOS) to the grid of a '
            'land surface temperature raster (kelvin, e.g. 1 km MODIS LST), using NDVI and a DEM.\n\n'
            'The default method (Zhao et al. 2025) removes the effect of elevation and sun illumination from the LST, '
            'fits soil moisture against the corrected LST and NDVI (and, where it helps, elevation) in a moving window '
            'whose size is chosen per coarse cell, applies the local models at the fine scale, and corrects the '
            'residuals so that the mean of the fine pixels of every coarse cell equals its coarse value.\n\n'
            'Inputs may be in any CRS and resolution: NDVI and the DEM are warped onto the LST grid; the coarse '
            'product keeps its own grid. Give the sun angles, or the acquisition date (and overpass time), for the '
            'illumination. The optional diagnostics raster holds, per pixel, the chosen window, predictors, fit '
            'quality, coefficients and quality flags (1 LST filled, 2 coarse value filled, 4 global fallback '
            'model, 8 clipped, 16 outside the coarse product). The optional report is an HTML page with maps and '
            'plots.\n\nThe memory used per block is set in Settings ▸ Options ▸ Processing ▸ Providers.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.COARSE_SM, 'Coarse soil moisture (m³/m³)'),
                           'Coarse volumetric soil moisture in m³/m³ (not %), e.g. ESA CCI / C3S (0.25°), SMAP or '
                           'SMOS. Band 1 is used.')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, 'Land surface temperature (K)'),
                           'Daytime LST in kelvin. Its grid is the output grid (e.g. MODIS MOD11A1 at 1 km).')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, 'NDVI', optional=True),
                           'NDVI in [-1, 1] (e.g. MODIS MOD13A2). Needed by every method except bilinear.')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, 'Digital elevation model (m)', optional=True),
                           'Elevation in metres, any CRS and resolution. Needed by the terrain-aware method; the '
                           'adaptive window without terrain correction uses it as a candidate predictor.')
        self.add_sun_parameters()
        self.add_method_parameters()
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, 'Downscaled soil moisture'),
                           'Float32 GeoTIFF on the LST grid, m³/m³, nodata -9999.')
        self.add_parameter(QgsProcessingParameterRasterDestination(self.DIAGNOSTICS, 'Diagnostics', optional=True,
                                                                   createByDefault=False),
                           'Multi-band raster on the LST grid: half_window, predictor_set, n_samples, r_squared, '
                           'the model coefficients (SI units), fallback and quality bit flags.')
        self.add_parameter(QgsProcessingParameterFileDestination(self.REPORT, 'Report', 'HTML files (*.html)',
                                                                 optional=True, createByDefault=False),
                           'HTML report with maps of the input and output, the coarse-scale fit, the window sizes '
                           'and the value-consistency check.')
        self.addOutput(QgsProcessingOutputNumber('CONSISTENCY_MAX_ERROR', 'Largest cell-mean error (m³/m³)'))
        self.addOutput(QgsProcessingOutputNumber('LAPSE_RATE_K_PER_KM', 'Fitted lapse rate (K/km)'))
        self.addOutput(QgsProcessingOutputNumber('ILLUMINATION_COEFFICIENT_K', 'Fitted illumination coefficient (K)'))

    def add_method_parameters(self):
        """METHOD … FILL_GAPS: shared with "Downscale a soil moisture series"."""
        self.add_parameter(QgsProcessingParameterEnum(self.METHOD, 'Method', options=Method.labels(),
                                                      defaultValue=0),
                           'Downscaling method. The others are for comparison: bilinear is the floor every method '
                           'must beat; method 5 is the default without the terrain correction of LST.')
        self.add_parameter(QgsProcessingParameterEnum(self.MODEL, 'Linking model', options=list(MODELS),
                                                      defaultValue=0),
                           'Form of the local soil moisture model: linear in LST* and NDVI (default), or the '
                           '6-term quadratic ("universal triangle" form).', advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MIN_HALF_WINDOW, 'Smallest half-window (coarse cells)',
                                                        QgsProcessingParameterNumber.Integer, defaultValue=2,
                                                        minValue=1, maxValue=25),
                           'Smallest moving window tried, as a half-width h in coarse cells (window (2h+1)²).',
                           advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MAX_HALF_WINDOW, 'Largest half-window (coarse cells)',
                                                        QgsProcessingParameterNumber.Integer, defaultValue=6,
                                                        minValue=1, maxValue=25),
                           'Largest moving window tried, as a half-width h in coarse cells.', advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MIN_VALID_FRACTION,
                                                        'Minimum valid fraction of a coarse cell',
                                                        QgsProcessingParameterNumber.Double, defaultValue=0.5,
                                                        minValue=0.01, maxValue=1.0),
                           'A coarse cell takes part in the calibration only if at least this fraction of its fine '
                           'pixels has valid LST and NDVI.', advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.SM_MIN, 'Lowest soil moisture (m³/m³)',
                                                        QgsProcessingParameterNumber.Double, defaultValue=0.0,
                                                        minValue=0.0, maxValue=1.0),
                           'Downscaled values are kept above this bound; the clipped amount is moved onto the other '
                           'pixels of the cell so its mean is unchanged.', advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.SM_MAX, 'Highest soil moisture (m³/m³)',
                                                        QgsProcessingParameterNumber.Double, defaultValue=0.6,
                                                        minValue=0.0, maxValue=1.0),
                           'Downscaled values are kept below this bound (porosity).', advanced=True)
        self.add_parameter(QgsProcessingParameterBoolean(self.FILL_GAPS, 'Fill gaps (seamless output)',
                                                         defaultValue=True),
                           'Fill cloud gaps in LST (terrain and NDVI model plus the interpolated residual) and holes '
                           'in NDVI, and estimate coarse cells that have no value from their local model, so the map '
                           'has no holes. Filled pixels are flagged in the diagnostics quality band (1 LST filled, '
                           '2 coarse value filled).')
        self.add_parameter(QgsProcessingParameterBoolean(self.NOISE_FILTER, 'Filter pixel noise of the predictors',
                                                         defaultValue=True),
                           'Methods 0 and 5: estimate the per-pixel (white) noise of LST and NDVI from their '
                           'semivariogram and weight the fine-scale anomalies by their signal fraction before applying '
                           'the coarse-scale model, so sensor noise does not become soil moisture noise. Off: the '
                           'model is applied to the predictors as they are (as in the published method).',
                           advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(self.SELECTION, 'How the configuration is chosen',
                                                      options=list(SELECTIONS), defaultValue=0),
                           'Method 0. Self-adaptive: per scene, the terrain correction, the predictor set and the '
                           'moving window (or one scene-wide model) whose expected fine-scale error is lowest: each '
                           'coarse cell left out and predicted by the others, corrected by its neighbours\' '
                           'residuals as the residual step would, plus the pixel noise the coefficients carry. '
                           'Per-cell AICc: the choice of version 0.1 (per cell, the window and predictors with the '
                           'lowest AICc; terrain correction illumination+lapse unless set below).', advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(self.TERRAIN_MODE, 'Terrain correction of LST',
                                                      options=list(TERRAIN_MODE_CHOICES), defaultValue=0),
                           'Method 0. auto: chosen by the self-adaptive selection between the fitted lapse rate and '
                           'the fixed −6.5 K/km (both with the fitted illumination); or one mode imposed.',
                           advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(self.PREDICTORS, 'Predictors of the linking model',
                                                      options=list(PREDICTORS), defaultValue=0),
                           'Methods 0 and 5. auto: LST* and NDVI, with or without the cell-mean elevation, chosen '
                           'by the selection; or one set imposed.', advanced=True)

    def method_options(self, parameters, context, sun):
        """DownscaleOptions from the parameters of add_method_parameters()."""
        return DownscaleOptions(
            method=Method(self.parameterAsEnum(parameters, self.METHOD, context)),
            model=MODELS[self.parameterAsEnum(parameters, self.MODEL, context)],
            min_half_window=self.parameterAsInt(parameters, self.MIN_HALF_WINDOW, context),
            max_half_window=self.parameterAsInt(parameters, self.MAX_HALF_WINDOW, context),
            min_valid_fraction=self.parameterAsDouble(parameters, self.MIN_VALID_FRACTION, context),
            sm_min=self.parameterAsDouble(parameters, self.SM_MIN, context),
            sm_max=self.parameterAsDouble(parameters, self.SM_MAX, context),
            sun=sun, memory_mb=self.memory_mb(), threads=self.threads(),
            fill_gaps=self.parameterAsBoolean(parameters, self.FILL_GAPS, context),
            noise_filter=self.parameterAsBoolean(parameters, self.NOISE_FILTER, context),
            selection=SELECTIONS[self.parameterAsEnum(parameters, self.SELECTION, context)],
            terrain_mode=TERRAIN_MODE_CHOICES[self.parameterAsEnum(parameters, self.TERRAIN_MODE, context)],
            predictors=PREDICTORS[self.parameterAsEnum(parameters, self.PREDICTORS, context)])

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        inputs = DownscaleInputs(
            coarse_sm=self.raster_source(parameters, self.COARSE_SM, context, 'coarse soil moisture'),
            lst=self.raster_source(parameters, self.LST, context, 'LST'),
            ndvi=self.raster_source(parameters, self.NDVI, context, 'NDVI', required=False),
            dem=self.raster_source(parameters, self.DEM, context, 'DEM', required=False))
        options = self.method_options(parameters, context, self.sun_geometry(parameters, context, inputs.lst))
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        diagnostics = self.parameterAsOutputLayer(parameters, self.DIAGNOSTICS, context) or None
        report = self.parameterAsFileOutput(parameters, self.REPORT, context) or None
        feedback.pushInfo('Method: {}; memory budget {:.0f} MB.'.format(options.method.label,
                                                                         options.memory_mb))
        result = self.run_core(downscale, inputs, output, options, diagnostics, self.progress(feedback))

        write_sidecar_style(output, 'soil_moisture')
        style_on_load(context, output, 'soil_moisture', 'Downscaled soil moisture')
        if diagnostics:
            write_sidecar_style(diagnostics, 'diagnostics')
            style_on_load(context, diagnostics, 'diagnostics', 'Downscaling diagnostics')
        if report:
            feedback.pushInfo('Writing the report…')
            write_downscaling_report(report, result, self._describe_inputs(inputs),
                                     self._describe_options(options))
        return {
            self.OUTPUT: output, self.DIAGNOSTICS: diagnostics, self.REPORT: report,
            'CONSISTENCY_MAX_ERROR': result.consistency_max_error,
            'LAPSE_RATE_K_PER_KM': result.terrain.lapse_rate_k_per_km,
            'ILLUMINATION_COEFFICIENT_K': result.terrain.illumination_k,
        }

    @staticmethod
    def _describe_inputs(inputs):
        rows = []
        for label, source in (('Coarse soil moisture', inputs.coarse_sm), ('LST', inputs.lst),
                              ('NDVI', inputs.ndvi), ('DEM', inputs.dem)):
            rows.append((label, source.path if source is not None else '(none)'))
        return rows

    @staticmethod
    def _describe_options(options):
        return [('Method', options.method.label), ('Linking model', options.model),
                ('Selection', options.selection), ('Terrain correction', options.terrain_mode),
                ('Predictors', options.predictors),
                ('Half-windows (cells)', '{}–{}'.format(options.min_half_window, options.max_half_window)),
                ('Minimum valid fraction', options.min_valid_fraction),
                ('Soil moisture bounds (m³/m³)', '{}–{}'.format(options.sm_min, options.sm_max)),
                ('Fill gaps', 'yes' if options.fill_gaps else 'no'),
                ('Noise filter', 'yes' if options.noise_filter else 'no'),
                ('Sun', options.sun.describe() if (options.sun.fixed or options.sun.acquisition_date) else '(none)'),
                ('Memory budget (MB)', options.memory_mb)]
