"""The Processing provider "Soil moisture downscaling" (id ``soilmoisture``)."""
import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms.correct_lst import CorrectLstAlgorithm
from .algorithms.downscale import DownscaleAlgorithm
from .algorithms.downscale_series import DownscaleSeriesAlgorithm
from .algorithms.fill_lst_gaps import FillLstGapsAlgorithm
from .algorithms.import_insitu import ImportInsituAlgorithm
from .algorithms.import_modis import ImportModisAlgorithm
from .algorithms.import_soil_moisture import ImportSoilMoistureAlgorithm
from .algorithms.validate import ValidateAlgorithm
from ..core.raster_io import raster_output_extensions
from .settings import register_settings, unregister_settings

#: Every algorithm of the provider, in toolbox order.
ALGORITHMS = (
    DownscaleAlgorithm,
    CorrectLstAlgorithm,
    DownscaleSeriesAlgorithm,
    FillLstGapsAlgorithm,
    ImportModisAlgorithm,
    ImportSoilMoistureAlgorithm,
    ImportInsituAlgorithm,
    ValidateAlgorithm,
)

ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'icon.svg')


class SoilMoistureProvider(QgsProcessingProvider):

    def id(self):
        return 'soilmoisture'

    def name(self):
        return 'Soil moisture downscaling'

    def longName(self):  # noqa: N802
        return 'Soil moisture downscaling (terrain-aware, self-adaptive window)'

    def icon(self):
        return QIcon(ICON_PATH)

    def svgIconPath(self):  # noqa: N802
        return ICON_PATH

    def load(self):
        register_settings(self.name(), self.icon())
        self.refreshAlgorithms()
        return True

    def unload(self):
        unregister_settings()

    def loadAlgorithms(self):  # noqa: N802
        for algorithm_class in ALGORITHMS:
            self.addAlgorithm(algorithm_class())

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802
        # The formats the plugin's raster writer writes (GeoTIFF first: the default).
        return raster_output_extensions()
