"""The land products the LST / vegetation index import reads: one table for MODIS and VIIRS.

Each product names its fields (value, quality, view time), its period and its
quality rule; each layer read from a file carries its :class:`Scaling` (scale,
offset, fill values, valid range of the stored numbers). The MODIS numbers are
the documented constants below; VIIRS files give theirs in the dataset
attributes (read in core/viirs.py); exports have theirs decided from the values
(core/exports.py). The pure functions here turn stored numbers into physical
values with the quality rule applied; no file is read. No QGIS import.

Documented conventions (MOD11 C6.1 user guide, Wan 2013/2019; MOD13 C6.1 user
guide, Didan 2015/2019; VNP21 user guide, Hulley et al. 2017/2023; VNP13 user
guide, Didan et al. 2018/2023):

* LST ``LST_Day_1km`` (MODIS) / ``LST_1KM`` (VIIRS): uint16, LST [K] = DN × 0.02,
  fill 0, valid DN 7500–65535.
* LST quality ``QC_Day`` (uint8) / ``QC`` (uint16): bits 0–1 "mandatory QA":
  0 good quality, 1 other (MODIS) or unreliable (VIIRS) quality, 2 cloud, 3 not produced.
* View time ``Day_view_time`` / ``View_Time``: uint8, local solar time [h] = DN × 0.1, fill 255, valid 0–240.
* NDVI / EVI: int16, VI = DN / 10000 (the attribute ``scale_factor = 10000``
  means "divide by"), fill -3000 (MODIS) / -15000 (VIIRS), valid DN -2000 (MODIS)
  or -10000 (VIIRS) to 10000.
* Pixel reliability: MODIS -1 fill, 0 good, 1 marginal, 2 snow/ice, 3 cloudy;
  VIIRS 0 excellent, 1 good, 2 acceptable, 3 marginal, 4 pass, 5 questionable,
  6 poor, 7 cloud shadow, 8 snow/ice, 9 cloud, 10 estimated, 11 long-term average, 255 fill.
"""
from __future__ import annotations

import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from .errors import InputError
from .raster_io import GridSpec

# -- documented scaling and quality conventions ------------------------------------------------
#: LST [K] = DN × LST_SCALE_K.
LST_SCALE_K = 0.02
LST_FILL_DN = 0
LST_VALID_DN = (7500, 65535)
#: Mandatory QA (bits 0-1 of QC_Day / QC).
LST_QA_GOOD = 0
LST_QA_OTHER = 1
#: Local solar time [h] = DN × VIEW_TIME_SCALE_H.
VIEW_TIME_SCALE_H = 0.1
VIEW_TIME_FILL_DN = 255
VIEW_TIME_VALID_DN = (0, 240)
#: NDVI/EVI = DN × VI_SCALE (i.e. DN / 10000).
VI_SCALE = 0.0001
VI_FILL_DN = -3000
VI_VALID_DN = (-2000, 10000)
VIIRS_VI_FILL_DN = -15000
VIIRS_VI_VALID_DN = (-10000, 10000)
#: Pixel reliability ranks of MOD13.
RELIABILITY_GOOD = 0
RELIABILITY_MARGINAL = 1

#: Quality levels of the import: index of the QUALITY enum of the algorithm.
QUALITY_GOOD = 0
QUALITY_GOOD_AND_OTHER = 1
#: Exports only: no quality layer is needed, every valid value is kept.
QUALITY_NONE = 2

#: Variable choices: index of the PRODUCT_VARIABLE enum of the algorithm.
VARIABLE_CHOICES = ('auto', 'LST', 'NDVI', 'EVI')


@dataclass(frozen=True)
class Scaling:
    """How stored numbers become physical values: value = stored × scale + offset.

    ``fills`` are stored numbers meaning "no data"; ``valid`` (low, high) bounds
    the stored numbers kept (None: no bound).
    """
    scale: float = 1.0
    offset: float = 0.0
    fills: tuple = ()
    valid: Optional[tuple] = None

    def apply(self, stored: np.ndarray, keep: Optional[np.ndarray] = None) -> np.ndarray:
        """Physical values (float64, NaN = nodata) of stored numbers; ``keep`` masks further."""
        stored = np.asarray(stored).astype(np.float64)
        ok = np.isfinite(stored)
        for fill in self.fills:
            ok &= stored != fill
        if self.valid is not None:
            ok &= (stored >= self.valid[0]) & (stored <= self.valid[1])
        if keep is not None:
            ok &= keep
        return np.where(ok, stored * self.scale + self.offset, np.nan)

    def describe(self) -> str:
        parts = ['× {:g}'.format(self.scale)] if self.scale != 1.0 else []
        if self.offset:
            parts.append('{:+g}'.format(self.offset))
        return ' '.join(parts) or 'as stored'


