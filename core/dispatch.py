"""DISPATCH (Merlin et al. 2012, 2013) as a comparison method (METHOD.md §8).

fv = (NDVI − 0.15)/(0.90 − 0.15); soil temperature from the LST–fv trapezoid,
Ts = (LST − fv·Tv)/(1 − fv); soil evaporative efficiency
SEE = (Ts_max − Ts)/(Ts_max − Ts_min); θ_f = θ_c + (∂θ/∂SEE)(SEE_f − ⟨SEE⟩_c)
with ∂θ/∂SEE = θ_c/⟨SEE⟩_c, i.e. θ_f = θ_c·SEE_f/⟨SEE⟩_c.
"""
from dataclasses import dataclass

import numpy as np

NDVI_BARE_SOIL = 0.15
NDVI_FULL_COVER = 0.90
#: fv is capped below 1 so that Ts stays finite under dense canopy.
MAX_COVER = 0.9
#: Cells whose mean SEE is below this carry no usable SEE signal: θ_f = θ_c there.
MIN_MEAN_SEE = 0.01


def fractional_cover(ndvi):
    """Fractional vegetation cover (0..1) from NDVI."""
    return np.clip((np.asarray(ndvi, dtype=float) - NDVI_BARE_SOIL) / (NDVI_FULL_COVER - NDVI_BARE_SOIL), 0.0, 1.0)


@dataclass(frozen=True)
class Trapezoid:
    """Vertices of the LST–fv trapezoid (K): bare soil dry/wet, full cover hot/cold."""
    soil_max: float
    soil_min: float
    vegetation_max: float
    vegetation_min: float

    @property
    def vegetation_temperature(self):
        return 0.5 * (self.vegetation_max + self.vegetation_min)

    def __str__(self):
        # Shown in the run's log: the vertices in kelvin, not the dataclass.
        return ('bare soil {:.1f} K (dry) to {:.1f} K (wet), full cover {:.1f} K to {:.1f} K'.format(
            self.soil_max, self.soil_min, self.vegetation_max, self.vegetation_min))


def fit_trapezoid(cover, lst, bins=10, min_per_bin=20):
    """Dry and wet edges as lines through the 99th/1st LST percentiles of fv bins (K)."""
    cover = np.asarray(cover, dtype=float)
    lst = np.asarray(lst, dtype=float)
    keep = np.isfinite(cover) & np.isfinite(lst)
    cover, lst = cover[keep], lst[keep]
    edges = np.linspace(0.0, 1.0, bins + 1)
    centres, dry, wet = [], [], []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (cover >= low) & (cover <= high)
        if inside.sum() >= min_per_bin:
            centres.append(0.5 * (low + high))
            dry.append(np.percentile(lst[inside], 99))
            wet.append(np.percentile(lst[inside], 1))
    if len(centres) >= 2:
        dry_fit = np.polyfit(centres, dry, 1)
        wet_fit = np.polyfit(centres, wet, 1)
        soil_max, veg_max = np.polyval(dry_fit, 0.0), np.polyval(dry_fit, 1.0)
        soil_min, veg_min = np.polyval(wet_fit, 0.0), np.polyval(wet_fit, 1.0)
    else:
        soil_max, soil_min = np.percentile(lst, 99), np.percentile(lst, 1)
        veg_max = veg_min = soil_min
    if soil_max - soil_min < 1.0:
        soil_max = soil_min + 1.0
    return Trapezoid(float(soil_max), float(soil_min), float(veg_max), float(veg_min))


def soil_evaporative_efficiency(lst, ndvi, trapezoid):
    """SEE (0..1) of each pixel from its LST (K) and NDVI."""
    cover = np.minimum(fractional_cover(ndvi), MAX_COVER)
    soil_temperature = (np.asarray(lst, dtype=float) - cover * trapezoid.vegetation_temperature) / (1.0 - cover)
    see = (trapezoid.soil_max - soil_temperature) / (trapezoid.soil_max - trapezoid.soil_min)
    return np.clip(see, 0.0, 1.0)
