"""The final pass: the output raster, the diagnostics raster and their metadata.

θ = clip(θ0 + δ_c) is written block by block; the diagnostics raster holds, per pixel,
the local model of its cell (window, predictors, fit, coefficients in SI units) and
quality bit flags (METHOD.md §7).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Mapping, Optional, Union

import numpy as np

from .. import linking
from ..lst_correction import MODES as TERRAIN_MODES
from ..raster_io import RasterWriter
from ..residual import zonal_sums
from .consistency import stored_blocks

if TYPE_CHECKING:
    from ..lst_correction import TerrainCorrection
    from ..progress import Progress, StageTimer
    from ..raster_io import Window
    from ..residual import BoundedConsistency
    from .gaps import CoarseTargets
    from .methods import CoarseModel
    from .options import DownscaleOptions, Method
    from .scene import FineScene, PixelStore

#: Quality bits of the diagnostics raster.
QUALITY_LST_FILLED, QUALITY_COARSE_FILLED, QUALITY_GLOBAL_FALLBACK = 1, 2, 4
QUALITY_CLIPPED, QUALITY_OUTSIDE_COARSE = 8, 16
#: The slope (hence cos i and LST*) came from a partial 3×3 DEM window: one-sided, next to DEM nodata.
QUALITY_PARTIAL_TERRAIN = 32
#: Bands of the diagnostics raster, in order (coefficients in SI units: K, m).
DIAGNOSTIC_BANDS = ('half_window', 'predictor_set', 'n_samples', 'r_squared', 'coef_const', 'coef_lst_K',
                    'coef_ndvi', 'coef_elevation_m', 'coef_lst2', 'coef_ndvi2', 'coef_lst_ndvi', 'fallback',
                    'quality', 'terrain_mode', 'expected_error')
#: Bands appended by issue 10: the terrain mode of the LST* (index into core.lst_correction.MODES) and
#: the self-adaptive selection's expected fine-scale error of the chosen configuration in the cell (m³/m³).
SELECTION_BANDS = ('terrain_mode', 'expected_error')
_QUALITY_BAND = DIAGNOSTIC_BANDS.index('quality')
#: A value on a bound up to rounding (e.g. DISPATCH's SEE = 0) is not "clipped".
_CLIP_FLAG_TOLERANCE = 1e-9


@dataclass
class WrittenOutput:
    """What the final pass wrote: per coarse cell (flat) the sum of the written values; pixel counts."""
    final_sum: np.ndarray
    n_output_pixels: int
    n_clipped_pixels: int


def output_metadata(method: Method, options: DownscaleOptions, correction: TerrainCorrection
                    ) -> Dict[str, Union[str, int, float]]:
    """Metadata items of the output and diagnostics rasters."""
    metadata = {
        'METHOD': method.title, 'METHOD_INDEX': int(method), 'MODEL': options.model,
        'HALF_WINDOWS': '{}..{}'.format(options.min_half_window, options.max_half_window),
        'MIN_VALID_FRACTION': options.min_valid_fraction,
        'SM_RANGE': '{}..{}'.format(options.sm_min, options.sm_max), 'RESIDUAL_SPREAD': options.residual,
        'SELECTION': options.selection,
        'UNITS': 'm3/m3', 'SOFTWARE': 'QGIS plugin Soil Moisture Downscaling',
    }
    if correction.mode != 'none':
        metadata.update(terrain_metadata(correction))
    if options.sun.acquisition_date is not None:
        metadata['ACQUISITION_DATE'] = options.sun.acquisition_date.isoformat()
    return metadata


def terrain_metadata(correction: TerrainCorrection) -> Dict[str, str]:
    """Metadata items that record a fitted terrain correction."""
    return {'TERRAIN_CORRECTION': correction.mode,
            'LAPSE_RATE_K_PER_KM': '{:.4f}'.format(correction.lapse_rate_k_per_km),
            'ILLUMINATION_COEFFICIENT_K': '{:.4f}'.format(correction.illumination_k)}


def write_outputs(scene: FineScene, store: PixelStore, consistency: BoundedConsistency, shifted: bool,
                  targets: CoarseTargets, model: CoarseModel, metadata: Mapping[str, object], output_path: str,
                  diagnostics_path: Optional[str], progress: Progress, timer: StageTimer,
                  partial_terrain: Optional[Callable[[Window], np.ndarray]] = None) -> WrittenOutput:
    """Write θ = clip(θ0 + δ_c) (``shifted``: whether the cells have shifts) and the diagnostics of the
    coarse model (methods.CoarseModel).

    partial_terrain: window → bool array of the pixels whose illumination came from a partial DEM
    window (quality bit 32), or None when the run used no illumination."""
    n_cells = targets.values.size
    lower, upper = consistency.lower, consistency.upper
    final_sum = np.zeros(n_cells)
    n_clipped = n_output = 0
    cell_fields = _cell_fields(model, n_cells) if diagnostics_path else None
    diagnostics = None

    def block_final(block, values, zone):
        shifted_values = values
        if shifted:
            shifted_values = values + np.where(zone >= 0, consistency.delta[np.maximum(zone, 0)], 0.0)
        final = np.clip(shifted_values, lower, upper)
        clipped = np.isfinite(shifted_values) & ((shifted_values < lower - _CLIP_FLAG_TOLERANCE)
                                                 | (shifted_values > upper + _CLIP_FLAG_TOLERANCE))
        return block, final, clipped, zonal_sums(zone, final, n_cells, counts=False)[0]

    with timer('write'):
        with RasterWriter(output_path, scene.grid, 1, descriptions=['soil_moisture_m3_m3'],
                          metadata=metadata) as writer:
            if diagnostics_path:
                diagnostics = RasterWriter(diagnostics_path, scene.grid, len(DIAGNOSTIC_BANDS),
                                           descriptions=list(DIAGNOSTIC_BANDS), metadata=metadata)
            try:
                # Diagnostics flag filled pixels: then the inputs (and the filler) are read again.
                with_inputs = diagnostics is not None and scene.filler is not None
                for block, final, clipped, sums in stored_blocks(scene, store, block_final, progress, with_inputs):
                    n_clipped += int(clipped.sum())
                    n_output += int(np.isfinite(final).sum())
                    final_sum += sums
                    # GDAL datasets are not shared between threads: the caller's thread writes.
                    writer.write(block.window, final.reshape(block.shape).astype(np.float32))
                    if diagnostics is not None:
                        partial = partial_terrain(block.window).ravel() if partial_terrain is not None else None
                        _write_diagnostics(diagnostics, block, cell_fields, final, clipped, targets, partial)
                if diagnostics is not None:
                    diagnostics.commit()
                writer.commit()
            finally:
                if diagnostics is not None and not diagnostics.committed:
                    diagnostics.abort()
    return WrittenOutput(final_sum, n_output, n_clipped)


def _cell_fields(model, n_cells):
    """Per-cell diagnostic values (n_cells, bands); the quality band is left NaN (per pixel)."""
    fields = np.full((n_cells, len(DIAGNOSTIC_BANDS)), np.nan)
    fields[:, DIAGNOSTIC_BANDS.index('terrain_mode')] = TERRAIN_MODES.index(model.terrain_mode)
    if model.selection is not None:
        with np.errstate(invalid='ignore'):
            fields[:, DIAGNOSTIC_BANDS.index('expected_error')] = np.sqrt(model.selection.chosen_score.cells.ravel())
    fit = model.fit
    if fit is None:
        return fields
    fields[:, 0] = fit.half_window.ravel()
    fields[:, 1] = fit.predictor_set.ravel()
    fields[:, 2] = fit.n.ravel()
    fields[:, 3] = fit.r_squared.ravel()
    fields[:, 4:11] = linking.physical_coefficients(fit.beta, fit.standardizer).reshape(n_cells, -1)
    fields[:, 11] = fit.fallback.ravel()
    return fields


def _write_diagnostics(writer, block, cell_fields, final, clipped, targets, partial_terrain=None):
    window = block.window
    zone = block.zone
    inside = zone >= 0
    cell = np.maximum(zone, 0)
    quality = np.zeros(zone.shape)
    quality[~(inside & np.isfinite(targets.values[cell]))] = QUALITY_OUTSIDE_COARSE
    written = np.isfinite(final)
    if block.filled is not None:
        quality[block.filled & written] += QUALITY_LST_FILLED
    quality[inside & targets.filled[cell] & written] += QUALITY_COARSE_FILLED
    fallback = np.where(inside, cell_fields[cell, DIAGNOSTIC_BANDS.index('fallback')], np.nan)
    quality[np.isin(fallback, (linking.FALLBACK_GLOBAL, linking.FALLBACK_COARSE_VALUE)) & np.isfinite(final)] += \
        QUALITY_GLOBAL_FALLBACK
    quality[clipped] += QUALITY_CLIPPED
    if partial_terrain is not None:
        quality[partial_terrain & written] += QUALITY_PARTIAL_TERRAIN
    for band in range(cell_fields.shape[1]):
        values = quality if band == _QUALITY_BAND else np.where(inside, cell_fields[cell, band], np.nan)
        writer.write(window, values.reshape(block.shape).astype(np.float32), band=band + 1)
