"""Write the example models shipped in models/ (listed under "Models" in the Processing toolbox).

Built with QgsProcessingModelAlgorithm from the plugin's own algorithms, so the files
stay valid when parameters change: rerun after changing an algorithm's parameters
(`make models`; tests/test_models.py checks the committed files are up to date).
Run with Debian's Python: /usr/bin/python3 -P scripts/make_models.py [folder]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))
import plugin_package  # noqa: E402

MODELS = os.path.join(plugin_package.REPO_ROOT, 'models')
#: File name of the example model (its name in the toolbox comes from the model itself).
SERIES_MODEL = 'soil_moisture_series_from_files.model3'


def start_qgis():
    """A headless QGIS with Processing and the plugin's provider."""
    os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
    plugin_package.ensure_importable()
    from qgis.core import QgsApplication
    application = QgsApplication([], False)
    application.initQgis()
    sys.path.append('/usr/share/qgis/python/plugins')
    from processing.core.Processing import Processing
    Processing.initialize()
    from soil_moisture_downscaling.processing.provider import SoilMoistureProvider
    provider = SoilMoistureProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return application, provider


def series_model():
    """Import soil moisture product → import MODIS LST and NDVI → downscale series → import in-situ → validate."""
    from qgis.core import (QgsApplication, QgsProcessing, QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm,
                           QgsProcessingModelChildParameterSource as Source, QgsProcessingModelOutput,
                           QgsProcessingModelParameter, QgsProcessingParameterCrs, QgsProcessingParameterExtent,
                           QgsProcessingParameterFeatureSource, QgsProcessingParameterMultipleLayers,
                           QgsProcessingParameterRasterLayer)
    from qgis.PyQt.QtCore import QPointF

    model = QgsProcessingModelAlgorithm(
        'Soil moisture series from product files', 'Soil moisture downscaling (examples)', 'soilmoisture_examples')
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

    def model_input(definition, x, y, description):
        definition.setDescription(description)
        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(x, y))
        model.addModelParameter(definition, component)

    model_input(QgsProcessingParameterMultipleLayers('SM_FILES', '', QgsProcessing.TypeFile), 120, 60,
                'Soil moisture NetCDF files')
    model_input(QgsProcessingParameterMultipleLayers('LST_FILES', '', QgsProcessing.TypeFile), 400, 60,
                'MODIS LST HDF files')
    model_input(QgsProcessingParameterMultipleLayers('NDVI_FILES', '', QgsProcessing.TypeFile), 680, 60,
                'MODIS NDVI HDF files')
    model_input(QgsProcessingParameterExtent('AREA', '', optional=True), 260, 140, 'Area')
    model_input(QgsProcessingParameterCrs('CRS', '', 'EPSG:32613'), 540, 140, 'Output CRS')
    model_input(QgsProcessingParameterRasterLayer('DEM', ''), 900, 330, 'DEM (m)')
    model_input(QgsProcessingParameterMultipleLayers('INSITU_FILES', '', QgsProcessing.TypeFile), 120, 480,
                'In-situ files')
    model_input(QgsProcessingParameterFeatureSource('STATION_LOCATIONS', '', [QgsProcessing.TypeVectorPoint],
                                                    optional=True), 120, 550, 'Station locations')

    def step(child_id, algorithm_id, description, x, y, sources, outputs=()):
        child = QgsProcessingModelChildAlgorithm(algorithm_id)
        child.setChildId(child_id)
        child.setDescription(description)
        child.setPosition(QPointF(x, y))
        for name, value in sources.items():
            child.addParameterSources(name, value if isinstance(value, list) else [value])
        # What the Model Designer does for a new step: every other parameter takes its default.
        algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
        for definition in algorithm.parameterDefinitions():
            if definition.isDestination() or definition.name() in sources or definition.defaultValue() is None:
                continue
            child.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
        model_outputs = {}
        for output_name, child_output, output_x, output_y in outputs:
            output = QgsProcessingModelOutput(output_name)
            output.setChildId(child_id)
            output.setChildOutputName(child_output)
            output.setPosition(QPointF(output_x, output_y))
            model_outputs[output_name] = output
        child.setModelOutputs(model_outputs)
        model.addChildAlgorithm(child)

    step('import_sm', 'soilmoisture:importsoilmoisture', 'Import soil moisture product', 200, 260,
         {'INPUT': Source.fromModelParameter('SM_FILES'), 'EXTENT': Source.fromModelParameter('AREA')})
    step('import_lst', 'soilmoisture:importmodis', 'Import MODIS LST', 480, 260,
         {'INPUT': Source.fromModelParameter('LST_FILES'), 'PRODUCT_VARIABLE': Source.fromStaticValue(1),
          'TARGET_CRS': Source.fromModelParameter('CRS'), 'TARGET_EXTENT': Source.fromModelParameter('AREA')})
    step('import_ndvi', 'soilmoisture:importmodis', 'Import MODIS NDVI onto the LST grid', 760, 260,
         {'INPUT': Source.fromModelParameter('NDVI_FILES'), 'PRODUCT_VARIABLE': Source.fromStaticValue(2),
          'REFERENCE_GRID': Source.fromChildOutput('import_lst', 'OUTPUT')})
    step('downscale', 'soilmoisture:downscaleseries', 'Downscale the series', 480, 400,
         {'COARSE_SM': Source.fromChildOutput('import_sm', 'OUTPUT'),
          'LST': Source.fromChildOutput('import_lst', 'OUTPUT'),
          'NDVI': Source.fromChildOutput('import_ndvi', 'OUTPUT'), 'DEM': Source.fromModelParameter('DEM'),
          'OUTPUT_MODE': Source.fromStaticValue(0)},
         [('Downscaled soil moisture series', 'OUTPUT', 760, 470)])
    step('import_insitu', 'soilmoisture:importinsitu', 'Import in-situ soil moisture', 200, 640,
         {'INPUT': Source.fromModelParameter('INSITU_FILES'), 'FORMAT': Source.fromStaticValue(0),
          'STATION_LAYER': Source.fromModelParameter('STATION_LOCATIONS')})
    step('validate', 'soilmoisture:validate', 'Validate the series and the product', 480, 640,
         {'RASTERS': [Source.fromChildOutput('downscale', 'OUTPUT'), Source.fromChildOutput('import_sm', 'OUTPUT')],
          'STATIONS': Source.fromChildOutput('import_insitu', 'STATIONS'),
          'MEASUREMENTS': Source.fromChildOutput('import_insitu', 'MEASUREMENTS')},
         [('Station metrics', 'OUTPUT', 760, 620), ('Validation report', 'REPORT', 760, 690)])
    return model


MODEL_BUILDERS = {SERIES_MODEL: series_model}


def write_models(folder=MODELS):
    """Write every model of MODEL_BUILDERS into ``folder``; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for file_name, build in MODEL_BUILDERS.items():
        model = build()
        path = os.path.join(folder, file_name)
        if not model.toFile(path):
            raise RuntimeError('Could not write ' + path)
        sort_attributes(path)
        paths.append(path)
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
    application, provider = start_qgis()
    for path in write_models(sys.argv[1] if len(sys.argv) > 1 else MODELS):
        print('Wrote', path)
    application.exitQgis()


if __name__ == '__main__':
    main()
