"""Styles of the outputs: renderers, sidecar .qml files and the layer post-processor.

The post-processor styles layers that the dialog, runAndLoadResults or a
model loads; processing.run and qgis_process never load layers, so a sidecar
``<name>.qml`` is written next to every output as well (QGIS applies it when
the file is opened later).
"""
import os

from qgis.core import (QgsColorRampLegendNodeSettings, QgsColorRampShader, QgsLayerTreeRegistryBridge,
                       QgsProcessingLayerPostProcessorInterface, QgsProcessingUtils, QgsRasterLayer, QgsRasterShader,
                       QgsSingleBandPseudoColorRenderer)
from qgis.PyQt.QtGui import QColor

from ..report.palette import SOIL_MOISTURE_RAMP
from .algorithms.base import final_output_path

#: Half-window (coarse cells) of the chosen local model.
HALF_WINDOW_RAMP = ((0, '#bdbdbd', 'global / no local model'), (2, '#fef0d9', 'h = 2'), (3, '#fdcc8a', 'h = 3'),
                    (4, '#fc8d59', 'h = 4'), (5, '#e34a33', 'h = 5'), (6, '#b30000', 'h ≥ 6'))
#: Terrain-corrected LST (K).
LST_RAMP = ((270.0, '#313695', '270 K'), (285.0, '#74add1', '285 K'), (295.0, '#ffffbf', '295 K'),
            (305.0, '#f46d43', '305 K'), (320.0, '#a50026', '320 K'))

#: NDVI: bare soil brown → dense vegetation green.
NDVI_RAMP = ((0.0, '#a6611a', '0.0 (bare)'), (0.2, '#dfc27d', '0.2'), (0.4, '#d9f0a3', '0.4'), (0.6, '#78c679', '0.6'),
             (0.9, '#006837', '0.9 NDVI (dense)'))
#: Elevation (m), for the DEM of the sample scene.
ELEVATION_RAMP = ((1000.0, '#1a9850', '1000 m'), (2000.0, '#fee08b', '2000 m'), (3000.0, '#b35806', '3000 m'),
                  (4300.0, '#ffffff', '4300 m'))


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
    if not discrete:
        # The continuous legend shows only its two ends: label them with the unit.
        legend = QgsColorRampLegendNodeSettings()
        legend.setMinimumLabel(ramp[0][2])
        legend.setMaximumLabel(ramp[-1][2])
        shader_function.setLegendSettings(legend)
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
    'ndvi': lambda layer: pseudocolor_renderer(layer, NDVI_RAMP),
    'elevation': lambda layer: pseudocolor_renderer(layer, ELEVATION_RAMP),
}


def apply_style(layer, style):
    layer.setRenderer(STYLES[style](layer))
    layer.triggerRepaint()


def sidecar_path(raster_path):
    return os.path.splitext(raster_path)[0] + '.qml'


def write_sidecar_style(raster_path, style, path=None):
    """Write ``<name>.qml`` next to the raster (or to ``path``, e.g. staged for a commit); returns its path
    (None if the raster cannot be opened)."""
    layer = QgsRasterLayer(raster_path, os.path.basename(raster_path), 'gdal')
    if not layer.isValid():
        return None
    apply_style(layer, style)
    path = path or sidecar_path(raster_path)
    message, ok = layer.saveNamedStyle(path)
    return path if ok else None


