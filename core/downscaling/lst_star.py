"""The terrain step (METHOD.md §3): the scene-wide terrain model of LST, and LST* written
as a raster with the same scene reader and the same fit, so that a model "correct LST →
downscale without terrain correction" gives the same map as the terrain-aware method with the
per-cell AICc choice and the same terrain mode."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Optional

from ..errors import InputError
from ..lst_correction import CorrectionCheck, TerrainCheck, TerrainCorrection, fit_terrain_corrections
from ..progress import Progress, StageTimer
from ..raster_io import RasterSource, RasterWriter, gdal_cache_limit
from ..terrain import SunGeometry
from .inputs import open_scene
from .scene import run_folder
from .methods import DownscalingMethod, TerrainAwareMethod
from .options import DEFAULT_TERRAIN_MODE, DownscaleInputs, DownscaleOptions, Method
from .outputs import terrain_metadata

if TYPE_CHECKING:
    from .scene import FineScene


def fit_terrain(scene: FineScene, method: DownscalingMethod, options: DownscaleOptions, progress: Progress,
                timer: StageTimer) -> Dict[str, TerrainCorrection]:
    """{terrain mode: TerrainCorrection} of the modes the method compares (one unless the
    self-adaptive selection chooses the mode; 'none' for methods without terrain correction).
    Several modes share the two passes of the fit."""
    modes = method.terrain_modes
    if modes == ('none',):
        return {'none': TerrainCorrection()}
    with timer('terrain correction'):
        corrections = fit_terrain_corrections(scene.terrain_blocks, modes, progress)
    for correction in corrections.values():
        if correction.mode != 'none':
            progress.info(correction.describe())
    return corrections


@dataclass
class LstCorrectionResult:
    output: str
    correction: TerrainCorrection
    check: TerrainCheck
    messages: list


def correct_lst_raster(lst: RasterSource, ndvi: Optional[RasterSource], dem: Optional[RasterSource], output_path: str,
                       mode: str = 'illumination+lapse', sun: Optional[SunGeometry] = None, memory_mb: float = 1024.0,
                       progress: Optional[Progress] = None) -> LstCorrectionResult:
    """Write LST* (K, float32) on the LST grid: the same fit as ``downscale``.

    lst, ndvi, dem: RasterSource (K, −1..1, m). Returns a LstCorrectionResult."""
    progress, messages = (progress or Progress()).recording()
    mode = DEFAULT_TERRAIN_MODE if mode == 'auto' else mode
    options = DownscaleOptions(method=Method.TERRAIN_AWARE, terrain_mode=mode, sun=sun or SunGeometry(),
                               memory_mb=memory_mb)
    options.validate()
    if mode == 'none':
        raise InputError('Choose a terrain correction mode other than "none".')
    if dem is None:
        raise InputError('The terrain correction needs a DEM.')
    method = TerrainAwareMethod(options, has_dem=True)
    timer = StageTimer()
    with run_folder('smcorrect_') as workdir, gdal_cache_limit(options.memory_mb):
        scene, _ = open_scene(DownscaleInputs(None, lst, ndvi, dem), options, method, workdir,
                              progress.sub(0.0, 0.2), timer, with_coarse=False)
        with scene:
            correction = fit_terrain(scene, method, options, progress.sub(0.2, 0.6), timer)[mode]
            check = CorrectionCheck()
            metadata = dict(terrain_metadata(correction),
                            REFERENCE_ELEVATION_M='{:.1f}'.format(correction.reference_elevation), UNITS='K')
            with RasterWriter(output_path, scene.grid, 1, descriptions=['terrain_corrected_lst_K'],
                              metadata=metadata) as writer:
                for block in scene.blocks(progress.sub(0.6, 1.0)):
                    corrected = correction.apply(block.lst, block.z, block.cos_i, block.cos_sz)
                    check.add(block.lst, corrected, block.cos_i)
                    writer.write(block.window, corrected.reshape(block.shape))
                writer.commit()
    result = check.result()
    progress.info('Check: spatial sd of LST {:.2f} K → LST* {:.2f} K; corr(LST*, cos i) = {:.3f}.'.format(
        result.lst_sd, result.lst_star_sd, result.corr_lst_star_cos_i))
    return LstCorrectionResult(output_path, correction, result, messages)
