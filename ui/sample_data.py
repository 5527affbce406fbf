"""The bundled sample scene (sample_data/, Colorado on 2021-07-15) opened as styled layers."""
import os

from qgis.core import QgsProject, QgsRasterLayer

from ..processing.styling import apply_style
from ..translation import QT_TRANSLATE_NOOP, tr

SAMPLE_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'sample_data')
#: (file, layer name, style, shown): top of the list is the top of the Layers panel.
SAMPLE_LAYERS = (
    ('coarse_soil_moisture_025deg.tif',
     QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Coarse soil moisture, 0.25° (m³/m³)'), 'soil_moisture', True),
    ('lst_modis_like_K.tif', QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Land surface temperature (K)'), 'lst',
     False),
    ('ndvi.tif', QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'NDVI'), 'ndvi', False),
    ('dem_1km.tif', QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Elevation (m)'), 'elevation', False),
    ('true_soil_moisture.tif', QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'True soil moisture (for checking)'),
     'soil_moisture', False),
)


def load_sample_data(project=None, folder=SAMPLE_FOLDER):
    """Add the sample rasters, styled, in a group at the top of the Layers panel; returns the layers."""
    project = project or QgsProject.instance()
    if not project.mapLayers():
        # An empty project takes the grid of the LST (the output grid) rather than the coarse product's lat/lon.
        project.setCrs(QgsRasterLayer(os.path.join(folder, SAMPLE_LAYERS[1][0]), 'crs', 'gdal').crs())
    group = project.layerTreeRoot().insertGroup(0, tr('Soil moisture sample (Colorado, 2021-07-15)'))
    layers = []
    for file_name, name, style, shown in SAMPLE_LAYERS:
        layer = QgsRasterLayer(os.path.join(folder, file_name), tr(name), 'gdal')
        if not layer.isValid():
            raise FileNotFoundError(os.path.join(folder, file_name))
        apply_style(layer, style)
        project.addMapLayer(layer, False)
        group.addLayer(layer).setItemVisibilityChecked(shown)
        layers.append(layer)
    return layers
