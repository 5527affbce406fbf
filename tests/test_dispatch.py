"""DISPATCH (core/dispatch.py, Method.DISPATCH): the trapezoid inverted, the Taylor term of both SEE
models, and a twin made from the DISPATCH model itself, on which it must beat bilinear."""
import numpy as np
import pytest
from helpers import read

from soil_moisture_downscaling.benchmarks.twin_scene import (DISPATCH_TWIN, FRONT_RANGE_DEM, TwinSettings,
                                                             make_twin_scene)
from soil_moisture_downscaling.core import dispatch
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, Method, downscale
from soil_moisture_downscaling.core.errors import InputError
from soil_moisture_downscaling.core.metrics import agreement
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry

TRAPEZOID = dispatch.Trapezoid(soil_max=330.0, soil_min=296.0, vegetation_max=308.0, vegetation_min=294.0)


def ndvi_of_cover(cover):
    return dispatch.NDVI_BARE_SOIL + cover * (dispatch.NDVI_FULL_COVER - dispatch.NDVI_BARE_SOIL)


def test_soil_evaporative_efficiency_inverts_the_trapezoid():
    """Mostly-soil pixels with the canopy at the middle temperature (the hourglass's zone A) and
    canopy pixels between the edges (zone D) give back the SEE they were made with."""
    rng = np.random.default_rng(0)
    see = rng.uniform(0.0, 1.0, 5000)
    soil = TRAPEZOID.soil_max - see * (TRAPEZOID.soil_max - TRAPEZOID.soil_min)
    middle = 0.5 * (TRAPEZOID.vegetation_max + TRAPEZOID.vegetation_min)
    cover = rng.uniform(0.0, 0.95, see.size)
    lst = cover * middle + (1.0 - cover) * soil
    zone = dispatch.hourglass_zones(cover, lst, TRAPEZOID)
    in_a = zone == 0
    assert in_a.mean() > 0.3
    np.testing.assert_allclose(dispatch.soil_evaporative_efficiency(lst, ndvi_of_cover(cover), TRAPEZOID)[in_a],
                               see[in_a], atol=1e-9)
    # Canopy as stressed as the soil: a pixel's place between the wet and the dry edge.
    dense = rng.uniform(0.92, 1.0, 2000)
    canopy_see = rng.uniform(0.0, 1.0, dense.size)
    lst = TRAPEZOID.wet_edge(dense) + (1.0 - canopy_see) * (TRAPEZOID.dry_edge(dense) - TRAPEZOID.wet_edge(dense))
    np.testing.assert_allclose(dispatch.soil_evaporative_efficiency(lst, ndvi_of_cover(dense), TRAPEZOID),
                               canopy_see, atol=1e-9)


def test_hourglass_zones_follow_the_diagonals():
    cover = np.array([0.05, 0.5, 0.5, 0.95, 0.5])
    # Near the bare-soil middle, on top (hot), at the bottom (cool), near the full-cover middle.
    lst = np.array([313.0, 325.0, 296.0, 301.0, 308.0])
    assert list(dispatch.hourglass_zones(cover, lst, TRAPEZOID)) == [0, 1, 2, 3, 0]
    # Hot pixels are dry, cool ones wet.
    see = dispatch.soil_evaporative_efficiency(lst, ndvi_of_cover(cover), TRAPEZOID)
    assert see[1] < see[4] < see[2]


def test_moisture_slope_is_the_derivative_of_the_see_model():
    theta = np.array([0.05, 0.15, 0.25, 0.35])
    mean_see = np.array([0.2, 0.4, 0.6, 0.8])
    # Linear: θ = θp·SEE, θp = θ_c/⟨SEE⟩.
    np.testing.assert_allclose(dispatch.moisture_slope(theta, mean_see, 'linear', 1.0), theta / mean_see)
    # Nonlinear: θ(SEE) = θp/π·arccos(1 − 2·SEE) through (⟨SEE⟩, θ_c); its derivative by finite differences.
    parameter = np.pi * theta / np.arccos(1.0 - 2.0 * mean_see)
    step = 1e-6
    def theta_of(see):
        return parameter / np.pi * np.arccos(1.0 - 2.0 * see)
    numeric = (theta_of(mean_see + step) - theta_of(mean_see - step)) / (2.0 * step)
    np.testing.assert_allclose(dispatch.moisture_slope(theta, mean_see, 'nonlinear', 1.0), numeric, rtol=1e-6)
    # Limits: θp is at most the porosity bound, and a cell without SEE signal gets a finite slope.
    assert dispatch.moisture_slope(0.2, 0.01, 'linear', 0.6) == pytest.approx(0.6)
    assert np.isfinite(dispatch.moisture_slope(np.array([0.2, 0.2]), np.array([0.0, 1.0]), 'nonlinear', 0.6)).all()


@pytest.fixture(scope='module')
def dispatch_twin(tmp_path_factory):
    """Front Range at 250 m, 2.5 km cells; LST from θ through SEE and the trapezoid (sparse vegetation),
    plus the lapse rate, illumination, a regional pattern and noise of every twin."""
    return make_twin_scene(FRONT_RANGE_DEM, str(tmp_path_factory.mktemp('dispatch_twin')), TwinSettings(
        fine_resolution=250, coarse_factor=10, seed=11, lst_model='dispatch'))


def run(scene, folder, **options):
    inputs = DownscaleInputs(*(RasterSource(scene.paths[k], name=k) for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    options.setdefault('sun', SunGeometry(acquisition_date=scene.settings.acquisition_date))
    out = str(folder / 'out_{}.tif'.format(len(list(folder.iterdir()))))
    result = downscale(inputs, out, DownscaleOptions(**options))
    return agreement(read(out).ravel(), scene.truth.ravel())['ubrmse'], result


def test_dispatch_beats_bilinear_on_its_own_twin(dispatch_twin, tmp_path):
    assert DISPATCH_TWIN['theta_p'] > 0
    bilinear, _ = run(dispatch_twin, tmp_path, method=Method.BILINEAR)
    figures = {}
    for model in dispatch.SEE_MODELS:
        figures[model], result = run(dispatch_twin, tmp_path, method=Method.DISPATCH, see_model=model)
        assert result.consistency_max_error < 1e-4
        assert any('LST* (terrain-corrected)' in m for m in result.messages)
    print('\nDISPATCH twin ubRMSE: bilinear {:.4f}, DISPATCH {}'.format(bilinear, figures))
    assert figures['nonlinear'] < 0.7 * bilinear
    assert figures['linear'] < 0.95 * bilinear


def test_dispatch_uses_the_terrain_corrected_lst_in_mountains(dispatch_twin, tmp_path):
    """With a DEM and the sun, SEE comes from LST*: better than from the LST with its lapse rate and
    illumination (without the sun position the LST is used as given)."""
    corrected, _ = run(dispatch_twin, tmp_path, method=Method.DISPATCH)
    as_given, result = run(dispatch_twin, tmp_path, method=Method.DISPATCH, sun=SunGeometry())
    assert any('LST as given' in m for m in result.messages)
    assert corrected < 0.9 * as_given


def test_unknown_see_model_is_refused():
    with pytest.raises(InputError, match='SEE model'):
        DownscaleOptions(see_model='cosine').validate()
