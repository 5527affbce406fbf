"""The algorithms through QGIS Processing: run, dialog, model, loading with style, cancel."""
import os

import numpy as np
import pytest
from helpers import read

ALG = 'soilmoisture:downscale'


def downscale_parameters(scene, output, **extra):
    parameters = {'COARSE_SM': scene.paths['coarse_sm'], 'LST': scene.paths['lst'], 'NDVI': scene.paths['ndvi'],
                  'DEM': scene.paths['dem'], 'ACQUISITION_DATE': scene.settings.acquisition_date.isoformat(),
                  'OUTPUT': str(output)}
    parameters.update(extra)
    return parameters


def test_provider_and_algorithms_are_registered(qgis_app):
    from qgis.core import QgsApplication
    provider = QgsApplication.processingRegistry().providerById('soilmoisture')
    assert provider is not None and provider.name() == 'Soil moisture downscaling'
    names = {alg.id() for alg in provider.algorithms()}
    assert {'soilmoisture:downscale', 'soilmoisture:correctlst'} <= names
    algorithm = QgsApplication.processingRegistry().algorithmById(ALG)
    ids = [p.name() for p in algorithm.parameterDefinitions()]
    for expected in ('COARSE_SM', 'LST', 'NDVI', 'DEM', 'SUN_ZENITH', 'SUN_AZIMUTH', 'ACQUISITION_DATE',
                     'OVERPASS_SOLAR_TIME', 'METHOD', 'MODEL', 'MIN_HALF_WINDOW', 'MAX_HALF_WINDOW',
                     'MIN_VALID_FRACTION', 'SM_MIN', 'SM_MAX', 'OUTPUT', 'DIAGNOSTICS', 'REPORT'):
        assert expected in ids
    method = algorithm.parameterDefinition('METHOD')
    assert len(method.options()) == 6 and method.options()[0].startswith('Terrain-aware')
    assert method.options()[5].startswith('Adaptive window on the LST as given')
    from soil_moisture_downscaling.core.downscaling import RESIDUAL_SPREADS, DownscaleOptions
    residual = algorithm.parameterDefinition('RESIDUAL')
    assert len(residual.options()) == len(RESIDUAL_SPREADS) == 2
    assert residual.defaultValue() == RESIDUAL_SPREADS.index(DownscaleOptions().residual)
    assert ids.index('RESIDUAL') > ids.index('NOISE_FILTER'), 'appended: the older parameters keep their order'
    for name in ('MODEL', 'MIN_HALF_WINDOW', 'SM_MAX', 'RESIDUAL'):
        assert algorithm.parameterDefinition(name).flags() & algorithm.parameterDefinition(name).FlagAdvanced
    assert all(p.help() for p in algorithm.parameterDefinitions())
    assert algorithm.shortHelpString()


def test_downscale_runs_with_diagnostics_report_and_sidecar_style(qgis_app, terrain_scene, tmp_path):
    import processing
    result = processing.run(ALG, downscale_parameters(
        terrain_scene, tmp_path / 'sm.tif', DIAGNOSTICS=str(tmp_path / 'diag.tif'), REPORT=str(tmp_path / 'r.html')))
    assert result['OUTPUT'] == str(tmp_path / 'sm.tif')
    assert result['CONSISTENCY_MAX_ERROR'] < 1e-4
    assert result['LAPSE_RATE_K_PER_KM'] < 0  # cooler up high (the exact value is tested in the core)
    out = read(tmp_path / 'sm.tif')
    assert np.isfinite(out).mean() > 0.95
    assert (tmp_path / 'sm.qml').exists() and 'm³/m³' in (tmp_path / 'sm.qml').read_text()
    assert (tmp_path / 'diag.qml').exists()
    page = (tmp_path / 'r.html').read_text()
    assert page.count('<img') >= 5 and 'data:image/png;base64' in page
    assert 'Value consistency' in page


