"""soilmoisture:downscale — Downscale soil moisture."""
import os

from qgis.core import (QgsProcessingOutputNumber, QgsProcessingParameterBoolean, QgsProcessingParameterEnum,
                       QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination,
                       QgsProcessingParameterRasterLayer)

from ...core.dates import disagreeing_dates, first_band_date
from ...core.downscaling import (DIAGNOSTIC_BANDS, MODELS, PREDICTORS, RESIDUAL_SPREADS, SELECTIONS,
                                 TERRAIN_MODE_CHOICES, DownscaleInputs, DownscaleOptions, Method, downscale)
from ...core.downscaling.methods import method_for
from ...core.raster_io import update_metadata
from ...report.downscaling import describe_inputs, describe_options, write_downscaling_report
from ...translation import QT_TRANSLATE_NOOP, tr
from ..outputs import (COARSE_ITEM, DIAGNOSTICS_ITEM, add_report_parameter, optional_output_layer, output_layer_name,
                       parameter_default_names, show_report)
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm, final_output_path

#: core.downscaling.Method's labels (the METHOD options, in index order), marked for translation here because
#: the core has no Qt; a test checks that the two agree.
METHOD_LABELS = (
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Terrain-aware adaptive window (default)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Bilinear interpolation (reference)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Global linear with residual correction (TsHARP-like)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Universal triangle (Chauhan 2003, Piles 2011)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'DISPATCH (Merlin 2012)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Adaptive window on the LST as given (no terrain correction)'),
)
MODEL_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'linear'),
                QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'quadratic'))

