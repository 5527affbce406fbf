"""Per-algorithm help: a short description, a help page in the repository, an icon of its own."""
import filecmp
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'scripts'))
import make_help  # noqa: E402

from soil_moisture_downscaling.processing.help import plugin_metadata  # noqa: E402
from soil_moisture_downscaling.processing.provider import ALGORITHMS  # noqa: E402


def algorithms():
    for algorithm_class in ALGORITHMS:
        algorithm = algorithm_class()
        algorithm.initAlgorithm()
        yield algorithm


def test_each_algorithm_has_its_own_help_page_description_and_icon(qgis_app):
    homepage = plugin_metadata()['homepage']
    urls, icons = set(), set()
    for algorithm in algorithms():
        url = algorithm.helpUrl()
        assert url == '{}/blob/main/docs/help/{}.md'.format(homepage, algorithm.name())
        assert os.path.isfile(os.path.join(REPO, 'docs', 'help', algorithm.name() + '.md'))
        description = algorithm.shortDescription()
        assert 20 < len(description) < 160 and description != algorithm.displayName()
        icon = algorithm.svgIconPath()
        assert os.path.basename(icon) == algorithm.name() + '.svg' and os.path.isfile(icon)
        assert not algorithm.icon().isNull()
        urls.add(url)
        icons.add(icon)
    assert len(urls) == len(icons) == len(ALGORITHMS)


def test_help_pages_are_what_the_script_writes(qgis_app, tmp_path):
    """Run `make help` after changing an algorithm's help or parameters."""
    for path in make_help.write_help(str(tmp_path)):
        committed = os.path.join(REPO, 'docs', 'help', os.path.basename(path))
        assert filecmp.cmp(path, committed, shallow=False), 'run make help: {} is stale'.format(committed)


def test_help_page_lists_every_parameter(qgis_app):
    for algorithm in algorithms():
        text = open(os.path.join(REPO, 'docs', 'help', algorithm.name() + '.md'), encoding='utf-8').read()
        for parameter in algorithm.parameterDefinitions():
            assert '| `{}` |'.format(parameter.name()) in text