#: The documented scalings of the stored numbers.
LST_DN = Scaling(LST_SCALE_K, 0.0, (LST_FILL_DN,), LST_VALID_DN)
VIEW_TIME_DN = Scaling(VIEW_TIME_SCALE_H, 0.0, (VIEW_TIME_FILL_DN,), VIEW_TIME_VALID_DN)
VI_DN = Scaling(VI_SCALE, 0.0, (VI_FILL_DN,), VI_VALID_DN)
VIIRS_VI_DN = Scaling(VI_SCALE, 0.0, (VIIRS_VI_FILL_DN,), VIIRS_VI_VALID_DN)


@dataclass(frozen=True)
class LandProduct:
    """One MODIS or VIIRS product: its family, fields, quality rule and compositing period.

    ``reliability_good`` / ``reliability_marginal`` are the pixel reliability
    ranks kept at the two quality levels (vegetation index products).
    """
    short_name: str
    family: str               # 'LST' or 'VI'
    sensor: str               # 'MODIS' or 'VIIRS'
    description: str
    variables: tuple          # ((variable, field name), ...); the first is the default
    quality_field: str
    view_time_field: Optional[str]
    period: str               # 'daily', '8-day', '16-day', 'monthly'
    doi: str
    scalings: tuple = ()      # ((field name, documented Scaling), ...)
    reliability_good: tuple = (RELIABILITY_GOOD,)
    reliability_marginal: tuple = (RELIABILITY_MARGINAL,)

    def field_for(self, variable: Optional[str]) -> Optional[str]:
        return dict(self.variables).get(variable)

    def documented_scaling(self, field_name: str) -> Optional[Scaling]:
        return dict(self.scalings).get(field_name)

    @property
    def default_variable(self) -> str:
        return self.variables[0][0]

    @property
    def container(self) -> str:
        """The file format of the product as distributed: HDF4-EOS (MODIS) or HDF-EOS5 (VIIRS)."""
        return 'HDF4' if self.sensor == 'MODIS' else 'HDF5'


# Kept for existing callers: the MODIS product class is the shared one.
ModisProduct = LandProduct


def _modis_lst(name, satellite, period, doi_name):
    return LandProduct(name, 'LST', 'MODIS', 'MODIS/{} land surface temperature, {} 1 km'.format(satellite, period),
                       (('LST', 'LST_Day_1km'),), 'QC_Day', 'Day_view_time', period,
                       '10.5067/MODIS/{}.061'.format(doi_name),
                       (('LST_Day_1km', LST_DN), ('Day_view_time', VIEW_TIME_DN)))


def _modis_vi(name, satellite, period, prefix):
    return LandProduct(name, 'VI', 'MODIS', 'MODIS/{} vegetation indices, {} ({})'.format(satellite, period, prefix),
                       (('NDVI', prefix + ' NDVI'), ('EVI', prefix + ' EVI')), prefix + ' pixel reliability', None,
                       period, '10.5067/MODIS/{}.061'.format(name),
                       ((prefix + ' NDVI', VI_DN), (prefix + ' EVI', VI_DN)))


def _viirs_lst(name, satellite):
    return LandProduct(name, 'LST', 'VIIRS', 'VIIRS/{} land surface temperature, daily 1 km'.format(satellite),
                       (('LST', 'LST_1KM'),), 'QC', 'View_Time', 'daily', '10.5067/VIIRS/{}.002'.format(name),
                       (('LST_1KM', LST_DN), ('View_Time', VIEW_TIME_DN)))


