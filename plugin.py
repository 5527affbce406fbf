"""The QGIS plugin object: registers the Processing provider and the inspector.

qgis_process calls only initProcessing() (iface is None there); the desktop
calls initGui(), which registers the provider too and adds the inspector dock.
Nothing touches iface before initGui().
"""
import os

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon

from .compat import QAction
from .processing.provider import SoilMoistureProvider

ICON = os.path.join(os.path.dirname(__file__), 'icon.svg')


class SoilMoistureDownscalingPlugin:

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.dock = None
        self.action = None

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        if self.provider is None:
            provider = SoilMoistureProvider()
            # The registry refuses (and deletes) a second provider with the same id.
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    def initGui(self):  # noqa: N802
        self.initProcessing()
        from .ui.inspector import InspectorDock
        self.dock = InspectorDock(self.iface.mapCanvas(), self.iface.mainWindow())
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.action = QAction(QIcon(ICON), 'Soil moisture inspector', self.iface.mainWindow())
        self.action.setCheckable(True)
        self.action.toggled.connect(self.toggle_inspector)
        self.iface.addRasterToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu('Soil moisture downscaling', self.action)

    def toggle_inspector(self, on):
        self.dock.setVisible(on)
        canvas = self.iface.mapCanvas()
        if on:
            canvas.setMapTool(self.dock.tool)
        elif canvas.mapTool() is self.dock.tool:
            canvas.unsetMapTool(self.dock.tool)

    def unload(self):
        if self.action is not None:
            self.iface.removeRasterToolBarIcon(self.action)
            self.iface.removePluginRasterMenu('Soil moisture downscaling', self.action)
            self.action = None
        if self.dock is not None:
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
