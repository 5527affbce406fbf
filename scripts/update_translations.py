"""make translations: the .ts template from the sources, and .qm files for the translated locales.

i18n/soil_moisture_downscaling.ts holds every string the plugin passes to tr() or marks
with QT_TRANSLATE_NOOP, in the context translation.CONTEXT. It is made with pylupdate5
(Debian: pyqt5-dev-tools) when installed, else with the small extractor below, which
reads the same calls with Python's own parser. Translators copy the template to
i18n/soil_moisture_downscaling_<locale>.ts (e.g. _de.ts) and translate it with Qt
Linguist; this script then refreshes those files from the sources, keeping their
translations, and compiles them to .qm with lrelease (Debian: qttools5-dev-tools).

Run with Debian's Python: /usr/bin/python3 -P scripts/update_translations.py
"""
import ast
import glob
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
I18N = os.path.join(REPO, 'i18n')
TEMPLATE = os.path.join(I18N, 'soil_moisture_downscaling.ts')
CONTEXT = 'SoilMoistureDownscaling'  # translation.CONTEXT (not imported: it needs Qt)
#: Folders and files of the plugin whose strings are user-visible.
SOURCES = ('plugin.py', 'translation.py', 'processing', 'ui', 'report')


def source_files(root=REPO):
    files = []
    for item in SOURCES:
        path = os.path.join(root, item)
        if os.path.isdir(path):
            files += sorted(glob.glob(os.path.join(path, '**', '*.py'), recursive=True))
        elif os.path.exists(path):
            files.append(path)
    return files


def extract_messages(paths):
    """{source text: [(file, line)]} of the tr('…') and QT_TRANSLATE_NOOP(context, '…') calls."""
    messages = {}
    for path in paths:
        with open(path, encoding='utf-8') as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            text = None
            if node.func.id == 'tr' and len(node.args) == 1:
                text = node.args[0]
            elif node.func.id == 'QT_TRANSLATE_NOOP' and len(node.args) == 2:
                text = node.args[1]
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                messages.setdefault(text.value, []).append((os.path.relpath(path, I18N), node.lineno))
    return messages


def write_ts(path, messages, language=None):
    """A Qt Linguist file with one context holding ``messages`` (untranslated)."""
    root = ElementTree.Element('TS', {'version': '2.1'})
    if language:
        root.set('language', language)
    context = ElementTree.SubElement(root, 'context')
    ElementTree.SubElement(context, 'name').text = CONTEXT
    for text in sorted(messages):
        message = ElementTree.SubElement(context, 'message')
        for file_name, line in messages[text]:
            ElementTree.SubElement(message, 'location', {'filename': file_name, 'line': str(line)})
        ElementTree.SubElement(message, 'source').text = text
        ElementTree.SubElement(message, 'translation', {'type': 'unfinished'})
    ElementTree.indent(root)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        handle.write(ElementTree.tostring(root, encoding='unicode'))
        handle.write('\n')


def ts_messages(path):
    """{context: {source: translation or None}} of a .ts file."""
    contexts = {}
    for context in ElementTree.parse(path).getroot().iter('context'):
        name = context.findtext('name')
        entries = contexts.setdefault(name, {})
        for message in context.iter('message'):
            translation = message.find('translation')
            done = translation is not None and translation.get('type') not in ('unfinished', 'obsolete')
            entries[message.findtext('source')] = translation.text if done else None
    return contexts


def merge_default_context(path):
    """pylupdate5 files bare tr() calls under '@default': move them into the plugin's context."""
    tree = ElementTree.parse(path)
    root = tree.getroot()
    contexts = {c.findtext('name'): c for c in root.findall('context')}
    default = contexts.pop('@default', None)
    if default is None:
        return
    target = contexts.get(CONTEXT)
    if target is None:
        default.find('name').text = CONTEXT
        return tree.write(path, encoding='utf-8', xml_declaration=True)
    known = {m.findtext('source') for m in target.findall('message')}
    for message in default.findall('message'):
        if message.findtext('source') not in known:
            target.append(message)
    root.remove(default)
    ElementTree.indent(root)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        handle.write(ElementTree.tostring(root, encoding='unicode'))
        handle.write('\n')


def update(ts_path, files, language=None):
    """Refresh one .ts file from the sources (pylupdate5 keeps its translations)."""
    pylupdate = shutil.which('pylupdate5')
    if pylupdate:
        subprocess.run([pylupdate, '-noobsolete'] + files + ['-ts', ts_path], check=True, capture_output=True)
        merge_default_context(ts_path)
    else:
        kept = ts_messages(ts_path).get(CONTEXT, {}) if os.path.exists(ts_path) else {}
        write_ts(ts_path, extract_messages(files), language)
        if any(kept.values()):
            raise SystemExit('pylupdate5 is needed to refresh the translated {} (apt-get install pyqt5-dev-tools)'
                             .format(ts_path))


def release(ts_path):
    """Compile a translated .ts to .qm next to it; returns the .qm path (None without lrelease)."""
    lrelease = shutil.which('lrelease') or shutil.which('lrelease-qt5')
    if lrelease is None:
        return None
    qm_path = os.path.splitext(ts_path)[0] + '.qm'
    subprocess.run([lrelease, '-silent', ts_path, '-qm', qm_path], check=True, capture_output=True)
    return qm_path


def main():
    os.makedirs(I18N, exist_ok=True)
    files = source_files()
    update(TEMPLATE, files)
    print('Template:', os.path.relpath(TEMPLATE, REPO), len(extract_messages(files)), 'messages')
    for ts_path in sorted(glob.glob(os.path.join(I18N, 'soil_moisture_downscaling_*.ts'))):
        update(ts_path, files)
        qm = release(ts_path)
        print('Updated', os.path.relpath(ts_path, REPO), '→', os.path.relpath(qm, REPO) if qm else '(no lrelease)')


if __name__ == '__main__':
    sys.exit(main())
