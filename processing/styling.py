"""Styles of the outputs: renderers, sidecar .qml files and the layer post-processor.

The post-processor styles layers that the dialog, runAndLoadResults or a
model loads; processing.run and qgis_process never load layers, so a sidecar
``<name>.qml`` is written next to every output as well (QGIS applies it when
the file is opened later).
"""
import os

from qgis.core import (QgsColorRampShader, QgsProcessingLayerPostProcessorInterface, QgsRasterLayer, QgsRasterShader,
                       QgsSingleBandPseudoColorRenderer)
from qgis.PyQt.QtGui import QColor

#: Soil moisture colours (m³/m³): dry soil brown → yellow → green → blue → wet dark blue.
SOIL_MOISTURE_RAMP = ((0.00, '#8c510a', '0.00 (dry)'), (0.10, '#d8b365', '0.10'), (0.20, '#f6e8c3', '0.20'),
                      (0.30, '#80cdc1', '0.30'), (0.40, '#2c7fb8', '0.40'), (0.50, '#08306b', '0.50 m³/m³ (wet)'))
#: Half-window (coarse cells) of the chosen local model.
HALF_WINDOW_RAMP = ((0, '#bdbdbd', 'global / no local model'), (2, '#fef0d9', 'h = 2'), (3, '#fdcc8a', 'h = 3'),
                    (4, '#fc8d59', 'h = 4'), (5, '#e34a33', 'h = 5'), (6, '#b30000', 'h ≥ 6'))
#: Terrain-corrected LST (K).
LST_RAMP = ((270.0, '#313695', '270 K'), (285.0, '#74add1', '285 K'), (295.0, '#ffffbf', '295 K'),
            (305.0, '#f46d43', '305 K'), (320.0, '#a50026', '320 K'))


def pseudocolor_renderer(layer, ramp, band=1, discrete=False):
    shader_function = QgsColorRampShader()
    shader_function.setColorRampType(QgsColorRampShader.Discrete if discrete else QgsColorRampShader.Interpolated)
    items = []
    for value, colour, label in ramp:
        items.append(QgsColorRampShader.ColorRampItem(value, QColor(colour), label))
    if discrete:
        # A discrete item covers values up to its own value: shift to class upper bounds.
        items = [QgsColorRampShader.ColorRampItem(value + 0.5, QColor(colour), label)
                 for value, colour, label in ramp[:-1]]
        items.append(QgsColorRampShader.ColorRampItem(float('inf'), QColor(ramp[-1][1]), ramp[-1][2]))
    shader_function.setColorRampItemList(items)
    shader_function.setMinimumValue(ramp[0][0])
    shader_function.setMaximumValue(ramp[-1][0])
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_function)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(ramp[0][0])
    renderer.setClassificationMax(ramp[-1][0])
    return renderer


STYLES = {
    'soil_moisture': lambda layer: pseudocolor_renderer(layer, SOIL_MOISTURE_RAMP),
    'diagnostics': lambda layer: pseudocolor_renderer(layer, HALF_WINDOW_RAMP, band=1, discrete=True),
    'lst': lambda layer: pseudocolor_renderer(layer, LST_RAMP),
}


def apply_style(layer, style):
    layer.setRenderer(STYLES[style](layer))
    layer.triggerRepaint()


def sidecar_path(raster_path):
    return os.path.splitext(raster_path)[0] + '.qml'


def write_sidecar_style(raster_path, style):
    """Write ``<name>.qml`` next to the raster; returns its path (None if the raster cannot be opened)."""
    layer = QgsRasterLayer(raster_path, os.path.basename(raster_path), 'gdal')
    if not layer.isValid():
        return None
    apply_style(layer, style)
    path = sidecar_path(raster_path)
    message, ok = layer.saveNamedStyle(path)
    return path if ok else None


_ALIVE = set()


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies one of STYLES to a layer loaded on completion, and names it."""

    def __init__(self, style, name=None):
        super().__init__()
        self.style = style
        self.name = name

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            apply_style(layer, self.style)
            if self.name:
                layer.setName(self.name)

    @classmethod
    def create(cls, style, name=None):
        # Processing keeps only a raw pointer: hold a Python reference for the session.
        styler = cls(style, name)
        _ALIVE.add(styler)
        return styler


def style_on_load(context, output_path, style, name=None):
    """Ask Processing to style ``output_path`` when it loads it on completion."""
    if context.willLoadLayerOnCompletion(output_path):
        details = context.layerToLoadOnCompletionDetails(output_path)
        if name:
            details.name = name
        details.setPostProcessor(LayerStyler.create(style, name))
