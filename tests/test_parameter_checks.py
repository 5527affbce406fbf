"""What is checked before a run (defect 7) and how outputs are declared and named (defects 3, 4, 6)."""
import os

import pytest
from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition, QgsProject

from soil_moisture_downscaling.processing import outputs


def check(parameters, algorithm_id='soilmoisture:downscale'):
    from qgis.core import QgsApplication
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    return algorithm.checkParameterValues(parameters, QgsProcessingContext())


def scene_parameters(scene, **extra):
    parameters = {'COARSE_SM': scene.paths['coarse_sm'], 'LST': scene.paths['lst'], 'NDVI': scene.paths['ndvi'],
                  'DEM': scene.paths['dem'], 'OUTPUT': 'TEMPORARY_OUTPUT'}
    parameters.update(extra)
    return {k: v for k, v in parameters.items() if v is not None}


def test_what_the_method_needs_is_checked_before_the_run(qgis_app, terrain_scene):
    assert check(scene_parameters(terrain_scene)) == (True, '')
    ok, message = check(scene_parameters(terrain_scene, NDVI=None))
    assert not ok and 'needs NDVI' in message
    ok, message = check(scene_parameters(terrain_scene, DEM=None))
    assert not ok and 'needs a DEM' in message and 'method 5' in message
    # Bilinear needs neither; method 5 takes the DEM only when given.
    assert check(scene_parameters(terrain_scene, NDVI=None, DEM=None, METHOD=1))[0]
    assert check(scene_parameters(terrain_scene, DEM=None, METHOD=5))[0]
    ok, message = check(scene_parameters(terrain_scene, NDVI=None), 'soilmoisture:downscaleseries')
    assert not ok and 'needs NDVI' in message


def test_window_and_bounds_are_checked_before_the_run(qgis_app, terrain_scene):
    ok, message = check(scene_parameters(terrain_scene, MIN_HALF_WINDOW=5, MAX_HALF_WINDOW=3))
    assert not ok and 'half-window' in message
    ok, message = check(scene_parameters(terrain_scene, SM_MIN=0.5, SM_MAX=0.4))
    assert not ok and 'lowest soil moisture' in message


