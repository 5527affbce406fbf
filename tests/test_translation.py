"""Translation: every user-visible string goes through tr(), the template is current, a .qm is loaded."""
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'scripts'))
import update_translations  # noqa: E402

from soil_moisture_downscaling import translation  # noqa: E402


def template_sources():
    return set(update_translations.ts_messages(update_translations.TEMPLATE)[translation.CONTEXT])


def test_template_holds_exactly_the_strings_of_the_sources():
    """Run `make translations` after adding or changing a tr() string."""
    found = set(update_translations.extract_messages(update_translations.source_files()))
    template = template_sources()
    assert found - template == set(), 'not in the template: run make translations'
    assert template - found == set(), 'stale in the template: run make translations'
    assert len(found) > 250


def visible_strings(algorithm):
    """What the Processing toolbox and dialogs show of an algorithm."""
    texts = [algorithm.displayName(), algorithm.shortDescription(), algorithm.shortHelpString(), algorithm.group()]
    for parameter in algorithm.parameterDefinitions():
        texts += [parameter.description(), parameter.help()]
        if hasattr(parameter, 'options'):
            texts += list(parameter.options())
    texts += [output.description() for output in algorithm.outputDefinitions()]
    return [t for t in texts if t]


def test_every_visible_string_of_the_algorithms_is_translatable(qgis_app):
    from soil_moisture_downscaling.processing.provider import ALGORITHMS
    patterns = [re.compile('^' + re.escape(source).replace(r'\{\}', '.*?').replace(r'\{:\.2f\}', '.*?') + '$',
                           re.DOTALL) for source in template_sources()]
    missing = []
    for algorithm_class in ALGORITHMS:
        algorithm = algorithm_class()
        algorithm.initAlgorithm()
        for text in visible_strings(algorithm):
            if not any(pattern.match(text) for pattern in patterns):
                missing.append((algorithm.name(), text[:80]))
    assert missing == []


def test_candidates_go_from_the_locale_to_its_language(tmp_path):
    assert [os.path.basename(p) for p in translation.qm_candidates('pt_BR', str(tmp_path))] == [
        'soil_moisture_downscaling_pt_BR.qm', 'soil_moisture_downscaling_pt.qm']
    assert translation.install_translator('xx_YY', str(tmp_path)) is None


def test_a_qm_for_the_locale_translates_the_algorithms(qgis_app, tmp_path):
    assert shutil.which('lrelease'), 'lrelease (qttools5-dev-tools) is installed by scripts/ensure_deps.sh'
    ts = tmp_path / 'soil_moisture_downscaling_de.ts'
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="de">'
                  '<context><name>{}</name>'
                  '<message><source>Downscale soil moisture</source>'
                  '<translation>Bodenfeuchte herunterskalieren</translation></message>'
                  '<message><source>Bilinear interpolation (reference)</source>'
                  '<translation>Bilineare Interpolation (Referenz)</translation></message>'
                  '</context></TS>\n'.format(translation.CONTEXT), encoding='utf-8')
    qm = update_translations.release(str(ts))
    assert os.path.exists(qm)
    from soil_moisture_downscaling.processing.algorithms.downscale import DownscaleAlgorithm
    try:
        assert translation.install_translator('de_AT', str(tmp_path)) == qm
        algorithm = DownscaleAlgorithm()
        algorithm.initAlgorithm()
        assert algorithm.displayName() == 'Bodenfeuchte herunterskalieren'
        assert algorithm.parameterDefinition('METHOD').options()[1] == 'Bilineare Interpolation (Referenz)'
        assert algorithm.parameterDefinition('METHOD').options()[0] == 'Terrain-aware adaptive window (default)'
    finally:
        translation.remove_translator()
    assert DownscaleAlgorithm().displayName() == 'Downscale soil moisture'


def test_pylupdate5_and_the_extractor_agree(tmp_path):
    """Both ways of making the template (with or without pyqt5-dev-tools) give the same strings."""
    assert shutil.which('pylupdate5'), 'pylupdate5 (pyqt5-dev-tools) is installed by scripts/ensure_deps.sh'
    files = update_translations.source_files()
    target = str(tmp_path / 'template.ts')
    subprocess.run(['pylupdate5', '-noobsolete'] + files + ['-ts', target], check=True, capture_output=True)
    update_translations.merge_default_context(target)
    assert set(update_translations.ts_messages(target)[translation.CONTEXT]) == set(
        update_translations.extract_messages(files))


def test_method_labels_marked_for_translation_are_the_cores():
    """The core (no Qt) names the methods; processing/algorithms/downscale.py marks the same labels for tr()."""
    from soil_moisture_downscaling.core.downscaling import Method
    from soil_moisture_downscaling.processing.algorithms.downscale import METHOD_LABELS
    assert list(METHOD_LABELS) == Method.labels()
