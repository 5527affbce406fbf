# Soil Moisture Downscaling: demo, tests, package, benchmarks.
# QGIS and GDAL live in Debian's Python: always use it, never the first python3 on PATH.
PYTHON ?= /usr/bin/python3
PLUGIN := soil_moisture_downscaling
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test test-fast test-matrix lint package bench bench-quick clean translations models help screenshots

demo:
	bash scripts/demo.sh

test:
	$(PYTHON) -P -m pytest -ra $(PYTEST_ARGS) tests

# The suite on QGIS 3.22 (here), 3.40 LTR (Debian 13 root) and the latest (Debian unstable root).
# Needs root; SMD_REUSE_ROOTS=1 reuses the roots of an earlier run (see scripts/test_matrix.sh).
test-matrix:
	bash scripts/test_matrix.sh

# The tests that do not start QGIS: seconds to a minute, for the edit-run loop.
test-fast:
	$(PYTHON) -P -m pytest -ra -m "not slow" tests

lint:
	bash scripts/lint.sh

# i18n/soil_moisture_downscaling.ts from the sources (pylupdate5), .qm for translated locales (lrelease).
translations:
	bash scripts/ensure_deps.sh
	$(PYTHON) -P scripts/update_translations.py

# models/*.model3 (the example models) from the algorithms.
models:
	$(PYTHON) -P scripts/make_models.py

# docs/help/<algorithm>.md from the algorithms.
help:
	$(PYTHON) -P scripts/make_help.py

# docs/*.png: the desktop tests (QGIS under Xvfb), saving what they show.
screenshots:
	bash scripts/ensure_deps.sh
	SMD_SCREENSHOTS=$(CURDIR)/docs $(PYTHON) -P -m pytest -q tests/test_desktop*.py

package:
	bash scripts/package.sh

bench:
	$(PYTHON) -P benchmarks/run_all.py

bench-quick:
	$(PYTHON) -P benchmarks/run_all.py --quick

clean:
	rm -rf demo_output dist
