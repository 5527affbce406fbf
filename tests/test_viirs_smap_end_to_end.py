"""End to end through Processing: SMAP 9 km + VIIRS LST / NDVI (synthetic fixtures over Colorado) → downscale → a
styled layer; and the VIIRS + SMAP example model (models/viirs_smap_series.model3).

The fixtures are made from one analytic soil moisture field (tests/data/make_synthetic_fixtures.py): the SMAP cells
hold its cell means, the LST and NDVI are functions of it and of the DEM. So the downscaled map can be checked with
invariants (every coarse cell keeps its value) and against that field (a twin experiment).
"""
import os

import numpy as np
import pytest
from osgeo import gdal, osr

from synthetic import COLORADO_DEM, SMAP_9KM, VNP13, VNP21, fixtures, read_all

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(REPO, 'models', 'viirs_smap_series.model3')
AREA = '{},{},{},{} [EPSG:4326]'.format(fixtures.AREA[0], fixtures.AREA[2], fixtures.AREA[1], fixtures.AREA[3])


@pytest.fixture(scope='module')
def chain(qgis_app, tmp_path_factory):
    import processing
    folder = tmp_path_factory.mktemp('viirs_smap')
    sm = processing.run('soilmoisture:importsoilmoisture', {
        'INPUT': [SMAP_9KM], 'EXTENT': AREA, 'OUTPUT': str(folder / 'smap.tif')})
    lst = processing.run('soilmoisture:importmodis', {
        'INPUT': [VNP21], 'PRODUCT_VARIABLE': 1, 'TARGET_EXTENT': AREA, 'OUTPUT': str(folder / 'lst.tif'),
        'VIEW_TIME': str(folder / 'view_time.tif')})
    ndvi = processing.run('soilmoisture:importmodis', {
        'INPUT': [VNP13], 'PRODUCT_VARIABLE': 2, 'REFERENCE_GRID': lst['OUTPUT'], 'OUTPUT': str(folder / 'ndvi.tif')})
    solar_hours = float(np.nanmedian(read_all(folder / 'view_time.tif')[0]))
    result = processing.run('soilmoisture:downscale', {
        'COARSE_SM': sm['OUTPUT'], 'LST': lst['OUTPUT'], 'NDVI': ndvi['OUTPUT'], 'DEM': COLORADO_DEM,
        'OVERPASS_SOLAR_TIME': solar_hours, 'OUTPUT': str(folder / 'downscaled.tif')})
    return folder, sm, lst, ndvi, result, solar_hours


def test_the_imports_feed_the_downscaling(chain):
    folder, sm, lst, ndvi, result, solar_hours = chain
    assert sm['PRODUCT'] == 'SPL3SMP_E AM (6 am descending)' and sm['DATES'] == '2021-08-15'
    assert lst['PRODUCT'] == 'VNP21A1D' and ndvi['PRODUCT'] == 'VNP13A1'
    assert 12.9 <= solar_hours <= 13.8                                  # VIIRS afternoon overpass, from View_Time
    coarse = gdal.Open(sm['OUTPUT'])
    assert osr.SpatialReference(wkt=coarse.GetProjection()).GetAuthorityCode(None) == '6933'
    fine, out = gdal.Open(lst['OUTPUT']), gdal.Open(result['OUTPUT'])
    assert gdal.Open(ndvi['OUTPUT']).GetGeoTransform() == fine.GetGeoTransform()
    assert (out.RasterXSize, out.RasterYSize) == (fine.RasterXSize, fine.RasterYSize)
    assert out.GetGeoTransform() == pytest.approx(fine.GetGeoTransform())


def test_the_output_is_a_styled_soil_moisture_layer(chain):
    from qgis.core import QgsRasterLayer
    folder, _, _, _, result, _ = chain
    qml = folder / 'downscaled.qml'
    assert qml.exists() and 'm³/m³ (wet)' in qml.read_text()
    layer = QgsRasterLayer(result['OUTPUT'], 'downscaled')
    assert layer.isValid()
    _, loaded = layer.loadDefaultStyle()
    assert loaded and layer.renderer().type() == 'singlebandpseudocolor'


def _coarse_cell_of_fine_pixels(fine_path, coarse_path):
    """(row, col) in the coarse grid of every fine pixel centre, mapped through PROJ here."""
    fine, coarse = gdal.Open(str(fine_path)), gdal.Open(str(coarse_path))
    gt, cgt = fine.GetGeoTransform(), coarse.GetGeoTransform()
    rows, cols = np.indices((fine.RasterYSize, fine.RasterXSize))
    source = osr.SpatialReference(wkt=fine.GetProjection())
    target = osr.SpatialReference(wkt=coarse.GetProjection())
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    points = np.column_stack([(gt[0] + (cols + 0.5) * gt[1]).ravel(), (gt[3] + (rows + 0.5) * gt[5]).ravel()])
    xy = np.asarray(osr.CoordinateTransformation(source, target).TransformPoints(points))
    crow = np.floor((xy[:, 1] - cgt[3]) / cgt[5]).astype(int).reshape(rows.shape)
    ccol = np.floor((xy[:, 0] - cgt[0]) / cgt[1]).astype(int).reshape(rows.shape)
    return crow, ccol


