"""Render a downscaled soil moisture GeoTIFF to PNG with its QGIS style (the sidecar .qml),
next to the coarse input (and the true field, for twin scenes), with a legend.

/usr/bin/python3 -P scripts/render_map.py OUTPUT.tif MAP.png [--coarse C.tif] [--truth T.tif]
"""
import argparse
import os
import sys

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))
import plugin_package  # noqa: E402

plugin_package.ensure_importable()


def render_layer(layer, crs, extent, size):
    from qgis.core import QgsMapRendererCustomPainterJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage, QPainter
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(crs)  # every panel in the output's CRS, reprojected on the fly
    settings.setExtent(extent)
    settings.setOutputSize(QSize(*size))
    settings.setBackgroundColor(QColor('white'))
    image = QImage(QSize(*size), QImage.Format.Format_ARGB32)
    image.fill(QColor('white'))
    painter = QPainter(image)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.start()
    job.waitForFinished()
    painter.end()
    return image


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('output')
    parser.add_argument('png')
    parser.add_argument('--coarse')
    parser.add_argument('--truth')
    args = parser.parse_args()
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    render(args)  # every layer is gone when it returns, before QGIS exits
    app.exitQgis()


def render(args):
    from qgis.core import QgsRasterLayer
    from qgis.PyQt.QtCore import QRectF, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter
    from soil_moisture_downscaling.processing.styling import apply_style
    panels = []
    main_layer = QgsRasterLayer(args.output, 'downscaled', 'gdal')  # loads the sidecar .qml style
    extent = main_layer.extent()
    width = 560
    height = int(width * extent.height() / extent.width())
    for path, title in ((args.coarse, 'Coarse input (0.25°)'), (args.output, 'Downscaled (1 km)'),
                        (args.truth, 'True field (twin scene)')):
        if not path:
            continue
        layer = main_layer if path == args.output else QgsRasterLayer(path, title, 'gdal')
        if layer is not main_layer:
            apply_style(layer, 'soil_moisture')
        panels.append((title, render_layer(layer, main_layer.crs(), extent, (width, height))))
    legend = main_layer.renderer().legendSymbologyItems()
    margin, title_height, legend_width = 10, 26, 190
    canvas = QImage(len(panels) * (width + margin) + margin + legend_width, height + title_height + 2 * margin,
                    QImage.Format.Format_ARGB32)
    canvas.fill(QColor('white'))
    painter = QPainter(canvas)
    painter.setFont(QFont('Sans', 11))
    for index, (title, image) in enumerate(panels):
        x = margin + index * (width + margin)
        painter.drawText(QRectF(x, margin, width, title_height), Qt.AlignmentFlag.AlignCenter, title)
        painter.drawImage(x, margin + title_height, image)
    x = margin + len(panels) * (width + margin)
    painter.drawText(QRectF(x, margin, legend_width, title_height), Qt.AlignmentFlag.AlignLeft,
                     'Soil moisture (m³/m³)')
    for row, (label, colour) in enumerate(legend):
        y = margin + title_height + 8 + row * 24
        painter.fillRect(QRectF(x, y, 28, 18), colour)
        painter.drawText(QRectF(x + 36, y, legend_width - 36, 18),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
    painter.end()
    canvas.save(args.png)
    print('Map written to', args.png)


if __name__ == '__main__':
    main()