def test_residual_parameter_reaches_the_core(qgis_app, terrain_scene, tmp_path):
    import processing
    from osgeo import gdal
    from soil_moisture_downscaling.core.downscaling import RESIDUAL_SPREADS, DownscaleOptions
    other = 1 - RESIDUAL_SPREADS.index(DownscaleOptions().residual)
    result = processing.run(ALG, downscale_parameters(terrain_scene, tmp_path / 'sm.tif', RESIDUAL=other))
    assert result['CONSISTENCY_MAX_ERROR'] < 1e-4
    assert gdal.Open(str(tmp_path / 'sm.tif')).GetMetadataItem('RESIDUAL_SPREAD') == RESIDUAL_SPREADS[other]


def test_selection_parameters_reach_the_core(qgis_app, terrain_scene, tmp_path):
    """The option labels line up with the core's choices, and the options chosen are the options run."""
    import processing
    from osgeo import gdal
    from soil_moisture_downscaling.core import downscaling
    from soil_moisture_downscaling.processing.algorithms.downscale import DownscaleAlgorithm
    assert len(DownscaleAlgorithm.SELECTION_LABELS) == len(downscaling.SELECTIONS)
    assert len(DownscaleAlgorithm.TERRAIN_MODE_LABELS) == len(downscaling.TERRAIN_MODE_CHOICES)
    assert len(DownscaleAlgorithm.PREDICTOR_LABELS) == len(downscaling.PREDICTORS)
    fixed_lapse = downscaling.TERRAIN_MODE_CHOICES.index('fixed lapse rate')
    processing.run(ALG, downscale_parameters(terrain_scene, tmp_path / 'sm.tif', SELECTION=1,
                                             TERRAIN_MODE=fixed_lapse, PREDICTORS=1))
    dataset = gdal.Open(str(tmp_path / 'sm.tif'))
    assert dataset.GetMetadataItem('SELECTION') == downscaling.SELECTIONS[1] == 'per-cell AICc'
    assert dataset.GetMetadataItem('TERRAIN_CORRECTION') == 'fixed lapse rate'


def test_correct_lst_runs(qgis_app, terrain_scene, tmp_path):
    import processing
    result = processing.run('soilmoisture:correctlst', {
        'LST': terrain_scene.paths['lst'], 'NDVI': terrain_scene.paths['ndvi'], 'DEM': terrain_scene.paths['dem'],
        'ACQUISITION_DATE': terrain_scene.settings.acquisition_date.isoformat(), 'OUTPUT': str(tmp_path / 'lst.tif')})
    assert abs(result['CORR_LST_STAR_COS_I']) < 0.1
    assert result['ILLUMINATION_COEFFICIENT_K'] > 5.0
    corrected = read(tmp_path / 'lst.tif')
    assert np.nanstd(corrected) < np.nanstd(read(terrain_scene.paths['lst']))


def test_bad_input_gives_processing_exception(qgis_app, terrain_scene, tmp_path):
    import processing
    from qgis.core import QgsProcessingException
    parameters = downscale_parameters(terrain_scene, tmp_path / 'sm.tif')
    del parameters['DEM']
    with pytest.raises(QgsProcessingException, match='needs a DEM'):
        processing.run(ALG, parameters)
    assert not (tmp_path / 'sm.tif').exists()


def test_dialog_builds(qgis_app):
    import processing
    dialog = processing.createAlgorithmDialog(ALG)
    assert dialog is not None
    dialog.close()
    dialog = processing.createAlgorithmDialog('soilmoisture:correctlst')
    assert dialog is not None
    dialog.close()


