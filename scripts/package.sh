#!/usr/bin/env bash
# make package: dist/soil_moisture_downscaling-<version>.zip for QGIS's "Install from ZIP":
# one top folder named soil_moisture_downscaling, LICENSE inside, the sample scene, the example models,
# icons and translations; no tests, test data, benchmarks or caches.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version=//p' metadata.txt)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
target="$stage/soil_moisture_downscaling"
dist="${DIST_DIR:-dist}"
mkdir -p "$target" "$dist"
git ls-files -z -- metadata.txt __init__.py plugin.py compat.py translation.py icon.svg LICENSE README.md core processing report ui \
    icons i18n models sample_data \
  | xargs -0 -I{} cp --parents {} "$target/"
find "$target" -name '__pycache__' -prune -exec rm -rf {} +
out="$(cd "$dist" && pwd)/soil_moisture_downscaling-$version.zip"
rm -f "$out"
(cd "$stage" && zip -q -r -X "$out" soil_moisture_downscaling)
echo "Built $out"
