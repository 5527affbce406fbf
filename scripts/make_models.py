"""Write the example Processing models of models/ (.model3) with QgsProcessingModelAlgorithm.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 -P scripts/make_models.py [folder]   (or: make models)

The models are built here, not edited by hand, so that every child algorithm id and parameter name is the one the
provider registers (the script refuses to write a model that uses an unknown one). Each model is one function
returning a QgsProcessingModelAlgorithm; MODELS maps the file name to it. The plugin lists every model of
models/ under "Models" in the toolbox (processing/models.py); tests/test_models.py checks the files are current.
"""
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QGIS_PLUGINS = '/usr/share/qgis/python/plugins'


def start_qgis():
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
    ``outputs`` are (output name, model output name[, x, y]) tuples."""
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
    for output_name, label, *position in outputs:
        output = QgsProcessingModelOutput(label)
        output.setChildId(child_id)
        output.setChildOutputName(output_name)
        output.setDescription(label)
        if position:
            output.setPosition(QPointF(*position))
        model_outputs[label] = output
    child.setModelOutputs(model_outputs)
    model.addChildAlgorithm(child)
    return child


def _input(model, definition, x, y, description=None):
    from qgis.core import QgsProcessingModelParameter
    from qgis.PyQt.QtCore import QPointF
    if description:
        definition.setDescription(description)
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


def series_from_files():
    """ESA CCI / C3S + MODIS LST and NDVI files → imports → downscaled series → import in-situ → validation of the
    series and of the product (the README's chain, the example model of the toolbox)."""
    from qgis.core import (QgsProcessing, QgsProcessingModelAlgorithm, QgsProcessingModelChildParameterSource,
                           QgsProcessingParameterCrs, QgsProcessingParameterExtent,
                           QgsProcessingParameterFeatureSource, QgsProcessingParameterMultipleLayers,
                           QgsProcessingParameterRasterLayer)
    model = QgsProcessingModelAlgorithm('Soil moisture series from product files',
                                        'Soil moisture downscaling (examples)', 'soilmoisture_examples')
    model.setHelpContent({
        'ALG_DESC': 'From files as they are downloaded to a validated 1 km soil moisture series: ESA CCI / C3S '
                    'NetCDF files are imported as a dated stack, MODIS LST (MOD11A1) and NDVI (MOD13A2) HDF files '
                    'are imported onto one grid, every date is downscaled, and the result and the coarse product are '
                    'validated against in-situ stations. Open it in the Model Designer to change any step.',
        'ALG_CREATOR': 'Soil Moisture Downscaling plugin',
        'SM_FILES': 'ESA CCI or C3S soil moisture NetCDF files, one per date.',
        'LST_FILES': 'MODIS MOD11A1/MYD11A1 HDF files of the same dates.',
        'NDVI_FILES': 'MODIS MOD13A2 HDF files covering the period (interpolated in time).',
        'DEM': 'Elevation in metres, any CRS and resolution.',
        'AREA': 'Area to keep (any CRS): clips the soil moisture product and the MODIS grid.',
        'CRS': 'CRS of the output grid, e.g. the UTM zone of the area.',
        'INSITU_FILES': 'In-situ files: NRCS SNOTEL/SCAN reports, ISMN archives or a generic CSV.',
        'STATION_LOCATIONS': 'Station locations, needed for NRCS reports (they carry no coordinates).',
    })
    parameter = QgsProcessingModelChildParameterSource.fromModelParameter
    output = QgsProcessingModelChildParameterSource.fromChildOutput
    static = QgsProcessingModelChildParameterSource.fromStaticValue
    for definition, x, y, description in (
            (QgsProcessingParameterMultipleLayers('SM_FILES', '', QgsProcessing.TypeFile), 120, 60,
             'Soil moisture NetCDF files'),
            (QgsProcessingParameterMultipleLayers('LST_FILES', '', QgsProcessing.TypeFile), 400, 60,
             'MODIS LST HDF files'),
            (QgsProcessingParameterMultipleLayers('NDVI_FILES', '', QgsProcessing.TypeFile), 680, 60,
             'MODIS NDVI HDF files'),
            (QgsProcessingParameterExtent('AREA', '', optional=True), 260, 140, 'Area'),
            (QgsProcessingParameterCrs('CRS', '', 'EPSG:32613'), 540, 140, 'Output CRS'),
            (QgsProcessingParameterRasterLayer('DEM', ''), 900, 330, 'DEM (m)'),
            (QgsProcessingParameterMultipleLayers('INSITU_FILES', '', QgsProcessing.TypeFile), 120, 480,
             'In-situ files'),
            (QgsProcessingParameterFeatureSource('STATION_LOCATIONS', '', [QgsProcessing.TypeVectorPoint],
                                                 optional=True), 120, 550, 'Station locations')):
        _input(model, definition, x, y, description)
    _child(model, 'import_sm', 'soilmoisture:importsoilmoisture', 'Import soil moisture product', 200, 260,
           {'INPUT': parameter('SM_FILES'), 'EXTENT': parameter('AREA')})
    _child(model, 'import_lst', 'soilmoisture:importmodis', 'Import MODIS LST', 480, 260,
           {'INPUT': parameter('LST_FILES'), 'PRODUCT_VARIABLE': static(1), 'TARGET_CRS': parameter('CRS'),
            'TARGET_EXTENT': parameter('AREA')})
    _child(model, 'import_ndvi', 'soilmoisture:importmodis', 'Import MODIS NDVI onto the LST grid', 760, 260,
           {'INPUT': parameter('NDVI_FILES'), 'PRODUCT_VARIABLE': static(2),
            'REFERENCE_GRID': output('import_lst', 'OUTPUT')})
    _child(model, 'downscale', 'soilmoisture:downscaleseries', 'Downscale the series', 480, 400,
           {'COARSE_SM': output('import_sm', 'OUTPUT'), 'LST': output('import_lst', 'OUTPUT'),
            'NDVI': output('import_ndvi', 'OUTPUT'), 'DEM': parameter('DEM'), 'OUTPUT_MODE': static(0)},
           [('OUTPUT', 'Downscaled soil moisture series', 760, 470)])
    _child(model, 'import_insitu', 'soilmoisture:importinsitu', 'Import in-situ soil moisture', 200, 640,
           {'INPUT': parameter('INSITU_FILES'), 'FORMAT': static(0), 'STATION_LAYER': parameter('STATION_LOCATIONS')})
    _child(model, 'validate', 'soilmoisture:validate', 'Validate the series and the product', 480, 640,
           {'RASTERS': [output('downscale', 'OUTPUT'), output('import_sm', 'OUTPUT')],
            'STATIONS': output('import_insitu', 'STATIONS'), 'MEASUREMENTS': output('import_insitu', 'MEASUREMENTS')},
           [('OUTPUT', 'Station metrics', 760, 620), ('REPORT', 'Validation report', 760, 690)])
    return model


#: File name of the example model listed under Models (its name in the toolbox comes from the model itself).
SERIES_MODEL = 'soil_moisture_series_from_files.model3'
#: models/<file name> → the function that builds it.
MODELS = {'viirs_smap_series.model3': viirs_smap_series, SERIES_MODEL: series_from_files}


MODELS_FOLDER = os.path.join(REPO, 'models')


def write_models(folder=MODELS_FOLDER):
    """Build, check and write every model of MODELS into ``folder``; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
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
        sort_attributes(partial)
        os.chmod(partial, 0o644)
        os.replace(partial, os.path.join(folder, name))
        paths.append(os.path.join(folder, name))
    return paths


def sort_attributes(path):
    """Rewrite a model file with its XML attributes in a fixed order: Qt writes them in hash order, which
    changes from run to run, and the committed files should change only when the models do."""
    import xml.etree.ElementTree as ElementTree
    tree = ElementTree.parse(path)
    for element in tree.iter():
        items = sorted(element.attrib.items())
        element.attrib.clear()
        element.attrib.update(items)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('<!DOCTYPE model>\n')
        handle.write(ElementTree.tostring(tree.getroot(), encoding='unicode'))
        handle.write('\n')


def main():
    app, provider = start_qgis()
    for path in write_models(sys.argv[1] if len(sys.argv) > 1 else MODELS_FOLDER):
        print('wrote', os.path.relpath(path, REPO))


if __name__ == '__main__':
    main()
