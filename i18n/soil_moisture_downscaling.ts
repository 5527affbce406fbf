<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
  <context>
    <name>SoilMoistureDownscaling</name>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="13" />
      <source>Illumination and fitted lapse rate (default)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="64" />
      <source>Illumination only</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="64" />
      <source>Illumination and fixed lapse rate (-6.5 K/km)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>Terrain-aware adaptive window (default)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>Bilinear interpolation (reference)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>Global linear with residual correction (TsHARP-like)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>Universal triangle (Chauhan 2003, Piles 2011)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>DISPATCH (Merlin 2012)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="22" />
      <source>Adaptive window on the LST as given (no terrain correction)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="30" />
      <source>linear</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="30" />
      <source>quadratic</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="18" />
      <source>One multi-band GeoTIFF (band per date)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="18" />
      <source>One GeoTIFF per date in a folder</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="17" />
      <source>Detect from the file</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="17" />
      <source>NRCS SNOTEL / SCAN daily report (CSV, soil moisture in %)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="17" />
      <source>ISMN "header + values" (zip, folder or .stm files)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="17" />
      <source>Generic CSV (station, date, soil moisture [, latitude, longitude, depth, flag, …])</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="22" />
      <source>Good quality only (LST QC = good; VI pixel reliability = good)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="22" />
      <source>Also "other quality" LST / "marginal" VI pixels</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="21" />
      <source>Pixel containing the station</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="21" />
      <source>Mean of the 3×3 pixels around the station</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Window</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Predictors</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Coarse cells in the fit</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>R² of the fit</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Local model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="32" />
      <source>Quality</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="11" />
      <source>Coarse soil moisture, 0.25° (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="11" />
      <source>Land surface temperature (K)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="11" />
      <source>NDVI</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="11" />
      <source>Elevation (m)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="11" />
      <source>True soil moisture (for checking)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="14" />
      <source>From the files: LST for MOD11/MYD11/VNP21, NDVI for MOD13/MYD13/VNP13</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="14" />
      <source>Land surface temperature (K), MOD11/MYD11, VNP21/VJ121/VJ221</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="14" />
      <source>NDVI, MOD13/MYD13, VNP13/VJ113/VJ213</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="14" />
      <source>EVI, MOD13/MYD13, VNP13/VJ113/VJ213</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="22" />
      <source>No quality screening (exports without a quality layer, or already screened)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="13" />
      <source>Recommended retrievals only (CCI / C3S flag 0, SMAP retrieval_qual_flag bit 0 clear)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="13" />
      <source>All retrievals (only fill and out-of-range values removed)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="19" />
      <source>AM: 6 am descending (recommended)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="19" />
      <source>PM: 6 pm ascending</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="322" />
      <source>Out of memory: lower the memory budget in Settings ▸ Options ▸ Processing ▸ Providers ▸ Soil moisture downscaling.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="56" />
      <source>Bilinear spread between cell centres</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="56" />
      <source>Area-to-point kriging (ATPK, default)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="60" />
      <source>Self-adaptive (default)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="60" />
      <source>Per-cell AICc (version 0.1)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="72" />
      <source>Chosen by the selection (default)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="64" />
      <source>Illumination and fitted lapse rate</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="64" />
      <source>None</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="72" />
      <source>LST* and NDVI</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="72" />
      <source>LST*, NDVI and cell-mean elevation</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/provider.py" line="40" />
      <source>Soil moisture downscaling</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="81" />
      <source>Soil moisture inspector</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../plugin.py" line="56" />
      <source>Soil moisture inspector: click a pixel to see its value, its local model and its history</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../plugin.py" line="65" />
      <source>Load sample data</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../plugin.py" line="66" />
      <source>Open the bundled sample scene (Colorado, 2021-07-15) as styled layers</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="243" />
      <source>Soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="88" />
      <source>Sun zenith angle (°)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="88" />
      <source>Sun zenith angle at the LST overpass in degrees (0 = sun overhead). Leave empty to compute the sun position from the acquisition date and the overpass local solar time at every pixel.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="94" />
      <source>Sun azimuth (° from north)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="94" />
      <source>Sun azimuth at the LST overpass in degrees, clockwise from north (90 = east). Give it together with the zenith angle.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="100" />
      <source>LST acquisition date</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="100" />
      <source>Date of the LST image, used for the sun position when the angles are not given. When empty, the ACQUISITION_DATE metadata of the LST raster is used (written by "Import MODIS LST / NDVI").</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="76" />
      <source>Overpass local solar time (h)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="105" />
      <source>Local solar time of the LST acquisition in hours: about 10.5 for Terra (MOD11), 13.5 for Aqua (MYD11). MODIS gives it per pixel as Day_view_time.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="137" />
      <source>The {} layer "{}" is not a file-based raster ({} provider). Save it as a GeoTIFF first (right-click ▸ Export ▸ Save As…).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="406" />
      <source>Cannot read {}: {}; check the file and that it can be opened.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/base.py" line="411" />
      <source>GDAL could not read or write a file ({}).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="29" />
      <source>Correct LST for terrain</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="32" />
      <source>Land surface temperature with the effects of elevation and sun illumination removed (LST*).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="39" />
      <source>Removes the effect of elevation (lapse rate) and sun illumination from a land surface temperature raster, keeping the part that terrain does not explain (which carries the soil moisture signal).

Fits LST = a0 + a1·z + a2·cos i + a3·NDVI over the scene (least squares with 3σ outlier trimming), then writes LST* = LST − a1·(z − mean z) − a2·(cos i − cos θz), where cos i is the illumination of each pixel from the DEM's slope and aspect and the sun position, and cos θz that of flat ground.

The log reports the fitted lapse rate (K/km) and illumination coefficient and checks that LST* no longer follows the illumination. This is the first step of "Downscale soil moisture"; running it and then the downscaling without terrain correction (method 5) gives the same map as method 0 with the per-cell AICc choice and the same terrain mode (method 0's self-adaptive selection also compares terrain modes, predictors and windows, which a chain of two steps cannot).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="52" />
      <source>Daytime LST in kelvin; its grid is the output grid.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="54" />
      <source>NDVI in [-1, 1]; in the fit so that vegetation is not mistaken for terrain.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="49" />
      <source>Digital elevation model (m)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="56" />
      <source>Elevation in metres, any CRS and resolution.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="59" />
      <source>Correction</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="59" />
      <source>Which terrain effects are removed: illumination and a lapse rate fitted to the scene, illumination only, or illumination and the standard -6.5 K/km lapse rate.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="80" />
      <source>Terrain-corrected LST</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="63" />
      <source>Float32 GeoTIFF (K) on the LST grid.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="65" />
      <source>Lapse rate (K/km)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="66" />
      <source>Illumination coefficient (K)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="67" />
      <source>corr(LST*, cos i)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/correct_lst.py" line="77" />
      <source>Fitted lapse rate: {:.2f} K/km; illumination coefficient: {:.2f} K.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="83" />
      <source>Downscale soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="86" />
      <source>Coarse soil moisture (e.g. 25 km ESA CCI, SMAP) to the 1 km grid of MODIS LST, keeping every coarse value.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="94" />
      <source>Downscales a coarse soil moisture raster (m³/m³, e.g. 25 km ESA CCI, C3S, SMAP or SMOS) to the grid of a land surface temperature raster (kelvin, e.g. 1 km MODIS LST), using NDVI and a DEM.

The default method (Zhao et al. 2025) removes the effect of elevation and sun illumination from the LST, fits soil moisture against the corrected LST and NDVI (and, where it helps, elevation) in a moving window whose size is chosen per coarse cell, applies the local models at the fine scale, and corrects the residuals so that the mean of the fine pixels of every coarse cell equals its coarse value.

NDVI is needed by every method except bilinear interpolation, the DEM by the terrain-aware method; missing inputs are reported before the run. A warning is given when the inputs' acquisition dates disagree.

Inputs may be in any CRS and resolution: NDVI and the DEM are warped onto the LST grid; the coarse product keeps its own grid. Give the sun angles, or the acquisition date (and overpass time), for the illumination. The optional diagnostics raster holds, per pixel, the chosen window, predictors, fit quality, coefficients and quality flags (1 LST filled, 2 coarse value filled, 4 global fallback model, 8 clipped, 16 outside the coarse product, 32 terrain from a partial DEM window: slope one-sided next to DEM nodata such as a coast). The optional report is an HTML page with maps and plots.

The memory used per block is set in Settings ▸ Options ▸ Processing ▸ Providers.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="113" />
      <source>Coarse soil moisture (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="113" />
      <source>Coarse volumetric soil moisture in m³/m³ (not %), e.g. ESA CCI / C3S (0.25°), SMAP or SMOS. Band 1 is used.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="116" />
      <source>Daytime LST in kelvin. Its grid is the output grid (e.g. MODIS MOD11A1 at 1 km).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="118" />
      <source>NDVI (all methods but bilinear)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="118" />
      <source>NDVI in [-1, 1] (e.g. MODIS MOD13A2). Needed by every method except bilinear.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="69" />
      <source>DEM (m; terrain-aware method)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="121" />
      <source>Elevation in metres, any CRS and resolution. Needed by the terrain-aware method; the adaptive window without terrain correction uses it as a candidate predictor.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="176" />
      <source>Downscaled soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="127" />
      <source>Float32 GeoTIFF on the LST grid, m³/m³, nodata -9999.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="99" />
      <source>Diagnostics</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="129" />
      <source>Multi-band raster on the LST grid: half_window, predictor_set, n_samples, r_squared, the model coefficients (SI units), fallback and quality bit flags.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="133" />
      <source>Report</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="133" />
      <source>HTML report with maps of the input and output, the coarse-scale fit, the window sizes and the value-consistency check.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="98" />
      <source>Largest cell-mean error (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="137" />
      <source>Fitted lapse rate (K/km)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="138" />
      <source>Fitted illumination coefficient (K)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="140" />
      <source>Coarse cells outside the soil moisture bounds (cannot keep their value)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="142" />
      <source>Largest cell-mean error of those cells (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="154" />
      <source>Method</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="147" />
      <source>Downscaling method. The others are for comparison: bilinear is the floor every method must beat; method 5 is the default without the terrain correction of LST.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="154" />
      <source>Linking model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="151" />
      <source>Form of the local soil moisture model: linear in LST* and NDVI (default), or the 6-term quadratic ("universal triangle" form).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="155" />
      <source>Smallest half-window (cells)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="155" />
      <source>Smallest moving window tried, as a half-width h in coarse cells (window (2h+1)²).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="161" />
      <source>Largest half-window (cells)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="161" />
      <source>Largest moving window tried, as a half-width h in coarse cells.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="166" />
      <source>Minimum valid fraction of a cell</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="166" />
      <source>A coarse cell takes part in the calibration only if at least this fraction of its fine pixels has valid LST and NDVI.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="172" />
      <source>Lowest soil moisture (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="172" />
      <source>Downscaled values are kept above this bound; the clipped amount is moved onto the other pixels of the cell so its mean is unchanged.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="178" />
      <source>Highest soil moisture (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="178" />
      <source>Downscaled values are kept below this bound (porosity).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="183" />
      <source>Fill gaps (seamless output)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="183" />
      <source>Fill cloud gaps in LST (terrain and NDVI model plus the interpolated residual) and holes in NDVI, and estimate coarse cells that have no value from their local model, so the map has no holes. Filled pixels are flagged in the diagnostics quality band (1 LST filled, 2 coarse value filled).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="189" />
      <source>Filter pixel noise of predictors</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="189" />
      <source>Methods 0 and 5: estimate the per-pixel (white) noise of LST and NDVI from their semivariogram and weight the fine-scale anomalies by their signal fraction before applying the coarse-scale model, so sensor noise does not become soil moisture noise. Off: the model is applied to the predictors as they are (as in the published method).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="162" />
      <source>Residual spread</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="197" />
      <source>How the coarse residual (coarse value minus the mean of the fine model, m³/m³) is spread to the pixels before the per-cell remainder makes every cell mean exact: bilinearly between cell centres, or by area-to-point kriging (Kyriakidis 2004; default) with a point-support covariance fitted to the coarse residuals. Methods with a residual step only (0, 2, 4, 5).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="207" />
      <source>How the configuration is chosen</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="207" />
      <source>Method 0. Self-adaptive: per scene, the terrain correction, the predictor set and the moving window (or one scene-wide model) whose expected fine-scale error is lowest: each coarse cell left out and predicted by the others, corrected by its neighbours' residuals as the residual step would, plus the pixel noise the coefficients carry. Per-cell AICc: the choice of version 0.1 (per cell, the window and predictors with the lowest AICc; terrain correction illumination+lapse unless set below).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="216" />
      <source>Terrain correction of LST</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="216" />
      <source>Method 0. auto: chosen by the self-adaptive selection between the fitted lapse rate and the fixed −6.5 K/km (both with the fitted illumination); or one mode imposed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="222" />
      <source>Predictors of the linking model</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="222" />
      <source>Methods 0 and 5. auto: LST* and NDVI, with or without the cell-mean elevation, chosen by the selection; or one set imposed.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="236" />
      <source>Choose a method between 0 and {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="242" />
      <source>The method "{}" needs NDVI: choose an NDVI layer, or the bilinear method.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="245" />
      <source>The method "{}" needs a DEM: choose a DEM layer, or method 5 (adaptive window without terrain correction).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="250" />
      <source>The smallest half-window ({}) is larger than the largest ({}): swap them.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="255" />
      <source>The lowest soil moisture ({}) must be below the highest ({}) m³/m³.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="264" />
      <source>The acquisition date given ({}) is not the date of the LST raster ({}); the sun position is computed for {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="268" />
      <source>coarse soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="272" />
      <source>The {} is dated {}, the LST {}: {} days apart. Downscaling relates soil moisture to the temperature of the same days; check that these are the files you meant (a monthly or composite product explains a few weeks).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="308" />
      <source>Method: {}; memory budget {:.0f} MB.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="319" />
      <source>{} downscaled</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale.py" line="326" />
      <source>Downscaling diagnostics</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="266" />
      <source>Writing the report…</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="32" />
      <source>Downscale a soil moisture series</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="35" />
      <source>Every date of a soil moisture stack downscaled in one run, loaded for the Temporal Controller.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="41" />
      <source>Downscales every date of a coarse soil moisture stack (one band per date, m³/m³) onto the grid of an LST stack (one band per date, K), with the same method and options as "Downscale soil moisture".

Dates are read from the stacks (as written by "Import soil moisture product" and "Import MODIS LST / NDVI") or given as a list, one per band. Both stacks must hold the same dates. NDVI may be one raster for all dates or a dated stack, interpolated linearly in time. With gap filling, LST cloud gaps are filled with each pixel's annual temperature cycle plus the day's anomaly when the series covers at least 10 dates over 90 days, and spatially otherwise, so every date gives a complete map where the coarse product has data; dates the product leaves empty give an empty band.

Output: one multi-band GeoTIFF (band per date, dates in the band descriptions) or one GeoTIFF per date. Loaded layers are set up for the Temporal Controller (one layer per date, each shown on its day, in one group); the soil moisture inspector plots a pixel over time.

Each date is written as soon as it is done, with a fingerprint of its inputs and options: run again after a stop (same inputs, options and output) and the finished dates are kept, not recomputed. With a Dask scheduler address (advanced), the dates run on that Dask cluster, one task per date; its workers need this package installed (pip install soil_moisture_downscaling[dask]) and must see the input and output paths under the same names.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="60" />
      <source>Coarse soil moisture stack (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="60" />
      <source>One band per date, m³/m³, e.g. from "Import soil moisture product".</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="62" />
      <source>LST stack (K)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="62" />
      <source>One band per date, kelvin, e.g. from "Import MODIS LST / NDVI". Its grid is the output grid.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="65" />
      <source>NDVI (single or dated stack)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="65" />
      <source>One NDVI raster for all dates, or a stack with dates (interpolated in time). Needed by every method except bilinear.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="69" />
      <source>Elevation in metres; needed by the terrain-aware method.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="72" />
      <source>Dates, one per band</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="72" />
      <source>Only needed when the stacks do not carry their dates: one date (YYYY-MM-DD) per band, separated by commas, for both stacks.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="76" />
      <source>Local solar time of the LST acquisitions (10.5 for Terra, 13.5 for Aqua); the sun position is computed for each date.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="83" />
      <source>Output as</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="83" />
      <source>A single multi-band GeoTIFF with one band per date, or one GeoTIFF per date in a folder.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="87" />
      <source>Downscaled series (multi-band)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="87" />
      <source>Float32 GeoTIFF, one band per date (m³/m³), dates in band descriptions and metadata.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="90" />
      <source>Folder for one file per date</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="90" />
      <source>Used when "Output as" is one GeoTIFF per date: soil_moisture_YYYY-MM-DD.tif files.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="93" />
      <source>Dask scheduler address</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="93" />
      <source>Address of a running Dask scheduler (e.g. tcp://10.0.0.5:8786) to run the dates on its workers, one task per date. Empty: run here.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="97" />
      <source>Number of dates</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="99" />
      <source>Files written</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="100" />
      <source>Coarse cells outside the soil moisture bounds, summed over the dates</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="120" />
      <source>a folder ("Folder for one file per date")</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="124" />
      <source>a file ("Downscaled series")</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="130" />
      <source>Dates run on {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="139" />
      <source>{} ({}, {} dates)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/downscale_series.py" line="182" />
      <source>Choose where to write the series: {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="25" />
      <source>Fill LST gaps</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="28" />
      <source>Cloud gaps in land surface temperature filled from terrain and NDVI, or from each pixel's annual cycle.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="35" />
      <source>Fills cloud gaps in land surface temperature (K).

One date: LST is modelled from elevation, sun illumination (from the DEM and the sun position) and NDVI on the clear pixels, and the model plus its residual interpolated from nearby clear pixels fills the gaps. A stack of dates covering at least 90 days (10 dates or more): each pixel's annual temperature cycle, fitted on its clear days, plus the day's anomaly interpolated from that day's clear pixels. Shorter stacks are filled date by date spatially.

The optional mask marks filled pixels (1), original ones (0) and those still unknown (255).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="45" />
      <source>One date, or a stack with one band per date (dates in the metadata or given below).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="47" />
      <source>NDVI in [-1, 1], a predictor of LST for one date; its own holes are interpolated.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="49" />
      <source>Elevation in metres, any CRS and resolution; gives elevation and illumination as predictors of LST for one date.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="54" />
      <source>Dates of a stack</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="54" />
      <source>One date (YYYY-MM-DD) per band, separated by commas, only when the stack does not carry its dates.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="80" />
      <source>Gap-filled LST</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="57" />
      <source>Float32 GeoTIFF (K), same bands as the input.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="59" />
      <source>Filled-pixel mask</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="59" />
      <source>Byte raster: 1 filled, 0 original, 255 still unknown.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="62" />
      <source>Pixels filled</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/fill_lst_gaps.py" line="63" />
      <source>Pixels still missing</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="71" />
      <source>Import in-situ soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="78" />
      <source>NRCS SNOTEL/SCAN reports, ISMN archives or a CSV to station points and a table of daily soil moisture (m³/m³).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="82" />
      <source>Reads in-situ soil moisture into a station point layer and a measurement table that "Validate against in-situ data" reads back.

Formats: NRCS SNOTEL / SCAN daily reports as CSV (report generator layout: soil moisture in % at depths in inches, optional SWE, snow depth and air / soil temperature columns); ISMN "header + values" downloads (the zip, its unzipped folder or .stm files; quality flags kept; air and soil temperature files of the same station are joined); a generic CSV with the columns station, date, soil_moisture (m³/m³) and optionally latitude, longitude (WGS84), depth_m, flag, swe_mm, snow_depth_mm, air_temp_c, soil_temp_c.

Units in the table: soil moisture m³/m³ (% / 100), depths m (2 in = 0.0508 m), SWE and snow depth mm, temperatures °C. Sub-daily records (ISMN) are kept as they are; the validation screens them and takes daily means.

Station coordinates come from the file (ISMN, or latitude/longitude columns) or from a station point layer joined on its station id field: an NRCS triplet such as "335:CO:SNTL" (e.g. the NRCS station list) matches site 335 in state CO of a SNOTEL report.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="99" />
      <source>In-situ files</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="99" />
      <source>One or more files: NRCS SNOTEL/SCAN report CSVs, ISMN zips or .stm files (an unzipped ISMN folder can be given as a path), or generic CSVs. All must be of the chosen format.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="104" />
      <source>Format</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="104" />
      <source>The file format; "Detect" recognises ISMN by .zip/.stm, NRCS reports by their "Soil Moisture Percent" columns, and reads any other CSV as generic.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="108" />
      <source>Station locations</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="108" />
      <source>Point layer with the stations, for files that hold no coordinates (NRCS reports), e.g. the NRCS SNOTEL station list. Its positions win over those in the files.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="93" />
      <source>Station id field</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="112" />
      <source>Field of the station layer holding the station id (e.g. stationTriplet "335:CO:SNTL"). Empty: the first of {} that exists.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="117" />
      <source>Soil moisture of the generic CSV is in %</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="117" />
      <source>Tick when the generic CSV gives volumetric soil moisture in % (it is divided by 100). Values above 1 given as m³/m³ are refused.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="193" />
      <source>Stations</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="122" />
      <source>Point layer (EPSG:4326) of the stations: id, name, network, elevation (m), number of records, first and last date, sensor depths (m).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="98" />
      <source>In-situ soil moisture table</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="126" />
      <source>Table without geometry, one row per observation: {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="130" />
      <source>Number of stations</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="131" />
      <source>Number of soil moisture records</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="136" />
      <source>Give at least one in-situ file.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="207" />
      <source>Cancelled by the user; no output was written.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="184" />
      <source>{} station(s), {} soil moisture records.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="195" />
      <source>Choose the station id field of the station layer (none of {} exists).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_insitu.py" line="198" />
      <source>Station ids from the field "{}" of the station layer.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="49" />
      <source>Import MODIS / VIIRS LST and vegetation index</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="58" />
      <source>MODIS or VIIRS LST or vegetation index (tiles or exports) to one quality-filtered GeoTIFF in physical units, one band per date.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="62" />
      <source>Imports MODIS or VIIRS land surface temperature or vegetation index into one GeoTIFF ready for the downscaling: physical units, quality-filtered, one band per date. It reads the tiles as downloaded from NASA LP DAAC (MODIS HDF4-EOS .hdf, VIIRS HDF-EOS5 .h5) and GeoTIFFs exported by AppEEARS or Google Earth Engine.

Products ({}) are recognised from the file name and the file metadata. LST (LST_Day_1km, LST_1KM) is in kelvin (DN × 0.02), keeping pixels whose QC says "good quality" (optionally also "other" / "unreliable" quality); NDVI or EVI is DN / 10000, keeping pixel reliability "good" (VIIRS: excellent, good, acceptable; optionally also "marginal"). VIIRS scale, offset and fill values come from the field attributes and the grid from the StructMetadata. Fill values, out-of-range values and rejected pixels become nodata (-9999).

Exports: AppEEARS files (e.g. MOD11A1.061_LST_Day_1km_doy2021227_aid0001.tif) are paired with the quality file of the same product, date and request (…_QC_Day_…); Earth Engine files are read by their band names (LST_Day_1km, QC_Day, LST_1KM, QC, NDVI, SummaryQA, pixel_reliability). The date comes from the name (doyYYYYDDD, YYYY_MM_DD, YYYYMMDD) or the ACQUISITION_DATE metadata. The scale is applied exactly once: values already in kelvin (or °C) or already within ±1 are recognised. Every decision is written to the log.

Tiles of one date are mosaicked; several dates become one band per date, sorted, with the date in the band description and the ACQUISITION_DATE metadata (read by "Downscale soil moisture"). All files must be one product: import LST and NDVI, or Terra and Aqua, separately.

By default the output stays on the native MODIS sinusoidal grid. Give a target CRS, extent and/or pixel size, or a reference raster whose grid is copied, to warp it (average resampling when coarsening, bilinear otherwise). An extent alone (or with the native pixel size) cuts the native grid without resampling. For LST, the optional view time output holds the local solar time of each observation (hours).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="89" />
      <source>MODIS / VIIRS files or exports</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="89" />
      <source>One or more files of one product: MODIS .hdf tiles (e.g. MOD11A1.A2021227.h11v05.061.*.hdf), VIIRS .h5 tiles (e.g. VNP21A1D.A2021227.h09v05.002.*.h5), or AppEEARS / Earth Engine GeoTIFFs with their quality files or bands. Tiles of the same date are mosaicked; each date becomes one band.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="72" />
      <source>Variable</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="96" />
      <source>What to import. "From the files" takes LST from MOD11/MYD11 and NDVI from MOD13/MYD13; choosing a variable also checks that the files hold it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="101" />
      <source>Pixels kept</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="101" />
      <source>Quality filter: good quality only (default), or also LST of "other quality" (QC bits 0-1 = 01) and vegetation index of "marginal" reliability (MODIS 1, VIIRS 3), or no screening (for exports without a quality layer).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="107" />
      <source>Target CRS</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="107" />
      <source>CRS of the output. Empty: the native CRS (MODIS / VIIRS sinusoidal for tiles).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="109" />
      <source>Target extent</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="109" />
      <source>Area of the output, in any CRS (it is transformed into the target CRS). Empty: all of the tiles.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="112" />
      <source>Target pixel size</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="112" />
      <source>Pixel size of the output in target CRS units (metres, or degrees for a geographic CRS). Empty: about the native 926.6 m (1 km products), 463.3 m (VNP13A1) or 231.7 m (MOD13Q1).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="118" />
      <source>Reference grid (copy its grid)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="118" />
      <source>A raster whose CRS, extent and pixel size the output copies exactly, e.g. a layer of the map. Do not combine with the target CRS, extent or pixel size.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="122" />
      <source>Imported LST / vegetation index</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="122" />
      <source>Float32 GeoTIFF, one band per date: LST in kelvin or NDVI/EVI (-1..1), nodata -9999.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="124" />
      <source>LST view time (hours)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="124" />
      <source>LST products only: Day_view_time / View_Time as local solar time in hours (DN × 0.1), on the same grid and dates as the LST, nodata where the LST is nodata.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="94" />
      <source>Product</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="93" />
      <source>Dates (band order)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="141" />
      <source>Pixels of "other" / "marginal" quality are included.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="143" />
      <source>No quality screening: every valid value is kept.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="144" />
      <source>Valid pixels per date: {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_modis.py" line="148" />
      <source>{} LST (K)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="37" />
      <source>Import soil moisture product</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="45" />
      <source>ESA CCI / C3S, SMAP or SMOS soil moisture files to one dated GeoTIFF stack in m³/m³.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="48" />
      <source>Imports satellite soil moisture into one GeoTIFF ready for the downscaling: volumetric soil moisture in m³/m³, one band per date. Reads ESA CCI or C3S NetCDF files (Level 3, 0.25°; daily, dekadal or monthly), SMAP L3 radiometer HDF5 files (SPL3SMP 36 km, SPL3SMP_E 9 km), SMOS L3 CATDS netCDF files (25 km) and AppEEARS / Earth Engine GeoTIFF exports of SMAP.

CCI / C3S files carry no CRS that GDAL reads: the grid is checked to be the 0.25° CCI grid (origin -180°, 90°) and EPSG:4326 is assigned. SMAP and SMOS files are checked to be on the global EASE-Grid 2.0 (EPSG:6933; 964 × 406 cells of 36 km, 3856 × 1624 of 9 km, 1388 × 584 of 25 km) and keep that grid. Cells that are missing or not of recommended quality (the CCI flag: frozen soil, snow, dense vegetation; SMAP retrieval_qual_flag bit 0) become nodata (-9999). SMAP has a 6 am (AM) and a 6 pm (PM) retrieval: choose one.

The date of each file comes from its time variable and is checked against the file name. Several files become one band per date, sorted, with the date in the band description and the ACQUISITION_DATE metadata. All files must be one series (same grid, sensor and temporal resolution).

The optional extent (any CRS) clips the output to the cells it touches.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="65" />
      <source>Soil moisture files</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="65" />
      <source>One or more files of one product: ESA CCI / C3S .nc (e.g. C3S-SOILMOISTURE-L3S-SSMV-COMBINED-MONTHLY-20180101000000-ICDR-v201706.0.0.nc), SMAP .h5 (e.g. SMAP_L3_SM_P_E_20210815_R18240_001.h5), SMOS CATDS .nc (e.g. SM_OPER_MIR_CLF31A_20210815T000000_20210815T235959_300_001_7.DBL.nc) or SMAP GeoTIFF exports with their quality layers.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="72" />
      <source>Variable to import: "sm" is the product's soil moisture (CCI / C3S sm, SMAP soil_moisture, SMOS Soil_Moisture); another name reads that variable (e.g. soil_moisture_dca in the SMAP overpass group).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="76" />
      <source>Clip to extent</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="76" />
      <source>Area to keep, in any CRS (transformed to latitude/longitude); the output keeps whole 0.25° cells. Empty: the whole grid.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="79" />
      <source>Soil moisture stack</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="79" />
      <source>Float32 GeoTIFF on the product's grid (EPSG:4326 for CCI / C3S, EPSG:6933 for SMAP and SMOS), m³/m³, nodata -9999, one band per date.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="82" />
      <source>Retrievals kept</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="82" />
      <source>Recommended quality only (default: the CCI / C3S flag and SMAP retrieval_qual_flag bit 0 screen), or every retrieval that is not fill. SMOS L3 has no recommended-quality flag.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="89" />
      <source>SMAP overpass</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="89" />
      <source>SMAP files hold a 6 am (descending) and a 6 pm (ascending) retrieval; the AM one is recommended (near thermal equilibrium). Ignored for other products.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="111" />
      <source>Valid cells per date: {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/import_soil_moisture.py" line="114" />
      <source>Soil moisture (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="57" />
      <source>Validate against in-situ data</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="64" />
      <source>Downscaled maps or series (and the coarse product) against in-situ stations: R, bias, RMSE, ubRMSE, with a report.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="68" />
      <source>Compares soil moisture rasters with in-situ measurements at stations: the downscaled map, the coarse product, comparison methods…

Each raster is one date (ACQUISITION_DATE metadata, or a date in the file name) or a series with one date per band (band descriptions YYYY-MM-DD, as written by the plugin). Each station is matched to the pixel that contains it, or to the mean of the valid pixels of the 3×3 block around it; only those pixels are read. The stations and the table come from "Import in-situ soil moisture".

The shallowest sensor of each station is used unless a depth is given. In-situ records are screened (each screen can be switched off and is reported with the number of records it removed): snow (SWE &gt; 0 or snow depth &gt; 0), frozen soil (soil or air temperature ≤ 0 °C) and ISMN quality flags other than the good ones; then daily means are taken.

Metrics (x = raster, y = in situ, m³/m³): n, Pearson R with its 95 % interval, bias = mean(x − y), RMSE and ubRMSE, per station with at least the minimum number of pairs, their mean and median across stations, and pooled over all pairs. Outputs: the stations with the metrics of every raster (styled by the R of the first raster), a CSV of the matched pairs and an HTML report with scatter plots, a map and time series.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="86" />
      <source>Soil moisture rasters or series</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="86" />
      <source>Rasters in m³/m³ to evaluate, e.g. the downscaled map or series, the coarse product and comparison methods. The first one styles the station layer.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="90" />
      <source>Station points, e.g. the "Stations" output of "Import in-situ soil moisture". Any CRS.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="93" />
      <source>Field of the station layer with the ids used in the table's "station" column (empty: "station", as written by "Import in-situ soil moisture").</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="98" />
      <source>The table written by "Import in-situ soil moisture" (fields {}).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="200" />
      <source>Matching</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="102" />
      <source>Raster value compared with a station: the pixel containing it (for a coarse product: its cell), or the mean of the valid pixels of the 3×3 block around it.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="107" />
      <source>Sensor depth (m)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="107" />
      <source>Depth of the sensors to use, in metres (e.g. 0.05); the nearest sensor within 2 cm is taken. Empty: the shallowest sensor of each station.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="112" />
      <source>Remove snow-covered days</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="112" />
      <source>Remove records with SWE &gt; 0 or snow depth &gt; 0 (when the table has them).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="115" />
      <source>Remove frozen soil</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="115" />
      <source>Remove records with soil or air temperature ≤ 0 °C (when the table has them).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="118" />
      <source>Remove bad quality flags</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="118" />
      <source>Remove records whose quality flag (ISMN) is not one of the good flags. Records without a flag (NRCS reports) are kept.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="122" />
      <source>Good quality flags</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="122" />
      <source>Comma-separated flags counted as good (ISMN: G). A record flagged "D01,D02" is good only when every part is. Some archives use other codes (the SCAN test archive flags most hours "U"); when the screening removes everything, the message lists the flags found.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="206" />
      <source>Minimum pairs per station</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="128" />
      <source>Stations with fewer matched dates get no metrics (R needs at least 4 pairs for its interval).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="133" />
      <source>Station metrics</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="133" />
      <source>The stations with, per raster, &lt;name&gt;_n, _r, _r_low, _r_high (95 % interval), _bias, _rmse, _ubrmse; styled by the R of the first raster.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="137" />
      <source>Matched pairs</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="137" />
      <source>CSV files (*.csv)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="137" />
      <source>CSV with one row per matched pair: {}.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="141" />
      <source>Validation report</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="141" />
      <source>HTML report: summary, screening, metrics per station, scatter plots with the 1:1 line, a map of the stations and the time series per station.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Pairs of the first raster (validated stations)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Stations validated against the first raster</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Mean R across stations (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Median R across stations (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Pooled R (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Pooled bias, m³/m³ (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Pooled RMSE, m³/m³ (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="145" />
      <source>Pooled ubRMSE, m³/m³ (first raster)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="159" />
      <source>Give at least one soil moisture raster.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="163" />
      <source>The raster "{}" is not file-based ({} provider). Save it as a GeoTIFF first.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="171" />
      <source>The station layer has no field "{}"; choose the station id field.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="187" />
      <source>The station layer has no CRS: assign one (Layer Properties ▸ Source).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="195" />
      <source>The in-situ table has no field {} (fields: {}). Use the table written by "Import in-situ soil moisture", which reads NRCS, ISMN and generic CSV files.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="221" />
      <source>Some rows of the in-situ table have no valid date (YYYY-MM-DD).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/algorithms/validate.py" line="276" />
      <source>In-situ validation ({})</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/outputs.py" line="31" />
      <source>HTML files (*.html)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/outputs.py" line="43" />
      <source>Report written: {} (open it from Processing ▸ Results Viewer).</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/provider.py" line="43" />
      <source>Soil moisture downscaling (terrain-aware, self-adaptive window)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../processing/settings.py" line="16" />
      <source>Memory budget for fine-grid blocks (MB): larger is faster, smaller fits small machines</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="100" />
      <source>Coarse product</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="102" />
      <source>Click on the map to inspect a pixel.</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="234" />
      <source>choose a layer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="236" />
      <source>Layer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="237" />
      <source>Band</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="241" />
      <source>outside the layer</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="243" />
      <source>no data</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="257" />
      <source>Coarse cell</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="383" />
      <source>downscaled pixel</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="386" />
      <source>coarse cell</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="390" />
      <source>station {} ({:.1f} km)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/inspector.py" line="396" />
      <source>soil moisture (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../ui/sample_data.py" line="29" />
      <source>Soil moisture sample (Colorado, 2021-07-15)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="145" />
      <source>Coarse soil moisture</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="145" />
      <source>LST</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="145" />
      <source>DEM</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="163" />
      <source>(none)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="153" />
      <source>yes</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="153" />
      <source>no</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="155" />
      <source>Selection</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="155" />
      <source>Terrain correction</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="157" />
      <source>Half-windows (cells)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="158" />
      <source>Minimum valid fraction</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="159" />
      <source>Soil moisture bounds (m³/m³)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="160" />
      <source>Fill gaps</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="161" />
      <source>Noise filter</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="163" />
      <source>Sun</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/downscaling.py" line="165" />
      <source>Memory budget (MB)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="192" />
      <source>Raster {}</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="193" />
      <source>In-situ records</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="199" />
      <source>on</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="199" />
      <source>off</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="201" />
      <source>Depth (m)</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="201" />
      <source>shallowest</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="202" />
      <source>Snow screening</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="203" />
      <source>Frozen-soil screening</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="204" />
      <source>Flag screening</source>
      <translation type="unfinished" />
    </message>
    <message>
      <location filename="../report/validation.py" line="204" />
      <source>on (good: {})</source>
      <translation type="unfinished" />
    </message>
  </context>
</TS>
