"""DISPATCH (Merlin et al. 2008, 2012, 2013) as a comparison method (METHOD.md §8).

Fractional cover fv = (NDVI − 0.15)/(0.90 − 0.15) (clipped to 0..1). The LST–fv trapezoid has
the vertices Ts,max and Ts,min (bare soil, dry and wet) and Tv,max and Tv,min (full cover,
stressed and unstressed). The soil temperature is partitioned from LST = fv·Tv + (1 − fv)·Ts
with the vegetation temperature of the "hourglass" (Merlin et al. 2012, after Moran et al.
1994): the diagonals of the trapezoid cut it into four zones;
    A (left, mostly soil):  Tv = (Tv,min + Tv,max)/2
    B (top, dry):           Tv = (Tv,B + Tv,max)/2, Tv,B the Tv that makes Ts = Ts,max
    C (bottom, wet):        Tv = (Tv,C + Tv,min)/2, Tv,C the Tv that makes Ts = Ts,min
    D (right, mostly vegetation): the soil temperature cannot be separated.
Soil evaporative efficiency SEE = (Ts,max − Ts)/(Ts,max − Ts,min), clipped to 0..1. In zone D
and where fv > MAX_SOIL_COVER, the position between the dry and the wet edge at the pixel's
fv (the temperature–vegetation dryness index) stands in for SEE, as in the vegetation-extended
DISPATCH of Ojha et al. (2021).

Downscaling: θ_f = θ_c + (∂θ/∂SEE)·(SEE_f − ⟨SEE⟩_c), the first-order Taylor expansion around
the cell mean, with ∂θ/∂SEE from a SEE model at the coarse scale:
    linear     SEE = θ/θp                     → θp = θ_c/⟨SEE⟩_c,            ∂θ/∂SEE = θp
    nonlinear  SEE = (1 − cos(π·θ/θp))/2      → θp = π·θ_c/arccos(1 − 2⟨SEE⟩_c),
                                                 ∂θ/∂SEE = θp/(π·√(⟨SEE⟩_c(1 − ⟨SEE⟩_c)))
(the linear model of Merlin et al. 2008, the nonlinear one of Merlin et al. 2012, 2013).
Limits: θp, a soil parameter, is at most the porosity bound SM_MAX (without it a cell whose
mean SEE is near 0 would multiply the fine SEE anomalies by up to θ_c/0.01), and the
nonlinear model's ⟨SEE⟩_c is kept within [MEAN_SEE_LIMIT, 1 − MEAN_SEE_LIMIT], where its
derivative is finite.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

NDVI_BARE_SOIL = 0.15
NDVI_FULL_COVER = 0.90
#: Above this cover the soil is not seen: SEE is the position between the trapezoid's edges.
MAX_SOIL_COVER = 0.9
#: The nonlinear SEE model's ⟨SEE⟩_c is kept within [limit, 1 − limit] (its derivative is infinite at 0 and 1).
MEAN_SEE_LIMIT = 0.05
#: The SEE(θ) models of the Taylor term.
SEE_MODELS = ('linear', 'nonlinear')


def fractional_cover(ndvi: np.ndarray) -> np.ndarray:
    """Fractional vegetation cover (0..1) from NDVI."""
    return np.clip((np.asarray(ndvi, dtype=float) - NDVI_BARE_SOIL) / (NDVI_FULL_COVER - NDVI_BARE_SOIL), 0.0, 1.0)


@dataclass(frozen=True)
class Trapezoid:
    """Vertices of the LST–fv trapezoid (K): bare soil dry/wet, full cover hot/cold."""
    soil_max: float
    soil_min: float
    vegetation_max: float
    vegetation_min: float

    def dry_edge(self, cover: np.ndarray) -> np.ndarray:
        """LST of the dry edge at fractional cover ``cover`` (K)."""
        return self.soil_max + cover * (self.vegetation_max - self.soil_max)

    def wet_edge(self, cover: np.ndarray) -> np.ndarray:
        """LST of the wet edge at fractional cover ``cover`` (K)."""
        return self.soil_min + cover * (self.vegetation_min - self.soil_min)

    def __str__(self):
        # Shown in the run's log: the vertices in kelvin, not the dataclass.
        return ('bare soil {:.1f} K (dry) to {:.1f} K (wet), full cover {:.1f} K to {:.1f} K'.format(
            self.soil_max, self.soil_min, self.vegetation_max, self.vegetation_min))


def fit_trapezoid(cover: np.ndarray, lst: np.ndarray, bins: int = 10, min_per_bin: int = 20) -> Trapezoid:
    """Dry and wet edges as lines through the 99th/1st LST percentiles of fv bins (K): the edges
    through the extremes of the LST–fv space, made robust to single noisy pixels."""
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
    # Full cover: the stressed canopy is not colder than the unstressed one.
    veg_max = max(veg_max, veg_min)
    return Trapezoid(float(soil_max), float(soil_min), float(veg_max), float(veg_min))


def hourglass_zones(cover: np.ndarray, lst: np.ndarray, trapezoid: Trapezoid) -> np.ndarray:
    """Zone of each pixel in the trapezoid (0 = A, 1 = B, 2 = C, 3 = D), from its two diagonals."""
    hot_to_cool = trapezoid.soil_max + cover * (trapezoid.vegetation_min - trapezoid.soil_max)
    cool_to_hot = trapezoid.soil_min + cover * (trapezoid.vegetation_max - trapezoid.soil_min)
    zone = np.full(np.shape(lst), 3, dtype=np.int8)
    zone[(lst > cool_to_hot) & (lst < hot_to_cool)] = 0
    zone[(lst >= hot_to_cool) & (lst >= cool_to_hot)] = 1
    zone[(lst <= hot_to_cool) & (lst <= cool_to_hot)] = 2
    return zone


def soil_evaporative_efficiency(lst: np.ndarray, ndvi: np.ndarray, trapezoid: Trapezoid) -> np.ndarray:
    """SEE (0..1) of each pixel from its LST (K; the terrain-corrected LST* where there is one) and NDVI."""
    lst = np.asarray(lst, dtype=float)
    cover = fractional_cover(ndvi)
    zone = hourglass_zones(cover, lst, trapezoid)
    middle = 0.5 * (trapezoid.vegetation_max + trapezoid.vegetation_min)
    with np.errstate(invalid='ignore', divide='ignore'):
        # The Tv that puts the soil at the dry (B) or wet (C) bare-soil vertex, averaged with the
        # matching full-cover vertex; at fv = 0 Tv does not matter.
        at_dry = (lst - (1.0 - cover) * trapezoid.soil_max) / cover
        at_wet = (lst - (1.0 - cover) * trapezoid.soil_min) / cover
        vegetation = np.select([zone == 1, zone == 2], [0.5 * (at_dry + trapezoid.vegetation_max),
                                                        0.5 * (at_wet + trapezoid.vegetation_min)], middle)
        vegetation = np.where(cover > 0, vegetation, middle)
        soil = (lst - cover * vegetation) / (1.0 - cover)
        see = (trapezoid.soil_max - soil) / (trapezoid.soil_max - trapezoid.soil_min)
        dry, wet = trapezoid.dry_edge(cover), trapezoid.wet_edge(cover)
        dryness_position = np.where(dry > wet, (dry - lst) / (dry - wet), 0.5)
    canopy = (zone == 3) | (cover > MAX_SOIL_COVER)
    see = np.where(canopy, dryness_position, see)
    return np.clip(see, 0.0, 1.0)


def moisture_slope(theta: Union[float, np.ndarray], mean_see: Union[float, np.ndarray], model: str = 'linear',
                   theta_max: float = 0.6) -> Union[float, np.ndarray]:
    """∂θ/∂SEE (m³/m³ per unit SEE) of cells with coarse soil moisture ``theta`` (m³/m³) and mean
    SEE ``mean_see``, from the SEE model ('linear' or 'nonlinear'), with θp ≤ ``theta_max``."""
    theta = np.asarray(theta, dtype=float)
    mean_see = np.asarray(mean_see, dtype=float)
    with np.errstate(invalid='ignore', divide='ignore'):
        if model == 'linear':
            return np.minimum(np.where(mean_see > 0, theta / mean_see, np.inf), theta_max)
        if model != 'nonlinear':
            raise ValueError(model)
        see = np.clip(mean_see, MEAN_SEE_LIMIT, 1.0 - MEAN_SEE_LIMIT)
        parameter = np.minimum(np.pi * theta / np.arccos(1.0 - 2.0 * see), theta_max)
        return parameter / (np.pi * np.sqrt(see * (1.0 - see)))
