"""Twin scenes on real terrain: a known fine soil moisture truth and the inputs it implies.

From a real DEM the generator builds, on a fine grid:
- a "true" soil moisture field θ (m³/m³): valleys wetter than ridges, spatially
  correlated variability at two scales, and optionally a dependence on
  elevation and illumination (``sm_follows_terrain``);
- NDVI that responds to θ and to the tree line, plus its own variability;
- LST (K) that responds to θ (evaporative cooling, stronger on bare soil),
  to vegetation, to elevation (lapse rate) and to illumination, plus noise;
- optionally a cloud mask on LST;
and the coarse product as the mean of the truth over each coarse cell, on a
coarse grid that may be in another CRS (cells as in METHOD.md §1).

The terrain factors come from the plugin's own terrain code, so the scene is
consistent with what the downscaling sees; the truth is hidden from the method.
"""
import os
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from osgeo import gdal, osr
from scipy import ndimage

from ..core.alignment import CoarseIndexer, GridMapper, grid_outline
from ..core.raster_io import GridSpec, RasterSource, write_array
from ..core.residual import zonal_sums
from ..core.terrain import SunGeometry, TerrainOnFineGrid

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests', 'data')
FRONT_RANGE_DEM = os.path.join(DATA_DIR, 'srtmgl3_front_range_co.tif')
COLORADO_DEM = os.path.join(DATA_DIR, 'colorado_30arcsec_dem.tif')


@dataclass
class TwinSettings:
    """How to build a twin scene. Lengths in metres (or degrees for a geographic CRS)."""
    fine_crs: str = 'EPSG:32613'
    fine_resolution: float = 1000.0
    coarse_factor: int = 25
    coarse_crs: str = None              # None: the fine CRS, cells aligned on fine pixels
    coarse_resolution: float = None     # in coarse CRS units; default: factor × fine resolution
    coarse_origin: tuple = None         # (x, y) of a coarse grid corner, e.g. (-180, 90) for CCI
    sm_follows_terrain: bool = False
    lapse_rate_k_per_km: float = -6.5
    illumination_k: float = 12.0
    cloud_fraction: float = 0.0
    acquisition_date: date = date(2021, 7, 15)
    solar_hour: float = 10.5
    seed: int = 1
    extent: tuple = None                # (xmin, ymin, xmax, ymax) in the fine CRS; default: the DEM's
    keep_dem_gaps: bool = False         # True: DEM nodata (e.g. sea) stays a gap in every layer, edges not trimmed
    lst_model: str = 'regression'       # how LST follows θ: 'regression' (below) or 'dispatch' (DISPATCH_TWIN)
    see_model: str = 'linear'           # with lst_model 'dispatch': SEE(θ), one of core.dispatch.SEE_MODELS
    #: A sharp change of the moisture–LST relation across a straight line through the scene centre
    #: (BREAK_ANGLE_DEG from north), smooth elsewhere: beyond the line the evaporative cooling is
    #: BREAK_COOLING_FACTOR times that on this side and soil moisture follows elevation and illumination
    #: (as with ``sm_follows_terrain``); this side keeps the scene's own settings.
    relation_break: bool = False


#: The DISPATCH model's own world (lst_model='dispatch'): SEE(θ) with the soil moisture parameter θp
#: (m³/m³, varying smoothly by ±10 % across the scene), soil temperature Ts = Ts,max − SEE·(Ts,max − Ts,min),
#: vegetation as stressed as the soil, Tv = Tv,min + (1 − SEE)·(Tv,max − Tv,min) (the trapezoid's premise:
#: a pixel's place between the wet and the dry edge is its water stress), LST = fv·Tv + (1 − fv)·Ts (K),
#: then the same terrain effects, regional pattern and noise as the other twins.
#: Sparse vegetation (NDVI around ndvi_mean instead of 0.45), as in the semi-arid regions DISPATCH was made for.
DISPATCH_TWIN = dict(theta_p=0.35, soil_max=330.0, soil_min=296.0, vegetation_max=308.0, vegetation_min=294.0,
                     ndvi_mean=0.3)


