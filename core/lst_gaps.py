"""Writing gap-filled LST rasters (the "Fill LST gaps" algorithm), METHOD.md §7.

One date: the terrain/NDVI model of LST plus its interpolated residual. A stack of
dates long enough for an annual cycle: each pixel's cycle plus the day's anomaly;
shorter stacks are filled date by date spatially. A mask (1 = filled) can be written too.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from typing import Optional, Sequence

import numpy as np

from . import scratch
from .alignment import align_to_grid
from .dates import band_dates, stack_metadata
from .errors import InputError
from .gap_filling import SpatialLstFiller, TemporalLstFiller, write_annual_cycle
from .downscaling.inputs import check_fine_grid
from .downscaling.scene import FineScene
from .outputs_commit import OutputCommit
from .progress import Progress
from .raster_io import GTIFF_OPTIONS, RasterSource, RasterWriter
from .series import long_enough_for_cycle
from .terrain import SunGeometry, prepare_terrain
from .units import check_lst_kelvin, check_ndvi, sample_values


@dataclass
class LstFillResult:
    output: str
    mask: Optional[str]
    n_filled: int
    n_missing_after: int
    method: str
    messages: list


def fill_lst_gaps(lst_path: str, output_path: str, ndvi: Optional[RasterSource] = None,
                  dem: Optional[RasterSource] = None, sun: Optional[SunGeometry] = None,
                  dates: Optional[Sequence[date]] = None, memory_mb: float = 512.0, mask_path: Optional[str] = None,
                  lst_crs_wkt: Optional[str] = None, progress: Optional[Progress] = None) -> LstFillResult:
    """Fill the gaps of an LST raster or stack (K) and write it as float32 (nodata where still unknown)."""
    progress = progress or Progress()
    messages = []

    def log(text):
        messages.append(text)
        progress.info(text)
    band_count = len(band_dates(lst_path))
    first = RasterSource(lst_path, 1, lst_crs_wkt, 'LST')
    grid = first.grid()
    check_fine_grid(grid)
    check_lst_kelvin(sample_values(first))
    if dates is None and band_count > 1:
        dates = band_dates(lst_path)
        if not all(dates):
            raise InputError('The LST stack does not say the date of each band: give the dates (one per band).')
    if dates is not None and len(dates) != band_count:
        raise InputError('{} dates were given for an LST stack of {} bands.'.format(len(dates), band_count))
    workdir = scratch.work_folder('fill')
    terrain = None
    try:
        ndvi_source = None
        if ndvi is not None:
            check_ndvi(sample_values(ndvi))
            ndvi_source = align_to_grid(ndvi, grid, 'auto', workdir, progress.sub(0.0, 0.05), 'NDVI')
        if dem is not None:
            with_sun = sun is not None and (sun.fixed or sun.acquisition_date is not None)
            terrain = prepare_terrain(dem, grid, sun, workdir, memory_mb, progress.sub(0.05, 0.1),
                                      need_illumination=with_sun and band_count == 1)
        cycle = None
        if band_count > 1 and long_enough_for_cycle(dates):
            cycle = write_annual_cycle(lst_path, dates, grid, os.path.join(workdir, 'cycle.tif'), memory_mb,
                                       progress.sub(0.1, 0.2))
            method = 'annual cycle of each pixel plus the day\'s interpolated anomaly'
        else:
            method = 'terrain/NDVI model of LST plus the interpolated residual'
        log('Filling LST gaps with the {}.'.format(method))
        metadata, band_metadata, descriptions = (stack_metadata(dates) if dates else ({}, None, None))
        n_filled = n_left = 0
        # The filled LST and its mask appear together or not at all.
        with OutputCommit() as outputs, RasterWriter(output_path, grid, band_count, descriptions=descriptions,
                                                     metadata=metadata, band_metadata=band_metadata,
                                                     options=GTIFF_OPTIONS, outputs=outputs) as writer:
            mask_writer = RasterWriter(mask_path, grid, band_count, data_type=1, nodata=255,
                                       descriptions=descriptions, options=GTIFF_OPTIONS,
                                       outputs=outputs) if mask_path else None
            try:
                for band in range(1, band_count + 1):
                    band_progress = progress.sub(0.2 + 0.8 * (band - 1) / band_count, 0.2 + 0.8 * band / band_count)
                    source = RasterSource(lst_path, band, lst_crs_wkt, 'LST')
                    # The terrain is shared by every band: closed once, below.
                    scene = FineScene(grid, source, ndvi_source, terrain if band_count == 1 else None, None, memory_mb,
                                      progress=band_progress, owns_terrain=False)
                    filler = (TemporalLstFiller(grid, cycle, dates[band - 1]) if cycle
                              else SpatialLstFiller(grid))
                    try:
                        scene.set_filler(filler.prepare(scene.raw_blocks))
                        for block in scene.blocks(band_progress):
                            window = block.window
                            shape = (window.ysize, window.xsize)
                            writer.write(window, block.lst.reshape(shape).astype(np.float32), band=band)
                            n_filled += int(block.filled.sum())
                            n_left += int(np.isnan(block.lst).sum())
                            if mask_writer is not None:
                                mask = np.where(np.isnan(block.lst), 255, block.filled.astype(np.uint8))
                                mask_writer.write(window, mask.reshape(shape).astype(np.uint8), band=band)
                    finally:
                        scene.close()
                        if hasattr(filler, 'close'):
                            filler.close()
                if mask_writer is not None:
                    mask_writer.commit()
                writer.commit()
                outputs.commit()
            finally:
                if mask_writer is not None and not mask_writer.committed:
                    mask_writer.abort()
        log('{} pixels filled; {} remain without a value (no clear day there, or no terrain data).'.format(
            n_filled, n_left))
        return LstFillResult(output_path, mask_path, n_filled, n_left, method, messages)
    finally:
        if terrain is not None:
            terrain.close()
        shutil.rmtree(workdir, ignore_errors=True)
