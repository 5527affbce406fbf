"""The QGIS plugin object: registers the Processing provider, the inspector, the sample data and the models.

qgis_process calls only initProcessing() (iface is None there); the desktop
calls initGui(), which registers the provider too and adds the inspector dock,
the "Load sample data" action and the example models. Nothing touches iface
before initGui().
"""
import os

from qgis.core import QgsApplication, QgsCoordinateTransform, QgsProject
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon

from .compat import QAction
from .processing.provider import SoilMoistureProvider
from .translation import install_translator, remove_translator, tr

PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
ICON = os.path.join(PLUGIN_DIR, 'icon.svg')
INSPECTOR_ICON = os.path.join(PLUGIN_DIR, 'icons', 'inspector.svg')
SAMPLE_ICON = os.path.join(PLUGIN_DIR, 'icons', 'sample_data.svg')


class SoilMoistureDownscalingPlugin:

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.dock = None
        self.action = None
        self.sample_action = None
        self.models_registered = False
        install_translator()

    @staticmethod
    def menu():
        return tr('Soil moisture downscaling')

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        if self.provider is None:
            provider = SoilMoistureProvider()
            # The registry refuses (and deletes) a second provider with the same id.
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider

    def initGui(self):  # noqa: N802
        self.initProcessing()
        self.register_models()
        from .ui.inspector import InspectorDock
        window = self.iface.mainWindow()
        self.dock = InspectorDock(self.iface, window)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.action = QAction(QIcon(INSPECTOR_ICON), tr('Soil moisture inspector'), window)
        self.action.setCheckable(True)
        self.action.setToolTip(tr('Soil moisture inspector: click a pixel to see its value, its local model and its '
                                  'history'))
        # Checked while the inspector's map tool is the canvas's tool (QGIS unchecks it when another
        # tool is picked); a click on the button shows or hides the dock.
        self.dock.tool.setAction(self.action)
        self.action.triggered.connect(self.toggle_inspector)
        self.dock.closed.connect(self.inspector_closed)
        self.iface.addRasterToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(self.menu(), self.action)
        self.sample_action = QAction(QIcon(SAMPLE_ICON), tr('Load sample data'), window)
        self.sample_action.setToolTip(tr('Open the bundled sample scene (Colorado, 2021-07-15) as styled layers'))
        self.sample_action.triggered.connect(self.load_sample_data)
        self.iface.addPluginToRasterMenu(self.menu(), self.sample_action)

    def register_models(self, provider_id=None):
        """List the example models under Models; when Processing's model provider comes after this
        plugin, as soon as it is added."""
        from .processing.models import MODEL_PROVIDER_ID, register_models_folder
        registry = QgsApplication.processingRegistry()
        if provider_id not in (None, MODEL_PROVIDER_ID) or self.models_registered:
            return
        self.models_registered = register_models_folder()
        if self.models_registered and provider_id is not None:
            registry.providerAdded.disconnect(self.register_models)
        elif not self.models_registered and provider_id is None:
            registry.providerAdded.connect(self.register_models)

    def toggle_inspector(self, on):
        canvas = self.iface.mapCanvas()
        if on:
            self.dock.show()
            self.dock.raise_()
            canvas.setMapTool(self.dock.tool)
            self.dock.follow_layer(self.iface.activeLayer())
        else:
            self.dock.hide()
            if canvas.mapTool() is self.dock.tool:
                canvas.unsetMapTool(self.dock.tool)

    def inspector_closed(self):
        """The dock was closed with its X: the map tool goes too, so one click brings both back."""
        canvas = self.iface.mapCanvas()
        if canvas.mapTool() is self.dock.tool:
            canvas.unsetMapTool(self.dock.tool)
        self.action.setChecked(False)

    def load_sample_data(self):
        from .ui.sample_data import load_sample_data
        layers = load_sample_data()
        canvas = self.iface.mapCanvas()
        to_canvas = QgsCoordinateTransform(layers[1].crs(), canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        canvas.setExtent(to_canvas.transformBoundingBox(layers[1].extent()))
        self.iface.setActiveLayer(layers[0])
        canvas.refresh()
        return layers

    def unload(self):
        for action in (self.action, self.sample_action):
            if action is not None:
                self.iface.removePluginRasterMenu(self.menu(), action)
        if self.action is not None:
            self.iface.removeRasterToolBarIcon(self.action)
        self.action = self.sample_action = None
        if self.dock is not None:
            canvas = self.iface.mapCanvas()
            if canvas.mapTool() is self.dock.tool:
                canvas.unsetMapTool(self.dock.tool)
            self.dock.unload()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.models_registered:
            from .processing.models import unregister_models_folder
            unregister_models_folder()
            self.models_registered = False
        else:
            try:
                QgsApplication.processingRegistry().providerAdded.disconnect(self.register_models)
            except TypeError:  # was not waiting for the model provider
                pass
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator()
