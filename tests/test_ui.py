"""The plugin's desktop side: lifecycle with an iface, and the pixel inspector."""
from qgis.core import QgsPointXY, QgsProject, QgsRasterLayer

from soil_moisture_downscaling.core.diagnostics import decode_quality, describe_pixel


def test_quality_bits_are_decoded():
    assert decode_quality(0) == []
    assert decode_quality(1 + 8) == ['LST or NDVI gap filled', 'value clipped to the bounds']
    assert decode_quality(16) == ['outside the coarse product']
    assert decode_quality(32 + 2) == ['coarse value estimated', 'terrain from a partial window']


def test_describe_pixel_reads_the_diagnostic_bands():
    rows = dict(describe_pixel([3, 1, 45, 0.81, 0.9, -0.002, 0.1, 1e-5, 0, 0, 0, 0, 1]))
    assert rows['Window'] == 'h = 3 (7×7 coarse cells)'
    assert rows['Predictors'] == 'LST*, NDVI, elevation'
    assert rows['R² of the fit'] == '0.810'
    assert rows['Model'] == 'local window'
    assert '-0.002 · LST' in rows['Local model'] and '· z' in rows['Local model']
    assert rows['Quality'] == 'LST or NDVI gap filled'


def test_describe_pixel_shows_the_self_adaptive_choice():
    # A scene-wide model chosen (fallback 4, no window), fixed lapse rate LST* (mode 2), its expected error.
    rows = dict(describe_pixel([0, 0, 300, 0.5, 0.9, -0.002, 0.1, 0, 0, 0, 0, 4, 0, 2, 0.0123]))
    assert rows['Model'] == 'scene-wide model (chosen)'
    assert rows['Window'] == 'the whole scene (one model)'
    assert rows['Terrain correction of LST'] == 'fixed lapse rate'
    assert rows['Expected error (self-adaptive choice)'].startswith('0.0123 m³/m³')
    assert rows['Quality'] == 'observed, no flag', 'a chosen scene-wide model is no fallback'


def test_plugin_lifecycle_and_inspector(qgis_app, terrain_scene, tmp_path):
    import processing
    import qgis.utils
    from soil_moisture_downscaling import classFactory
    result = processing.run('soilmoisture:downscale', {
        'COARSE_SM': terrain_scene.paths['coarse_sm'], 'LST': terrain_scene.paths['lst'],
        'NDVI': terrain_scene.paths['ndvi'], 'DEM': terrain_scene.paths['dem'], 'ACQUISITION_DATE': '2021-07-15',
        'OUTPUT': str(tmp_path / 'sm.tif'), 'DIAGNOSTICS': str(tmp_path / 'diag.tif')})
    iface = qgis.utils.iface
    plugin = classFactory(iface)
    plugin.initGui()
    try:
        from qgis.core import QgsApplication
        assert QgsApplication.processingRegistry().providerById('soilmoisture') is not None
        assert plugin.dock is not None
        output = QgsRasterLayer(result['OUTPUT'], 'sm')
        diagnostics = QgsRasterLayer(result['DIAGNOSTICS'], 'diag')
        QgsProject.instance().addMapLayers([output, diagnostics])
        plugin.dock.output_combo.setLayer(output)
        plugin.dock.diagnostics_combo.setLayer(diagnostics)
        centre = output.extent().center()
        rows = dict(plugin.dock.inspect(QgsPointXY(centre), output.crs()))
        assert rows['Soil moisture'].endswith('m³/m³')
        assert 'Window' in rows and 'Local model' in rows and 'Quality' in rows
        outside = dict(plugin.dock.inspect(QgsPointXY(centre.x() + 1e7, centre.y()), output.crs()))
        assert outside['Soil moisture'] == 'outside the layer'
    finally:
        plugin.unload()
        QgsProject.instance().removeAllMapLayers()
    assert plugin.provider is None
    # The session's provider (registered by the test fixture) is left alone.
    from qgis.core import QgsApplication
    assert QgsApplication.processingRegistry().providerById('soilmoisture') is not None
