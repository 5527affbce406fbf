"""Dates of rasters and raster stacks: one convention for every file the plugin reads or writes.

A single-date raster carries the dataset metadata item ``ACQUISITION_DATE=YYYY-MM-DD``.
A stack (one band per date) carries, per band, the metadata item ``ACQUISITION_DATE`` and the
band description ``YYYY-MM-DD``, and the dataset item ``ACQUISITION_DATES`` (comma-separated).
Reading also accepts a bare ISO date as band description.
"""
from __future__ import annotations

import os
from datetime import date
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from osgeo import gdal

from .errors import InputError

DATE_ITEM = 'ACQUISITION_DATE'
DATES_ITEM = 'ACQUISITION_DATES'


def parse_date(text: Optional[str]) -> Optional[date]:
    """date from 'YYYY-MM-DD' (or an ISO datetime), None if it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        return None


def band_dates(path: Union[str, os.PathLike]) -> List[Optional[date]]:
    """One date (or None) per band of a raster, from the metadata convention above."""
    try:
        dataset = gdal.Open(str(path))
    except RuntimeError as error:
        raise InputError('Cannot open {}: {}'.format(path, error))
    count = dataset.RasterCount
    dates = []
    for index in range(1, count + 1):
        band = dataset.GetRasterBand(index)
        dates.append(parse_date(band.GetMetadataItem(DATE_ITEM)) or parse_date(band.GetDescription()))
    if not any(dates):
        listed = [parse_date(t) for t in (dataset.GetMetadataItem(DATES_ITEM) or '').split(',') if t.strip()]
        if len(listed) == count:
            dates = listed
        elif count == 1:
            dates = [parse_date(dataset.GetMetadataItem(DATE_ITEM))]
    return dates


def stack_metadata(dates: Sequence[date]) -> Tuple[Dict[str, str], List[Dict[str, str]], List[str]]:
    """(dataset metadata, per-band metadata, band descriptions) for a stack of these dates."""
    texts = [d.isoformat() for d in dates]
    dataset = {DATES_ITEM: ','.join(texts)}
    if len(texts) == 1:
        dataset[DATE_ITEM] = texts[0]
    return dataset, [{DATE_ITEM: t} for t in texts], texts


def first_band_date(path: Union[str, os.PathLike]) -> Optional[date]:
    """The date of band 1 of a raster (the band the single-date algorithms read), or None."""
    try:
        dates = band_dates(path)
    except InputError:
        return None
    return dates[0] if dates else None


def disagreeing_dates(reference: Optional[date], others: Iterable[Tuple[str, Optional[date], float]]
                      ) -> List[Tuple[str, date, int]]:
    """Inputs dated too far from a reference date, as (label, date, days apart).

    ``reference`` is a date (None: nothing to compare); ``others`` lists (label, date or
    None, tolerance in days); undated inputs are skipped.
    """
    if reference is None:
        return []
    late = []
    for label, day, tolerance_days in others:
        if day is not None and abs((day - reference).days) > tolerance_days:
            late.append((label, day, abs((day - reference).days)))
    return late
