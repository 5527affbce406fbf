"""Issue 9: the public functions of core/ carry type hints (parameters and return).

Read from the source with `ast` (no import, no QGIS): a public function is a module-level
function or a method of a public class whose name does not start with '_'; `__init__` of a
public class counts too (its parameters, as it always returns None). Functions nested inside
functions are private by construction and are not checked."""
import ast
import os

import pytest

CORE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'core')

def _is_public(name):
    return not name.startswith('_') or name == '__init__'


def _missing_in_function(node):
    """Names of this function's parameters without a hint, plus 'return' if that lacks one."""
    args = node.args
    params = args.posonlyargs + args.args + args.kwonlyargs
    is_method_like = params and params[0].arg in ('self', 'cls')
    missing = [a.arg for i, a in enumerate(params) if a.annotation is None and not (i == 0 and is_method_like)]
    missing += ['*' + a.arg for a in (args.vararg, args.kwarg) if a is not None and a.annotation is None]
    if node.returns is None and node.name != '__init__':
        missing.append('return')
    return missing


def unannotated(source, filename='<source>'):
    """'file:line name (what is missing)' for each public function or method of `source` lacking hints."""
    problems = []

    def check(node, qualname):
        missing = _missing_in_function(node)
        if missing:
            problems.append('{}:{} {} ({})'.format(filename, node.lineno, qualname, ', '.join(missing)))

    for node in ast.parse(source, filename).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(node.name):
            check(node, node.name)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith('_'):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_public(item.name):
                    check(item, '{}.{}'.format(node.name, item.name))
    return problems


def core_modules():
    for folder, _, files in os.walk(CORE):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.relpath(os.path.join(folder, name), CORE).replace(os.sep, '/')


def test_public_functions_of_core_carry_type_hints():
    problems = []
    modules = list(core_modules())
    # Every module of core/ is checked: nothing is exempt (the walk must find them, else it proves nothing).
    assert 'linking.py' in modules and 'downscaling/selection.py' in modules
    for module in modules:
        with open(os.path.join(CORE, module), encoding='utf-8') as f:
            problems += unannotated(f.read(), 'core/' + module)
    assert not problems, 'public functions of core/ without type hints:\n' + '\n'.join(problems)


PLANTED = '''
def ok(a: int, *rest: str, flag: bool = False, **kw: float) -> None: ...
def no_return(a: int): ...
def no_param(a, b: int) -> int: ...
def no_star(*rest, **kw) -> None: ...
def _private(a): ...
class Public:
    def __init__(self, size): ...
    def method(self, x: int): ...
    @classmethod
    def build(cls, y) -> 'Public': ...
    def _helper(self, z): ...
    def fine(self) -> int:
        def nested(q): ...
        return 1
class _Private:
    def method(self, x): ...
'''


@pytest.mark.parametrize('expected', [
    'no_return (return)', 'no_param (a)', 'no_star (*rest, *kw)', 'Public.__init__ (size)',
    'Public.method (return)', 'Public.build (y)'])
def test_the_check_reports_a_planted_missing_hint(expected):
    assert any(p.endswith(expected) for p in unannotated(PLANTED))


def test_the_check_reports_nothing_else_in_the_planted_source():
    assert len(unannotated(PLANTED)) == 6
