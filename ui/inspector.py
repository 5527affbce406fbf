"""Soil moisture inspector: click the map to see a pixel's value, how it was made, and its history.

A dock that follows the active layer and the Temporal Controller: a click reads the
band the layer draws (or, for a series, the band of the current frame), says which
layer and date the value comes from, shows the local model from the diagnostics
raster of the same run (found by itself), marks the point on the map, and for a
series plots the pixel over time against the coarse product's cell and the nearest
in-situ station. The data logic lives in ui/pixel_series.py (no GUI).
"""
import math
import os
from datetime import date

from osgeo import gdal
from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsMapLayerProxyModel, QgsPointXY,
                       QgsProject, QgsRasterLayer, QgsVectorLayer, QgsWkbTypes)
from qgis.gui import QgsMapLayerComboBox, QgsMapToolEmitPoint, QgsVertexMarker
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QDockWidget, QFormLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from ..core.diagnostics import describe_pixel
from ..core.insitu import STATION_FIELDS
from ..core.downscaling import DIAGNOSTIC_BANDS
from ..core.raster_io import dataset_metadata
from ..processing.outputs import COARSE_ITEM, DIAGNOSTICS_ITEM
from ..translation import QT_TRANSLATE_NOOP, tr
from .pixel_series import (SeriesEntry, band_to_read, entry_in_range, file_entries, nearest_station, pixel_series,
                           series_of, station_series, values_at, values_on_days)

