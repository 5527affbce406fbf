#!/usr/bin/env bash
# Side venv for the optional outside peer of the accuracy benchmark (GWR from mgwr) and for
# profiling (pyinstrument). QGIS's Python must stay untouched: the venv sees the system
# packages (GDAL, numpy, scipy) and pins numpy 1.24.2 so that GDAL's bindings keep working.
# Usage: bash benchmarks/setup_gwr_venv.sh [/tmp/mgwr_venv]
set -euo pipefail
VENV="${1:-${SMD_GWR_VENV:-/tmp/mgwr_venv}}"
if [ ! -x "$VENV/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
"$VENV/bin/pip" install -q "numpy==1.24.2" "mgwr==2.2.1" "pyinstrument"
"$VENV/bin/python" -c "import mgwr, numpy, osgeo.gdal; print('mgwr', mgwr.__version__, 'numpy', numpy.__version__)"
