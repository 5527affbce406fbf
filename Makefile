# Soil Moisture Downscaling: demo, tests, package, benchmarks.
# QGIS and GDAL live in Debian's Python: always use it, never the first python3 on PATH.
PYTHON ?= /usr/bin/python3
PLUGIN := soil_moisture_downscaling
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test test-fast lint package bench bench-quick clean

demo:
	bash scripts/demo.sh

test:
	$(PYTHON) -P -m pytest -ra tests

# The tests that do not start QGIS: seconds to a minute, for the edit-run loop.
test-fast:
	$(PYTHON) -P -m pytest -ra -m "not slow" tests

lint:
	bash scripts/lint.sh

package:
	bash scripts/package.sh

bench:
	$(PYTHON) -P benchmarks/run_all.py

bench-quick:
	$(PYTHON) -P benchmarks/run_all.py --quick

clean:
	rm -rf demo_output dist