def _viirs_vi(name, satellite):
    prefix = '500 m 16 days'
    # VNP13 ranks: 0 excellent, 1 good, 2 acceptable are "good"; 3 marginal is "marginal"; 4-11 never.
    return LandProduct(name, 'VI', 'VIIRS', 'VIIRS/{} vegetation indices, 16-day 500 m'.format(satellite),
                       (('NDVI', prefix + ' NDVI'), ('EVI', prefix + ' EVI')), prefix + ' pixel reliability', None,
                       '16-day', '10.5067/VIIRS/{}.002'.format(name),
                       ((prefix + ' NDVI', VIIRS_VI_DN), (prefix + ' EVI', VIIRS_VI_DN)), (0, 1, 2), (3,))


#: Supported products by short name (the file-name prefix and the ShortName metadata item).
PRODUCTS = OrderedDict((p.short_name, p) for p in (
    _modis_lst('MOD11A1', 'Terra', 'daily', 'MOD11A1'),
    _modis_lst('MYD11A1', 'Aqua', 'daily', 'MYD11A1'),
    _modis_lst('MOD11A2', 'Terra', '8-day', 'MOD11A2'),
    _modis_lst('MYD11A2', 'Aqua', '8-day', 'MYD11A2'),
    _modis_vi('MOD13A2', 'Terra', '16-day', '1 km 16 days'),
    _modis_vi('MYD13A2', 'Aqua', '16-day', '1 km 16 days'),
    _modis_vi('MOD13A3', 'Terra', 'monthly', '1 km monthly'),
    _modis_vi('MYD13A3', 'Aqua', 'monthly', '1 km monthly'),
    _modis_vi('MOD13Q1', 'Terra', '16-day', '250m 16 days'),
    _modis_vi('MYD13Q1', 'Aqua', '16-day', '250m 16 days'),
    _viirs_lst('VNP21A1D', 'Suomi NPP'),
    _viirs_lst('VJ121A1D', 'NOAA-20'),
    _viirs_lst('VJ221A1D', 'NOAA-21'),
    _viirs_vi('VNP13A1', 'Suomi NPP'),
    _viirs_vi('VJ113A1', 'NOAA-20'),
    _viirs_vi('VJ213A1', 'NOAA-21'),
))

#: MOD11A1.A2021227.h11v05.061.2021228105320.hdf, VNP21A1D.A2021227.h09v05.002.2021228101010.h5
#: → product, year, day of year, tile, collection.
PRODUCT_NAME = re.compile(r'^(?P<product>(?:M[OY]D|VNP|VJ[12])\d\d[A-Z]\d[DN]?)\.A(?P<year>\d{4})(?P<doy>\d{3})\.'
                          r'(?P<tile>h\d\dv\d\d)\.(?P<collection>\d{3})\.', re.IGNORECASE)
MODIS_NAME = PRODUCT_NAME

EXAMPLE_NAMES = 'MOD11A1.A2021227.h11v05.061.2021228105320.hdf or VNP21A1D.A2021227.h09v05.002.2021228101010.h5'


# -- pure scaling and quality functions --------------------------------------------------------
def lst_quality_mask(qc: np.ndarray, accept_other_quality: bool = False) -> np.ndarray:
    """True where the mandatory QA (bits 0-1 of QC_Day / QC) is good (0), or also "other quality" (1) if accepted."""
    mandatory = np.asarray(qc).astype(np.int64) & 0b11
    if accept_other_quality:
        return mandatory <= LST_QA_OTHER
    return mandatory == LST_QA_GOOD


def lst_kelvin(dn: np.ndarray, qc: Optional[np.ndarray], accept_other_quality: bool = False, scaling: Scaling = LST_DN
               ) -> np.ndarray:
    """LST in kelvin (float64, NaN = nodata) from stored LST numbers and their QC.

    With the documented scaling: LST = DN × 0.02 K where DN is not the fill
    value (0), lies in 7500–65535 and the QC passes :func:`lst_quality_mask`.
    ``qc`` None keeps every valid value (exports without a quality layer).
    """
    keep = None if qc is None else lst_quality_mask(qc, accept_other_quality)
    return scaling.apply(dn, keep)


def view_time_hours(dn: np.ndarray, keep: Optional[np.ndarray] = None, scaling: Scaling = VIEW_TIME_DN) -> np.ndarray:
    """Local solar time of the observation in hours (DN × 0.1; fill 255 and DN > 240 → NaN).

    ``keep`` (bool array) masks further, e.g. where the LST itself was rejected.
    """
    return scaling.apply(dn, keep)