def test_two_step_model_equals_terrain_aware_method(qgis_app, terrain_scene, tmp_path):
    import processing
    from qgis.core import (QgsProcessingContext, QgsProcessingFeedback, QgsProcessingModelAlgorithm,
                           QgsProcessingModelChildAlgorithm, QgsProcessingModelChildParameterSource,
                           QgsProcessingModelOutput, QgsProcessingModelParameter,
                           QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer)
    model = QgsProcessingModelAlgorithm('Correct then downscale', 'tests')
    for name in ('coarse', 'lst', 'ndvi', 'dem'):
        model.addModelParameter(QgsProcessingParameterRasterLayer(name, name), QgsProcessingModelParameter(name))
    correct = QgsProcessingModelChildAlgorithm('soilmoisture:correctlst')
    correct.setChildId('correct')
    correct.addParameterSources('LST', [QgsProcessingModelChildParameterSource.fromModelParameter('lst')])
    correct.addParameterSources('NDVI', [QgsProcessingModelChildParameterSource.fromModelParameter('ndvi')])
    correct.addParameterSources('DEM', [QgsProcessingModelChildParameterSource.fromModelParameter('dem')])
    correct.addParameterSources('ACQUISITION_DATE', [QgsProcessingModelChildParameterSource.fromStaticValue(
        terrain_scene.settings.acquisition_date.isoformat())])
    model.addChildAlgorithm(correct)
    down = QgsProcessingModelChildAlgorithm('soilmoisture:downscale')
    down.setChildId('downscale')
    down.addParameterSources('COARSE_SM', [QgsProcessingModelChildParameterSource.fromModelParameter('coarse')])
    down.addParameterSources('LST', [QgsProcessingModelChildParameterSource.fromChildOutput('correct', 'OUTPUT')])
    down.addParameterSources('NDVI', [QgsProcessingModelChildParameterSource.fromModelParameter('ndvi')])
    down.addParameterSources('DEM', [QgsProcessingModelChildParameterSource.fromModelParameter('dem')])
    down.addParameterSources('METHOD', [QgsProcessingModelChildParameterSource.fromStaticValue(5)])
    output = QgsProcessingModelOutput('downscaled', 'Downscaled soil moisture')
    output.setChildId('downscale')
    output.setChildOutputName('OUTPUT')
    down.setModelOutputs({'downscaled': output})
    model.addChildAlgorithm(down)
    model.updateDestinationParameters()
    # QGIS names the model's destination parameter after the child ("downscale:downscaled", 3.22)
    # or after the output's description ("downscaled_soil_moisture", 3.40 and later): find it.
    [destination] = model.destinationParameterDefinitions()
    assert isinstance(destination, QgsProcessingParameterRasterDestination)
    model_out = str(tmp_path / 'model.tif')
    results = processing.run(model, {'coarse': terrain_scene.paths['coarse_sm'], 'lst': terrain_scene.paths['lst'],
                                     'ndvi': terrain_scene.paths['ndvi'], 'dem': terrain_scene.paths['dem'],
                                     destination.name(): model_out},
                             context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    assert results[destination.name()] == model_out and os.path.exists(model_out)
    # Method 5 calibrates per cell (AICc) on the LST* it is given, so the terrain-aware method with
    # the same choice and the terrain mode of "Correct LST for terrain" must give the same map.
    from soil_moisture_downscaling.core.downscaling import SELECTIONS, TERRAIN_MODE_CHOICES
    direct = processing.run(ALG, downscale_parameters(
        terrain_scene, tmp_path / 'direct.tif', METHOD=0, SELECTION=SELECTIONS.index('per-cell AICc'),
        TERRAIN_MODE=TERRAIN_MODE_CHOICES.index('illumination+lapse')))
    a = read(model_out)
    b = read(direct['OUTPUT'])
    assert np.array_equal(np.isfinite(a), np.isfinite(b))
    assert np.nanmax(np.abs(a - b)) < 1e-5


def test_run_and_load_results_gives_a_styled_layer(qgis_app, terrain_scene, tmp_path):
    import processing
    from qgis.core import QgsProject, QgsSingleBandPseudoColorRenderer
    QgsProject.instance().removeAllMapLayers()
    processing.runAndLoadResults(ALG, downscale_parameters(terrain_scene, tmp_path / 'loaded.tif'))
    layers = [layer for layer in QgsProject.instance().mapLayers().values()
              if layer.source() == str(tmp_path / 'loaded.tif')]
    assert len(layers) == 1
    layer = layers[0]
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert renderer.classificationMin() == 0.0 and renderer.classificationMax() == 0.5
    items = renderer.shader().rasterShaderFunction().colorRampItemList()
    assert len(items) == 6 and 'm³/m³' in items[-1].label
    # Named after the file, the method and the date (defect 6: all outputs had one name).
    assert layer.name() == 'loaded (terrain-aware adaptive window, 2021-07-15)'
    QgsProject.instance().removeAllMapLayers()


def test_cancelled_run_stops_and_leaves_no_output(qgis_app, terrain_scene, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class CancelEarly(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progress_calls = 0

        def setProgress(self, value):  # noqa: N802
            super().setProgress(value)
            self.progress_calls += 1
            if value > 20:
                self.cancel()

    feedback = CancelEarly()
    with pytest.raises(QgsProcessingException, match='Cancelled'):
        processing.run(ALG, downscale_parameters(terrain_scene, tmp_path / 'sm.tif',
                                                 DIAGNOSTICS=str(tmp_path / 'diag.tif')), feedback=feedback)
    assert feedback.progress_calls > 0
    assert sorted(os.listdir(tmp_path)) == []


def test_memory_budget_setting_is_registered_and_read(qgis_app):
    from processing.core.ProcessingConfig import ProcessingConfig
    from soil_moisture_downscaling.processing.settings import MEMORY_SETTING, memory_budget_mb
    assert ProcessingConfig.getSetting(MEMORY_SETTING) == 1024
    ProcessingConfig.setSettingValue(MEMORY_SETTING, 64)
    try:
        assert memory_budget_mb() == 64.0
    finally:
        ProcessingConfig.setSettingValue(MEMORY_SETTING, 1024)


def choose_max_cores(count):
    """What Settings ▸ Options ▸ Rendering ▸ "Max cores to use" does (-1: no limit)."""
    from qgis.core import QgsApplication, QgsSettings
    QgsApplication.setMaxThreads(count)
    QgsSettings().setValue('qgis/max_threads', count)


@pytest.fixture
def restore_max_cores(qgis_app):
    from qgis.core import QgsApplication, QgsSettings
    previous = QgsApplication.maxThreads(), QgsSettings().value('qgis/max_threads', -1)
    yield
    QgsApplication.setMaxThreads(previous[0])
    QgsSettings().setValue('qgis/max_threads', previous[1])


def test_threads_follow_the_users_max_cores(restore_max_cores):
    """Settings ▸ Options ▸ Rendering ▸ "Max cores to use" also bounds the downscaling threads."""
    from soil_moisture_downscaling.processing.algorithms.base import SoilMoistureAlgorithm
    choose_max_cores(1)
    assert SoilMoistureAlgorithm.threads() == 1
    choose_max_cores(-1)
    assert SoilMoistureAlgorithm.threads() == 0


def test_threads_keep_one_core_where_qgis_reports_two(restore_max_cores, monkeypatch):
    """QGIS 3.40 and later report at least 2 in QgsApplication.maxThreads() when the user chose 1;
    the user's 1 holds. (Fails with a threads() that reads only maxThreads(), on any QGIS.)"""
    from qgis.core import QgsApplication, QgsSettings
    from soil_moisture_downscaling.processing.algorithms.base import SoilMoistureAlgorithm
    QgsSettings().setValue('qgis/max_threads', 1)
    monkeypatch.setattr(QgsApplication, 'maxThreads', staticmethod(lambda: 2))
    assert SoilMoistureAlgorithm.threads() == 1


def test_threads_follow_a_limit_set_in_code(restore_max_cores, monkeypatch):
    """A script's QgsApplication.setMaxThreads(n) without the user's setting limits the threads too."""
    from qgis.core import QgsApplication, QgsSettings
    from soil_moisture_downscaling.processing.algorithms.base import SoilMoistureAlgorithm
    QgsSettings().setValue('qgis/max_threads', -1)
    monkeypatch.setattr(QgsApplication, 'maxThreads', staticmethod(lambda: 3))
    assert SoilMoistureAlgorithm.threads() == 3
    QgsSettings().setValue('qgis/max_threads', 2)
    assert SoilMoistureAlgorithm.threads() == 2
