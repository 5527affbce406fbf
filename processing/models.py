"""The example models shipped in models/*.model3, listed under "Models" in the Processing toolbox.

QGIS's model provider reads every folder named in Processing's "Models folder"
setting. The plugin adds its models/ folder to that setting in memory only (not
to the user's saved options) and takes it out again when unloaded, so the models
come and go with the plugin; every .model3 file there is loaded.
"""
import os

from qgis.core import QgsApplication, QgsSettings

MODELS_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'models')
MODEL_PROVIDER_ID = 'model'
_SETTING_NAME = 'MODELS_FOLDER'


def _models_setting():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return None
    return ProcessingConfig.settings.get(_SETTING_NAME)


def _folders(value):
    return [folder for folder in str(value or '').split(';') if folder]


def _refresh_models():
    provider = QgsApplication.processingRegistry().providerById(MODEL_PROVIDER_ID)
    if provider is not None:
        provider.refreshAlgorithms()


def register_models_folder(folder=MODELS_FOLDER):
    """Add ``folder`` to the model provider's folders for this session; True when the provider reads it."""
    setting = _models_setting()
    if setting is None:
        return False
    folders = _folders(setting.value)
    if folder not in folders:
        setting.value = ';'.join(folders + [folder])
    _refresh_models()
    return True


def unregister_models_folder(folder=MODELS_FOLDER):
    """Take ``folder`` out again, also from the saved options if the options dialog saved it there."""
    setting = _models_setting()
    if setting is None:
        return
    setting.value = ';'.join(f for f in _folders(setting.value) if f != folder)
    settings = QgsSettings()
    saved = settings.value(setting.qname, None)
    if saved is not None and folder in _folders(saved):
        settings.setValue(setting.qname, ';'.join(f for f in _folders(saved) if f != folder))
    _refresh_models()


def model_files(folder=MODELS_FOLDER):
    """The .model3 files shipped with the plugin."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith('.model3'))
