"""The plugin's dialogs in QGIS desktop: labels that fit, what a run says, the example model in the modeler.

Variables: SMD_CASE (JSON: good (parameters of a run that works), bad (one that fails in the run),
incomplete (one checkParameterValues refuses), report (path for the good run's report)).
"""
import json
import os
import sys

sys.path.insert(0, os.environ['SMD_SCENARIO_DIR'])
from scenario import Scenario, fill_screen, grab  # noqa: E402

MODEL_ID = 'model:Soil moisture series from product files'


def body(scenario):
    from qgis.core import QgsApplication
    from qgis.gui import QgsCollapsibleGroupBox
    from qgis.PyQt.QtCore import QPoint, Qt, QTimer
    from qgis.PyQt.QtWidgets import QApplication, QLabel, QMessageBox, QScrollArea, QTextEdit
    from qgis.utils import iface
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    case = json.loads(os.environ['SMD_CASE'])
    fill_screen()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById('soilmoisture')

    # Labels of every dialog at its default size, advanced parameters shown too.
    clipped = {}
    for algorithm in provider.algorithms():
        dialog = AlgorithmDialog(algorithm.create(), parent=iface.mainWindow())
        dialog.show()
        for box in dialog.mainWidget().findChildren(QgsCollapsibleGroupBox):
            box.setCollapsed(False)
        scenario.wait(300)
        # The parameters sit in a scroll area: a label wider than its viewport is cut at the right edge.
        viewport = dialog.mainWidget().findChild(QScrollArea).viewport()
        cut = [label.text() for label in dialog.mainWidget().findChildren(QLabel)
               if label.isVisible() and label.text() and not label.wordWrap()
               and label.mapTo(viewport, QPoint(0, 0)).x() + label.sizeHint().width() > viewport.width()]
        if cut:
            clipped[algorithm.name()] = cut
        dialog.close()
    scenario.result['clipped_labels'] = clipped

    def run_in_dialog(parameters, name):
        """Run downscale from its dialog (in a task, as a user would); returns the log and info texts."""
        dialog = AlgorithmDialog(registry.algorithmById('soilmoisture:downscale').create(),
                                 parent=iface.mainWindow())
        dialog.show()
        dialog.setParameters(parameters)
        finished = []
        dialog.algorithmFinished.connect(lambda ok, results: finished.append(ok))
        refusals = []

        def close_message_box():
            box = QApplication.activeModalWidget()
            if isinstance(box, QMessageBox):
                refusals.append(box.text())
                box.close()
        QTimer.singleShot(1500, close_message_box)
        dialog.runAlgorithm()
        scenario.wait_until(lambda: finished or refusals, timeout_ms=180000)
        scenario.wait(500)
        log = dialog.findChild(QTextEdit, 'txtLog').toPlainText()
        if name:
            grab(dialog, name)
        dialog.close()
        return {'finished': finished, 'refusals': refusals, 'log': log}

    scenario.result['incomplete'] = run_in_dialog(case['incomplete'], None)
    scenario.result['bad'] = run_in_dialog(case['bad'], None)
    scenario.result['good'] = run_in_dialog(case['good'], None)
    scenario.result['good_with_report'] = run_in_dialog(dict(case['good'], REPORT=case['report']), None)
    from processing.core.ProcessingResults import resultsList
    scenario.result['results_viewer'] = [[r.name, r.filename] for r in resultsList.getResults()]

    # A model step whose output is a model output, loaded on completion (defect 8: "OGR: Cannot open").
    import processing
    from qgis.core import (QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm,
                           QgsProcessingModelChildParameterSource, QgsProcessingModelOutput)
    model = QgsProcessingModelAlgorithm('one step', 'tests')
    child = QgsProcessingModelChildAlgorithm('soilmoisture:downscale')
    child.setChildId('downscale')
    for name, value in case['good'].items():
        if name != 'OUTPUT':
            child.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    output = QgsProcessingModelOutput('Soil moisture of the model')
    output.setChildId('downscale')
    output.setChildOutputName('OUTPUT')
    child.setModelOutputs({'Soil moisture of the model': output})
    model.addChildAlgorithm(child)
    log_before = len(scenario.log)
    processing.runAndLoadResults(model, {'downscale:Soil moisture of the model': case['model_output']})
    scenario.wait(500)
    scenario.result['model_run_log'] = scenario.log[log_before:]
    from qgis.core import QgsProject
    scenario.result['model_run_layers'] = [[layer.name(), layer.renderer().type() if layer.renderer() else None]
                                           for layer in QgsProject.instance().mapLayers().values()
                                           if layer.source() == case['model_output']]

    # The example model: listed under Models, open in the Model Designer.
    model = registry.algorithmById(MODEL_ID)
    scenario.result['model_provider'] = model.provider().id() if model is not None else None
    if model is not None:
        from processing.modeler.ModelerDialog import ModelerDialog
        designer = ModelerDialog.create(model.create())
        designer.setGeometry(QApplication.primaryScreen().availableGeometry())
        designer.show()
        scenario.wait(1500)
        view = designer.view()
        scene_rect = view.scene().itemsBoundingRect()
        view.fitInView(scene_rect.adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)
        scenario.wait(800)
        scenario.result['model_items'] = len(view.scene().items())
        grab(designer, 'example_model')


Scenario().run(body)