def reliability_mask(reliability: np.ndarray, accept_marginal: bool = False, good: Sequence[int] = (RELIABILITY_GOOD,),
                     marginal: Sequence[int] = (RELIABILITY_MARGINAL,)) -> np.ndarray:
    """True where the pixel reliability is one of the ``good`` ranks, or also a ``marginal`` one if accepted.

    GDAL may read MODIS's int8 band as unsigned (fill -1 → 255); that is never kept.
    """
    rank = np.asarray(reliability).astype(np.int64)
    kept = tuple(good) + (tuple(marginal) if accept_marginal else ())
    return np.isin(rank, kept)


def vegetation_index(dn: np.ndarray, reliability: Optional[np.ndarray], accept_marginal: bool = False,
                     scaling: Scaling = VI_DN, good: Sequence[int] = (RELIABILITY_GOOD,),
                     marginal: Sequence[int] = (RELIABILITY_MARGINAL,)) -> np.ndarray:
    """NDVI or EVI (float64, NaN = nodata) = DN / 10000 where DN is not fill (-3000), lies in
    -2000–10000 and the pixel reliability passes :func:`reliability_mask` (``reliability`` None: not screened)."""
    keep = None if reliability is None else reliability_mask(reliability, accept_marginal, good, marginal)
    return scaling.apply(dn, keep)


def date_from_year_doy(year: Union[int, str], day_of_year: Union[int, str]) -> date:
    """date from a year and a day of the year (1 = 1 January), as in the AYYYYDDD of MODIS names."""
    if not 1 <= int(day_of_year) <= 366:
        raise ValueError('day of year out of range: {}'.format(day_of_year))
    day = date(int(year), 1, 1) + timedelta(days=int(day_of_year) - 1)
    if day.year != int(year):
        raise ValueError('day of year out of range: {}'.format(day_of_year))
    return day


def parse_product_name(path: str) -> Optional[Tuple[str, date, str, str]]:
    """(short name, date, tile, collection) from a MODIS / VIIRS file name, or None if it is not one."""
    match = PRODUCT_NAME.match(os.path.basename(str(path)))
    if not match:
        return None
    try:
        acquired = date_from_year_doy(match.group('year'), match.group('doy'))
    except ValueError:
        return None
    return match.group('product').upper(), acquired, match.group('tile').lower(), match.group('collection')


parse_modis_name = parse_product_name


# -- granules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerRef:
    """One layer of a granule: a GDAL data source (a file or subdataset name), a band and its scaling."""
    source: str
    band: int = 1
    scaling: Optional[Scaling] = None


@dataclass(frozen=True)
class LandGranule:
    """One tile or exported image of one date: product, date, tile and the layers used.

    ``subdatasets`` maps 'value', 'quality' (absent: not screened) and (LST)
    'view_time' to :class:`LayerRef`; ``grid`` is the grid of the value layer;
    ``notes`` are the decisions taken on reading it (logged by the import).
    """
    path: str
    product: LandProduct
    variable: str
    acquired: date
    tile: str
    subdatasets: dict = field(hash=False, compare=False)
    grid: GridSpec = None
    notes: tuple = ()

    @property
    def label(self) -> str:
        return os.path.basename(self.path)


ModisGranule = LandGranule


def resolve_variable(product: LandProduct, variable: Optional[str], path: str) -> str:
    """The variable to read from a product ('auto' → the product's default), or InputError."""
    if variable in (None, '', 'auto'):
        return product.default_variable
    if product.field_for(variable) is None:
        offered = ', '.join(name for name, _ in product.variables)
        family = 'land surface temperature' if product.family == 'LST' else 'vegetation index'
        wanted = ('LST (MOD11/MYD11, VNP21/VJ121)' if variable == 'LST'
                  else 'vegetation index (MOD13/MYD13, VNP13/VJ113)')
        raise InputError('{} is a {} {} file, but {} was requested. Give {} files for {}, or choose {} as the '
                         'product variable.'.format(os.path.basename(path), product.short_name, family, variable,
                                                    wanted, variable, offered))
    return variable
