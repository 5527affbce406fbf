"""How results read (defect 9): legend units, the report's class map, the DISPATCH log, the inspector's LST*."""
import numpy as np

from soil_moisture_downscaling.core.diagnostics import describe_pixel
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry


def test_dispatch_log_gives_the_trapezoid_in_kelvin(terrain_scene, tmp_path):
    inputs = DownscaleInputs(*(RasterSource(terrain_scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi')))
    result = downscale(inputs, str(tmp_path / 'dispatch.tif'), DownscaleOptions(
        method=Method.DISPATCH, sun=SunGeometry(acquisition_date=terrain_scene.settings.acquisition_date)))
    line = next(m for m in result.messages if m.startswith('DISPATCH trapezoid'))
    assert 'Trapezoid(' not in line and 'soil_max' not in line
    assert line.count(' K') == 4, line


def test_soil_moisture_legend_says_the_unit(qgis_app, terrain_scene, tmp_path):
    """The legend read "Band 1: soil_moisture_m3_m3 (Gray)" with 0 and 0.5 and no unit."""
    import processing
    from qgis.core import QgsLayerTree, QgsLayerTreeModel, QgsRasterLayer
    from qgis.PyQt.QtCore import Qt
    result = processing.run('soilmoisture:downscale', {
        'COARSE_SM': terrain_scene.paths['coarse_sm'], 'LST': terrain_scene.paths['lst'],
        'NDVI': terrain_scene.paths['ndvi'], 'DEM': terrain_scene.paths['dem'], 'ACQUISITION_DATE': '2021-07-15',
        'OUTPUT': str(tmp_path / 'sm.tif')})
    layer = QgsRasterLayer(result['OUTPUT'], 'sm')  # styled by its sidecar .qml, as when opened later
    root = QgsLayerTree()
    node = root.addLayer(layer)
    model = QgsLayerTreeModel(root)  # owns the legend nodes
    legend = model.layerLegendNodes(node)
    titles = [n.data(Qt.ItemDataRole.DisplayRole) for n in legend if type(n).__name__ == 'QgsSimpleLegendNode']
    assert titles and 'soil moisture (m³/m³)' in titles[0]
    ramp = [n for n in legend if type(n).__name__ == 'QgsColorRampLegendNode']
    assert len(ramp) == 1
    assert ramp[0].settings().minimumLabel() == '0.00 m³/m³ (dry)'
    assert ramp[0].settings().maximumLabel() == '0.50 m³/m³ (wet)'


def test_report_shows_the_predictor_set_as_two_classes():
    from soil_moisture_downscaling.report import downscaling

    class Capture:
        def figure(self, figure, caption):
            self.figure_made = figure
    report = Capture()
    values = np.array([[0.0, 1.0], [np.nan, 1.0]])
    downscaling._category_map(report, values, 'Chosen predictor set', '', downscaling.PREDICTOR_SET_CLASSES)
    axes = report.figure_made.axes
    assert len(axes) == 1, 'a colour bar was drawn'
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels == ['LST*, NDVI', 'LST*, NDVI, elevation']
    image = axes[0].get_images()[0]
    colours = {tuple(np.round(image.cmap(image.norm(v)), 3)) for v in (0.0, 1.0)}
    assert len(colours) == 2


def test_inspector_equation_names_the_corrected_temperature():
    values = [3, 1, 45, 0.81, 0.9, -0.002, 0.1, 1e-5, 0, 0, 0, 0, 0]
    corrected = dict(describe_pixel(values, terrain_corrected=True))['Local model']
    assert '· LST*' in corrected
    as_given = dict(describe_pixel(values, terrain_corrected=False))['Local model']
    assert '· LST ' in as_given + ' ' and 'LST*' not in as_given