def test_every_smap_cell_keeps_its_value_and_the_map_finds_the_field(chain):
    folder, sm, lst, _, result, _ = chain
    down = read_all(result['OUTPUT'])[0][0]
    coarse = read_all(sm['OUTPUT'])[0][0]
    assert np.nanmin(down) >= 0.0 and np.nanmax(down) <= 1.0
    crow, ccol = _coarse_cell_of_fine_pixels(lst['OUTPUT'], sm['OUTPUT'])
    inside = (crow >= 0) & (crow < coarse.shape[0]) & (ccol >= 0) & (ccol < coarse.shape[1])
    errors = []
    for r, c in zip(*np.nonzero(np.isfinite(coarse))):
        cell = inside & (crow == r) & (ccol == c) & np.isfinite(down)
        if cell.sum() >= 60:                                   # whole cells inside the area (81 px of 926 m)
            errors.append(abs(down[cell].mean() - coarse[r, c]))
    errors = np.array(errors)
    # Measured: 405 cells, median 3e-10 (float32 storage), max 2.9e-4 m³/m³. The pipeline keeps the means exactly
    # over its own zones (2e-16); a pixel centre within a few metres of a cell edge may fall on the other side here
    # (exact PROJ) than there (projection interpolated every 8 pixels), which moves a cell mean by ~1e-4.
    assert errors.size > 300 and np.median(errors) < 1e-6 and errors.max() < 1e-3
    # Twin check: the downscaled map follows the field the fixtures were made from better than the 9 km cells do.
    gt = gdal.Open(lst['OUTPUT']).GetGeoTransform()
    rows, cols = np.indices(down.shape)
    x, y = gt[0] + (cols + 0.5) * gt[1], gt[3] + (rows + 0.5) * gt[5]
    lat = np.degrees(y / fixtures.SPHERE_M)
    lon = np.degrees(x / (fixtures.SPHERE_M * np.cos(np.radians(lat))))
    truth = fixtures.soil_moisture(lon, lat, fixtures.Dem()(lon, lat))
    valid = inside & np.isfinite(down) & fixtures.in_area(lon, lat)
    coarse_at_pixels = np.where(inside, coarse[np.clip(crow, 0, coarse.shape[0] - 1),
                                               np.clip(ccol, 0, coarse.shape[1] - 1)], np.nan)
    valid &= np.isfinite(coarse_at_pixels)
    r_down = np.corrcoef(down[valid], truth[valid])[0, 1]
    r_coarse = np.corrcoef(coarse_at_pixels[valid], truth[valid])[0, 1]
    assert r_down > r_coarse + 0.02, (r_down, r_coarse)       # measured: r 0.994 downscaled, 0.961 the 9 km cells


# -- the example model ---------------------------------------------------------------------------------
def test_viirs_smap_model_loads_and_uses_existing_algorithms_and_parameters(qgis_app):
    from qgis.core import QgsApplication, QgsProcessingModelAlgorithm
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(MODEL), MODEL
    registry = QgsApplication.processingRegistry()
    children = model.childAlgorithms()
    used = sorted(child.algorithmId() for child in children.values())
    assert used == ['soilmoisture:downscaleseries', 'soilmoisture:importmodis', 'soilmoisture:importmodis',
                    'soilmoisture:importsoilmoisture', 'soilmoisture:validate']
    for child in children.values():
        algorithm = registry.algorithmById(child.algorithmId())
        assert algorithm is not None, child.algorithmId()
        known = {p.name() for p in algorithm.parameterDefinitions()}
        assert set(child.parameterSources()) <= known, (child.algorithmId(), set(child.parameterSources()) - known)
        for sources in child.parameterSources().values():
            for source in sources:
                if source.source() == source.ChildOutput:
                    assert source.outputChildId() in children
                if source.source() == source.ModelParameter:
                    assert model.parameterDefinition(source.parameterName()) is not None, source.parameterName()
    inputs = {p.name() for p in model.parameterDefinitions()}
    assert {'smap_files', 'viirs_lst_files', 'viirs_ndvi_files', 'area', 'dem', 'stations',
            'measurements'} <= inputs
    ok, issues = model.validate()
    assert ok, issues
