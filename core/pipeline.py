"""Former home of the downscaling run, now the package ``core.downscaling``: a thin re-export
for code written against the old names (new code imports from core.downscaling)."""
from .downscaling import (CONSISTENT_METHODS, DIAGNOSTIC_BANDS, MODELS, QUALITY_CLIPPED, QUALITY_COARSE_FILLED,  # noqa: F401
                          QUALITY_GLOBAL_FALLBACK, QUALITY_LST_FILLED, QUALITY_OUTSIDE_COARSE, DownscaleInputs,
                          DownscaleOptions, DownscaleResult, FineScene, LstCorrectionResult, Method,
                          correct_lst_raster, downscale)
from .errors import InputError  # noqa: F401

METHODS = tuple(method.title for method in Method)
(TERRAIN_AWARE, BILINEAR, GLOBAL_LINEAR, UNIVERSAL_TRIANGLE, DISPATCH, ADAPTIVE_NO_TERRAIN) = tuple(Method)
