"""What the plugin's algorithms share: reading layers into core sources, the
sun-geometry parameters, progress/cancel, and turning core errors into
QgsProcessingException."""
from datetime import date

from osgeo import gdal
from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessingAlgorithm, QgsProcessingException,
                       QgsProcessingParameterDateTime, QgsProcessingParameterDefinition, QgsProcessingParameterNumber)

from ...core.dates import band_dates
from ...core.errors import Cancelled, InputError
from ...core.progress import Progress
from ...core.raster_io import RasterSource, spatial_reference
from ...core.terrain import SunGeometry
from ..settings import memory_budget_mb

GROUP_ID = 'soilmoisture'
GROUP_NAME = 'Soil moisture'


class SoilMoistureAlgorithm(QgsProcessingAlgorithm):
    """Base class: thin algorithms that read parameters, call the core and style outputs."""

    SUN_ZENITH = 'SUN_ZENITH'
    SUN_AZIMUTH = 'SUN_AZIMUTH'
    ACQUISITION_DATE = 'ACQUISITION_DATE'
    OVERPASS_SOLAR_TIME = 'OVERPASS_SOLAR_TIME'

    def createInstance(self):  # noqa: N802
        return type(self)()

    def group(self):
        return GROUP_NAME

    def groupId(self):  # noqa: N802
        return GROUP_ID

    def helpUrl(self):  # noqa: N802
        return 'https://github.com/soil-moisture-downscaling/soil_moisture_downscaling#readme'

    # -- parameters -------------------------------------------------------------------------
    def add_parameter(self, parameter, help_text, advanced=False):
        parameter.setHelp(help_text)
        if advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(parameter)
        return parameter

    def add_sun_parameters(self):
        self.add_parameter(
            QgsProcessingParameterNumber(self.SUN_ZENITH, 'Sun zenith angle at the LST overpass (degrees)',
                                         QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
                                         maxValue=89.9),
            'Sun zenith angle in degrees (0 = sun overhead). Leave empty to compute the sun position from the '
            'acquisition date and the overpass local solar time at every pixel.')
        self.add_parameter(
            QgsProcessingParameterNumber(self.SUN_AZIMUTH, 'Sun azimuth at the LST overpass (degrees from north)',
                                         QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
                                         maxValue=360.0),
            'Sun azimuth in degrees, clockwise from north (90 = east). Give it together with the zenith angle.')
        self.add_parameter(
            QgsProcessingParameterDateTime(self.ACQUISITION_DATE, 'Acquisition date of the LST',
                                           QgsProcessingParameterDateTime.Date, optional=True),
            'Date of the LST image, used for the sun position when the angles are not given. When empty, the '
            'ACQUISITION_DATE metadata of the LST raster is used (written by "Import MODIS LST / NDVI").')
        self.add_parameter(
            QgsProcessingParameterNumber(self.OVERPASS_SOLAR_TIME, 'Overpass local solar time (hours)',
                                         QgsProcessingParameterNumber.Double, defaultValue=SunGeometry.solar_hour,
                                         minValue=0.0, maxValue=24.0),
            'Local solar time of the LST acquisition in hours: about 10.5 for Terra (MOD11), 13.5 for Aqua '
            '(MYD11). MODIS gives it per pixel as Day_view_time.', advanced=True)

    def sun_geometry(self, parameters, context, lst_source):
        zenith = azimuth = None
        if parameters.get(self.SUN_ZENITH) is not None:
            zenith = self.parameterAsDouble(parameters, self.SUN_ZENITH, context)
        if parameters.get(self.SUN_AZIMUTH) is not None:
            azimuth = self.parameterAsDouble(parameters, self.SUN_AZIMUTH, context)
        acquisition = None
        if parameters.get(self.ACQUISITION_DATE) not in (None, ''):
            value = self.parameterAsDateTime(parameters, self.ACQUISITION_DATE, context)
            if value.isValid():
                qdate = value.date()
                acquisition = date(qdate.year(), qdate.month(), qdate.day())
        if acquisition is None and lst_source is not None:
            acquisition = date_from_metadata(lst_source.path)
        solar_hour = self.parameterAsDouble(parameters, self.OVERPASS_SOLAR_TIME, context)
        return SunGeometry(zenith, azimuth, acquisition, solar_hour)

    def raster_source(self, parameters, name, context, label, required=True):
        """A core RasterSource (band 1) for a raster layer parameter, or None when optional and empty."""
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            if required:
                raise QgsProcessingException(self.invalidRasterError(parameters, name))
            return None
        if layer.providerType() != 'gdal':
            raise QgsProcessingException(
                'The {} layer "{}" is not a file-based raster ({} provider). Save it as a GeoTIFF first '
                '(right-click ▸ Export ▸ Save As…).'.format(label, layer.name(), layer.providerType()))
        return RasterSource(layer.source(), 1, layer_crs_override(layer), label)

    # -- running the core -------------------------------------------------------------------
    @staticmethod
    def progress(feedback):
        return Progress(feedback.setProgress, feedback.isCanceled, feedback.pushInfo)

    @staticmethod
    def memory_mb():
        return memory_budget_mb()

    @staticmethod
    def threads():
        """Worker threads for the fine passes: QGIS's own limit (Settings ▸ Options ▸ Rendering ▸
        "Max cores to use") when one is set, else 0 (automatic)."""
        from qgis.core import QgsApplication
        return max(0, QgsApplication.maxThreads())

    @staticmethod
    def run_core(function, *args, **kwargs):
        """Call the core; bad input and cancel become QgsProcessingException with the core's message."""
        try:
            return function(*args, **kwargs)
        except (InputError, Cancelled) as error:
            raise QgsProcessingException(str(error))
        except MemoryError:
            raise QgsProcessingException('Out of memory: lower the memory budget in Settings ▸ Options ▸ Processing '
                                         '▸ Providers ▸ Soil moisture downscaling.')


def layer_crs_override(layer):
    """The layer's CRS as WKT when it differs from the file's (or the file has none), else None.

    A CRS the user assigned in QGIS wins over the file's; an identical one is
    not passed on, so no needless warp is made.
    """
    crs = layer.crs()
    if not crs.isValid():
        return None
    wkt = crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL)
    try:
        dataset = gdal.Open(layer.source())
        file_wkt = dataset.GetProjection() if dataset is not None else ''
    except RuntimeError:
        file_wkt = ''
    if file_wkt and spatial_reference(file_wkt).IsSame(spatial_reference(wkt)):
        return None
    return wkt


def date_from_metadata(path):
    """The acquisition date of a single-date raster from its metadata, or None."""
    try:
        dates = band_dates(path)
    except InputError:
        return None
    return dates[0] if len(dates) == 1 else None
