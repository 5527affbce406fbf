"""Write the example Processing models of models/ (.model3) with QgsProcessingModelAlgorithm.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 -P scripts/make_models.py

The models are built here, not edited by hand, so that every child algorithm id and parameter name is the one the
provider registers (the script refuses to write a model that uses an unknown one). Each model is one function
returning a QgsProcessingModelAlgorithm; MODELS maps the file name to it.
"""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QGIS_PLUGINS = '/usr/share/qgis/python/plugins'


def _start_qgis():
    """A headless QGIS with Processing and the plugin's provider, the plugin imported under its folder name."""
    os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
    sys.path.insert(0, os.path.join(REPO, 'tools'))
    import plugin_package
    plugin_package.ensure_importable()
    from qgis.core import QgsApplication
    from qgis.testing import start_app
    app = start_app()
    if QGIS_PLUGINS not in sys.path:
        sys.path.append(QGIS_PLUGINS)
    from processing.core.Processing import Processing
    Processing.initialize()
    from soil_moisture_downscaling.processing.provider import SoilMoistureProvider
    provider = SoilMoistureProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider


def _child(model, child_id, algorithm_id, description, x, y, sources, outputs=()):
    """Add a child algorithm: ``sources`` maps parameter → QgsProcessingModelChildParameterSource (or a list);
    ``outputs`` are (output name, model output name) pairs."""
    from qgis.core import (QgsApplication, QgsProcessingModelChildAlgorithm, QgsProcessingModelChildParameterSource,
                           QgsProcessingModelOutput)
    from qgis.PyQt.QtCore import QPointF
    algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    if algorithm is None:
        raise SystemExit('Unknown algorithm {}: is the provider registered?'.format(algorithm_id))
    known = {p.name() for p in algorithm.parameterDefinitions()}
    unknown = set(sources) - known
    if unknown:
        raise SystemExit('{} has no parameter(s) {}'.format(algorithm_id, ', '.join(sorted(unknown))))
    child = QgsProcessingModelChildAlgorithm(algorithm_id)
    child.setChildId(child_id)
    child.setDescription(description)
    child.setPosition(QPointF(x, y))
    for name, source in sources.items():
        child.addParameterSources(name, source if isinstance(source, list) else [source])
    # As the modeler does: every other input keeps its default value (destinations stay unset: temporary outputs).
    for definition in algorithm.parameterDefinitions():
        default = definition.defaultValue()
        if definition.name() not in sources and not definition.isDestination() and default is not None:
            static = QgsProcessingModelChildParameterSource.fromStaticValue(default)
            child.addParameterSources(definition.name(), [static])
    model_outputs = {}
    for output_name, label in outputs:
        output = QgsProcessingModelOutput(label)
        output.setChildId(child_id)
        output.setChildOutputName(output_name)
        output.setDescription(label)
        model_outputs[label] = output
    child.setModelOutputs(model_outputs)
    model.addChildAlgorithm(child)
    return child


def _input(model, definition, x, y):
    from qgis.core import QgsProcessingModelParameter
    from qgis.PyQt.QtCore import QPointF
    component = QgsProcessingModelParameter(definition.name())
    component.setPosition(QPointF(x, y))
    model.addModelParameter(definition, component)