#: Days the coarse product's date may differ from the LST's before a warning (a daily product
#: should match; composites and monthly products are dated at the start of their period).
COARSE_DATE_TOLERANCE_DAYS = 3
#: Days NDVI may differ from the LST (16-day composites, slow change).
NDVI_DATE_TOLERANCE_DAYS = 32


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
    RESIDUAL = 'RESIDUAL'
    #: Labels of the RESIDUAL options, in the order of core.downscaling.RESIDUAL_SPREADS.
    RESIDUAL_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Bilinear spread between cell centres'),
                       QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Area-to-point kriging (ATPK, default)'))
    SELECTION = 'SELECTION'
    #: Labels of the SELECTION options, in the order of core.downscaling.SELECTIONS.
    SELECTION_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Self-adaptive (default)'),
                        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Per-cell AICc (version 0.1)'))
    TERRAIN_MODE = 'TERRAIN_MODE'
    #: Labels of the TERRAIN_MODE options, in the order of core.downscaling.TERRAIN_MODE_CHOICES.
    TERRAIN_MODE_LABELS = (
        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Chosen by the selection (default)'),
        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination and fitted lapse rate'),
        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination only'),
        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Illumination and fixed lapse rate (-6.5 K/km)'),
        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'None'))
    PREDICTORS = 'PREDICTORS'
    #: Labels of the PREDICTORS options, in the order of core.downscaling.PREDICTORS.
    PREDICTOR_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Chosen by the selection (default)'),
                        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'LST* and NDVI'),
                        QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'LST*, NDVI and cell-mean elevation'))
    OUTPUT = 'OUTPUT'
    DIAGNOSTICS = 'DIAGNOSTICS'
    REPORT = 'REPORT'

    def name(self):
        return 'downscale'

    def displayName(self):  # noqa: N802
        return tr('Downscale soil moisture')

    def shortDescription(self):  # noqa: N802
        return tr('Coarse soil moisture (e.g. 25 km ESA CCI, SMAP) to the 1 km grid of MODIS LST, keeping every '
                  'coarse value.')

    def tags(self):
        return ['soil moisture', 'downscaling', 'disaggregation', 'LST', 'NDVI', 'MODIS', 'ESA CCI', 'SMAP', 'SMOS',
                'terrain', 'DEM', 'moving window', 'GWR', 'DISPATCH', 'hydrology']

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Downscales a coarse soil moisture raster (m³/m³, e.g. 25 km ESA CCI, C3S, SMAP or SMOS) to the grid of a '
            'land surface temperature raster (kelvin, e.g. 1 km MODIS LST), using NDVI and a DEM.\n\n'
            'The default method (Zhao et al. 2025) removes the effect of elevation and sun illumination from the LST, '
            'fits soil moisture against the corrected LST and NDVI (and, where it helps, elevation) in a moving window '
            'whose size is chosen per coarse cell, applies the local models at the fine scale, and corrects the '
            'residuals so that the mean of the fine pixels of every coarse cell equals its coarse value.\n\n'
            'NDVI is needed by every method except bilinear interpolation, the DEM by the terrain-aware method; '
            'missing inputs are reported before the run. A warning is given when the inputs\' acquisition dates '
            'disagree.\n\n'
            'Inputs may be in any CRS and resolution: NDVI and the DEM are warped onto the LST grid; the coarse '
            'product keeps its own grid. Give the sun angles, or the acquisition date (and overpass time), for the '
            'illumination. The optional diagnostics raster holds, per pixel, the chosen window, predictors, fit '
            'quality, coefficients and quality flags (1 LST filled, 2 coarse value filled, 4 global fallback '
            'model, 8 clipped, 16 outside the coarse product, 32 terrain from a partial DEM window: slope one-sided '
            'next to DEM nodata such as a coast). The optional report is an HTML page with maps and '
            'plots.\n\nThe memory used per block is set in Settings ▸ Options ▸ Processing ▸ Providers.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterRasterLayer(self.COARSE_SM, tr('Coarse soil moisture (m³/m³)')),
                           tr('Coarse volumetric soil moisture in m³/m³ (not %), e.g. ESA CCI / C3S (0.25°), SMAP or '
                              'SMOS. Band 1 is used.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.LST, tr('Land surface temperature (K)')),
                           tr('Daytime LST in kelvin. Its grid is the output grid (e.g. MODIS MOD11A1 at 1 km).'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.NDVI, tr('NDVI (all methods but bilinear)'),
                                                             optional=True),
                           tr('NDVI in [-1, 1] (e.g. MODIS MOD13A2). Needed by every method except bilinear.'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.DEM, tr('DEM (m; terrain-aware method)'),
                                                             optional=True),
                           tr('Elevation in metres, any CRS and resolution. Needed by the terrain-aware method; the '
                              'adaptive window without terrain correction uses it as a candidate predictor.'))
        self.add_sun_parameters()
        self.add_method_parameters()
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Downscaled soil moisture')),
                           tr('Float32 GeoTIFF on the LST grid, m³/m³, nodata -9999.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.DIAGNOSTICS, tr('Diagnostics'), optional=True,
                                                                   createByDefault=False),
                           tr('Multi-band raster on the LST grid: half_window, predictor_set, n_samples, r_squared, '
                              'the model coefficients (SI units), fallback and quality bit flags.'))
        add_report_parameter(self, self.REPORT, tr('Report'),
                             tr('HTML report with maps of the input and output, the coarse-scale fit, the window '
                                'sizes and the value-consistency check.'))
        self.addOutput(QgsProcessingOutputNumber('CONSISTENCY_MAX_ERROR', tr('Largest cell-mean error (m³/m³)')))
        self.addOutput(QgsProcessingOutputNumber('LAPSE_RATE_K_PER_KM', tr('Fitted lapse rate (K/km)')))
        self.addOutput(QgsProcessingOutputNumber('ILLUMINATION_COEFFICIENT_K',
                                                 tr('Fitted illumination coefficient (K)')))
        self.addOutput(QgsProcessingOutputNumber(
            'N_INFEASIBLE_CELLS', tr('Coarse cells outside the soil moisture bounds (cannot keep their value)')))
        self.addOutput(QgsProcessingOutputNumber('INFEASIBLE_MAX_ERROR',
                                                 tr('Largest cell-mean error of those cells (m³/m³)')))

    def add_method_parameters(self):
        """METHOD … FILL_GAPS: shared with "Downscale a soil moisture series"."""
        self.add_parameter(QgsProcessingParameterEnum(self.METHOD, tr('Method'),
                                                      options=[tr(label) for label in Method.labels()], defaultValue=0),
                           tr('Downscaling method. The others are for comparison: bilinear is the floor every method '
                              'must beat; method 5 is the default without the terrain correction of LST.'))
        self.add_parameter(QgsProcessingParameterEnum(self.MODEL, tr('Linking model'),
                                                      options=[tr(label) for label in MODEL_LABELS], defaultValue=0),
                           tr('Form of the local soil moisture model: linear in LST* and NDVI (default), or the '
                              '6-term quadratic ("universal triangle" form).'), advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MIN_HALF_WINDOW, tr('Smallest half-window (cells)'),
                                                        QgsProcessingParameterNumber.Integer,
                                                        defaultValue=DownscaleOptions.min_half_window,
                                                        minValue=1, maxValue=25),
                           tr('Smallest moving window tried, as a half-width h in coarse cells (window (2h+1)²).'),
                           advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MAX_HALF_WINDOW, tr('Largest half-window (cells)'),
                                                        QgsProcessingParameterNumber.Integer,
                                                        defaultValue=DownscaleOptions.max_half_window,
                                                        minValue=1, maxValue=25),
                           tr('Largest moving window tried, as a half-width h in coarse cells.'), advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.MIN_VALID_FRACTION, tr('Minimum valid fraction of a cell'),
                                                        QgsProcessingParameterNumber.Double,
                                                        defaultValue=DownscaleOptions.min_valid_fraction,
                                                        minValue=0.01, maxValue=1.0),
                           tr('A coarse cell takes part in the calibration only if at least this fraction of its fine '
                              'pixels has valid LST and NDVI.'), advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.SM_MIN, tr('Lowest soil moisture (m³/m³)'),
                                                        QgsProcessingParameterNumber.Double,
                                                        defaultValue=DownscaleOptions.sm_min,
                                                        minValue=0.0, maxValue=1.0),
                           tr('Downscaled values are kept above this bound; the clipped amount is moved onto the '
                              'other pixels of the cell so its mean is unchanged.'), advanced=True)
        self.add_parameter(QgsProcessingParameterNumber(self.SM_MAX, tr('Highest soil moisture (m³/m³)'),
                                                        QgsProcessingParameterNumber.Double,
                                                        defaultValue=DownscaleOptions.sm_max,
                                                        minValue=0.0, maxValue=1.0),
                           tr('Downscaled values are kept below this bound (porosity).'), advanced=True)
        self.add_parameter(QgsProcessingParameterBoolean(self.FILL_GAPS, tr('Fill gaps (seamless output)'),
                                                         defaultValue=True),
                           tr('Fill cloud gaps in LST (terrain and NDVI model plus the interpolated residual) and '
                              'holes in NDVI, and estimate coarse cells that have no value from their local model, so '
                              'the map has no holes. Filled pixels are flagged in the diagnostics quality band (1 LST '
                              'filled, 2 coarse value filled).'))
        self.add_parameter(QgsProcessingParameterBoolean(self.NOISE_FILTER, tr('Filter pixel noise of predictors'),
                                                         defaultValue=True),
                           tr('Methods 0 and 5: estimate the per-pixel (white) noise of LST and NDVI from their '
                              'semivariogram and weight the fine-scale anomalies by their signal fraction before '
                              'applying the coarse-scale model, so sensor noise does not become soil moisture noise. '
                              'Off: the model is applied to the predictors as they are (as in the published method).'),
                           advanced=True)
        # Optional, so that models saved before this parameter existed still validate (they get the default).
        self.add_parameter(QgsProcessingParameterEnum(
            self.RESIDUAL, tr('Residual spread'), options=[tr(label) for label in self.RESIDUAL_LABELS],
            defaultValue=RESIDUAL_SPREADS.index(DownscaleOptions.residual), optional=True),
                           tr('How the coarse residual (coarse value minus the mean of the fine model, m³/m³) is '
                              'spread to the pixels before the per-cell remainder makes every cell mean exact: '
                              'bilinearly between cell centres, or by area-to-point kriging (Kyriakidis 2004; default) '
                              'with a point-support covariance fitted to the coarse residuals. Methods with a residual '
                              'step only (0, 2, 4, 5).'),
                           advanced=True)

        self.add_parameter(QgsProcessingParameterEnum(
            self.SELECTION, tr('How the configuration is chosen'),
            options=[tr(label) for label in self.SELECTION_LABELS], defaultValue=0, optional=True),
                           tr('Method 0. Self-adaptive: per scene, the terrain correction, the predictor set and the '
                              'moving window (or one scene-wide model) whose expected fine-scale error is lowest: each '
                              'coarse cell left out and predicted by the others, corrected by its neighbours\' '
                              'residuals as the residual step would, plus the pixel noise the coefficients carry. '
                              'Per-cell AICc: the choice of version 0.1 (per cell, the window and predictors with the '
                              'lowest AICc; terrain correction illumination+lapse unless set below).'), advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(
            self.TERRAIN_MODE, tr('Terrain correction of LST'),
            options=[tr(label) for label in self.TERRAIN_MODE_LABELS], defaultValue=0, optional=True),
                           tr('Method 0. auto: chosen by the self-adaptive selection between the fitted lapse rate '
                              'and the fixed −6.5 K/km (both with the fitted illumination); or one mode imposed.'),
                           advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(
            self.PREDICTORS, tr('Predictors of the linking model'),
            options=[tr(label) for label in self.PREDICTOR_LABELS], defaultValue=0, optional=True),
                           tr('Methods 0 and 5. auto: LST* and NDVI, with or without the cell-mean elevation, chosen '
                              'by the selection; or one set imposed.'), advanced=True)

    def output_band_count(self, name, parameters, context):
        return len(DIAGNOSTIC_BANDS) if name == self.DIAGNOSTICS else 1

    def parameter_problems(self, parameters, context):
        """What is wrong with the method's inputs and options, as sentences saying what to change."""
        problems = []
        index = self.parameterAsEnum(parameters, self.METHOD, context)
        if index not in set(Method):
            return [tr('Choose a method between 0 and {}.').format(len(Method) - 1)]
        has_dem = self.parameterAsRasterLayer(parameters, self.DEM, context) is not None
        has_ndvi = self.parameterAsRasterLayer(parameters, self.NDVI, context) is not None
        method = method_for(DownscaleOptions(method=Method(index)), has_dem)
        label = tr(Method(index).label)
        if method.needs_ndvi and not has_ndvi:
            problems.append(tr('The method "{}" needs NDVI: choose an NDVI layer, or the bilinear method.').format(
                label))
        if method.corrects_terrain and not has_dem:
            problems.append(tr('The method "{}" needs a DEM: choose a DEM layer, or method 5 (adaptive window without '
                               'terrain correction).').format(label))
        smallest = self.parameterAsInt(parameters, self.MIN_HALF_WINDOW, context)
        largest = self.parameterAsInt(parameters, self.MAX_HALF_WINDOW, context)
        if smallest > largest:
            problems.append(tr('The smallest half-window ({}) is larger than the largest ({}): swap them.').format(
                smallest, largest))
        lowest = self.parameterAsDouble(parameters, self.SM_MIN, context)
        highest = self.parameterAsDouble(parameters, self.SM_MAX, context)
        if lowest >= highest:
            problems.append(tr('The lowest soil moisture ({}) must be below the highest ({}) m³/m³.').format(
                lowest, highest))
        return problems

    def date_warnings(self, inputs, sun):
        """Sentences warning that the inputs' acquisition dates disagree (the run goes on)."""
        lst_date = first_band_date(inputs.lst.path)
        warnings = []
        if sun.acquisition_date is not None and lst_date is not None and sun.acquisition_date != lst_date:
            warnings.append(tr('The acquisition date given ({}) is not the date of the LST raster ({}); the sun '
                               'position is computed for {}.').format(sun.acquisition_date, lst_date,
                                                                     sun.acquisition_date))
        reference = lst_date or sun.acquisition_date
        others = [(tr('coarse soil moisture'), first_band_date(inputs.coarse_sm.path), COARSE_DATE_TOLERANCE_DAYS)]
        if inputs.ndvi is not None:
            others.append((tr('NDVI'), first_band_date(inputs.ndvi.path), NDVI_DATE_TOLERANCE_DAYS))
        for label, day, apart in disagreeing_dates(reference, others):
            warnings.append(tr('The {} is dated {}, the LST {}: {} days apart. Downscaling relates soil moisture to '
                               'the temperature of the same days; check that these are the files you meant (a '
                               'monthly or composite product explains a few weeks).').format(label, day, reference,
                                                                                             apart))
        return warnings

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
            residual=RESIDUAL_SPREADS[self.parameterAsEnum(parameters, self.RESIDUAL, context)],
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
        diagnostics = optional_output_layer(self, parameters, self.DIAGNOSTICS, context)
        report = self.parameterAsFileOutput(parameters, self.REPORT, context) or None
        for warning in self.date_warnings(inputs, options.sun):
            feedback.pushWarning(warning)
        feedback.pushInfo(tr('Method: {}; memory budget {:.0f} MB.').format(tr(options.method.label),
                                                                             options.memory_mb))
        result = self.run_core(downscale, inputs, output, options, diagnostics, self.progress(feedback))

        provenance = {COARSE_ITEM: os.path.abspath(inputs.coarse_sm.path)}
        if diagnostics:
            provenance[DIAGNOSTICS_ITEM] = os.path.basename(diagnostics)
        update_metadata(output, provenance, ['soil moisture (m³/m³)'])
        day = options.sun.acquisition_date
        details = (options.method.title, day.isoformat() if day else None)
        write_sidecar_style(output, 'soil_moisture')
        style_on_load(context, output, 'soil_moisture',
                      # A temporary output is named after the coarse input, so batch rows stay apart.
                      output_layer_name(output, tr('{} downscaled').format(
                          os.path.splitext(os.path.basename(inputs.coarse_sm.path))[0]), details),
                      parameter_default_names(self, self.OUTPUT))
        if diagnostics:
            write_sidecar_style(diagnostics, 'diagnostics')
            style_on_load(context, diagnostics, 'diagnostics',
                          output_layer_name(diagnostics, tr('Downscaling diagnostics'), details),
                          parameter_default_names(self, self.DIAGNOSTICS))
        if report:
            feedback.pushInfo(tr('Writing the report…'))
            write_downscaling_report(report, result, describe_inputs(inputs, tr), describe_options(options, tr))
        # Listed in the Results Viewer after the run (postProcessAlgorithm), once the commit has put it in place.
        self.report_path = final_output_path(report) if report else None
        return {
            self.OUTPUT: output, self.DIAGNOSTICS: diagnostics, self.REPORT: report,
            'CONSISTENCY_MAX_ERROR': result.consistency_max_error,
            'LAPSE_RATE_K_PER_KM': result.terrain.lapse_rate_k_per_km,
            'ILLUMINATION_COEFFICIENT_K': result.terrain.illumination_k,
            'N_INFEASIBLE_CELLS': result.n_infeasible_cells, 'INFEASIBLE_MAX_ERROR': result.infeasible_max_error,
        }

    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        # In the main thread (dialogs, batch, models): list the report in the Results Viewer.
        show_report(self, getattr(self, 'report_path', None), feedback)
        return {}
