"""Plugin settings shown under Settings ▸ Options ▸ Processing ▸ Providers."""
from qgis.core import QgsSettings

from ..translation import tr

MEMORY_SETTING = 'SOILMOISTURE_MEMORY_MB'
DEFAULT_MEMORY_MB = 1024


def register_settings(group, icon):
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:  # Processing framework absent: the default applies
        return
    ProcessingConfig.settingIcons[group] = icon
    ProcessingConfig.addSetting(Setting(
        group, MEMORY_SETTING,
        tr('Memory budget for fine-grid blocks (MB): larger is faster, smaller fits small machines'),
        DEFAULT_MEMORY_MB, valuetype=Setting.INT))
    ProcessingConfig.readSettings()


def unregister_settings():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
        ProcessingConfig.removeSetting(MEMORY_SETTING)
    except (ImportError, KeyError):
        pass


def memory_budget_mb():
    """The memory budget (MB) from the Processing options; read where ProcessingConfig stores it."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
        value = ProcessingConfig.getSetting(MEMORY_SETTING)
    except ImportError:
        value = None
    if value in (None, ''):
        value = QgsSettings().value('Processing/Configuration/' + MEMORY_SETTING, DEFAULT_MEMORY_MB)
    try:
        return max(16.0, float(value))
    except (TypeError, ValueError):
        return float(DEFAULT_MEMORY_MB)
