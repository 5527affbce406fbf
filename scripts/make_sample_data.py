"""Rebuild sample_data/: a twin scene over all of Colorado (see sample_data/README.md).

Run with Debian's Python: /usr/bin/python3 -P scripts/make_sample_data.py
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools'))
import plugin_package  # noqa: E402

plugin_package.ensure_importable()
from osgeo import gdal  # noqa: E402

from soil_moisture_downscaling.benchmarks.twin_scene import COLORADO_DEM, TwinSettings, make_twin_scene  # noqa: E402

SAMPLE = os.path.join(plugin_package.REPO_ROOT, 'sample_data')
SETTINGS = TwinSettings(fine_resolution=1000.0, coarse_crs='EPSG:4326', coarse_resolution=0.25,
                        coarse_origin=(-180.0, 90.0), seed=2025)


def main():
    work = tempfile.mkdtemp(prefix='sample_data_')
    try:
        scene = make_twin_scene(COLORADO_DEM, work, SETTINGS)
        os.makedirs(SAMPLE, exist_ok=True)
        names = {'lst': 'lst_modis_like_K.tif', 'ndvi': 'ndvi.tif', 'dem': 'dem_1km.tif',
                 'truth': 'true_soil_moisture.tif', 'coarse_sm': 'coarse_soil_moisture_025deg.tif'}
        for key, name in names.items():
            # Compact, lossless copies: float32 with a floating-point predictor.
            gdal.Translate(os.path.join(SAMPLE, name), scene.paths[key],
                           creationOptions=['COMPRESS=DEFLATE', 'PREDICTOR=3', 'ZLEVEL=9', 'TILED=YES'])
        print('Fine grid:', scene.fine_grid.describe())
        print('Coarse grid:', scene.coarse_grid.describe())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
