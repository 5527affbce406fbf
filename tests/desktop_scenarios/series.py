"""A downscaled series in QGIS desktop: layer tree, Temporal Controller, inspector with its time plot.

Variables: SMD_CASE (JSON: coarse, lst, ndvi, dem, series (multi-band output), folder (per-date output),
stations_csv, point [x, y] in the LST's CRS, dates).
"""
import json
import os
import sys

sys.path.insert(0, os.environ['SMD_SCENARIO_DIR'])
from scenario import Scenario, fill_screen, grab_screen  # noqa: E402


def body(scenario):
    import processing
    from qgis.core import (QgsDateTimeRange, QgsInterval, QgsPointXY, QgsProject, QgsRasterLayer,
                           QgsTemporalNavigationObject, QgsUnitTypes)
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime
    from qgis.utils import iface, plugins

    case = json.loads(os.environ['SMD_CASE'])
    project = QgsProject.instance()
    root = project.layerTreeRoot()
    plugin = plugins['soil_moisture_downscaling']
    fill_screen()
    # The coarse stack is the project's first raster: the inspector must not start on it.
    coarse = QgsRasterLayer(case['coarse'], 'coarse stack', 'gdal')
    project.addMapLayer(coarse)
    common = {'COARSE_SM': case['coarse'], 'LST': case['lst'], 'NDVI': case['ndvi'], 'DEM': case['dem']}
    processing.runAndLoadResults('soilmoisture:downscaleseries', dict(common, OUTPUT=case['series']))
    scenario.result['multiband_nodes'] = [[node.layerId(), node.name(), node.parent().name()]
                                          for node in root.findLayers() if node.layer().source() == case['series']]
    scenario.result['top_groups'] = [child.name() for child in root.children() if child.nodeType() == 0]
    log_before = len(scenario.log)
    processing.runAndLoadResults('soilmoisture:downscaleseries', dict(common, OUTPUT_MODE=1,
                                                                      OUTPUT_FOLDER=case['folder']))
    scenario.wait(300)
    scenario.result['per_date_log'] = scenario.log[log_before:]
    scenario.result['per_date_nodes'] = [[node.name(), node.parent().name()] for node in root.findLayers()
                                         if node.layer().source().startswith(case['folder'])]
    processing.runAndLoadResults('soilmoisture:importinsitu', {
        'INPUT': [case['stations_csv']], 'FORMAT': 3, 'STATIONS': 'TEMPORARY_OUTPUT',
        'MEASUREMENTS': 'TEMPORARY_OUTPUT'})

    # The layer of the 4th date draws band 4 of the multi-band file.
    day4 = case['dates'][3]
    layer4 = next(node.layer() for node in root.findLayers()
                  if node.layer().source() == case['series'] and node.name().endswith(day4))
    iface.setActiveLayer(layer4)
    iface.mapCanvas().setDestinationCrs(layer4.crs())
    iface.mapCanvas().setExtent(layer4.extent())
    plugin.action.trigger()
    dock = plugin.dock
    scenario.result['dock_layer'] = dock.output_combo.currentLayer().name()
    point = QgsPointXY(*case['point'])
    scenario.result['rows_day4'] = dock.inspect(point, layer4.crs())
    scenario.result['marker'] = [dock.marker.center().x(), dock.marker.center().y()] if dock.marker else None

    def history():
        h = dock.last_series
        if h is None:
            return None
        station = h['station']
        return {'days': [str(d) for d in h['days']], 'downscaled': list(h['downscaled']),
                'coarse': list(h['coarse']) if h['coarse'] is not None else None,
                'station': None if station is None else {
                    'station': station['station'], 'km': station['km'], 'days': [str(d) for d in station['days']],
                    'values': list(station['values'])},
                'plot_lines': sorted(dock.plot.lines), 'plot_visible': dock.plot.isVisible()}
    scenario.result['history_day4'] = history()

    # The Temporal Controller on the 2nd date: the same layer now reads the band of that day.
    def day(text):
        y, m, d = (int(p) for p in text.split('-'))
        return QDateTime(QDate(y, m, d), QTime(0, 0))
    controller = iface.mapCanvas().temporalController()
    controller.setNavigationMode(QgsTemporalNavigationObject.NavigationMode.Animated)
    controller.setTemporalExtents(QgsDateTimeRange(day(case['dates'][0]), day(case['dates'][-1]).addDays(1)))
    controller.setFrameDuration(QgsInterval(3, QgsUnitTypes.TemporalUnit.TemporalDays))
    controller.setCurrentFrameNumber(1)
    scenario.wait(500)
    scenario.result['canvas_temporal'] = iface.mapCanvas().mapSettings().isTemporal()
    scenario.result['rows_frame2'] = dock.inspect(point, layer4.crs())
    # For the screenshot: the series alone on the map, legends folded, the Temporal Controller shown.
    controller.setCurrentFrameNumber(3)
    for node in root.findLayers():
        node.setExpanded(False)
        if isinstance(node.layer(), QgsRasterLayer) and node.layer().source() != case['series']:
            node.setItemVisibilityChecked(False)
    for group in root.findGroups():
        group.setExpanded(group.name().startswith('series'))
    from qgis.PyQt.QtWidgets import QDockWidget
    for dock_widget in iface.mainWindow().findChildren(QDockWidget):
        if 'temporal' in dock_widget.objectName().lower() or 'temporal' in dock_widget.windowTitle().lower():
            dock_widget.show()
    for _ in range(2):  # the canvas keeps its scale when the new dock shrinks it: zoom once it has settled
        scenario.wait(1000)
        iface.mapCanvas().setExtent(layer4.extent())
    iface.mapCanvas().refresh()
    scenario.wait(1500)
    grab_screen('inspector_series')


Scenario().run(body)