_ALIVE = set()


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Restyles a layer loaded on completion (``restyle(layer)``, for layers of ``layer_type``) and names it."""

    def __init__(self, restyle, layer_type, name=None):
        super().__init__()
        self.restyle = restyle
        self.layer_type = layer_type
        self.name = name

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if isinstance(layer, self.layer_type) and layer.isValid():
            self.restyle(layer)
            layer.triggerRepaint()
            if self.name:
                layer.setName(self.name)

    @classmethod
    def create(cls, restyle, layer_type, name=None):
        # Processing keeps only a raw pointer: hold a Python reference for the session.
        styler = cls(restyle, layer_type, name)
        _ALIVE.add(styler)
        return styler


def load_details(context, destination):
    """The load-on-completion details of the output ``destination`` (None when it is not loaded),
    kept under the output's final path: a run writes under staged paths until it commits, and a
    post-processor must sit on the entry that stays (QGIS deletes those of entries it drops)."""
    final = final_output_path(destination)
    if final != destination and context.willLoadLayerOnCompletion(destination) \
            and not context.willLoadLayerOnCompletion(final):
        context.addLayerToLoadOnCompletion(final, context.layerToLoadOnCompletionDetails(destination))
    return context.layerToLoadOnCompletionDetails(final) if context.willLoadLayerOnCompletion(final) else None


def _restyle_on_load(context, destination, restyle, layer_type, name, default_names):
    details = load_details(context, destination)
    if details is None:
        return
    # A name given in a model (its output's name) wins; QGIS's default (the parameter's description) does not.
    if name and (not details.name or details.name in default_names):
        details.name = name
        details.forceName = True
    details.layerTypeHint = (QgsProcessingUtils.LayerHint.Raster if layer_type is QgsRasterLayer
                             else QgsProcessingUtils.LayerHint.Vector)
    details.setPostProcessor(LayerStyler.create(restyle, layer_type, details.name))


def style_on_load(context, output_path, style, name=None, default_names=()):
    """Ask Processing to give the raster ``output_path`` one of STYLES and the name ``name`` (unless
    a model named it: ``default_names`` are the names QGIS uses when nobody did) when it loads it."""
    _restyle_on_load(context, output_path, lambda layer: apply_style(layer, style), QgsRasterLayer, name,
                     default_names)


def set_fixed_date(layer, day):
    """Make the layer active in the Temporal Controller on one day [day, day + 1)."""
    from datetime import timedelta
    from qgis.core import Qgis, QgsDateTimeRange
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime

    def at_midnight(value):
        return QDateTime(QDate(value.year, value.month, value.day), QTime(0, 0))
    properties = layer.temporalProperties()
    properties.setMode(Qgis.RasterTemporalMode.FixedTemporalRange)
    properties.setFixedTemporalRange(QgsDateTimeRange(at_midnight(day), at_midnight(day + timedelta(days=1)),
                                                      True, False))
    properties.setIsActive(True)


#: Custom property marking the layer tree groups of series made by SeriesStyler.
SERIES_GROUP_PROPERTY = 'soil_moisture_downscaling/series'


def _child_index(parent, node):
    """Position of ``node`` among ``parent``'s children (0 when it is not there)."""
    for index, child in enumerate(parent.children()):
        if node is not None and child == node:
            return index
    return 0