def viirs_smap_series():
    """SMAP (HDF5 or exports) + VIIRS LST / NDVI → imports → downscaled series → validation against stations."""
    from qgis.core import (QgsProcessing, QgsProcessingModelAlgorithm, QgsProcessingModelChildParameterSource,
                           QgsProcessingParameterExtent, QgsProcessingParameterFeatureSource,
                           QgsProcessingParameterMultipleLayers, QgsProcessingParameterRasterLayer)
    model = QgsProcessingModelAlgorithm('VIIRS + SMAP soil moisture series, validated', 'Soil moisture downscaling',
                                        'soilmoisture')
    model.setHelpContent({'ALG_DESC': (
        'Downscales SMAP L3 soil moisture (SPL3SMP_E 9 km or SPL3SMP 36 km, .h5 or AppEEARS / Earth Engine GeoTIFF '
        'exports; AM retrieval, recommended quality) to the 1 km grid of VIIRS LST (VNP21A1D / VJ121A1D / VJ221A1D '
        'tiles or exports) with VIIRS NDVI (VNP13A1 / VJ113A1) and a DEM, for every date the SMAP and LST files '
        'share, inside the chosen area, then validates the series against in-situ stations. The LST overpass is '
        'taken as 13.5 h local solar time (VIIRS afternoon orbit).')})
    parameter = QgsProcessingModelChildParameterSource.fromModelParameter
    output = QgsProcessingModelChildParameterSource.fromChildOutput
    static = QgsProcessingModelChildParameterSource.fromStaticValue
    for index, definition in enumerate((
            QgsProcessingParameterMultipleLayers('smap_files', 'SMAP L3 files (.h5) or exports',
                                                 QgsProcessing.TypeFile),
            QgsProcessingParameterMultipleLayers('viirs_lst_files', 'VIIRS LST files (VNP21A1D .h5) or exports',
                                                 QgsProcessing.TypeFile),
            QgsProcessingParameterMultipleLayers('viirs_ndvi_files', 'VIIRS NDVI files (VNP13A1 .h5) or exports',
                                                 QgsProcessing.TypeFile),
            QgsProcessingParameterExtent('area', 'Area'),
            QgsProcessingParameterRasterLayer('dem', 'Digital elevation model (m)'),
            QgsProcessingParameterFeatureSource('stations', 'Stations', [QgsProcessing.TypeVectorPoint]),
            QgsProcessingParameterFeatureSource('measurements', 'In-situ soil moisture table',
                                                [QgsProcessing.TypeVector]))):
        _input(model, definition, 120, 60 + 90 * index)
    _child(model, 'import_smap', 'soilmoisture:importsoilmoisture', 'Import SMAP soil moisture', 420, 60, {
        'INPUT': parameter('smap_files'), 'EXTENT': parameter('area'), 'QUALITY': static(0),
        'SMAP_OVERPASS': static(0)})
    _child(model, 'import_lst', 'soilmoisture:importmodis', 'Import VIIRS LST', 420, 200, {
        'INPUT': parameter('viirs_lst_files'), 'PRODUCT_VARIABLE': static(1), 'QUALITY': static(0),
        'TARGET_EXTENT': parameter('area')})
    _child(model, 'import_ndvi', 'soilmoisture:importmodis', 'Import VIIRS NDVI on the LST grid', 420, 340, {
        'INPUT': parameter('viirs_ndvi_files'), 'PRODUCT_VARIABLE': static(2), 'QUALITY': static(0),
        'REFERENCE_GRID': output('import_lst', 'OUTPUT')})
    _child(model, 'downscale', 'soilmoisture:downscaleseries', 'Downscale the series', 720, 200, {
        'COARSE_SM': output('import_smap', 'OUTPUT'), 'LST': output('import_lst', 'OUTPUT'),
        'NDVI': output('import_ndvi', 'OUTPUT'), 'DEM': parameter('dem'), 'OVERPASS_SOLAR_TIME': static(13.5),
        'OUTPUT_MODE': static(0)}, [('OUTPUT', 'Downscaled soil moisture series')])
    _child(model, 'validate', 'soilmoisture:validate', 'Validate against stations', 1000, 200, {
        'RASTERS': [output('downscale', 'OUTPUT')], 'STATIONS': parameter('stations'),
        'MEASUREMENTS': parameter('measurements')},
        [('OUTPUT', 'Station metrics'), ('REPORT', 'Validation report')])
    return model


#: models/<file name> → the function that builds it.
MODELS = {'viirs_smap_series.model3': viirs_smap_series}


def main():
    app, provider = _start_qgis()
    folder = os.path.join(REPO, 'models')
    os.makedirs(folder, exist_ok=True)
    for name, build in MODELS.items():
        model = build()
        ok, issues = model.validate()
        if not ok:
            raise SystemExit('{} is not valid: {}'.format(name, '; '.join(issues)))
        # Write completely, then move into place.
        handle, partial = tempfile.mkstemp(suffix='.model3', dir=folder)
        os.close(handle)
        if not model.toFile(partial):
            os.remove(partial)
            raise SystemExit('Could not write {}'.format(name))
        os.chmod(partial, 0o644)
        os.replace(partial, os.path.join(folder, name))
        print('wrote models/{}'.format(name))


if __name__ == '__main__':
    main()
