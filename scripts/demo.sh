#!/usr/bin/env bash
# make demo: downscale the bundled sample scene with qgis_process.bin and write
# demo_output/{downscaled_soil_moisture.tif,.qml, diagnostics.tif, report.html, map.png}.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure_deps.sh
source scripts/qgis_env.sh
trap 'rm -rf "$SMD_PROFILE"' EXIT
OUT="$REPO_ROOT/demo_output"
mkdir -p "$OUT"
S="$REPO_ROOT/sample_data"
"$QGIS_PROCESS" --json run soilmoisture:downscale -- \
  COARSE_SM="$S/coarse_soil_moisture_025deg.tif" LST="$S/lst_modis_like_K.tif" NDVI="$S/ndvi.tif" \
  DEM="$S/dem_1km.tif" ACQUISITION_DATE=2021-07-15 METHOD=0 \
  OUTPUT="$OUT/downscaled_soil_moisture.tif" DIAGNOSTICS="$OUT/diagnostics.tif" REPORT="$OUT/report.html" \
  > "$OUT/qgis_process_result.json"
/usr/bin/python3 -P scripts/render_map.py "$OUT/downscaled_soil_moisture.tif" "$OUT/map.png" \
  --coarse "$S/coarse_soil_moisture_025deg.tif" --truth "$S/true_soil_moisture.tif"
echo "Demo outputs in $OUT:"
ls -1 "$OUT"
