"""The noise filter: nugget estimation and its effect on a twin scene."""
import numpy as np
import pytest
from helpers import read, smooth_field

from soil_moisture_downscaling.core.metrics import agreement
from soil_moisture_downscaling.core.noise import NuggetEstimate
from soil_moisture_downscaling.core.downscaling import DownscaleInputs, DownscaleOptions, downscale
from soil_moisture_downscaling.core.raster_io import RasterSource
from soil_moisture_downscaling.core.terrain import SunGeometry


def zones(shape, size):
    rows, cols = np.indices(shape)
    return (rows // size) * (-(-shape[1] // size)) + cols // size


@pytest.mark.parametrize('noise_sd', [0.0, 0.5, 1.0])
def test_nugget_recovers_white_noise_variance(noise_sd):
    rng = np.random.default_rng(1)
    shape = (400, 400)
    signal = smooth_field(rng, shape, 6, 2.0)         # smooth: tiny lag-1 increments
    values = signal + noise_sd * rng.standard_normal(shape)
    estimate = NuggetEstimate(int(zones(shape, 20).max()) + 1)
    for start in range(0, 400, 64):                    # block by block, as the pipeline does
        estimate.add(values[start:start + 64], zones(shape, 20)[start:start + 64])
    nugget, within, fraction = estimate.result()
    # Conservative by design: a smooth signal pulls 2γ(1) − γ(2) down, never up.
    assert 0.7 * noise_sd ** 2 <= nugget <= noise_sd ** 2 + 0.02
    within_truth = np.mean([values[r:r + 20, c:c + 20].var(ddof=1) for r in range(0, 400, 20)
                            for c in range(0, 400, 20)])
    assert within == pytest.approx(within_truth, rel=1e-9)
    assert fraction == pytest.approx(1 - nugget / within, abs=1e-12)


def test_noise_filter_improves_the_default_method_on_a_twin(terrain_scene, tmp_path):
    inputs = DownscaleInputs(*(RasterSource(terrain_scene.paths[k], name=k)
                               for k in ('coarse_sm', 'lst', 'ndvi', 'dem')))
    scores = {}
    for flag in (False, True):
        out = str(tmp_path / 'f{}.tif'.format(flag))
        downscale(inputs, out, DownscaleOptions(noise_filter=flag, sun=SunGeometry(
            acquisition_date=terrain_scene.settings.acquisition_date)))
        scores[flag] = agreement(read(out).ravel(), terrain_scene.truth.ravel())['ubrmse']
    print('\nubRMSE without / with the noise filter: {:.4f} / {:.4f}'.format(scores[False], scores[True]))
    assert scores[True] < scores[False]
