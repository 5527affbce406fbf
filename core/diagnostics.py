"""Reading the diagnostics raster back: what the bands of one pixel mean (for the inspector)."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from .linking import FALLBACK_NAMES, FALLBACK_SCENE_WIDE, PREDICTOR_SETS
from .lst_correction import MODES as TERRAIN_MODES
from .downscaling.outputs import (DIAGNOSTIC_BANDS, QUALITY_CLIPPED, QUALITY_COARSE_FILLED, QUALITY_GLOBAL_FALLBACK,
                                  QUALITY_LST_FILLED, QUALITY_OUTSIDE_COARSE, QUALITY_PARTIAL_TERRAIN)

QUALITY_FLAGS = ((QUALITY_LST_FILLED, 'LST or NDVI gap filled'), (QUALITY_COARSE_FILLED, 'coarse value estimated'),
                 (QUALITY_GLOBAL_FALLBACK, 'global fallback model'), (QUALITY_CLIPPED, 'value clipped to the bounds'),
                 (QUALITY_OUTSIDE_COARSE, 'outside the coarse product'),
                 (QUALITY_PARTIAL_TERRAIN, 'terrain from a partial window'))


def decode_quality(bits: float) -> List[str]:
    """Names of the quality flags set in ``bits`` (METHOD.md §7)."""
    value = int(bits)
    return [name for flag, name in QUALITY_FLAGS if value & flag]


def describe_pixel(values: Sequence[Optional[float]], terrain_corrected: bool = True) -> List[Tuple[str, str]]:
    """(label, text) rows for the diagnostics band values of one pixel (NaN/None = no data).

    The model's temperature is LST* (terrain-corrected) unless the run had no terrain correction.
    """
    def ok(v):
        return v is not None and v == v
    bands = dict(zip(DIAGNOSTIC_BANDS, values))
    rows = []
    if ok(bands.get('fallback')):
        rows.append(('Model', FALLBACK_NAMES[int(bands['fallback'])]))
    if ok(bands.get('half_window')) and bands['half_window'] > 0:
        h = int(bands['half_window'])
        rows.append(('Window', 'h = {0} ({1}×{1} coarse cells)'.format(h, 2 * h + 1)))
    elif ok(bands.get('fallback')) and int(bands['fallback']) == FALLBACK_SCENE_WIDE:
        rows.append(('Window', 'the whole scene (one model)'))
    if ok(bands.get('terrain_mode')):
        rows.append(('Terrain correction of LST', TERRAIN_MODES[int(bands['terrain_mode'])]))
    if ok(bands.get('predictor_set')) and bands['predictor_set'] >= 0:
        rows.append(('Predictors', PREDICTOR_SETS[int(bands['predictor_set'])]))
    if ok(bands.get('n_samples')):
        rows.append(('Coarse cells in the fit', '{:.0f}'.format(bands['n_samples'])))
    if ok(bands.get('r_squared')):
        rows.append(('R² of the fit', '{:.3f}'.format(bands['r_squared'])))
    lst = 'LST*' if terrain_corrected else 'LST'
    terms = (('coef_const', 'θ ='), ('coef_lst_K', '· ' + lst), ('coef_ndvi', '· NDVI'), ('coef_elevation_m', '· z'),
             ('coef_lst2', '· {}²'.format(lst)), ('coef_ndvi2', '· NDVI²'), ('coef_lst_ndvi', '· {}·NDVI'.format(lst)))
    parts = []
    for band, label in terms:
        value = bands.get(band)
        if ok(value) and (band == 'coef_const' or value != 0):
            parts.append('{:+.4g} {}'.format(value, label) if band != 'coef_const'
                         else '{} {:.4g}'.format(label, value))
    if parts:
        rows.append(('Local model', ' '.join(parts)))
    if ok(bands.get('expected_error')):
        rows.append(('Expected error (self-adaptive choice)', '{:.4f} m³/m³ in this cell: left-out error after the '
                     'residual step plus pixel noise'.format(bands['expected_error'])))
    if ok(bands.get('quality')):
        flags = decode_quality(bands['quality'])
        rows.append(('Quality', ', '.join(flags) if flags else 'observed, no flag'))
    return rows
