"""Write golden_sample.npz: the bundled sample downscaled with every method, subsampled.

Run with the plugin of the commit whose maps are the reference:
    /usr/bin/python3 -P tests/data/golden/make_golden.py REPO_OF_THAT_COMMIT OUT.npz
The file in the repository was first made with commit 87aed97 (before the redesign of issue 9)
and regenerated for issue 10: area-to-point kriging as the default residual spread (methods 0, 2,
4, 5), the corrected DISPATCH (method 4) and the self-adaptive selection (method 0); methods 1
and 3 are unchanged to the bit. tests/test_golden.py checks that today's code gives the same
maps. Regenerate it only when a change of the maps is intended, and say so in the commit message.
"""
import os
import sys
import tempfile
from datetime import date

import numpy as np

#: Every STEP-th row and column of the map is kept (the full maps are ~0.9 MB each).
STEP = 7


def main(repo, out):
    sys.path.insert(0, os.path.join(repo, 'tools'))
    import plugin_package
    plugin_package.REPO_ROOT = os.path.abspath(repo)
    plugin_package.ensure_importable()
    try:
        from soil_moisture_downscaling.core import downscaling as pipeline
    except ImportError:     # commits before the redesign
        from soil_moisture_downscaling.core import pipeline
    from soil_moisture_downscaling.core.raster_io import RasterSource, read_array
    from soil_moisture_downscaling.core.terrain import SunGeometry
    sample = os.path.join(repo, 'sample_data')
    inputs = pipeline.DownscaleInputs(*(RasterSource(os.path.join(sample, name), name=name) for name in (
        'coarse_soil_moisture_025deg.tif', 'lst_modis_like_K.tif', 'ndvi.tif', 'dem_1km.tif')))
    runs = [('method{}_'.format(method), method, {}) for method in range(6)]
    if 'selection' in pipeline.DownscaleOptions.__dataclass_fields__:
        # Method 0 as it was before the self-adaptive selection (issue 10), still reachable as an option.
        runs.append(('previous_method0_', 0, {'selection': 'per-cell AICc'}))
    arrays = {}
    with tempfile.TemporaryDirectory() as folder:
        for key, method, options in runs:
            path = os.path.join(folder, key + '.tif')
            result = pipeline.downscale(inputs, path, pipeline.DownscaleOptions(
                method=method, sun=SunGeometry(acquisition_date=date(2021, 7, 15)), **options))
            values = read_array(RasterSource(path, name='out'))
            arrays[key + 'map'] = values[::STEP, ::STEP].astype(np.float32)
            arrays[key + 'mean'] = np.float64(np.nanmean(values))
            arrays[key + 'sd'] = np.float64(np.nanstd(values))
            arrays[key + 'count'] = np.int64(np.isfinite(values).sum())
            arrays[key + 'lapse'] = np.float64(result.terrain.lapse_rate_k_per_km)
    np.savez_compressed(out, step=STEP, **arrays)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
