"""Soil moisture inspector: click the map to see a pixel's value and how it was made.

A dock with two layer pickers (the downscaled map and, optionally, its diagnostics
raster) and a map tool; each click shows the soil moisture, the local model
(window, predictors, fit quality, coefficients) and the quality flags.
"""
from qgis.core import QgsCoordinateTransform, QgsMapLayerProxyModel, QgsProject, QgsRaster
from qgis.gui import QgsMapLayerComboBox, QgsMapToolEmitPoint
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QFormLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from ..core.diagnostics import describe_pixel


class InspectorDock(QDockWidget):

    def __init__(self, canvas, parent=None):
        super().__init__('Soil moisture inspector', parent)
        self.setObjectName('SoilMoistureInspectorDock')
        self.canvas = canvas
        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.output_combo = QgsMapLayerComboBox(body)
        self.output_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.diagnostics_combo = QgsMapLayerComboBox(body)
        self.diagnostics_combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
        self.diagnostics_combo.setAllowEmptyLayer(True)
        form.addRow('Soil moisture', self.output_combo)
        form.addRow('Diagnostics', self.diagnostics_combo)
        layout.addLayout(form)
        hint = QLabel('Click on the map to inspect a pixel.', body)
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.view = QTextBrowser(body)
        layout.addWidget(self.view)
        self.setWidget(body)
        self.tool = QgsMapToolEmitPoint(canvas)
        self.tool.canvasClicked.connect(self.on_click)

    def on_click(self, point, button=Qt.MouseButton.LeftButton):
        self.inspect(point, self.canvas.mapSettings().destinationCrs())

    @staticmethod
    def _values(layer, point, crs):
        if layer is None:
            return None
        if crs.isValid() and crs != layer.crs():
            point = QgsCoordinateTransform(crs, layer.crs(), QgsProject.instance()).transform(point)
        if not layer.extent().contains(point):
            return None
        result = layer.dataProvider().identify(point, QgsRaster.IdentifyFormatValue)
        if not result.isValid():
            return None
        values = result.results()
        return [values.get(band) for band in range(1, layer.bandCount() + 1)]

    def inspect(self, point, crs):
        """Show the pixel under ``point`` (in ``crs``); returns the rows shown."""
        rows = []
        values = self._values(self.output_combo.currentLayer(), point, crs)
        if values is None:
            rows.append(('Soil moisture', 'outside the layer'))
        else:
            value = values[0]
            rows.append(('Soil moisture', '{:.3f} m³/m³'.format(value) if value is not None else 'no data'))
        diagnostics = self._values(self.diagnostics_combo.currentLayer(), point, crs)
        if diagnostics is not None:
            rows += describe_pixel(diagnostics)
        self.view.setHtml('<table>' + ''.join('<tr><th align="left">{}</th><td>{}</td></tr>'.format(k, v)
                                              for k, v in rows) + '</table>')
        return rows