#: Row labels of core.diagnostics.describe_pixel (English there: core has no Qt), translated when shown.
DIAGNOSTIC_ROW_LABELS = (QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Model'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Window'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Predictors'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Coarse cells in the fit'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'R² of the fit'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Local model'),
                         QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Quality'))
#: Fields of the measurement table written by "Import in-situ soil moisture".
TABLE_FIELDS_NEEDED = ('station', 'date', 'depth_m', 'soil_moisture')
WGS84 = QgsCoordinateReferenceSystem('EPSG:4326')


def is_diagnostics_file(path):
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError:
        return False
    if dataset is None or dataset.RasterCount != len(DIAGNOSTIC_BANDS):
        return False
    return dataset.GetRasterBand(1).GetDescription() == DIAGNOSTIC_BANDS[0]


def layer_day(layer, band):
    """The date a raster layer shows: its fixed temporal range, else its band's date."""
    properties = layer.temporalProperties()
    if properties is not None and properties.isActive():
        day = to_date(properties.fixedTemporalRange().begin())
        if day is not None:
            return day
    entries = {e.band: e.day for e in file_entries(layer.source())}
    return entries.get(band)


def drawn_band(layer):
    renderer = layer.renderer()
    return band_to_read(renderer.usesBands() if renderer is not None else [], layer.bandCount())


def layer_entry(layer):
    band = drawn_band(layer)
    return SeriesEntry(layer.source(), band, layer_day(layer, band))


class InspectorDock(QDockWidget):
    """The dock; ``tool`` is its map tool, ``closed`` is emitted when the dock is closed (its X)."""

    closed = pyqtSignal()

    def __init__(self, iface, parent=None):
        super().__init__(tr('Soil moisture inspector'), parent)
        self.setObjectName('SoilMoistureInspectorDock')
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.last_point = None
        self.last_series = None
        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.output_combo = QgsMapLayerComboBox(body)
        self.output_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.diagnostics_combo = QgsMapLayerComboBox(body)
        self.diagnostics_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.diagnostics_combo.setAllowEmptyLayer(True)
        self.coarse_combo = QgsMapLayerComboBox(body)
        self.coarse_combo.setFilters(QgsMapLayerProxyModel.Filter.RasterLayer)
        self.coarse_combo.setAllowEmptyLayer(True)
        form.addRow(tr('Soil moisture'), self.output_combo)
        form.addRow(tr('Diagnostics'), self.diagnostics_combo)
        form.addRow(tr('Coarse product'), self.coarse_combo)
        layout.addLayout(form)
        self.hint = QLabel(tr('Click on the map to inspect a pixel.'), body)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.view = QTextBrowser(body)
        layout.addWidget(self.view, 1)
        self.plot = TimePlot(body)
        self.plot.setVisible(False)
        layout.addWidget(self.plot, 2)
        self.setWidget(body)
        self.tool = QgsMapToolEmitPoint(self.canvas)
        self.tool.canvasClicked.connect(self.on_click)
        self.marker = None
        self.output_combo.layerChanged.connect(self.pair_with_output)
        self.iface.currentLayerChanged.connect(self.follow_layer)
        self.canvas.temporalRangeChanged.connect(self.refresh)
        self.follow_layer(self.iface.activeLayer())

    # -- which layers -------------------------------------------------------------------------------------------
    def follow_layer(self, layer):
        """Inspect the active layer when it is a raster (a diagnostics raster goes to its own picker)."""
        if not isinstance(layer, QgsRasterLayer) or not layer.isValid():
            return
        if is_diagnostics_file(layer.source()):
            self.diagnostics_combo.setLayer(layer)
        else:
            self.output_combo.setLayer(layer)
        self.refresh()

    def pair_with_output(self, layer):
        """Pick the diagnostics and the coarse input of the same run: recorded in the output's metadata,
        else a loaded diagnostics raster named after the output."""
        if layer is None:
            return
        metadata = dataset_metadata(layer.source())
        folder = os.path.dirname(layer.source())
        stem = os.path.splitext(os.path.basename(layer.source()))[0]
        rasters = [l for l in QgsProject.instance().mapLayers().values() if isinstance(l, QgsRasterLayer)]
        recorded = metadata.get(DIAGNOSTICS_ITEM)
        diagnostics = None
        if recorded:
            target = os.path.normpath(os.path.join(folder, recorded))
            diagnostics = next((l for l in rasters if os.path.normpath(l.source()) == target), None)
        if diagnostics is None:
            diagnostics = next((l for l in rasters if l is not layer and is_diagnostics_file(l.source())
                                and os.path.basename(l.source()).startswith(stem)), None)
        self.diagnostics_combo.setLayer(diagnostics)
        coarse_path = metadata.get(COARSE_ITEM)
        coarse = None
        if coarse_path:
            coarse = next((l for l in rasters if os.path.normpath(l.source()) == os.path.normpath(coarse_path)), None)
        self.coarse_combo.setLayer(coarse)

    def coarse_path(self):
        layer = self.coarse_combo.currentLayer()
        if layer is not None:
            return layer.source()
        output = self.output_combo.currentLayer()
        path = dataset_metadata(output.source()).get(COARSE_ITEM) if output is not None else None
        return path if path and os.path.exists(path) else None

    def frame(self):
        """(first day, end day) of the Temporal Controller's current frame, or (None, None) when time
        navigation is off."""
        if not self.canvas.mapSettings().isTemporal():
            return None, None
        frame = self.canvas.temporalRange()
        return to_date(frame.begin()), to_date(frame.end())

    def series_entries(self, layer):
        """The dated layers shown with ``layer`` in its layer tree group (else the dated bands of its file),
        as SeriesEntry."""
        root = QgsProject.instance().layerTreeRoot()
        node = root.findLayer(layer.id())
        siblings = [layer]
        if node is not None and node.parent() is not None and node.parent() != root:
            siblings = [child.layer() for child in node.parent().children()
                        if hasattr(child, 'layer') and isinstance(child.layer(), QgsRasterLayer)
                        and child.layer().isValid()]
        return series_of([layer_entry(l) for l in siblings], layer.source())

    def reading(self):
        """(entry read by a click, its layer's name, the series): the frame's date in a series, else
        the band the layer draws."""
        layer = self.output_combo.currentLayer()
        if layer is None:
            return None, None, []
        own = layer_entry(layer)
        series = self.series_entries(layer)
        current = entry_in_range(series, *self.frame()) or own
        name = layer.name()
        if current != own:
            shown = [l for l in QgsProject.instance().mapLayers().values()
                     if isinstance(l, QgsRasterLayer) and l.source() == current.path and drawn_band(l) == current.band]
            name = shown[0].name() if shown else os.path.basename(current.path)
        return current, name, series

    # -- a click ------------------------------------------------------------------------------------------------
    def on_click(self, point, button=Qt.MouseButton.LeftButton):
        self.inspect(point, self.canvas.mapSettings().destinationCrs())

    def refresh(self, *args):
        if self.last_point is not None and self.isVisible():
            self.inspect(*self.last_point)

    def mark(self, point, crs):
        canvas_crs = self.canvas.mapSettings().destinationCrs()
        if crs.isValid() and canvas_crs.isValid() and crs != canvas_crs:
            point = QgsCoordinateTransform(crs, canvas_crs, QgsProject.instance()).transform(point)
        if self.marker is None:
            self.marker = QgsVertexMarker(self.canvas)
            self.marker.setIconType(QgsVertexMarker.IconType.ICON_CROSS)
            self.marker.setColor(QColor('#d7191c'))
            self.marker.setIconSize(14)
            self.marker.setPenWidth(3)
        self.marker.setCenter(QgsPointXY(point))
        self.marker.show()

    def remove_marker(self):
        if self.marker is not None:
            self.canvas.scene().removeItem(self.marker)
            self.marker = None

    def inspect(self, point, crs):
        """Show the pixel under ``point`` (in ``crs``); returns the rows shown."""
        point = QgsPointXY(point)
        self.last_point = (point, crs)
        self.mark(point, crs)
        wkt = crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED_GDAL)
        rows = []
        entry, name, series = self.reading()
        self.last_series = None
        if entry is None:
            rows.append((tr('Soil moisture'), tr('choose a layer')))
        else:
            rows.append((tr('Layer'), name))
            rows.append((tr('Band'), '{} ({})'.format(entry.band, entry.day) if entry.day else str(entry.band)))
            values = values_at(entry.path, point.x(), point.y(), wkt, [entry.band])
            value = values[0] if values is not None else None
            if values is None:
                rows.append((tr('Soil moisture'), tr('outside the layer')))
            else:
                rows.append((tr('Soil moisture'), tr('no data') if math.isnan(value)
                             else '{:.3f} m³/m³'.format(value)))
            coarse = self.coarse_path()
            if coarse and values is not None:
                coarse_values = values_at(coarse, point.x(), point.y(), wkt)
                coarse_entries = file_entries(coarse)
                cell = None
                if coarse_values is not None:
                    if entry.day is not None and coarse_entries:
                        cell = values_on_days([entry.day], [e.day for e in coarse_entries],
                                              [coarse_values[e.band - 1] for e in coarse_entries])[0]
                    elif len(coarse_values) == 1:
                        cell = coarse_values[0]
                if cell is not None and not math.isnan(cell):
                    rows.append((tr('Coarse cell'), '{:.3f} m³/m³'.format(cell)))
            if len(series) > 1 and values is not None:
                self.last_series = self.history(series, point, crs, wkt, coarse)
        diagnostics_layer = self.diagnostics_combo.currentLayer()
        if diagnostics_layer is not None:
            diagnostics = values_at(diagnostics_layer.source(), point.x(), point.y(), wkt)
            if diagnostics is not None:
                corrected = 'TERRAIN_CORRECTION' in dataset_metadata(diagnostics_layer.source())
                rows += [(tr(label), text) for label, text in describe_pixel(diagnostics, terrain_corrected=corrected)]
        self.view.setHtml('<table>' + ''.join('<tr><th align="left">{}</th><td>{}</td></tr>'.format(k, v)
                                              for k, v in rows) + '</table>')
        self.plot.setVisible(self.last_series is not None)
        if self.last_series is not None:
            self.plot.show_series(self.last_series, entry.day)
        return rows

    # -- a pixel over time --------------------------------------------------------------------------------------
    def history(self, series, point, crs, wkt, coarse):
        """The pixel through the series, the coarse cell and the nearest station on the same axis."""
        days, values = pixel_series(series, point.x(), point.y(), wkt)
        history = {'days': days, 'downscaled': values, 'coarse': None, 'station': None}
        if coarse:
            coarse_entries = file_entries(coarse)
            cell = values_at(coarse, point.x(), point.y(), wkt)
            if cell is not None and coarse_entries:
                history['coarse'] = values_on_days(days, [e.day for e in coarse_entries],
                                                   [cell[e.band - 1] for e in coarse_entries])
        history['station'] = self.station_history(point, crs, days)
        return history

    def station_history(self, point, crs, days):
        """(station id, km, dates, values) of the nearest station of a loaded "Import in-situ" result."""
        stations, table = find_insitu_layers()
        if stations is None or table is None:
            return None
        to_wgs84 = QgsCoordinateTransform(stations.crs(), WGS84, QgsProject.instance())
        positions = []
        for feature in stations.getFeatures():
            geometry = feature.geometry()
            if geometry.isNull():
                continue
            position = to_wgs84.transform(geometry.asPoint())
            positions.append((str(feature['station']), position.x(), position.y()))
        here = QgsCoordinateTransform(crs, WGS84, QgsProject.instance()).transform(point)
        nearest = nearest_station(positions, here.x(), here.y())
        if nearest is None:
            return None
        station, km = nearest
        rows = [(f['date'], f['depth_m'], f['soil_moisture'])
                for f in table.getFeatures("\"station\" = '{}'".format(station.replace("'", "''")))]
        first, last = min(days), max(days)
        kept = [(to_date(d), number(z), number(v)) for d, z, v in rows]
        kept = [row for row in kept if row[0] is not None and first <= row[0] <= last]
        if not kept:
            return {'station': station, 'km': km, 'days': [], 'values': []}
        station_days, station_values = station_series(*zip(*kept))
        return {'station': station, 'km': km, 'days': station_days, 'values': station_values}

    def closeEvent(self, event):  # noqa: N802
        self.remove_marker()
        super().closeEvent(event)
        self.closed.emit()

    def unload(self):
        self.remove_marker()
        for signal, slot in ((self.iface.currentLayerChanged, self.follow_layer),
                             (self.canvas.temporalRangeChanged, self.refresh)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass


def to_date(value):
    """A QDate or QDateTime (or date) as a date; None when invalid."""
    if hasattr(value, 'isValid') and not value.isValid():
        return None
    if hasattr(value, 'date') and hasattr(value, 'time'):  # QDateTime
        value = value.date()
    if hasattr(value, 'toPyDate'):
        return value.toPyDate()
    return value if isinstance(value, date) else None


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def find_insitu_layers():
    """(station layer, measurement table) of "Import in-situ soil moisture" among the loaded layers."""
    stations = table = None
    for layer in QgsProject.instance().mapLayers().values():
        if not isinstance(layer, QgsVectorLayer):
            continue
        names = set(layer.fields().names())
        if layer.geometryType() == QgsWkbTypes.GeometryType.PointGeometry and set(STATION_FIELDS[:3]) <= names:
            stations = stations or layer
        elif not layer.isSpatial() and set(TABLE_FIELDS_NEEDED) <= names:
            table = table or layer
    return stations, table


class TimePlot(QWidget):
    """A pixel over time: downscaled, coarse cell and in-situ station (matplotlib in Qt)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure
        self.figure = Figure(figsize=(4.0, 2.6), dpi=90)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setParent(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.lines = {}

    def show_series(self, history, current_day=None):
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        self.figure.clear()
        axes = self.figure.add_subplot(1, 1, 1)
        self.lines = {}
        days = history['days']
        self.lines['downscaled'] = axes.plot(days, history['downscaled'], marker='o', markersize=3, color='#2c7fb8',
                                             label=tr('downscaled pixel'))[0]
        if history.get('coarse') is not None:
            self.lines['coarse'] = axes.step(days, history['coarse'], where='mid', color='#8c510a', linewidth=1.2,
                                             label=tr('coarse cell'))[0]
        station = history.get('station')
        if station and len(station['days']):
            self.lines['station'] = axes.plot(station['days'], station['values'], linestyle='none', marker='s',
                                              markersize=4, color='#1a9641',
                                              label=tr('station {} ({:.1f} km)').format(station['station'],
                                                                                      station['km']))[0]
        if current_day is not None:
            axes.axvline(current_day, color='#d7191c', linewidth=0.8)
        axes.set_ylabel(tr('soil moisture (m³/m³)'))
        axes.legend(loc='best', fontsize='small')
        axes.grid(True, alpha=0.3)
        locator = AutoDateLocator(minticks=3, maxticks=6)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        self.figure.tight_layout()
        self.canvas.draw_idle()
