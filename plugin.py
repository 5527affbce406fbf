"""The QGIS plugin object: registers the Processing provider.

qgis_process calls only initProcessing() (iface is None there); the desktop
calls initGui(), which registers the provider too. Nothing touches iface
before initGui().
"""
from qgis.core import QgsApplication

from .processing.provider import SoilMoistureProvider


class SoilMoistureDownscalingPlugin:

    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        if self.provider is None:
            self.provider = SoilMoistureProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
