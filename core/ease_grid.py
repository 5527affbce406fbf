"""The global EASE-Grid 2.0 (EPSG:6933) grids of SMAP and SMOS Level-3 soil moisture.

Published parameters (Brodzik et al. 2012, ISPRS Int. J. Geo-Inf. 1, 32-45,
doi:10.3390/ijgi1010032, and its 2014 erratum; NSIDC EASE-Grid 2.0 format
description): Lambert cylindrical equal-area on WGS 84 with true scale at
30° N/S, map x from -17367530.45 m, cells counted from the upper-left corner:

==========  =============  ==============  ===============  ===============
grid        columns × rows  cell size [m]   upper-left x     upper-left y
==========  =============  ==============  ===============  ===============
M36 (SMAP)  964 × 406       36032.220840584 -17367530.44516  7314540.83064
M09 (SMAP)  3856 × 1624     9008.055210146  -17367530.44516  7314540.83064
M25 (SMOS)  1388 × 584      25025.26        -17367530.44516  7307375.92
==========  =============  ==============  ===============  ===============

The 25 km grid has fewer rows than a whole 36 km multiple: its top edge is
584/2 cells above the equator, not 7314540.83 m (checked against the cell
centres of the CATDS grid file, whose first row lies at 83.517136° N).
No QGIS import.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Optional, Sequence, Tuple

import numpy as np
from osgeo import osr

from .errors import InputError
from .raster_io import GridSpec, spatial_reference

Ease2Grid = namedtuple('Ease2Grid', 'name width height cell_m')

#: The global grids by name; the upper-left y is half the rows above the equator.
GRIDS = {
    'M36': Ease2Grid('M36', 964, 406, 36032.220840584),
    'M09': Ease2Grid('M09', 3856, 1624, 9008.055210146),
    'M25': Ease2Grid('M25', 1388, 584, 25025.26),
}


def ease2_wkt() -> str:
    """WKT of EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(6933)
    return srs.ExportToWkt()


def upper_left_y(definition: Ease2Grid) -> float:
    return definition.height / 2.0 * definition.cell_m


def upper_left_x(definition: Ease2Grid) -> float:
    """-17367530.445 m for every grid: half the columns west of the central meridian."""
    return -definition.width / 2.0 * definition.cell_m


def grid_spec(name: str) -> GridSpec:
    """GridSpec of a global EASE-Grid 2.0 grid ('M36', 'M09', 'M25')."""
    definition = GRIDS[name]
    return GridSpec(definition.width, definition.height,
                    (upper_left_x(definition), definition.cell_m, 0.0, upper_left_y(definition), 0.0,
                     -definition.cell_m),
                    ease2_wkt())


def grid_for_shape(shape: Sequence[int]) -> Optional[str]:
    """The name of the global grid with ``shape`` (rows, columns), or None."""
    for name, definition in GRIDS.items():
        if tuple(shape) == (definition.height, definition.width):
            return name
    return None


def cell_centres_lonlat(grid: GridSpec, rows: np.ndarray, cols: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) of the centres of cells (rows, cols) of an EASE-Grid 2.0 GridSpec."""
    rows = np.asarray(rows, dtype=np.float64)
    cols = np.asarray(cols, dtype=np.float64)
    gt = grid.geotransform
    x = gt[0] + (cols + 0.5) * gt[1]
    y = gt[3] + (rows + 0.5) * gt[5]
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(spatial_reference(grid.crs_wkt), wgs84)
    points = np.asarray(transform.TransformPoints(np.column_stack([np.ravel(x), np.ravel(y)])), dtype=np.float64)
    return points[:, 0].reshape(np.shape(x)), points[:, 1].reshape(np.shape(y))


def check_centres(grid: GridSpec, rows: np.ndarray, cols: np.ndarray, lon: np.ndarray, lat: np.ndarray, label: str,
                  tolerance_deg: float = 0.01) -> None:
    """The file's own cell-centre coordinates must be those of the grid (to ``tolerance_deg``); InputError otherwise.

    Guards against a file of another grid with the same number of cells.
    """
    rows, cols = np.ravel(rows), np.ravel(cols)
    lon = np.ravel(np.asarray(lon, dtype=np.float64))
    lat = np.ravel(np.asarray(lat, dtype=np.float64))
    if lon.size == 0:
        return
    expected_lon, expected_lat = cell_centres_lonlat(grid, rows, cols)
    # Longitudes wrap at ±180°.
    dlon = np.abs((lon - expected_lon + 180.0) % 360.0 - 180.0)
    dlat = np.abs(lat - expected_lat)
    worst = int(np.argmax(np.maximum(dlon, dlat)))
    if max(dlon[worst], dlat[worst]) > tolerance_deg:
        raise InputError('{} is not on the global EASE-Grid 2.0 {} grid: its cell at row {}, column {} is centred at '
                         '{:.4f}° E, {:.4f}° N where the grid has {:.4f}° E, {:.4f}° N. Give the original global '
                         'product files (not subsets or regridded copies).'.format(
                             label, grid.describe(), int(rows[worst]), int(cols[worst]),
                             lon[worst], lat[worst], expected_lon[worst], expected_lat[worst]))
