"""make help: one help page per algorithm in docs/help/<algorithm>.md, from the algorithms themselves.

Each page holds the algorithm's description, help text, parameters (id, label, type,
default, help) and outputs, so it says what the dialog says; helpUrl() points at the
page in the repository (processing/help.py). tests/test_help.py checks the pages are current.
Run with Debian's Python: /usr/bin/python3 -P scripts/make_help.py [folder]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_models import REPO, start_qgis  # noqa: E402

HELP = os.path.join(REPO, 'docs', 'help')


def cell(text):
    """Text for a Markdown table cell (one line, pipes escaped)."""
    return ' '.join(str(text).split()).replace('|', '\\|')


def default_text(parameter):
    from qgis.core import QgsProcessingParameterEnum
    value = parameter.defaultValue()
    if value is None or value == '':
        return ''
    if isinstance(parameter, QgsProcessingParameterEnum):
        options = parameter.options()
        values = value if isinstance(value, list) else [value]
        return ', '.join('{} ({})'.format(v, options[int(v)]) for v in values)
    return str(value)


def page(algorithm):
    """The Markdown help page of an algorithm."""
    from qgis.core import QgsProcessingParameterDefinition
    lines = ['# {}'.format(algorithm.displayName()), '',
             '`{}` · {} · [all algorithms](README.md)'.format(algorithm.id(), algorithm.group()), '',
             '![icon](../../icons/{}.svg) {}'.format(algorithm.name(), algorithm.shortDescription()), '']
    lines += [paragraph for paragraph in algorithm.shortHelpString().split('\n')]
    lines += ['', '## Parameters', '', '| id | label | type | default | help |', '|---|---|---|---|---|']
    for parameter in algorithm.parameterDefinitions():
        flags = []
        if parameter.flags() & QgsProcessingParameterDefinition.FlagOptional:
            flags.append('optional')
        if parameter.flags() & QgsProcessingParameterDefinition.FlagAdvanced:
            flags.append('advanced')
        label = parameter.description() + (' ({})'.format(', '.join(flags)) if flags else '')
        lines.append('| `{}` | {} | {} | {} | {} |'.format(parameter.name(), cell(label), parameter.type(),
                                                         cell(default_text(parameter)), cell(parameter.help())))
    lines += ['', '## Outputs', '', '| id | description | type |', '|---|---|---|']
    for output in algorithm.outputDefinitions():
        lines.append('| `{}` | {} | {} |'.format(output.name(), cell(output.description()), output.type()))
    lines += ['', 'From the command line: `qgis_process.bin run {} -- PARAMETER=value …` '
              '(see the [README](../../README.md)).'.format(algorithm.id()), '']
    return '\n'.join(lines)


def index(algorithms):
    lines = ['# Algorithms of the Soil moisture downscaling provider', '',
             'One page per algorithm, generated from the algorithms by `make help` (scripts/make_help.py).', '',
             '| algorithm | id | what |', '|---|---|---|']
    for algorithm in algorithms:
        lines.append('| [{}]({}.md) | `{}` | {} |'.format(algorithm.displayName(), algorithm.name(), algorithm.id(),
                                                          cell(algorithm.shortDescription())))
    return '\n'.join(lines) + '\n'


def write_help(folder=HELP):
    """Write every page and the index into ``folder``; returns the paths."""
    from qgis.core import QgsApplication
    os.makedirs(folder, exist_ok=True)
    provider = QgsApplication.processingRegistry().providerById('soilmoisture')
    algorithms = sorted(provider.algorithms(), key=lambda a: a.name())
    paths = []
    for algorithm in algorithms:
        path = os.path.join(folder, algorithm.name() + '.md')
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(page(algorithm))
        paths.append(path)
    path = os.path.join(folder, 'README.md')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(index(algorithms))
    return paths + [path]


def main():
    application, provider = start_qgis()
    for path in write_help(sys.argv[1] if len(sys.argv) > 1 else HELP):
        print('Wrote', os.path.relpath(path, REPO))


if __name__ == '__main__':
    main()
