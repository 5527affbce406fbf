"""The example models shipped in models/*.model3, listed under "Models" in the Processing toolbox.

QGIS's model provider reads every folder named in Processing's "Models folder" option
(Settings ▸ Options ▸ Processing ▸ Models), and every provider that loads rereads the
options, so the plugin adds its models/ folder to the option itself (after the user's
own folders, which stay first: new models are saved there) and takes it out again when
unloaded. Every .model3 file in models/ is loaded.
"""
import os

from qgis.core import QgsApplication

MODELS_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'models')
MODEL_PROVIDER_ID = 'model'
_SETTING_NAME = 'MODELS_FOLDER'


def _processing_config():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return None
    return ProcessingConfig if _SETTING_NAME in ProcessingConfig.settings else None


def _folders(value):
    return [folder for folder in str(value or '').split(';') if folder]


def _set_folders(config, folders):
    value = ';'.join(folders)
    try:
        config.setSettingValue(_SETTING_NAME, value)
    except ValueError:  # a folder of the user's has gone: the option refuses to save, keep it for the session
        config.settings[_SETTING_NAME].value = value


def _refresh_models():
    provider = QgsApplication.processingRegistry().providerById(MODEL_PROVIDER_ID)
    if provider is not None:
        provider.refreshAlgorithms()


def register_models_folder(folder=MODELS_FOLDER):
    """Add ``folder`` to the model provider's folders; False when Processing's model provider is not there."""
    config = _processing_config()
    if config is None:
        return False
    folders = _folders(config.getSetting(_SETTING_NAME))
    if folder not in folders:
        _set_folders(config, folders + [folder])
    _refresh_models()
    return True


def unregister_models_folder(folder=MODELS_FOLDER):
    """Take ``folder`` out of the model provider's folders again."""
    config = _processing_config()
    if config is None:
        return
    folders = _folders(config.getSetting(_SETTING_NAME))
    if folder in folders:
        _set_folders(config, [f for f in folders if f != folder])
    _refresh_models()


def model_files(folder=MODELS_FOLDER):
    """The .model3 files shipped with the plugin."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith('.model3'))
