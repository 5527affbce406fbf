"""soilmoisture:importmodis — Import MODIS / VIIRS LST and vegetation index (tiles and GeoTIFF exports)."""
from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingOutputString,
                       QgsProcessingParameterCrs, QgsProcessingParameterEnum, QgsProcessingParameterExtent,
                       QgsProcessingParameterMultipleLayers, QgsProcessingParameterNumber,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer)

from ...core.modis import PRODUCTS, QUALITY_GOOD_AND_OTHER, QUALITY_NONE, VARIABLE_CHOICES, TargetGrid, import_modis
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm

#: PRODUCT_VARIABLE enum labels, in the order of core.modis.VARIABLE_CHOICES; the order is permanent.
VARIABLE_LABELS = (
    'From the files: LST for MOD11/MYD11/VNP21, NDVI for MOD13/MYD13/VNP13',
    'Land surface temperature (K), MOD11/MYD11, VNP21/VJ121/VJ221',
    'NDVI, MOD13/MYD13, VNP13/VJ113/VJ213',
    'EVI, MOD13/MYD13, VNP13/VJ113/VJ213',
)
#: QUALITY enum labels, in the order of core.land_products QUALITY_*; the order is permanent.
QUALITY_LABELS = (
    'Good quality only (LST QC = good; VI pixel reliability = good)',
    'Also "other quality" LST / "marginal" VI pixels',
    'No quality screening (exports without a quality layer, or already screened)',
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
        return 'Import MODIS / VIIRS LST and vegetation index'

    def tags(self):
        return ['MODIS', 'VIIRS', 'HDF', 'HDF4', 'HDF5', 'HDF-EOS', 'HDF-EOS5', 'LST', 'land surface temperature',
                'NDVI', 'EVI', 'MOD11A1', 'MYD11A1', 'MOD11A2', 'MOD13A2', 'MOD13A3', 'MOD13Q1', 'VNP21A1D', 'VJ121A1D',
                'VJ221A1D', 'VNP13A1', 'VJ113A1', 'VJ213A1', 'AppEEARS', 'Earth Engine', 'GeoTIFF', 'export',
                'quality', 'QC', 'mosaic', 'sinusoidal', 'import']

    def shortHelpString(self):  # noqa: N802
        return (
            'Imports MODIS or VIIRS land surface temperature or vegetation index into one GeoTIFF ready for the '
            'downscaling: physical units, quality-filtered, one band per date. It reads the tiles as downloaded from '
            'NASA LP DAAC (MODIS HDF4-EOS .hdf, VIIRS HDF-EOS5 .h5) and GeoTIFFs exported by AppEEARS or Google '
            'Earth Engine.\n\n'
            'Products ({}) are recognised from the file name and the file metadata. LST (LST_Day_1km, LST_1KM) is in '
            'kelvin (DN × 0.02), keeping pixels whose QC says "good quality" (optionally also "other" / '
            '"unreliable" quality); NDVI or EVI is DN / 10000, keeping pixel reliability "good" (VIIRS: excellent, '
            'good, acceptable; optionally also "marginal"). VIIRS scale, offset and fill values come from the field '
            'attributes and the grid from the StructMetadata. Fill values, out-of-range values and rejected pixels '
            'become nodata (-9999).\n\n'
            'Exports: AppEEARS files (e.g. MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif) are paired with the '
            'quality file of the same product, date and request (…_QC_Day_…); Earth Engine files are read by their '
            'band names (LST_Day_1km, QC_Day, LST_1KM, QC, NDVI, SummaryQA, pixel_reliability). The date comes from '
            'the name (doyYYYYDDD, YYYY_MM_DD, YYYYMMDD) or the ACQUISITION_DATE metadata. The scale is applied '
            'exactly once: values already in kelvin (or °C) or already within ±1 are recognised. Every decision is '
            'written to the log.\n\n'
            'Tiles of one date are mosaicked; several dates become one band per date, sorted, with the date in the '
            'band description and the ACQUISITION_DATE metadata (read by "Downscale soil moisture"). All files must '
            'be one product: import LST and NDVI, or Terra and Aqua, separately.\n\n'
            'By default the output stays on the native MODIS sinusoidal grid. Give a target CRS, extent and/or '
            'pixel size, or a reference raster whose grid is copied, to warp it (average resampling when '
            'coarsening, bilinear otherwise). An extent alone (or with the native pixel size) cuts the native grid '
            'without resampling. For LST, the optional view time output holds the local solar time of each '
            'observation (hours).'.format(', '.join(PRODUCTS)))

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.INPUT, 'MODIS / VIIRS files or GeoTIFF exports',
                                                                QgsProcessing.TypeFile),
                           'One or more files of one product: MODIS .hdf tiles (e.g. '
                           'MOD11A1.A2021227.h11v05.061.*.hdf), VIIRS .h5 tiles (e.g. '
                           'VNP21A1D.A2021227.h09v05.002.*.h5), or AppEEARS / Earth Engine GeoTIFFs with their quality '
                           'files or bands. Tiles of the same date are mosaicked; each date becomes one band.')
        self.add_parameter(QgsProcessingParameterEnum(self.PRODUCT_VARIABLE, 'Variable', options=list(VARIABLE_LABELS),
                                                      defaultValue=0),
                           'What to import. "From the files" takes LST from MOD11/MYD11 and NDVI from MOD13/MYD13; '
                           'choosing a variable also checks that the files hold it.')
        self.add_parameter(QgsProcessingParameterEnum(self.QUALITY, 'Pixels kept', options=list(QUALITY_LABELS),
                                                      defaultValue=0),
                           'Quality filter: good quality only (default), or also LST of "other quality" (QC bits 0-1 '
                           '= 01) and vegetation index of "marginal" reliability (MODIS 1, VIIRS 3), or no screening '
                           '(for exports without a quality layer).', advanced=True)
        self.add_parameter(QgsProcessingParameterCrs(self.TARGET_CRS, 'Target CRS', optional=True),
                           'CRS of the output. Empty: the native CRS (MODIS / VIIRS sinusoidal for tiles).')
        self.add_parameter(QgsProcessingParameterExtent(self.TARGET_EXTENT, 'Target extent', optional=True),
                           'Area of the output, in any CRS (it is transformed into the target CRS). Empty: all of the '
                           'tiles.')
        self.add_parameter(QgsProcessingParameterNumber(self.TARGET_RESOLUTION, 'Target pixel size',
                                                        QgsProcessingParameterNumber.Double, optional=True,
                                                        minValue=0.0),
                           'Pixel size of the output in target CRS units (metres, or degrees for a geographic CRS). '
                           'Empty: about the native 926.6 m (1 km products), 463.3 m (VNP13A1) or 231.7 m (MOD13Q1).')
        self.add_parameter(QgsProcessingParameterRasterLayer(self.REFERENCE_GRID, 'Reference grid (copy its grid)',
                                                             optional=True),
                           'A raster whose CRS, extent and pixel size the output copies exactly, e.g. a layer of the '
                           'map. Do not combine with the target CRS, extent or pixel size.')
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, 'Imported LST / vegetation index'),
                           'Float32 GeoTIFF, one band per date: LST in kelvin or NDVI/EVI (-1..1), nodata -9999.')
        self.add_parameter(QgsProcessingParameterRasterDestination(self.VIEW_TIME, 'LST view time (local solar hours)',
                                                                   optional=True, createByDefault=False),
                           'LST products only: Day_view_time / View_Time as local solar time in hours (DN × 0.1), on '
                           'the same grid and dates as the LST, nodata where the LST is nodata.')
        self.addOutput(QgsProcessingOutputString('PRODUCT', 'Product'))
        self.addOutput(QgsProcessingOutputString('DATES', 'Dates (band order)'))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        paths = self.parameterAsFileList(parameters, self.INPUT, context)
        variable = VARIABLE_CHOICES[self.parameterAsEnum(parameters, self.PRODUCT_VARIABLE, context)]
        quality = self.parameterAsEnum(parameters, self.QUALITY, context)
        target = self.target_grid(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        view_time = self.parameterAsOutputLayer(parameters, self.VIEW_TIME, context) or None
        result = self.run_core(import_modis, paths, output, variable, quality, target, view_time, self.memory_mb(),
                               self.progress(feedback))
        if quality == QUALITY_GOOD_AND_OTHER:
            feedback.pushInfo('Pixels of "other" / "marginal" quality are included.')
        elif quality == QUALITY_NONE:
            feedback.pushInfo('No quality screening: every valid value is kept.')
        feedback.pushInfo('Valid pixels per date: {}.'.format(', '.join(
            '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_pixels))))
        if result.variable == 'LST':
            write_sidecar_style(output, 'lst')
            style_on_load(context, output, 'lst', '{} LST (K)'.format(result.product))
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
