"""What the plugin's algorithms share: reading layers into core sources, the
sun-geometry parameters, progress/cancel, turning core errors into
QgsProcessingException, and the safety net around every run (:meth:`SoilMoistureAlgorithm.guarded_run`):
outputs checked before computing, written together or not at all, plain numbers in the results."""
import functools
import os
import re
import tempfile
import threading
import traceback
from collections import namedtuple
from datetime import date

import numpy as np
from osgeo import gdal
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingAlgorithm,
                       QgsProcessingContext, QgsProcessingException, QgsProcessingOutputLayerDefinition,
                       QgsProcessingParameterDateTime, QgsProcessingParameterDefinition, QgsProcessingParameterNumber,
                       QgsProperty)
from qgis.PyQt.QtGui import QIcon

from ...core import scratch
from ...core.dates import band_dates
from ...core.errors import Cancelled, InputError, OutputError
from ...core.outputs_commit import OutputCommit, check_run_outputs, io_error_message, short_reason, stage_outputs
from ...core.progress import WARNING_PREFIX, Progress
from ...core.raster_io import RasterSource, spatial_reference
from ...core.terrain import SunGeometry
from ...translation import QT_TRANSLATE_NOOP, tr
from ..help import help_url, icon_path
from ..settings import memory_budget_mb

#: An output of a run: parameter name, its description, 'raster', 'file' or 'folder', and the path.
OutputTarget = namedtuple('OutputTarget', 'name label kind path')
#: The output paths of the run going on in this thread (algorithms write under staged paths until the commit).
_RUN = threading.local()
#: Data source strings that are not local files ('memory:…', 'postgres:…', 'ogr:…'; not 'C:\\…').
_NOT_A_FILE = re.compile(r'^[A-Za-z][A-Za-z0-9_]+:')

GROUP_ID = 'soilmoisture'


