"""The example models in models/: valid, up to date with the algorithms, listed under Models."""
import os
import sys

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'scripts'))
import make_models  # noqa: E402

from soil_moisture_downscaling.processing.models import (MODELS_FOLDER, model_files,  # noqa: E402
                                                         register_models_folder, unregister_models_folder)

SERIES_MODEL_ID = 'model:Soil moisture series from product files'


def load(path):
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(path), path
    return model


def test_models_are_valid_and_use_the_plugin(qgis_app):
    paths = model_files()
    assert make_models.SERIES_MODEL in [os.path.basename(p) for p in paths]
    for path in paths:
        model = load(path)
        ok, issues = model.validate()
        assert ok, (path, issues)
        for child in model.childAlgorithms().values():
            assert QgsApplication.processingRegistry().algorithmById(child.algorithmId()) is not None


def test_series_model_chains_import_downscale_validate(qgis_app):
    model = load(os.path.join(MODELS_FOLDER, make_models.SERIES_MODEL))
    children = {key: child.algorithmId() for key, child in model.childAlgorithms().items()}
    assert children == {'import_sm': 'soilmoisture:importsoilmoisture', 'import_lst': 'soilmoisture:importmodis',
                        'import_ndvi': 'soilmoisture:importmodis', 'downscale': 'soilmoisture:downscaleseries',
                        'import_insitu': 'soilmoisture:importinsitu', 'validate': 'soilmoisture:validate'}
    assert model.dependsOnChildAlgorithms('downscale') == {'import_sm', 'import_lst', 'import_ndvi'}
    assert model.dependsOnChildAlgorithms('validate') >= {'downscale', 'import_sm', 'import_insitu'}
    outputs = sorted(o.name() for o in model.outputDefinitions())
    assert outputs == ['downscale:Downscaled soil moisture series', 'validate:Station metrics',
                       'validate:Validation report']


def model_content(model):
    """What a model says, in terms that do not depend on the QGIS that wrote the file (QGIS 3.40 writes
    other options and names the destination parameters after the outputs' descriptions)."""
    children = {}
    for child_id, child in model.childAlgorithms().items():
        sources = {name: [(s.source(), s.staticValue(), s.parameterName(), s.outputChildId(), s.outputName(),
                           s.expression()) for s in values] for name, values in child.parameterSources().items()}
        outputs = {name: (output.childOutputName(), output.description(), output.isMandatory())
                   for name, output in child.modelOutputs().items()}
        children[child_id] = (child.algorithmId(), child.description(), child.position().x(), child.position().y(),
                              child.isActive(), sorted(d.childId for d in child.dependencies()), sources, outputs)
    parameters = {p.name(): (p.type(), p.description(), p.defaultValue(), p.flags())
                  for p in model.parameterDefinitions() if not p.isDestination()}
    return model.name(), model.group(), children, parameters


def test_committed_models_are_what_the_script_writes(qgis_app, tmp_path):
    """Regenerate with `make models` after changing an algorithm's parameters."""
    for path in make_models.write_models(str(tmp_path)):
        committed = os.path.join(MODELS_FOLDER, os.path.basename(path))
        assert model_content(load(path)) == model_content(load(committed)), 'run make models: {} is stale'.format(
            committed)


def test_models_folder_is_listed_under_models_while_the_plugin_is_loaded(qgis_app):
    registry = QgsApplication.processingRegistry()
    assert register_models_folder()
    try:
        model = registry.algorithmById(SERIES_MODEL_ID)
        assert model is not None and model.provider().id() == 'model'
    finally:
        unregister_models_folder()
    assert registry.algorithmById(SERIES_MODEL_ID) is None
    from processing.core.ProcessingConfig import ProcessingConfig
    from qgis.core import QgsSettings
    assert MODELS_FOLDER not in str(ProcessingConfig.getSetting('MODELS_FOLDER'))
    # Nothing of the plugin is left in the user's saved options.
    assert MODELS_FOLDER not in str(QgsSettings().value(ProcessingConfig.settings['MODELS_FOLDER'].qname, ''))


def test_models_folder_survives_providers_rereading_the_options(qgis_app):
    """Every provider that loads rereads Processing's options (ProcessingConfig.readSettings())."""
    from processing.core.ProcessingConfig import ProcessingConfig
    assert register_models_folder()
    try:
        ProcessingConfig.readSettings()
        QgsApplication.processingRegistry().providerById('model').refreshAlgorithms()
        assert QgsApplication.processingRegistry().algorithmById(SERIES_MODEL_ID) is not None
    finally:
        unregister_models_folder()
