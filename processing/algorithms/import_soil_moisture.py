"""soilmoisture:importsoilmoisture — Import soil moisture product."""
from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingOutputString,
                       QgsProcessingParameterExtent, QgsProcessingParameterMultipleLayers,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterString)

from ...core.sm_products import import_soil_moisture
from ...translation import tr
from ..outputs import parameter_default_names
from ..styling import style_on_load, write_sidecar_style
from .base import SoilMoistureAlgorithm


class ImportSoilMoistureAlgorithm(SoilMoistureAlgorithm):
    INPUT = 'INPUT'
    VARIABLE = 'VARIABLE'
    EXTENT = 'EXTENT'
    OUTPUT = 'OUTPUT'

    def name(self):
        return 'importsoilmoisture'

    def displayName(self):  # noqa: N802
        return tr('Import soil moisture product')

    def tags(self):
        return ['soil moisture', 'ESA CCI', 'CCI', 'C3S', 'Copernicus', 'NetCDF', 'nc', 'daily', 'dekadal', 'monthly',
                'flag', 'import', 'stack', 'EPSG:4326']

    def shortDescription(self):  # noqa: N802
        return tr('ESA CCI / C3S soil moisture NetCDF files to one dated GeoTIFF stack in m³/m³ (EPSG:4326).')

    def shortHelpString(self):  # noqa: N802
        return tr(
            'Imports ESA CCI or C3S soil moisture NetCDF files (Level 3, 0.25°; daily, dekadal or monthly) into one '
            'GeoTIFF ready for the downscaling: volumetric soil moisture in m³/m³, one band per date.\n\n'
            'The files carry no CRS that GDAL reads: the grid is checked to be the 0.25° CCI grid (origin -180°, '
            '90°) and EPSG:4326 is assigned. Cells that are missing or flagged (the flag variable of daily files, '
            'e.g. frozen soil, snow or dense vegetation) become nodata (-9999).\n\n'
            'The date of each file comes from its time variable and is checked against the file name. Several '
            'files become one band per date, sorted, with the date in the band description and the '
            'ACQUISITION_DATE metadata. All files must be one series (same sensor type and temporal resolution).\n\n'
            'The optional extent (any CRS) clips the output to the 0.25° cells it touches.')

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_parameter(QgsProcessingParameterMultipleLayers(self.INPUT, tr('Soil moisture NetCDF files'),
                                                                QgsProcessing.TypeFile),
                           tr('One or more ESA CCI / C3S soil moisture .nc files, e.g. '
                              'C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-20180101000000-ICDR-v201706.0.0.nc.'))
        self.add_parameter(QgsProcessingParameterString(self.VARIABLE, tr('Variable'), defaultValue='sm'),
                           tr('NetCDF variable to import: "sm" (volumetric soil moisture, m³/m³) in CCI / C3S files.'),
                           advanced=True)
        self.add_parameter(QgsProcessingParameterExtent(self.EXTENT, tr('Clip to extent'), optional=True),
                           tr('Area to keep, in any CRS (transformed to latitude/longitude); the output keeps whole '
                              '0.25° cells. Empty: the whole grid.'))
        self.add_parameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr('Soil moisture stack')),
                           tr('Float32 GeoTIFF in EPSG:4326, m³/m³, nodata -9999, one band per date.'))
        self.addOutput(QgsProcessingOutputString('DATES', tr('Dates (band order)')))
        self.addOutput(QgsProcessingOutputString('PRODUCT', tr('Product')))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        paths = self.parameterAsFileList(parameters, self.INPUT, context)
        variable = self.parameterAsString(parameters, self.VARIABLE, context) or 'sm'
        extent = None
        if parameters.get(self.EXTENT) not in (None, ''):
            # Transformed into EPSG:4326 from the extent's own CRS (when it has one).
            rectangle = self.parameterAsExtent(parameters, self.EXTENT, context,
                                               QgsCoordinateReferenceSystem('EPSG:4326'))
            if not rectangle.isNull():
                extent = (rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(), rectangle.yMaximum())
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = self.run_core(import_soil_moisture, paths, output, variable, extent, self.progress(feedback))
        feedback.pushInfo(tr('Valid cells per date: {}.').format(', '.join(
            '{} {}'.format(d.isoformat(), n) for d, n in zip(result.dates, result.valid_cells))))
        write_sidecar_style(output, 'soil_moisture')
        style_on_load(context, output, 'soil_moisture', tr('Soil moisture (m³/m³)'),
                      parameter_default_names(self, self.OUTPUT))
        return {self.OUTPUT: output, 'DATES': ','.join(d.isoformat() for d in result.dates),
                'PRODUCT': '; '.join(result.products)}