class SoilMoistureAlgorithm(QgsProcessingAlgorithm):
    """Base class: thin algorithms that read parameters, call the core and style outputs.

    Every subclass's ``processAlgorithm`` runs inside :meth:`guarded_run` (wrapped when the
    class is defined), so no algorithm can forget the shared output checks.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        process = cls.__dict__.get('processAlgorithm')
        if process is not None and not getattr(process, 'guarded', False):
            cls.processAlgorithm = _guarded(process)

    SUN_ZENITH = 'SUN_ZENITH'
    SUN_AZIMUTH = 'SUN_AZIMUTH'
    ACQUISITION_DATE = 'ACQUISITION_DATE'
    OVERPASS_SOLAR_TIME = 'OVERPASS_SOLAR_TIME'

    def createInstance(self):  # noqa: N802
        return type(self)()

    def group(self):
        return tr('Soil moisture')

    def groupId(self):  # noqa: N802
        return GROUP_ID

    def helpUrl(self):  # noqa: N802
        return help_url(self.name())

    def icon(self):
        return QIcon(icon_path(self.name()))

    def svgIconPath(self):  # noqa: N802
        return icon_path(self.name())

    # -- parameters -------------------------------------------------------------------------
    def add_parameter(self, parameter, help_text, advanced=False):
        parameter.setHelp(help_text)
        if advanced:
            parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(parameter)
        return parameter

    def add_sun_parameters(self):
        self.add_parameter(
            QgsProcessingParameterNumber(self.SUN_ZENITH, tr('Sun zenith angle (°)'),
                                         QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
                                         maxValue=89.9),
            tr('Sun zenith angle at the LST overpass in degrees (0 = sun overhead). Leave empty to compute the sun '
               'position from the acquisition date and the overpass local solar time at every pixel.'))
        self.add_parameter(
            QgsProcessingParameterNumber(self.SUN_AZIMUTH, tr('Sun azimuth (° from north)'),
                                         QgsProcessingParameterNumber.Double, optional=True, minValue=0.0,
                                         maxValue=360.0),
            tr('Sun azimuth at the LST overpass in degrees, clockwise from north (90 = east). Give it together with '
               'the zenith angle.'))
        self.add_parameter(
            QgsProcessingParameterDateTime(self.ACQUISITION_DATE, tr('LST acquisition date'),
                                           QgsProcessingParameterDateTime.Date, optional=True),
            tr('Date of the LST image, used for the sun position when the angles are not given. When empty, the '
               'ACQUISITION_DATE metadata of the LST raster is used (written by "Import MODIS LST / NDVI").'))
        self.add_parameter(
            QgsProcessingParameterNumber(self.OVERPASS_SOLAR_TIME, tr('Overpass local solar time (h)'),
                                         QgsProcessingParameterNumber.Double, defaultValue=SunGeometry.solar_hour,
                                         minValue=0.0, maxValue=24.0),
            tr('Local solar time of the LST acquisition in hours: about 10.5 for Terra (MOD11), 13.5 for Aqua '
               '(MYD11). MODIS gives it per pixel as Day_view_time.'), advanced=True)

    def sun_geometry(self, parameters, context, lst_source):
        zenith = azimuth = None
        if parameters.get(self.SUN_ZENITH) is not None:
            zenith = self.parameterAsDouble(parameters, self.SUN_ZENITH, context)
        if parameters.get(self.SUN_AZIMUTH) is not None:
            azimuth = self.parameterAsDouble(parameters, self.SUN_AZIMUTH, context)
        acquisition = None
        if parameters.get(self.ACQUISITION_DATE) not in (None, ''):
            value = self.parameterAsDateTime(parameters, self.ACQUISITION_DATE, context)
            if value.isValid():
                qdate = value.date()
                acquisition = date(qdate.year(), qdate.month(), qdate.day())
        if acquisition is None and lst_source is not None:
            acquisition = date_from_metadata(lst_source.path)
        solar_hour = self.parameterAsDouble(parameters, self.OVERPASS_SOLAR_TIME, context)
        return SunGeometry(zenith, azimuth, acquisition, solar_hour)

    def raster_source(self, parameters, name, context, label, required=True):
        """A core RasterSource (band 1) for a raster layer parameter, or None when optional and empty."""
        layer = self.parameterAsRasterLayer(parameters, name, context)
        if layer is None:
            if required:
                raise QgsProcessingException(self.invalidRasterError(parameters, name))
            return None
        if layer.providerType() != 'gdal':
            raise QgsProcessingException(
                tr('The {} layer "{}" is not a file-based raster ({} provider). Save it as a GeoTIFF first '
                   '(right-click ▸ Export ▸ Save As…).').format(label, layer.name(), layer.providerType()))
        return RasterSource(layer.source(), 1, layer_crs_override(layer), label)

    # -- running the core -------------------------------------------------------------------
    @classmethod
    def progress(cls, feedback):
        return Progress(feedback.setProgress, feedback.isCanceled, lambda message: cls.log(feedback, message))

    @staticmethod
    def memory_mb():
        return memory_budget_mb()

    @staticmethod
    def threads():
        """Worker threads for the fine passes: the user's "Max cores to use" (Settings ▸ Options ▸
        Rendering) or a limit set through QgsApplication.setMaxThreads, the lower when both are set;
        else 0 (automatic).

        The setting is read too because QGIS 3.40 and later never report fewer than 2 in
        QgsApplication.maxThreads() (their own thread pool needs 2), even when the user chose 1.
        """
        from qgis.core import QgsApplication, QgsSettings
        try:
            chosen = int(QgsSettings().value('qgis/max_threads', -1))
        except (TypeError, ValueError):
            chosen = -1
        limits = [limit for limit in (chosen, QgsApplication.maxThreads()) if limit >= 1]
        return min(limits) if limits else 0

    @staticmethod
    def run_core(function, *args, **kwargs):
        """Call the core; bad input and cancel become QgsProcessingException with the core's message."""
        try:
            return function(*args, **kwargs)
        except (InputError, Cancelled, OutputError) as error:
            raise QgsProcessingException(str(error))
        except MemoryError:
            raise QgsProcessingException(tr(OUT_OF_MEMORY))

    @staticmethod
    def log(feedback, message):
        """A core log line to the feedback: warnings (WARNING_PREFIX) as warnings."""
        if message.startswith(WARNING_PREFIX):
            feedback.pushWarning(message[len(WARNING_PREFIX):])
        else:
            feedback.pushInfo(message)

    # -- checks before the run ---------------------------------------------------------------------------
    def checkParameterValues(self, parameters, context):  # noqa: N802
        """Refuse, before the run, what the algorithm would refuse after reading the inputs
        (:meth:`parameter_problems`) and outputs that would clash or cannot be written (:meth:`check_outputs`)."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        problems = self.parameter_problems(parameters, context)
        try:
            self.check_outputs(parameters, context)
        except QgsProcessingException as error:
            problems.append(str(error))
        return (not problems), '\n'.join(problems)

    def parameter_problems(self, parameters, context):
        """What is wrong with the parameters beyond their own ranges, as sentences saying what to change
        (overridden by algorithms whose parameters depend on each other)."""
        return []

    # -- the safety net around every run ---------------------------------------------------------------

    def output_targets(self, parameters, context):
        """The files and folders the parameters ask this run to write."""
        resolving = QgsProcessingContext()   # resolving paths here must not queue layers for loading
        resolving.setProject(context.project())
        targets = []
        for definition in self.destinationParameterDefinitions():
            name = definition.name()
            if parameters.get(name) in (None, ''):
                continue
            kind = {'rasterDestination': 'raster', 'folderDestination': 'folder'}.get(definition.type(), 'file')
            if definition.type() in ('fileDestination', 'folderDestination'):
                path = self.parameterAsFileOutput(parameters, name, resolving)
            else:
                path = self.parameterAsOutputLayer(parameters, name, resolving)
            if path and not _NOT_A_FILE.match(path):
                targets.append(OutputTarget(name, definition.description(), kind, os.path.abspath(path)))
        return targets

    def input_files(self, parameters, context):
        """(description, path) of every input that is a local file or folder."""
        found = []
        for definition in self.parameterDefinitions():
            name = definition.name()
            if definition.isDestination() or parameters.get(name) in (None, ''):
                continue
            kind = definition.type()
            try:
                if kind == 'raster':
                    layer = self.parameterAsRasterLayer(parameters, name, context)
                    sources = [layer.source()] if layer is not None else []
                elif kind in ('source', 'vector'):
                    layer = self.parameterAsVectorLayer(parameters, name, context)
                    sources = [layer.source()] if layer is not None else []
                elif kind == 'multilayer' and definition.layerType() == QgsProcessing.TypeFile:
                    sources = self.parameterAsFileList(parameters, name, context)
                elif kind == 'multilayer':
                    sources = [layer.source() for layer in self.parameterAsLayerList(parameters, name, context)]
                elif kind == 'file':
                    sources = [self.parameterAsFile(parameters, name, context)]
                else:
                    continue
            except QgsProcessingException:
                continue   # an unreadable input is reported by the algorithm itself
            for source in sources:
                path = str(source).split('|')[0]
                if path and os.path.exists(path):
                    found.append((definition.description(), path))
        return found

    def output_band_count(self, name, parameters, context):
        """Bands the raster output ``name`` will have (formats that hold one band are refused before computing
        when it has more); 1 unless an algorithm knows better."""
        return 1

    def raster_band_count(self, parameters, name, context):
        """Bands of the raster layer input ``name`` (1 when it is empty or cannot be read)."""
        layer = self.parameterAsRasterLayer(parameters, name, context)
        return layer.bandCount() if layer is not None and layer.isValid() else 1

    def check_outputs(self, parameters, context):
        """Refuse, before computing, outputs that are inputs or each other, that cannot be written, or whose
        raster format cannot hold the output; returns the output targets and the input files."""
        targets = self.output_targets(parameters, context)
        inputs = self.input_files(parameters, context)
        try:
            check_run_outputs([(t.label, t.path, t.kind) for t in targets], inputs,
                              {t.path: self.output_band_count(t.name, parameters, context) for t in targets
                               if t.kind == 'raster'})
        except (InputError, OutputError) as error:
            raise QgsProcessingException(str(error))
        return targets, inputs

    def resumable_outputs(self, targets):
        """Paths of the output targets whose files the core commits itself as it goes, so that a stopped run
        can resume (the dates of a series): checked before the run like every output, but passed on under
        their final paths; what the core stages in the run's commit (:func:`run_commit`) is committed with
        the rest. None by default."""
        return []

    def guarded_run(self, process, parameters, context, feedback):
        """Run ``process`` (a subclass's processAlgorithm) with its outputs checked first, written into
        staging folders and committed together at the end (or all removed on any failure), its scratch
        removed even on SIGTERM, and its results made of plain Python values."""
        if QgsApplication.platform() != 'desktop':   # never replace the desktop application's signal handling
            scratch.install_sigterm_cleanup()
        scratch.remove_stale(tempfile.gettempdir())
        targets, inputs = self.check_outputs(parameters, context)
        outputs = OutputCommit(protect=inputs)
        outer = getattr(_RUN, 'public', None), getattr(_RUN, 'commit', None)
        _RUN.public, _RUN.commit = outputs.public, outputs
        try:
            paths = stage_outputs(outputs, [(t.label, t.path, t.kind) for t in targets],
                                  self.resumable_outputs(targets))
            staged = dict(parameters)
            for target in targets:
                staged[target.name] = _with_destination(parameters[target.name], paths[target.path])
            results = process(self, staged, context, feedback)
            results = {key: _plain(value, outputs.public) for key, value in (results or {}).items()}
            _rename_layers_to_load(context, outputs.public)
            outputs.commit()
            return results
        except BaseException as error:
            traceback.clear_frames(error.__traceback__)   # close sinks and datasets the frames still hold
            outputs.abort()
            _drop_staged_layers(context, outputs.public)
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            message = _one_sentence(error, outputs.public, targets)
            if message is None:
                raise
            raise QgsProcessingException(message) from None
        finally:
            _RUN.public, _RUN.commit = outer


OUT_OF_MEMORY = QT_TRANSLATE_NOOP('SoilMoistureDownscaling', 'Out of memory: lower the memory budget in Settings ▸ '
                                  'Options ▸ Processing ▸ Providers ▸ Soil moisture downscaling.')


def _guarded(process):
    @functools.wraps(process)
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        return self.guarded_run(process, parameters, context, feedback)
    processAlgorithm.guarded = True
    return processAlgorithm


def _with_destination(value, path):
    """The parameter value ``value`` (a path or an output definition) pointing at ``path`` instead."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        definition = QgsProcessingOutputLayerDefinition(value)
        definition.sink = QgsProperty.fromValue(path)
        return definition
    return path


def _plain(value, public):
    """A result as a plain Python value (numpy scalars came back empty from qgis_process --json), with
    staged paths replaced by the final ones."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item, public) for item in value]
    if isinstance(value, str):
        return public(value)
    return value


def final_output_path(path):
    """The path an output of the running algorithm will have after the commit (it is written under
    a staged path until then); other paths are returned as they are."""
    public = getattr(_RUN, 'public', None)
    return public(path) if public is not None else path


def run_commit():
    """The OutputCommit of the algorithm running in this thread (None outside a run): where a core
    that commits some outputs itself (resumable_outputs) stages those committed with the run's."""
    return getattr(_RUN, 'commit', None)


def _rename_layers_to_load(context, public):
    """Outputs queued for loading under their staged path are queued under their final path.

    QgsProcessingContext deletes the post-processor of an entry that leaves the queue, so
    post-processors are attached to final entries only (styling.load_details); staged entries
    without one are renamed, those with one are left as they are rather than risk a crash."""
    layers = context.layersToLoadOnCompletion()
    staged = [key for key in layers if public(key) != key]
    if not staged:
        return
    renamed = {key: details for key, details in layers.items() if public(key) == key}
    for key in staged:
        if layers[key].postProcessor() is not None:
            renamed[key] = layers[key]
        elif public(key) not in renamed:
            renamed[public(key)] = layers[key]
    context.setLayersToLoadOnCompletion(renamed)


def _drop_staged_layers(context, public):
    layers = context.layersToLoadOnCompletion()
    if any(public(key) != key and details.postProcessor() is None for key, details in layers.items()):
        context.setLayersToLoadOnCompletion({key: details for key, details in layers.items()
                                             if public(key) == key or details.postProcessor() is not None})


def _one_sentence(error, public, targets):
    """What the user reads for an error of a run: one sentence with the final file names; None for
    errors that are bugs (those keep their traceback)."""
    if isinstance(error, (QgsProcessingException, InputError, Cancelled, OutputError)):
        return public(str(error).strip())
    if isinstance(error, MemoryError):
        return tr(OUT_OF_MEMORY)
    if isinstance(error, OSError):
        path = public(error.filename or '')
        if path and not any(path == t.path or path.startswith(t.path + os.sep) for t in targets):
            return tr('Cannot read {}: {}; check the file and that it can be opened.').format(
                path, (error.strerror or short_reason(error)).lower())
        return io_error_message(error, path or None)
    if isinstance(error, RuntimeError):   # GDAL, whose messages name the file
        first_line = public(str(error).strip().splitlines()[0]).rstrip('.')
        return tr('GDAL could not read or write a file ({}).').format(first_line)
    return None


def layer_crs_override(layer):
    """The layer's CRS as WKT when it differs from the file's (or the file has none), else None.

    A CRS the user assigned in QGIS wins over the file's; an identical one is
    not passed on, so no needless warp is made.
    """
    crs = layer.crs()
    if not crs.isValid():
        return None
    wkt = crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL)
    try:
        dataset = gdal.Open(layer.source())
        file_wkt = dataset.GetProjection() if dataset is not None else ''
    except RuntimeError:
        file_wkt = ''
    if file_wkt and spatial_reference(file_wkt).IsSame(spatial_reference(wkt)):
        return None
    return wkt


def date_from_metadata(path):
    """The acquisition date of a single-date raster from its metadata, or None."""
    try:
        dates = band_dates(path)
    except InputError:
        return None
    return dates[0] if len(dates) == 1 else None
