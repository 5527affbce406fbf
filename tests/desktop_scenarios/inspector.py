"""The plugin in QGIS desktop: sample data, a styled output, the inspector and its toolbar button.

Variables: SMD_CASE (JSON: output, diagnostics (paths to write), point [x, y] in the output's CRS).
"""
import json
import os
import sys

sys.path.insert(0, os.environ['SMD_SCENARIO_DIR'])
from scenario import Scenario, fill_screen, grab  # noqa: E402


def body(scenario):
    import processing
    from qgis.core import QgsPointXY, QgsProject
    from qgis.utils import iface, plugins

    case = json.loads(os.environ['SMD_CASE'])
    plugin = plugins.get('soil_moisture_downscaling')
    scenario.result['plugin_loaded'] = plugin is not None
    fill_screen()
    project = QgsProject.instance()
    canvas = iface.mapCanvas()

    plugin.sample_action.trigger()
    scenario.result['sample_layers'] = [[node.layer().name(), node.layer().renderer().type(), node.parent().name(),
                                         node.isVisible()] for node in project.layerTreeRoot().findLayers()]
    sample = {node.layer().source(): node.layer() for node in project.layerTreeRoot().findLayers()}
    folder = os.path.dirname([path for path in sample if path.endswith('lst_modis_like_K.tif')][0])
    inputs = {key: os.path.join(folder, name) for key, name in (
        ('COARSE_SM', 'coarse_soil_moisture_025deg.tif'), ('LST', 'lst_modis_like_K.tif'), ('NDVI', 'ndvi.tif'),
        ('DEM', 'dem_1km.tif'))}
    processing.runAndLoadResults('soilmoisture:downscale', dict(inputs, OUTPUT=case['output'],
                                                                 DIAGNOSTICS=case['diagnostics']))
    layers = {layer.source(): layer for layer in project.mapLayers().values()}
    output, diagnostics = layers[case['output']], layers[case['diagnostics']]
    scenario.result['output_name'] = output.name()
    scenario.result['output_renderer'] = output.renderer().type()
    iface.setActiveLayer(output)
    # The diagnostics layer draws above the output: hide it, as a user looking at soil moisture would.
    project.layerTreeRoot().findLayer(diagnostics.id()).setItemVisibilityChecked(False)

    def state():
        return {'dock_visible': plugin.dock.isVisible(), 'button_checked': plugin.action.isChecked(),
                'tool_is_inspector': canvas.mapTool() is plugin.dock.tool}
    scenario.result['before'] = state()
    plugin.action.trigger()
    scenario.wait(300)
    dock = plugin.dock
    scenario.result['opened'] = state()
    scenario.result['pickers'] = [combo.currentLayer().name() if combo.currentLayer() else None
                                  for combo in (dock.output_combo, dock.diagnostics_combo, dock.coarse_combo)]
    point = QgsPointXY(*case['point'])
    scenario.result['rows'] = dock.inspect(point, output.crs())
    # Another map tool: the button pops out, the dock stays; one click brings the inspector back.
    iface.actionPan().trigger()
    scenario.wait(200)
    scenario.result['after_pan'] = state()
    plugin.action.trigger()
    scenario.wait(200)
    scenario.result['after_one_click'] = state()
    # The dock's X: tool and button go; one click brings both back.
    dock.close()
    scenario.wait(200)
    scenario.result['after_close'] = state()
    plugin.action.trigger()
    scenario.wait(300)
    scenario.result['after_reopen'] = state()
    # The dock follows the active layer.
    truth = [layer for path, layer in sample.items() if path.endswith('true_soil_moisture.tif')][0]
    iface.setActiveLayer(truth)
    scenario.wait(100)
    scenario.result['follows'] = dock.output_combo.currentLayer().name()
    iface.setActiveLayer(output)
    # For the screenshot: 200 km around the pixel, where coarse cells and fine detail both show.
    view = iface.layerTreeView()
    for node in project.layerTreeRoot().findLayers():
        index = view.node2index(node)
        view.setExpanded(index, node.layerId() == output.id())
    from qgis.core import QgsRectangle
    canvas.setExtent(QgsRectangle(point.x() - 120000, point.y() - 80000, point.x() + 120000, point.y() + 80000))
    dock.inspect(point, output.crs())
    canvas.refresh()
    scenario.wait(3000)
    grab(iface.mainWindow(), 'desktop_screenshot')


Scenario().run(body)