def test_disagreeing_acquisition_dates_warn_but_run(qgis_app, terrain_scene, tmp_path):
    """ESA CCI of 2010-07-01 was downscaled with LST of 2021-07-15 without a word."""
    import shutil
    from osgeo import gdal
    import processing
    old = str(tmp_path / 'cci_2010.tif')
    shutil.copy(terrain_scene.paths['coarse_sm'], old)
    dataset = gdal.Open(old, gdal.GA_Update)
    dataset.SetMetadataItem('ACQUISITION_DATE', '2010-07-01')
    dataset = None

    class Warnings(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings = []

        def pushWarning(self, text):  # noqa: N802
            self.warnings.append(text)
            super().pushWarning(text)
    feedback = Warnings()
    result = processing.run('soilmoisture:downscale', scene_parameters(
        terrain_scene, COARSE_SM=old, ACQUISITION_DATE='2021-07-15', OUTPUT=str(tmp_path / 'sm.tif')),
        feedback=feedback)
    assert os.path.exists(result['OUTPUT'])
    assert len(feedback.warnings) == 1
    assert '2010-07-01' in feedback.warnings[0] and '2021-07-15' in feedback.warnings[0]
    # Same day: no warning.
    feedback = Warnings()
    processing.run('soilmoisture:downscale', scene_parameters(
        terrain_scene, ACQUISITION_DATE='2021-07-15', OUTPUT=str(tmp_path / 'same.tif')), feedback=feedback)
    assert feedback.warnings == []


@pytest.mark.parametrize('extension', ['tif', 'nc', 'asc'])
def test_output_records_its_diagnostics_and_coarse_input(qgis_app, terrain_scene, tmp_path, extension):
    """Whatever format the extension names: the inspector pairs an output with its run by these items."""
    import processing
    from soil_moisture_downscaling.core.raster_io import dataset_metadata
    result = processing.run('soilmoisture:downscale', scene_parameters(
        terrain_scene, ACQUISITION_DATE='2021-07-15', OUTPUT=str(tmp_path / 'sm.{}'.format(extension)),
        DIAGNOSTICS=str(tmp_path / 'sm_diag.tif')))
    metadata = dataset_metadata(result['OUTPUT'])
    assert metadata['DIAGNOSTICS_FILE'] == 'sm_diag.tif'
    assert metadata['COARSE_SOIL_MOISTURE_FILE'] == os.path.abspath(terrain_scene.paths['coarse_sm'])


def test_report_is_a_file_output_not_an_html_output(qgis_app):
    """QGIS 3.22's batch dialog fails on QgsProcessingOutputHtml (addResult() without timestamp)."""
    from qgis.core import QgsApplication, QgsProcessingOutputFile, QgsProcessingOutputHtml
    for algorithm_id in ('soilmoisture:downscale', 'soilmoisture:validate'):
        algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
        assert not algorithm.hasHtmlOutputs()
        assert isinstance(algorithm.outputDefinition('REPORT'), QgsProcessingOutputFile)
        assert not any(isinstance(o, QgsProcessingOutputHtml) for o in algorithm.outputDefinitions())


def test_blank_destinations():
    project = QgsProject.instance()
    assert outputs.is_blank_destination(None) and outputs.is_blank_destination('  ')
    assert outputs.is_blank_destination(QgsProcessingOutputLayerDefinition('', project))
    assert not outputs.is_blank_destination(QgsProcessingOutputLayerDefinition('/tmp/a.tif', project))
    assert not outputs.is_blank_destination('TEMPORARY_OUTPUT')


@pytest.mark.parametrize('path, temporary, expected', [
    ('/data/front_range_a.tif', False, 'front_range_a (bilinear, 2021-07-15)'),
    ('/tmp/processing_x/abc/OUTPUT.tif', True, 'Downscaled soil moisture (bilinear, 2021-07-15)'),
])
def test_layer_names_tell_outputs_apart(path, temporary, expected):
    folder = '/tmp/processing_x' if temporary else '/elsewhere'
    assert outputs.output_layer_name(path, 'Downscaled soil moisture', ('bilinear', '2021-07-15', None),
                                     folder) == expected


def test_temporary_outputs_are_recognised_without_making_processing_s_temporary_folder(qgis_app, monkeypatch):
    """Asking QGIS for its temporary folder creates it: a failed run with named outputs must not leave it behind."""
    from qgis.core import QgsProcessingUtils
    temporary = QgsProcessingUtils.generateTempFilename('OUTPUT.tif')
    assert outputs.is_temporary_output(temporary)
    assert outputs.is_temporary_output(QgsProcessingUtils.generateTempFilename('OUTPUT_FOLDER'))  # one file per date

    def asked():
        raise AssertionError('asked QGIS for its temporary folder')
    monkeypatch.setattr(outputs, 'processing_temp_folder', asked)
    assert not outputs.is_temporary_output('/data/front_range_a.tif')
    assert not outputs.is_temporary_output('/data/series_2021')
    assert outputs.output_layer_name('/data/front_range_a.tif', 'Downscaled soil moisture') == 'front_range_a'


def test_temporary_output_is_named_after_its_coarse_input(qgis_app, terrain_scene, tmp_path):
    import shutil
    import processing
    coarse = str(tmp_path / 'cci_20210715.tif')
    shutil.copy(terrain_scene.paths['coarse_sm'], coarse)
    QgsProject.instance().removeAllMapLayers()
    try:
        processing.runAndLoadResults('soilmoisture:downscale', scene_parameters(
            terrain_scene, COARSE_SM=coarse, ACQUISITION_DATE='2021-07-15', METHOD=1))
        names = [layer.name() for layer in QgsProject.instance().mapLayers().values()]
        assert names == ['cci_20210715 downscaled (bilinear, 2021-07-15)']
    finally:
        QgsProject.instance().removeAllMapLayers()
