"""Running scenarios inside the real QGIS desktop (under Xvfb) with the plugin enabled.

A scenario is a script in tests/desktop_scenarios/ run by ``qgis --code``; it drives
the GUI and writes what it saw to a JSON file, which the tests then check. Each run
uses a fresh, throw-away profile with only this plugin enabled.
"""
import json
import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = os.path.join(REPO, 'tests', 'desktop_scenarios')
SCREEN = '-screen 0 1600x1000x24'


def desktop_profile(folder):
    """A QGIS profile in ``folder`` with the plugin (a link to the repository) enabled; returns the environment."""
    plugins = os.path.join(folder, 'plugins')
    settings = os.path.join(folder, 'config', 'profiles', 'default', 'QGIS')
    os.makedirs(plugins, exist_ok=True)
    os.makedirs(settings, exist_ok=True)
    link = os.path.join(plugins, 'soil_moisture_downscaling')
    if not os.path.islink(link):
        os.symlink(REPO, link)
    with open(os.path.join(settings, 'QGIS3.ini'), 'w') as handle:
        handle.write('[PythonPlugins]\nsoil_moisture_downscaling=true\n')
    env = {k: v for k, v in os.environ.items() if k != 'QT_QPA_PLATFORM'}
    env.update(HOME=folder, QGIS_CUSTOM_CONFIG_PATH=os.path.join(folder, 'config'), QGIS_PLUGINPATH=plugins,
               XDG_RUNTIME_DIR=folder, SMD_SCENARIO_DIR=SCENARIOS, LANG='C.UTF-8', LC_ALL='C.UTF-8')
    return env


def run_scenario(name, folder, timeout=400, **variables):
    """Run tests/desktop_scenarios/<name>.py in QGIS desktop; returns the JSON it wrote (plus 'stderr')."""
    assert shutil.which('xvfb-run'), 'xvfb-run is installed by scripts/ensure_deps.sh'
    folder = str(folder)
    env = desktop_profile(os.path.join(folder, 'profile'))
    result_path = os.path.join(folder, name + '.json')
    env.update({'SMD_' + key.upper(): str(value) for key, value in variables.items()})
    env['SMD_RESULT'] = result_path
    completed = subprocess.run(['xvfb-run', '-a', '-s', SCREEN, '/usr/bin/qgis', '--nologo', '--noversioncheck',
                                '--code', os.path.join(SCENARIOS, name + '.py')],
                               env=env, capture_output=True, text=True, timeout=timeout)
    if not os.path.exists(result_path):
        raise AssertionError('QGIS wrote no result for {}:\n{}'.format(name, completed.stderr[-3000:]))
    with open(result_path) as handle:
        result = json.load(handle)
    result['stderr'] = completed.stderr
    assert 'error' not in result, result['error']
    return result