#: The line of ``TwinSettings.relation_break`` (degrees clockwise from north, through the scene centre)
#: and the cooling beyond it relative to this side.
BREAK_ANGLE_DEG = 30.0
BREAK_COOLING_FACTOR = 0.4


@dataclass
class TwinScene:
    folder: str
    paths: dict
    fine_grid: GridSpec
    coarse_grid: GridSpec
    settings: TwinSettings
    truth: np.ndarray = field(repr=False, default=None)


def _smooth_noise(rng, shape, sigma):
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode='reflect')
    return noise / (noise.std() or 1.0)


def break_side(shape):
    """Pixels beyond the line of ``TwinSettings.relation_break`` (bool, (rows, columns))."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    angle = np.radians(BREAK_ANGLE_DEG)
    # Signed distance (pixels) from the line through the centre whose direction is ``angle`` from north.
    across = (cols - (shape[1] - 1) / 2.0) * np.cos(angle) + (rows - (shape[0] - 1) / 2.0) * np.sin(angle)
    return across > 0


def fine_dem(dem_path, settings, folder):
    """The DEM averaged (or interpolated) onto the fine grid of the scene."""
    out = os.path.join(folder, 'dem.tif')
    options = dict(dstSRS=settings.fine_crs, xRes=settings.fine_resolution, yRes=settings.fine_resolution,
                   resampleAlg='average', outputType=gdal.GDT_Float32, dstNodata=float('nan'),
                   creationOptions=['COMPRESS=DEFLATE', 'PREDICTOR=3', 'TILED=YES'])
    if settings.extent is not None:
        options['outputBounds'] = settings.extent
    gdal.Warp(out, dem_path, **options)
    # Trim the ragged, partly empty edges of a reprojected DEM, then fill the few
    # remaining corner pixels with their nearest valid neighbour.
    dataset = gdal.Open(out)
    z = dataset.GetRasterBand(1).ReadAsArray().astype(float)
    gt = dataset.GetGeoTransform()
    wkt = dataset.GetProjection()
    dataset = None
    rows = np.flatnonzero(np.isfinite(z).mean(axis=1) > (0.0 if settings.keep_dem_gaps else 0.95))
    cols = np.flatnonzero(np.isfinite(z).mean(axis=0) > (0.0 if settings.keep_dem_gaps else 0.95))
    z = z[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    missing = ~np.isfinite(z)
    if missing.any():
        nearest = ndimage.distance_transform_edt(missing, return_distances=False, return_indices=True)
        z = z[tuple(nearest)]
    grid = GridSpec(z.shape[1], z.shape[0], (gt[0] + cols[0] * gt[1], gt[1], 0.0, gt[3] + rows[0] * gt[5], 0.0, gt[5]),
                    wkt)
    write_array(out, grid, z.astype(np.float32), nodata=float('nan'))
    return grid, z


def dem_gaps(dem_path, grid):
    """Where the DEM has no data on ``grid`` (bool (height, width)), e.g. sea in a land-only DEM."""
    xmin, ymin, xmax, ymax = grid.bounds
    dataset = gdal.Warp('', dem_path, format='MEM', dstSRS=grid.crs_wkt, outputBounds=(xmin, ymin, xmax, ymax),
                        width=grid.width, height=grid.height, resampleAlg='average', outputType=gdal.GDT_Float32,
                        dstNodata=float('nan'))
    values = dataset.GetRasterBand(1).ReadAsArray()
    dataset = None
    return ~np.isfinite(values)


def coarse_grid_for(fine_grid, settings):
    """The coarse grid covering the fine grid, in the fine CRS or another one."""
    if settings.coarse_crs is None:
        res = fine_grid.pixel_width * settings.coarse_factor
        gt = fine_grid.geotransform
        width = -(-fine_grid.width // settings.coarse_factor)
        height = -(-fine_grid.height // settings.coarse_factor)
        return GridSpec(width, height, (gt[0], res, 0.0, gt[3], 0.0, -res), fine_grid.crs_wkt)
    srs = spatial_reference_from_user(settings.coarse_crs)
    wkt = srs.ExportToWkt()
    x, y = grid_outline(fine_grid)
    x, y = GridMapper(fine_grid, wkt, step=1).exact(x, y)
    res = settings.coarse_resolution
    if res is None:
        res = fine_grid.pixel_width * settings.coarse_factor
        if srs.IsGeographic():
            res = res / 111320.0
    ox, oy = settings.coarse_origin if settings.coarse_origin is not None else (0.0, 0.0)
    x0 = ox + np.floor((x.min() - ox) / res) * res
    x1 = ox + np.ceil((x.max() - ox) / res) * res
    y1 = oy - np.floor((oy - y.max()) / res) * res
    y0 = oy - np.ceil((oy - y.min()) / res) * res
    return GridSpec(int(round((x1 - x0) / res)), int(round((y1 - y0) / res)), (x0, res, 0.0, y1, 0.0, -res), wkt)


def spatial_reference_from_user(crs):
    """osr.SpatialReference from 'EPSG:xxxx', WKT or PROJ text."""
    srs = osr.SpatialReference()
    srs.SetFromUserInput(crs)
    return srs


def _dispatch_surface_temperature(theta, cover, variation, see_model):
    """LST (K) before terrain effects from the DISPATCH model (DISPATCH_TWIN); ``variation``: a smooth
    field of sd ≈ 0.3 that scales θp by ±10 %."""
    twin = DISPATCH_TWIN
    theta_p = twin['theta_p'] * (1.0 + variation / 3.0)
    if see_model == 'linear':
        see = np.clip(theta / theta_p, 0.0, 1.0)
    else:
        see = 0.5 * (1.0 - np.cos(np.pi * np.clip(theta / theta_p, 0.0, 1.0)))
    soil = twin['soil_max'] - see * (twin['soil_max'] - twin['soil_min'])
    vegetation = twin['vegetation_min'] + (1.0 - see) * (twin['vegetation_max'] - twin['vegetation_min'])
    return cover * vegetation + (1.0 - cover) * soil


def make_twin_scene(dem_path, folder, settings=None):
    """Build a twin scene in ``folder``; returns a :class:`TwinScene` (the truth included)."""
    settings = settings or TwinSettings()
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(settings.seed)
    grid, z = fine_dem(dem_path, settings, folder)
    gaps = dem_gaps(dem_path, grid) if settings.keep_dem_gaps else None
    sun = SunGeometry(acquisition_date=settings.acquisition_date, solar_hour=settings.solar_hour)
    terrain = TerrainOnFineGrid(RasterSource(os.path.join(folder, 'dem.tif'), name='DEM'), grid, sun)
    _, cos_i, cos_sz = terrain.read(grid.full_window())
    terrain.close()
    shape = z.shape
    pixel_km = grid.pixel_width / 1000.0

    # Truth: valleys wetter (relief below the local mean), two scales of random variability.
    local_relief = z - ndimage.gaussian_filter(z, 3.0 / max(pixel_km, 0.05), mode='reflect')
    wetness = -local_relief / (local_relief.std() or 1.0)
    theta = (0.20 + 0.025 * wetness + 0.045 * _smooth_noise(rng, shape, 4.0 / max(pixel_km, 0.05))
             + 0.035 * _smooth_noise(rng, shape, 1.0 / max(pixel_km, 0.05)))
    terrain_term = 0.06 * (z - z.mean()) / 1000.0 - 0.08 * (cos_i - cos_sz)
    beyond = break_side(shape) if settings.relation_break else np.zeros(shape, dtype=bool)
    if settings.sm_follows_terrain:
        theta += terrain_term
    elif settings.relation_break:
        theta += np.where(beyond, terrain_term, 0.0)
    theta = np.clip(theta, 0.03, 0.50)

    # NDVI: wetter soil greener, fewer trees above the tree line, its own variability.
    treeline = np.clip((z - 3300.0) / 500.0, 0.0, 1.0)
    ndvi_mean = DISPATCH_TWIN['ndvi_mean'] if settings.lst_model == 'dispatch' else 0.45
    ndvi = (ndvi_mean + 0.8 * (theta - 0.20) - 0.20 * treeline
            + 0.10 * _smooth_noise(rng, shape, 2.0 / max(pixel_km, 0.05)) + 0.02 * rng.standard_normal(shape))
    ndvi = np.clip(ndvi, 0.05, 0.90)
    cover = np.clip((ndvi - 0.15) / 0.75, 0.0, 1.0)

    # LST: evaporative cooling by soil moisture (weaker under canopy, its strength varying
    # across the scene with weather and soils), vegetation, terrain, a regional air-temperature
    # pattern unrelated to soil moisture, and sensor noise.
    cooling = 45.0 * (1.0 + 0.3 * _smooth_noise(rng, shape, 15.0 / max(pixel_km, 0.05)))
    if settings.relation_break:
        cooling = np.where(beyond, BREAK_COOLING_FACTOR * cooling, cooling)
    if settings.lst_model == 'dispatch':
        surface = _dispatch_surface_temperature(theta, cover, cooling / 45.0 - 1.0, settings.see_model)
    else:
        surface = 312.0 - cooling * theta * (1.0 - 0.5 * cover) - 10.0 * ndvi
    lst = (surface + settings.lapse_rate_k_per_km / 1000.0 * (z - z.mean())
           + settings.illumination_k * (cos_i - cos_sz)
           + 1.0 * _smooth_noise(rng, shape, 10.0 / max(pixel_km, 0.05)) + 0.8 * rng.standard_normal(shape))
    if gaps is not None:
        # No land surface where the DEM has none (e.g. sea): a gap in every layer, the DEM included.
        theta, ndvi, lst = (np.where(gaps, np.nan, values) for values in (theta, ndvi, lst))
        write_array(os.path.join(folder, 'dem.tif'), grid, np.where(gaps, np.nan, z).astype(np.float32),
                    nodata=float('nan'))
    clear_sky_lst = lst
    if settings.cloud_fraction > 0:
        clouds = _smooth_noise(rng, shape, 3.0 / max(pixel_km, 0.05))
        lst = np.where(clouds > np.quantile(clouds, 1.0 - settings.cloud_fraction), np.nan, lst)

    coarse_grid = coarse_grid_for(grid, settings)
    indexer = CoarseIndexer(grid, coarse_grid)
    fcol, frow = indexer.index(grid.full_window())
    zone = indexer.zone(fcol.ravel(), frow.ravel())
    sums, counts = zonal_sums(zone, theta.ravel(), coarse_grid.width * coarse_grid.height)
    with np.errstate(invalid='ignore', divide='ignore'):
        coarse = (sums / counts).reshape(coarse_grid.height, coarse_grid.width)

    metadata = {'ACQUISITION_DATE': settings.acquisition_date.isoformat()}
    paths = {name: os.path.join(folder, name + '.tif') for name in ('lst', 'ndvi', 'truth', 'coarse_sm')}
    paths['dem'] = os.path.join(folder, 'dem.tif')
    write_array(paths['lst'], grid, lst.astype(np.float32), metadata=metadata, descriptions=['lst_K'])
    write_array(paths['ndvi'], grid, ndvi.astype(np.float32), metadata=metadata, descriptions=['ndvi'])
    write_array(paths['truth'], grid, theta.astype(np.float32), descriptions=['true_soil_moisture_m3_m3'])
    if settings.cloud_fraction > 0:
        # The LST under the clouds, hidden from the method: the reference for gap filling.
        paths['clear_sky_lst'] = os.path.join(folder, 'clear_sky_lst.tif')
        write_array(paths['clear_sky_lst'], grid, clear_sky_lst.astype(np.float32), metadata=metadata,
                    descriptions=['clear_sky_lst_K'])
    write_array(paths['coarse_sm'], coarse_grid, coarse.astype(np.float32), metadata=metadata,
                descriptions=['soil_moisture_m3_m3'])
    return TwinScene(folder, paths, grid, coarse_grid, settings, theta)
