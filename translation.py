"""Translation of the plugin's user-visible strings (Qt Linguist).

Every user-visible string goes through ``tr()``; ``make translations`` collects them
into ``i18n/soil_moisture_downscaling.ts`` (the template), and translators add
``i18n/soil_moisture_downscaling_<locale>.ts``, compiled to ``.qm`` with lrelease.
``install_translator()`` loads the ``.qm`` of the user's QGIS locale when there is one.
This module imports only Qt, so it can be loaded before anything else of the plugin.
"""
import os

from qgis.PyQt.QtCore import QCoreApplication, QTranslator

#: The translation context of every string of the plugin.
CONTEXT = 'SoilMoistureDownscaling'
I18N_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'i18n')
QM_PREFIX = 'soil_moisture_downscaling_'


def tr(text):
    """``text`` in the user's language (the English source when there is no translation)."""
    return QCoreApplication.translate(CONTEXT, text)


def QT_TRANSLATE_NOOP(context, text):  # noqa: N802 (the name the Qt tools look for)
    """Marks ``text`` for translation where it is defined; ``tr()`` translates it where it is shown."""
    return text


def user_locale():
    """The locale of QGIS's user interface ('de_DE', 'fr', …): the user's choice in the options, else the system's."""
    from qgis.core import QgsApplication
    return QgsApplication.locale() or 'en'


def qm_candidates(locale, folder=I18N_FOLDER):
    """The .qm files tried for ``locale``, most specific first ('pt_BR' → pt_BR, then pt)."""
    names = [locale]
    language = locale.split('_')[0]
    if language and language != locale:
        names.append(language)
    return [os.path.join(folder, QM_PREFIX + name + '.qm') for name in names]


_installed = []


def install_translator(locale=None, folder=I18N_FOLDER):
    """Install the translator of ``locale`` (default: QGIS's) if a .qm exists; returns its path or None."""
    remove_translator()
    for path in qm_candidates(locale or user_locale(), folder):
        if os.path.exists(path):
            translator = QTranslator()
            if translator.load(path):
                QCoreApplication.installTranslator(translator)
                _installed.append(translator)
                return path
    return None


def remove_translator():
    while _installed:
        QCoreApplication.removeTranslator(_installed.pop())
