"""Ready for QGIS 4 (Qt6): the sources import Qt only through qgis.PyQt, write Qt enums fully scoped
(Qt.AlignmentFlag.AlignLeft, not Qt.AlignLeft: PyQt6 knows only the scoped names), call exec() not
exec_(), and take the classes Qt6 moved from QtWidgets to QtGui from compat.py. metadata.txt says so."""
import ast
import enum
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPAT = os.path.join(REPO, 'compat.py')
SKIP_DIRS = {'.git', '__pycache__', 'demo_output', 'dist'}

#: Qt6 moved these from QtWidgets to QtGui; QGIS 3.22's qgis.PyQt.QtGui does not have them yet.
MOVED_TO_QTGUI = {'QAction', 'QActionGroup', 'QShortcut', 'QUndoCommand', 'QUndoGroup', 'QUndoStack',
                  'QFileSystemModel'}


def qt_classes():
    """Qt's classes by name, as the plugin imports them (through qgis.PyQt)."""
    from qgis.PyQt import QtCore, QtGui, QtWidgets
    classes = {}
    for module in (QtWidgets, QtGui, QtCore):
        classes.update({name: getattr(module, name) for name in dir(module)
                        if name.startswith('Q') and isinstance(getattr(module, name), type)})
    return classes


def is_enum_member(value):
    """A member of an enum (sip's int-based enums under PyQt5, enum.Enum under PyQt6), not a type."""
    if isinstance(value, type):
        return False
    return isinstance(value, enum.Enum) or (isinstance(value, int) and type(value) not in (int, bool))


def qt6_problems(source, filename='<source>', classes=None, is_compat=False):
    """(line, message) for every direct PyQt/sip import, exec_() call, Qt class taken from where Qt6 no longer has it
    (except in compat.py, which chooses), unscoped or unknown Qt enum in a Python source."""
    classes = classes if classes is not None else qt_classes()
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or '']
            for module in modules:
                if module.split('.')[0] in ('PyQt4', 'PyQt5', 'PyQt6', 'sip'):
                    problems.append((node.lineno, 'imports {} directly: import it from qgis.PyQt'.format(module)))
            if isinstance(node, ast.ImportFrom) and node.module == 'qgis.PyQt.QtWidgets' and not is_compat:
                for alias in node.names:
                    if alias.name in MOVED_TO_QTGUI:
                        problems.append((node.lineno, '{} is in QtGui under Qt6: import it from the plugin\'s '
                                                      'compat.py'.format(alias.name)))
        elif isinstance(node, ast.Attribute) and node.attr == 'exec_':
            problems.append((node.lineno, 'exec_() does not exist in PyQt6: call exec()'))
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in classes and node.value.id != 'QVariant'):
            # QVariant.Int, .Double, ... stay: QGIS's qgis.PyQt maps them to QMetaType under Qt6, and
            # QgsField in QGIS 3.22 takes nothing else.
            owner = classes[node.value.id]
            if not hasattr(owner, node.attr):
                problems.append((node.lineno, '{}.{} does not exist'.format(node.value.id, node.attr)))
            elif is_enum_member(getattr(owner, node.attr)):
                scoped = '{}.{}.{}'.format(node.value.id, type(getattr(owner, node.attr)).__name__, node.attr)
                problems.append((node.lineno, '{}.{} is not scoped: write {}'.format(node.value.id, node.attr,
                                                                                     scoped)))
    return sorted(problems)


def python_sources():
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(folder, name)


def test_the_scan_finds_planted_qt5_only_code():
    planted = '\n'.join([
        'from PyQt5.QtCore import Qt',
        'import PyQt6.QtGui',
        'import sip',
        'from qgis.PyQt.QtWidgets import QAction, QLabel',
        'from qgis.PyQt.QtCore import Qt',
        'label.setAlignment(Qt.AlignLeft | Qt.AlignmentFlag.AlignTop)',
        'iface.addDockWidget(Qt.RightDockWidgetArea, dock)',
        'image = QImage(size, QImage.Format_ARGB32)',
        'button = Qt.NoSuchButton',
        'dialog.exec_()',
    ])
    problems = qt6_problems(planted)
    assert [line for line, _ in problems] == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    messages = dict(problems)
    assert 'qgis.PyQt' in messages[1] and 'compat.py' in messages[4]
    assert 'write Qt.AlignmentFlag.AlignLeft' in messages[6]
    assert 'write Qt.DockWidgetArea.RightDockWidgetArea' in messages[7]
    assert 'write QImage.Format.Format_ARGB32' in messages[8]
    assert 'does not exist' in messages[9]
    assert 'call exec()' in messages[10]


def test_the_scan_accepts_portable_spellings():
    portable = '\n'.join([
        'from qgis.PyQt.QtCore import Qt, QVariant',
        'from qgis.PyQt.QtGui import QImage',
        'from qgis.PyQt import sip',
        'from qgis.core import QgsField, QgsProcessing',
        'label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)',
        'image = QImage(size, QImage.Format.Format_ARGB32)',
        'field = QgsField("x", QVariant.Double)',
        'kind = QgsProcessing.TypeRaster',
        'text = "Qt.AlignLeft in a string is not code"',
        'dialog.exec()',
    ])
    assert qt6_problems(portable) == []


def test_plugin_sources_are_ready_for_qt6():
    classes = qt_classes()
    problems = []
    for path in python_sources():
        with open(path, encoding='utf-8') as handle:
            source = handle.read()
        problems += ['{}:{}: {}'.format(os.path.relpath(path, REPO), line, message)
                     for line, message in qt6_problems(source, path, classes, path == COMPAT)]
    assert problems == []


def test_metadata_declares_qt6_support():
    with open(os.path.join(REPO, 'metadata.txt'), encoding='utf-8') as handle:
        lines = [line.strip() for line in handle]
    assert 'supportsQt6=True' in lines
