"""soilmoisture:importmodis — Import MODIS LST / NDVI."""
from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingOutputString,
                       QgsProcessingParameterCrs, QgsProcessingParameterEnum, QgsProcessingParameterExtent,
                       QgsProcessingParameterMultipleLayers, QgsProcessingParameterNumber,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer)

from ...core.modis import PRODUCTS, QUALITY_GOOD_AND_OTHER, VARIABLE_CHOICES, TargetGrid, import_modis
from ...translation import QT_TRANSLATE_NOOP, tr
from ..outputs import optional_output_layer
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm

#: PRODUCT_VARIABLE enum labels, in the order of core.modis.VARIABLE_CHOICES; the order is permanent.
VARIABLE_LABELS = (
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'From the files: LST for MOD11/MYD11, NDVI for MOD13/MYD13'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Land surface temperature (K), MOD11/MYD11'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'NDVI, MOD13/MYD13'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'EVI, MOD13/MYD13'),
)
#: QUALITY enum labels; the order is permanent.
QUALITY_LABELS = (
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Good quality only (LST QC = good; VI pixel reliability = good)'),
    QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Also "other quality" LST / "marginal" VI pixels'),
)


def _wkt(crs):
    return crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL)


class ImportModisAlgorithm(SoilMoistureAlgorithm):
    INPUT = 'INPUT'
    PRODUCT_VARIABLE = 'PRODUCT_VARIABLE'
    QUALITY = 'QUALITY'
    TARGET_CRS = 'TARGET_CRS'
    TARGET_EXTENT = 'TARGET_EXTENT'
    TARGET_RESOLUTION = 'TARGET_RESOLUTION'
    REFERENCE_GRID = 'REFERENCE_GRID'
    OUTPUT = 'OUTPUT'
    VIEW_TIME = 'VIEW_TIME'

    def name(self):
        return 'importmodis'

    def displayName(self):  # noqa: N802
        return tr('Import MODIS LST / NDVI')

    def tags(self):
        return ['MODIS', 'HDF', 'HDF4', 'HDF-EOS', 'LST', 'land surface temperature', 'NDVI', 'EVI', 'MOD11A1',
                'MYD11A1', 'MOD11A2', 'MOD13A2', 'MOD13A3', 'MOD13Q1', 'quality', 'QC', 'mosaic', 'sinusoidal',
                'import']

    def shortDescription(self):  # noqa: N802
        return tr('MODIS LST or NDVI HDF tiles to one quality-filtered GeoTIFF in physical units, one band per date.')

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Imports MODIS land surface temperature or vegetation index tiles (HDF4-EOS files as downloaded from '
            'NASA LP DAAC) into one GeoTIFF ready for the downscaling: physical units, quality-filtered, one band per '
            'date.\n\n'
            'Products ({}) are recognised from the file name and the HDF metadata. LST is read from LST_Day_1km in '
            'kelvin (DN × 0.02), keeping pixels whose QC_Day says "good quality" (optionally also "other '
            'quality"); NDVI or EVI is DN / 10000, keeping pixel reliability "good" (optionally also "marginal"). '
            'Fill values, out-of-range values and rejected pixels become nodata (-9999).\n\n'
            'Tiles of one date are mosaicked; several dates become one band per date, sorted, with the date in the '
            'band description and the ACQUISITION_DATE metadata (read by "Downscale soil moisture"). All files '
            'must be one product: import LST and NDVI, or Terra and Aqua, separately.\n\n'
            'By default the output stays on the native MODIS sinusoidal grid. Give a target CRS, extent and/or '
            'pixel size, or a reference raster whose grid is copied, to warp it (average resampling when '
            'coarsening, bilinear otherwise). An extent alone (or with the native pixel size) cuts the native grid '
            'without resampling. For LST, the optional view time output holds the local solar time of each '
            'observation (hours).').format(', '.join(PRODUCTS))

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.INPUT, tr('MODIS HDF files'),
                                                                QgsProcessing.TypeFile),
                           tr('One or more MODIS .hdf tiles of one product (e.g. MOD11A1.A2021227.h11v05.061.*.hdf). '
                              'Tiles of the same date are mosaicked; each date becomes one band.'))
        self.add_parameter(QgsProcessingParameterEnum(self.PRODUCT_VARIABLE, tr('Variable'),
                                                      options=[tr(label) for label in VARIABLE_LABELS],
                                                      defaultValue=0),
                           tr('What to import. "From the files" takes LST from MOD11/MYD11 and NDVI from MOD13/MYD13; '
                              'choosing a variable also checks that the files hold it.'))
        self.add_parameter(QgsProcessingParameterEnum(self.QUALITY, tr('Pixels kept'),
                                                      options=[tr(label) for label in QUALITY_LABELS],
                                                      defaultValue=0),
                           tr('Quality filter: good quality only (default), or also LST of "other quality" (QC_Day '
                              'bits 0-1 = 01) and vegetation index of "marginal" reliability (1).'), advanced=True)
        self.add_parameter(QgsProcessingParameterCrs(self.TARGET_CRS, tr('Target CRS'), optional=True),
                           tr('CRS of the output. Empty: the native MODIS sinusoidal CRS.'))
        self.add_parameter(QgsProcessingParameterExtent(self.TARGET_EXTENT, tr('Target extent'), optional=True),
                           tr('Area of the output, in any CRS (it is transformed into the target CRS). Empty: all of '
                              'the tiles.'))
        self.add_parameter(QgsProcessingParameterNumber(self.TARGET_RESOLUTION, tr('Target pixel size'),
                                                        QgsProcessingParameterNumber.Double, optional=True,
                                                        minValue=0.0),
                           tr('Pixel size of the output in target CRS units (metres, or degrees for a geographic '
                              'CRS). Empty: about the native 926.6 m (1 km products) or 231.7 m (MOD13Q1).'))
        self.add_parameter(QgsProcessingParameterRasterLayer(self.REFERENCE_GRID, tr('Reference grid (copy its grid)'),
                                                             optional=True),
                           tr('A raster whose CRS, extent and pixel size the output copies exactly, e.g. a layer of '
                              'the map. Do not combine with the target CRS, extent or pixel size.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Imported MODIS layer')),
                           tr('Float32 GeoTIFF, one band per date: LST in kelvin or NDVI/EVI (-1..1), nodata -9999.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.VIEW_TIME, tr('LST view time (hours)'),
                                                                   optional=True, createByDefault=False),
                           tr('LST products only: Day_view_time as local solar time in hours (DN × 0.1), on the '
                              'same grid and dates as the LST, nodata where the LST is nodata.'))
        self.addOutput(QgsProcessingOutputString('PRODUCT', tr('MODIS product')))
        self.addOutput(QgsProcessingOutputString('DATES', tr('Dates (band order)')))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        paths = self.parameterAsFileList(parameters, self.INPUT, context)
        variable = VARIABLE_CHOICES[self.parameterAsEnum(parameters, self.PRODUCT_VARIABLE, context)]
        quality = self.parameterAsEnum(parameters, self.QUALITY, context)
        target = self.target_grid(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        view_time = optional_output_layer(self, parameters, self.VIEW_TIME, context)
        result = self.run_core(import_modis, paths, output, variable, quality, target, view_time, self.memory_mb(),
                               self.progress(feedback))
        if quality == QUALITY_GOOD_AND_OTHER:
            feedback.pushInfo(tr('Pixels of "other" / "marginal" quality are included.'))
        feedback.pushInfo(tr('Valid pixels per date: {}.').format(', '.join(
            '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_pixels))))
        if result.variable == 'LST':
            write_sidecar_style(output, 'lst')
            style_on_load(context, output, 'lst', tr('{} LST (K)').format(result.product))
        return {self.OUTPUT: output, self.VIEW_TIME: view_time, 'PRODUCT': result.product,
                'DATES': ','.join(d.isoformat() for d in result.dates)}

    def target_grid(self, parameters, context):
        """The core's TargetGrid from the optional target parameters."""
        reference = self.raster_source(parameters, self.REFERENCE_GRID, context, 'reference grid', required=False)
        crs = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        extent = extent_wkt = None
        if parameters.get(self.TARGET_EXTENT) not in (None, ''):
            rectangle = self.parameterAsExtent(parameters, self.TARGET_EXTENT, context)
            if not rectangle.isNull():
                extent = (rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(), rectangle.yMaximum())
                extent_crs = self.parameterAsExtentCrs(parameters, self.TARGET_EXTENT, context)
                # An extent without CRS is taken in the target CRS.
                extent_wkt = _wkt(extent_crs) if extent_crs.isValid() else None
        resolution = None
        if parameters.get(self.TARGET_RESOLUTION) not in (None, ''):
            resolution = self.parameterAsDouble(parameters, self.TARGET_RESOLUTION, context)
        reference_grid = self.run_core(reference.grid) if reference is not None else None
        return TargetGrid(crs_wkt=_wkt(crs) if crs.isValid() else None, extent=extent, extent_crs_wkt=extent_wkt,
                          resolution=resolution, reference=reference_grid)
