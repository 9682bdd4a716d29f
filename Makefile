# Two entry points, each of which sets everything up from nothing:
#   make demo   installs live_nb and runs the quickstart notebook headless
#   make test   installs live_nb with its test tools and runs the whole suite
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --quiet

.PHONY: demo test lint browser bench clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.demo-installed: $(PY) pyproject.toml js/package.json $(shell find js/src js/lab/src -name '*.js') js/lab/package.json
	$(PIP) install -e ".[notebook]"
	touch $@

$(VENV)/.test-installed: $(PY) pyproject.toml js/package.json $(shell find js/src js/lab/src -name '*.js') js/lab/package.json
	$(PIP) install -e ".[notebook,test,oracle,integrations]"
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(PY) notebooks/run_quickstart.py

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check live_nb tests benchmarks notebooks/run_quickstart.py
	$(VENV)/bin/ruff format --check live_nb tests benchmarks notebooks/run_quickstart.py
	$(VENV)/bin/mypy

# tests/e2e drive JupyterLab in Debian's Chromium, which a fresh machine lacks: installed here
# when running as root (as CI does); otherwise those tests skip and say how to install it.
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: lint browser
	cd js && npm run check && npm test
	$(VENV)/bin/pytest

bench: $(VENV)/.test-installed
	$(PY) benchmarks/bench_logging.py

clean:
	rm -rf $(VENV) live_nb/static live_nb/labextension js/node_modules js/lab/node_modules js/lab/build