class SeriesStyler(QgsProcessingLayerPostProcessorInterface):
    """Styles a soil moisture series for the Temporal Controller and puts it in one group.

    QGIS 3.22 animates layers, not bands: a multi-band series (band per date) is
    shown as one layer per date, each drawing its band on its day. Layers of a
    series written as one file per date join the same group one by one.
    """

    def __init__(self, dates, name, group_name):
        super().__init__()
        self.dates = list(dates)
        self.name = name
        self.group_name = group_name

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if not isinstance(layer, QgsRasterLayer) or not layer.isValid():
            return
        project = context.project()
        if project is None:
            apply_style(layer, 'soil_moisture')
            return
        root = project.layerTreeRoot()
        # Processing put the layer at the insertion point (the top, its results group, or the group of the
        # current layer, maybe another series): the series group goes next to it, never inside a series.
        loaded = [node for node in root.findLayers() if node.layerId() == layer.id()]
        group = next((g for g in root.findGroups(True) if g.name() == self.group_name
                      and g.customProperty(SERIES_GROUP_PROPERTY)), None)
        if group is None:
            anchor = loaded[0] if loaded else None
            while anchor is not None and anchor.parent() is not None \
                    and anchor.parent().customProperty(SERIES_GROUP_PROPERTY):
                anchor = anchor.parent()
            parent = anchor.parent() if anchor is not None and anchor.parent() is not None else root
            group = parent.insertGroup(_child_index(parent, anchor), self.group_name)
            group.setCustomProperty(SERIES_GROUP_PROPERTY, True)
        single = layer.bandCount() == 1 or len(self.dates) == 1
        for band, day in enumerate(self.dates, start=1):
            target = layer if band == 1 else QgsRasterLayer(layer.source(), day.isoformat(), 'gdal')
            target.setRenderer(pseudocolor_renderer(target, SOIL_MOISTURE_RAMP, band=1 if single else band))
            target.setName('{} {}'.format(self.name, day.isoformat()))
            set_fixed_date(target, day)
            if band > 1:
                project.addMapLayer(target, False)
            group.addLayer(target)
            if single:
                break
        for node in loaded:
            node.parent().removeChildNode(node)
        # Layers loaded next go beside the group, not into it.
        parent = group.parent()
        project.layerTreeRegistryBridge().setLayerInsertionPoint(
            QgsLayerTreeRegistryBridge.InsertionPoint(parent, _child_index(parent, group)))

    @classmethod
    def create(cls, dates, name, group_name):
        styler = cls(dates, name, group_name)
        _ALIVE.add(styler)
        return styler


# -- station layers styled by R (validation against in-situ data) ------------------------------------------------

#: Classes of Pearson R at stations: (lower, upper, colour, label). Stations without a value get NO_R_VALUE.
CORRELATION_CLASSES = ((-1.0, 0.0, '#d73027', 'R < 0'), (0.0, 0.2, '#fc8d59', '0 – 0.2'),
                       (0.2, 0.4, '#fee090', '0.2 – 0.4'), (0.4, 0.6, '#e0f3f8', '0.4 – 0.6'),
                       (0.6, 0.8, '#91bfdb', '0.6 – 0.8'), (0.8, 1.0, '#4575b4', '0.8 – 1'))
NO_R_VALUE = -9.0


def correlation_renderer(field, no_value_label='too few pairs'):
    """Graduated point renderer on the R field; stations without R (NULL) drawn as small grey points."""
    from qgis.core import QgsGraduatedSymbolRenderer, QgsMarkerSymbol, QgsRendererRange

    def marker(colour, size):
        return QgsMarkerSymbol.createSimple({'name': 'circle', 'color': colour, 'outline_color': '#232323',
                                             'outline_width': '0.3', 'size': size})
    ranges = [QgsRendererRange(NO_R_VALUE - 1.0, -1.5, marker('#bdbdbd', '2.2'), no_value_label)]
    ranges += [QgsRendererRange(low, high, marker(colour, '3.4'), label)
               for low, high, colour, label in CORRELATION_CLASSES]
    renderer = QgsGraduatedSymbolRenderer('coalesce("{}", {})'.format(field, NO_R_VALUE), ranges)
    return renderer


def write_vector_sidecar_style(vector_path, renderer, geometry='Point'):
    """Write ``<name>.qml`` holding ``renderer`` next to a vector file; returns its path (None if not a file)."""
    from qgis.core import QgsVectorLayer
    path = str(vector_path).split('|')[0]
    if not os.path.isfile(path):
        return None
    layer = QgsVectorLayer('{}?crs=EPSG:4326'.format(geometry), 'style', 'memory')
    layer.setRenderer(renderer)
    target = sidecar_path(path)
    message, ok = layer.saveNamedStyle(target)
    return target if ok else None


def style_vector_on_load(context, destination, renderer_factory, name=None, default_names=()):
    """Ask Processing to give the vector output ``destination`` a renderer (from a factory) when it loads it."""
    from qgis.core import QgsVectorLayer
    _restyle_on_load(context, destination, lambda layer: layer.setRenderer(renderer_factory()), QgsVectorLayer, name,
                     default_names)
