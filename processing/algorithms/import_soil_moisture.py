"""soilmoisture:importsoilmoisture — Import soil moisture product."""
from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingOutputString,
                       QgsProcessingParameterEnum, QgsProcessingParameterExtent, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterString)

from ...core.sm_products import OVERPASS_CHOICES, import_soil_moisture
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm

#: QUALITY enum labels, in the order of core.sm_products SM_QUALITY_*; the order is permanent.
QUALITY_LABELS = (
    'Recommended retrievals only (CCI / C3S flag 0, SMAP retrieval_qual_flag bit 0 clear)',
    'All retrievals (only fill and out-of-range values removed)',
)
#: SMAP_OVERPASS enum labels, in the order of core.sm_products.OVERPASS_CHOICES; the order is permanent.
OVERPASS_LABELS = (
    'AM: 6 am descending (recommended)',
    'PM: 6 pm ascending',
)


class ImportSoilMoistureAlgorithm(SoilMoistureAlgorithm):
    INPUT = 'INPUT'
    VARIABLE = 'VARIABLE'
    EXTENT = 'EXTENT'
    OUTPUT = 'OUTPUT'
    QUALITY = 'QUALITY'
    SMAP_OVERPASS = 'SMAP_OVERPASS'

    def name(self):
        return 'importsoilmoisture'

    def displayName(self):  # noqa: N802
        return 'Import soil moisture product'

    def tags(self):
        return ['soil moisture', 'ESA CCI', 'CCI', 'C3S', 'Copernicus', 'NetCDF', 'nc', 'daily', 'dekadal', 'monthly',
                'SMAP', 'SPL3SMP', 'SPL3SMP_E', 'SMOS', 'CATDS', 'HDF5', 'EASE-Grid 2.0', 'EPSG:6933', 'AppEEARS',
                'Earth Engine', 'GeoTIFF', 'flag', 'quality', 'import', 'stack', 'EPSG:4326']

    def shortHelpString(self):  # noqa: N802
        return (
            'Imports satellite soil moisture into one GeoTIFF ready for the downscaling: volumetric soil moisture in '
            'm³/m³, one band per date. Reads ESA CCI or C3S NetCDF files (Level 3, 0.25°; daily, dekadal or '
            'monthly), SMAP L3 radiometer HDF5 files (SPL3SMP 36 km, SPL3SMP_E 9 km), SMOS L3 CATDS netCDF files '
            '(25 km) and AppEEARS / Earth Engine GeoTIFF exports of SMAP.\n\n'
            'CCI / C3S files carry no CRS that GDAL reads: the grid is checked to be the 0.25° CCI grid (origin '
            '-180°, 90°) and EPSG:4326 is assigned. SMAP and SMOS files are checked to be on the global EASE-Grid '
            '2.0 (EPSG:6933; 964 × 406 cells of 36 km, 3856 × 1624 of 9 km, 1388 × 584 of 25 km) and keep that '
            'grid. Cells that are missing or not of recommended quality (the CCI flag: frozen soil, snow, dense '
            'vegetation; SMAP retrieval_qual_flag bit 0) become nodata (-9999). SMAP has a 6 am (AM) and a 6 pm (PM) '
            'retrieval: choose one.\n\n'
            'The date of each file comes from its time variable and is checked against the file name. Several '
            'files become one band per date, sorted, with the date in the band description and the '
            'ACQUISITION_DATE metadata. All files must be one series (same grid, sensor and temporal resolution).\n\n'
            'The optional extent (any CRS) clips the output to the cells it touches.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.INPUT, 'Soil moisture files',
                                                                QgsProcessing.TypeFile),
                           'One or more files of one product: ESA CCI / C3S .nc (e.g. '
                           'C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-20180101000000-ICDR-v201706.0.0.nc), SMAP .h5 '
                           '(e.g. SMAP_L3_SM_P_E_20210815_R18240_001.h5), SMOS CATDS .nc (e.g. '
                           'SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc) or SMAP GeoTIFF '
                           'exports with their quality layers.')
        self.add_parameter(QgsProcessingParameterString(self.VARIABLE, 'Variable', defaultValue='sm'),
                           'Variable to import: "sm" is the product\'s soil moisture (CCI / C3S sm, SMAP '
                           'soil_moisture, SMOS Soil_Moisture); another name reads that variable (e.g. '
                           'soil_moisture_dca in the SMAP overpass group).', advanced=True)
        self.add_parameter(QgsProcessingParameterExtent(self.EXTENT, 'Clip to extent', optional=True),
                           'Area to keep, in any CRS (transformed to latitude/longitude); the output keeps whole '
                           '0.25° cells. Empty: the whole grid.')
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, 'Soil moisture stack'),
                           'Float32 GeoTIFF on the product\'s grid (EPSG:4326 for CCI / C3S, EPSG:6933 for SMAP and '
                           'SMOS), m³/m³, nodata -9999, one band per date.')
        self.add_parameter(QgsProcessingParameterEnum(self.QUALITY, 'Retrievals kept', options=list(QUALITY_LABELS),
                                                      defaultValue=0),
                           'Recommended quality only (default: the CCI / C3S flag and SMAP retrieval_qual_flag bit 0 '
                           'screen), or every retrieval that is not fill. SMOS L3 has no recommended-quality flag.',
                           advanced=True)
        self.add_parameter(QgsProcessingParameterEnum(self.SMAP_OVERPASS, 'SMAP overpass',
                                                      options=list(OVERPASS_LABELS), defaultValue=0),
                           'SMAP files hold a 6 am (descending) and a 6 pm (ascending) retrieval; the AM one is '
                           'recommended (near thermal equilibrium). Ignored for other products.')
        self.addOutput(QgsProcessingOutputString('DATES', 'Dates (band order)'))
        self.addOutput(QgsProcessingOutputString('PRODUCT', 'Product'))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        paths = self.parameterAsFileList(parameters, self.INPUT, context)
        variable = self.parameterAsString(parameters, self.VARIABLE, context) or 'sm'
        extent = None
        if parameters.get(self.EXTENT) not in (None, ''):
            # Transformed into EPSG:4326 from the extent's own CRS (when it has one); the core takes it to the grid's.
            rectangle = self.parameterAsExtent(parameters, self.EXTENT, context,
                                               QgsCoordinateReferenceSystem('EPSG:4326'))
            if not rectangle.isNull():
                extent = (rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(), rectangle.yMaximum())
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        quality = self.parameterAsEnum(parameters, self.QUALITY, context)
        overpass = OVERPASS_CHOICES[self.parameterAsEnum(parameters, self.SMAP_OVERPASS, context)]
        result = self.run_core(import_soil_moisture, paths, output, variable, extent, self.progress(feedback),
                               quality, overpass)
        feedback.pushInfo('Valid cells per date: {}.'.format(', '.join(
            '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_cells))))
        write_sidecar_style(output, 'soil_moisture')
        style_on_load(context, output, 'soil_moisture', 'Soil moisture (m³/m³)')
        return {self.OUTPUT: output, 'DATES': ','.join(d.isoformat() for d in result.dates),
                'PRODUCT': '; '.join(result.products)}
