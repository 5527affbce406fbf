"""Run inside QGIS desktop (qgis --code): load the demo output, open the inspector, save screenshots.

Used by tests/test_desktop.py and for the README screenshot. Environment:
SMD_OUTPUT (downscaled GeoTIFF), SMD_DIAGNOSTICS (optional), SMD_SCREENSHOT (PNG path), SMD_STATUS (text file).
"""
import os
import traceback

from qgis.core import QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins


def run():
    status = []
    try:
        plugin = plugins.get('soil_moisture_downscaling')
        status.append('plugin loaded: {}'.format(plugin is not None))
        layer = QgsRasterLayer(os.environ['SMD_OUTPUT'], 'Downscaled soil moisture')
        QgsProject.instance().addMapLayer(layer)
        status.append('renderer: {}'.format(layer.renderer().type()))
        if os.environ.get('SMD_DIAGNOSTICS'):
            diagnostics = QgsRasterLayer(os.environ['SMD_DIAGNOSTICS'], 'Diagnostics')
            QgsProject.instance().addMapLayer(diagnostics, False)
        canvas = iface.mapCanvas()
        canvas.setExtent(layer.extent())
        if plugin is not None:
            plugin.action.setChecked(True)
            dock = plugin.dock
            dock.output_combo.setLayer(layer)
            if os.environ.get('SMD_DIAGNOSTICS'):
                dock.diagnostics_combo.setLayer(diagnostics)
            rows = dock.inspect(layer.extent().center(), layer.crs())
            status.append('inspector rows: {}'.format(len(rows)))
        canvas.refreshAllLayers()

        def shoot():
            iface.mainWindow().grab().save(os.environ['SMD_SCREENSHOT'])
            status.append('screenshot saved')
            finish(status)
        QTimer.singleShot(4000, shoot)
    except Exception:  # report, then quit: the test reads the status file
        status.append('error: ' + traceback.format_exc())
        finish(status)


def finish(status):
    with open(os.environ['SMD_STATUS'], 'w') as handle:
        handle.write('\n'.join(status) + '\n')
    # No "save the project?" question on the way out, and no waiting for it either.
    QgsProject.instance().setDirty(False)
    os._exit(0)


run()
