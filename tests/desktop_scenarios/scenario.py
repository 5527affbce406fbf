"""What every desktop scenario shares: results to JSON, waiting, the QGIS message log, quitting.

Scenarios run inside QGIS (``qgis --code``), where this folder is put on sys.path.
"""
import json
import os
import traceback

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QEventLoop, QTimer


class Scenario:
    """Collects observations (``self.result``) and writes them when the scenario ends."""

    def __init__(self):
        self.result = {}
        self.log = []
        QgsApplication.messageLog().messageReceived.connect(self._logged)

    def _logged(self, message, tag, level):
        self.log.append('{}: {}'.format(tag, message))

    @staticmethod
    def wait(milliseconds):
        """Let the event loop run (repaints, queued signals, tasks) for a while."""
        loop = QEventLoop()
        QTimer.singleShot(milliseconds, loop.quit)
        loop.exec()

    def wait_until(self, condition, timeout_ms=120000, step_ms=100):
        waited = 0
        while not condition() and waited < timeout_ms:
            self.wait(step_ms)
            waited += step_ms
        return condition()

    def run(self, body):
        """Run ``body(self)`` once the event loop is up; always write the result and quit."""
        def start():
            try:
                body(self)
            except Exception:
                self.result['error'] = traceback.format_exc()
            self.finish()
        QTimer.singleShot(500, start)

    def finish(self):
        self.result['log'] = self.log
        with open(os.environ['SMD_RESULT'], 'w') as handle:
            json.dump(self.result, handle, indent=1, default=str)
        # No "save the project?" question on the way out.
        QgsProject.instance().setDirty(False)
        os._exit(0)


def grab(widget, name):
    """Save a screenshot of ``widget`` as <SMD_SCREENSHOTS>/<name>.png when screenshots are asked for."""
    folder = os.environ.get('SMD_SCREENSHOTS')
    if folder:
        path = os.path.join(folder, name + '.png')
        widget.grab().save(path)
        return path
    return None


def grab_screen(name):
    """Save the whole screen (main window and dialogs) as <SMD_SCREENSHOTS>/<name>.png when asked for."""
    folder = os.environ.get('SMD_SCREENSHOTS')
    if not folder:
        return None
    from qgis.PyQt.QtWidgets import QApplication
    path = os.path.join(folder, name + '.png')
    QApplication.primaryScreen().grabWindow(0).save(path)
    return path


def fill_screen():
    """The main window over the whole (virtual) screen, without the Browser panel: room for the map and docks.
    Xvfb has no window manager, so showMaximized() would do nothing."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QApplication, QDockWidget
    from qgis.utils import iface
    window = iface.mainWindow()
    window.setGeometry(QApplication.primaryScreen().availableGeometry())
    for dock in window.findChildren(QDockWidget):
        if dock.objectName() == 'Browser':
            dock.hide()
        elif dock.objectName() == 'Layers':
            window.resizeDocks([dock], [400], Qt.Orientation.Horizontal)
