"""Batch dialog of "Downscale soil moisture": two rows with reports, diagnostics left blank, layers loaded.

Variables: SMD_ROWS (JSON list of parameter dicts, outputs as paths).
"""
import json
import os
import sys
import traceback

sys.path.insert(0, os.environ['SMD_SCENARIO_DIR'])
from scenario import Scenario, fill_screen, grab_screen  # noqa: E402


def body(scenario):
    from qgis.core import QgsApplication, QgsProject
    from qgis.PyQt.QtWidgets import QTextEdit
    from qgis.utils import iface, plugins
    from processing.core.ProcessingResults import resultsList
    from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog
    from processing.tools import dataobjects

    rows = json.loads(os.environ['SMD_ROWS'])
    fill_screen()
    algorithm = QgsApplication.processingRegistry().algorithmById('soilmoisture:downscale')
    dialog = BatchAlgorithmDialog(algorithm.create(), parent=iface.mainWindow())
    dialog.show()
    panel = dialog.mainWidget()
    panel.addRow(len(rows) - 1)
    context = dataobjects.createContext()
    for row, values in enumerate(rows):
        for name, value in values.items():
            column = panel.parameter_to_column[name]
            if algorithm.parameterDefinition(name).isDestination():
                panel.tblParameters.cellWidget(row + 1, column).setValue(value)
            else:
                panel.wrappers[row][column].setParameterValue(value, context)
    panel.checkLoadLayersOnCompletion.setChecked(True)
    known = len(resultsList.getResults())
    log = dialog.findChild(QTextEdit, 'txtLog')
    try:
        dialog.runAlgorithm()
        scenario.result['batch_error'] = None
    except Exception:
        scenario.result['batch_error'] = traceback.format_exc()
    # QGIS 3.22 runs the rows before runAlgorithm() returns; 3.40 and later run them as background tasks.
    scenario.wait_until(lambda: 'Batch execution completed' in log.toPlainText(), timeout_ms=300000)
    scenario.wait(500)
    scenario.result['results_added'] = [[r.name, r.filename] for r in resultsList.getResults()[known:]]
    scenario.result['dialog_log'] = log.toPlainText()
    scenario.result['controls_enabled'] = panel.isEnabled()
    scenario.result['layers'] = sorted(layer.name() for layer in QgsProject.instance().mapLayers().values())
    processing_plugin = plugins.get('processing')
    if processing_plugin is not None and getattr(processing_plugin, 'resultsDock', None) is not None:
        processing_plugin.resultsDock.show()
    # The summary page QGIS wrote for the batch (listed in the Results Viewer), shown as a browser would.
    summary = [path for name, path in scenario.result['results_added'] if name.endswith('[summary]')]
    if summary and os.environ.get('SMD_SCREENSHOTS'):
        from qgis.PyQt.QtWidgets import QTextBrowser
        browser = QTextBrowser()
        browser.setWindowTitle(os.path.basename(summary[0]))
        with open(summary[0], encoding='utf-8') as handle:
            browser.setHtml(handle.read())
        dialog.setGeometry(420, 110, 720, 480)
        browser.setGeometry(640, 430, 780, 540)
        browser.show()
        scenario.keep = browser
    scenario.wait(1500)
    grab_screen('batch_summary')


Scenario().run(body)
