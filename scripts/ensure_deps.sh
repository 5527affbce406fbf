#!/usr/bin/env bash
# Install what the plugin's demo and tests need on Debian 12, only when missing.
set -euo pipefail
missing=()
[ -x /usr/bin/qgis_process.bin ] || missing+=(qgis qgis-providers)
/usr/bin/python3 -c 'import qgis.core' 2>/dev/null || missing+=(python3-qgis)
/usr/bin/python3 -c 'from osgeo import gdal' 2>/dev/null || missing+=(python3-gdal gdal-bin)
/usr/bin/python3 -c 'import scipy' 2>/dev/null || missing+=(python3-scipy)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
# Tests only: writes and reads the synthetic VIIRS / SMAP fixtures (the plugin reads HDF5 with GDAL).
/usr/bin/python3 -c 'import h5py' 2>/dev/null || missing+=(python3-h5py)
# Tests of the Dask runs (issue 14); users pip-install the extra soil_moisture_downscaling[dask] instead.
/usr/bin/python3 -c 'import distributed' 2>/dev/null || missing+=(python3-dask python3-distributed)
command -v zip >/dev/null || missing+=(zip)
command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
command -v make >/dev/null || missing+=(make)
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)   # make lint: ruff in a venv
# make translations: pylupdate5 writes the .ts template, lrelease compiles translations (and the tests' .qm).
command -v pylupdate5 >/dev/null || missing+=(pyqt5-dev-tools)
command -v lrelease >/dev/null || missing+=(qttools5-dev-tools)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    "${missing[@]}" python3-qgis qgis-providers gdal-bin python3-gdal python3-scipy python3-matplotlib python3-pytest \
    python3-dask python3-distributed
fi
