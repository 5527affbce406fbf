"""Twin series: several dates of twin scenes on the same terrain, stacked band per date.

Each date is a twin scene (benchmarks/twin_scene.py) with its own seed, so soil
moisture, LST noise and clouds change from day to day; LST also follows a
seasonal cycle. Outputs (in ``folder``): coarse_sm.tif, lst.tif and truth.tif
stacks (one band per date, dates per core/dates.py), ndvi.tif (the first date's
NDVI: a 16-day composite changes slowly) and dem.tif.
"""
import math
import os
import shutil
from dataclasses import replace
from datetime import timedelta

import numpy as np

from ..core.dates import stack_metadata
from ..core.raster_io import RasterSource, RasterWriter, read_array
from .twin_scene import TwinSettings, make_twin_scene


def make_twin_series(dem_path, folder, settings=None, n_dates=30, step_days=1, seasonal_amplitude_k=8.0):
    settings = settings or TwinSettings()
    os.makedirs(folder, exist_ok=True)
    stacks = {'coarse_sm': [], 'lst': [], 'truth': []}
    dates = []
    scene = None
    for index in range(n_dates):
        day = settings.acquisition_date + timedelta(days=index * step_days)
        scene = make_twin_scene(dem_path, os.path.join(folder, 'day'),
                                replace(settings, seed=settings.seed + index, acquisition_date=day))
        season = seasonal_amplitude_k * math.sin(2 * math.pi * (day.timetuple().tm_yday - 105) / 365.25)
        for key in stacks:
            values = read_array(RasterSource(scene.paths[key]))
            stacks[key].append(values + season if key == 'lst' else values)
        if index == 0:
            shutil.copy(scene.paths['ndvi'], os.path.join(folder, 'ndvi.tif'))
            shutil.copy(scene.paths['dem'], os.path.join(folder, 'dem.tif'))
            fine_grid, coarse_grid = scene.fine_grid, scene.coarse_grid
        dates.append(day)
    metadata, band_metadata, descriptions = stack_metadata(dates)
    paths = {}
    for key, grid in (('coarse_sm', coarse_grid), ('lst', fine_grid), ('truth', fine_grid)):
        paths[key] = os.path.join(folder, key + '.tif')
        with RasterWriter(paths[key], grid, len(dates), descriptions=descriptions, metadata=metadata,
                          band_metadata=band_metadata) as writer:
            for band, values in enumerate(stacks[key], start=1):
                writer.write(grid.full_window(), np.asarray(values, dtype=np.float32), band=band)
            writer.commit()
    paths['ndvi'] = os.path.join(folder, 'ndvi.tif')
    paths['dem'] = os.path.join(folder, 'dem.tif')
    shutil.rmtree(os.path.join(folder, 'day'), ignore_errors=True)
    return paths, dates, fine_grid, coarse_grid
