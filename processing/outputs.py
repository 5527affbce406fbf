"""Outputs of the algorithms: optional destinations, the HTML report, and layer names.

QGIS 3.22's batch dialog calls ``ProcessingResults.addResult()`` without the
``timestamp`` argument for every ``QgsProcessingOutputHtml`` (BatchAlgorithmDialog.
loadHTMLResults), which raises TypeError and leaves the dialog blocked; the single
dialog also says "HTML output has been generated" after every run of an algorithm
that has such an output, with or without a report. A file destination whose filter
names HTML becomes a QgsProcessingOutputHtml automatically, so the report is
declared with a plain QgsProcessingOutputFile instead, and the plugin adds the report
to the Results Viewer itself, with the arguments that QGIS's own ProcessingResults
takes, only when one was written. Nothing depends on the QGIS version.
"""
import inspect
import os
import re
import time

from qgis.core import (QgsProcessingOutputFile, QgsProcessingOutputLayerDefinition,
                       QgsProcessingParameterDefinition, QgsProcessingParameterFileDestination, QgsProperty)

from ..translation import tr
from .algorithms.base import final_output_path

#: Metadata items by which an output records where it came from (read back by the inspector).
DIAGNOSTICS_ITEM = 'DIAGNOSTICS_FILE'
COARSE_ITEM = 'COARSE_SOIL_MOISTURE_FILE'


def add_report_parameter(algorithm, name, description, help_text, create_by_default=False):
    """An optional HTML report destination, declared as a file output (see the module's docstring)."""
    parameter = QgsProcessingParameterFileDestination(name, description, tr('HTML files (*.html)'), optional=True,
                                                      createByDefault=create_by_default)
    parameter.setHelp(help_text)
    algorithm.addParameter(parameter, False)
    algorithm.addOutput(QgsProcessingOutputFile(name, description))
    return parameter


def show_report(algorithm, path, feedback):
    """Say where the report is and list it in Processing's Results Viewer (desktop only)."""
    if not path or not os.path.exists(path):
        return False
    feedback.pushInfo(tr('Report written: {} (open it from Processing ▸ Results Viewer).').format(path))
    try:
        from qgis.utils import iface
        from processing.core.ProcessingResults import resultsList
    except ImportError:
        return False
    if iface is None:
        return False
    arguments = {'icon': algorithm.icon(), 'name': '{} ({})'.format(algorithm.displayName(), os.path.basename(path)),
                 'result': path}
    if 'timestamp' in inspect.signature(resultsList.addResult).parameters:
        arguments['timestamp'] = time.localtime()
    try:
        resultsList.addResult(**arguments)
    except TypeError:  # another QGIS with another signature: the log line above still says where it is
        return False
    return True


def is_blank_destination(value):
    """True when an optional destination was left empty (None, '' or a layer definition of '')."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        sink = value.sink
        return sink.propertyType() == QgsProperty.StaticProperty and not str(sink.staticValue() or '').strip()
    return value is None or (isinstance(value, str) and not value.strip())


def optional_output_layer(algorithm, parameters, name, context):
    """The path of an optional raster destination, or None when it was left empty.

    An empty destination is never evaluated: parameterAsOutputLayer would register
    '' as a layer to load on completion (the batch dialog passes a layer definition
    of '' for a blank cell), and QGIS would then report it as "not correctly generated".
    """
    if is_blank_destination(parameters.get(name)):
        return None
    return algorithm.parameterAsOutputLayer(parameters, name, context) or None


#: The folder Processing makes for each temporary output: a UUID without dashes or braces, inside its
#: temporary folder (QgsProcessingUtils.generateTempFilename).
TEMPORARY_OUTPUT_SUBFOLDER = re.compile(r'^[0-9a-f]{32}$')


def is_temporary_output(path, temporary_folder=None):
    """True for a file (or folder) Processing made up, in its temporary folder, rather than one the user named.

    Without ``temporary_folder``, Processing's is asked for only when ``path`` lies in a folder named like
    those Processing makes for temporary outputs: asking QGIS for its temporary folder creates it (in the
    system's temporary folder), and a run must leave nothing there that it did not need.
    """
    if not path:
        return False
    if temporary_folder is None:
        if not TEMPORARY_OUTPUT_SUBFOLDER.match(os.path.basename(os.path.dirname(os.path.abspath(path)))):
            return False
        temporary_folder = processing_temp_folder()
    folder = os.path.realpath(temporary_folder)
    return os.path.realpath(path).startswith(folder + os.sep)


def output_layer_name(path, fallback, details=(), temporary_folder=None):
    """A layer name that tells outputs apart: '<file name> (<details>)', or '<fallback> (<details>)'
    for a temporary output; details such as the date and the method, empty ones left out. ``path``
    may be the staged path of a running algorithm: the name is the final file's."""
    path = final_output_path(path) if path else path
    base = fallback if is_temporary_output(path, temporary_folder) or not path else \
        os.path.splitext(os.path.basename(path))[0]
    details = [str(d) for d in details if d]
    return '{} ({})'.format(base, ', '.join(details)) if details else base


def processing_temp_folder():
    """Processing's folder for temporary outputs (made by QGIS if it does not exist yet)."""
    from qgis.core import QgsProcessingUtils
    return QgsProcessingUtils.tempFolder()


def parameter_default_names(algorithm, *names):
    """The names QGIS gives loaded outputs when nobody named them (the parameters' descriptions)."""
    definitions = [algorithm.parameterDefinition(name) for name in names]
    return tuple(d.description() for d in definitions if isinstance(d, QgsProcessingParameterDefinition))
