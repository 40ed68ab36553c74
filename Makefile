# The two commands: `make run` (the demo on http://127.0.0.1:8000) and `make test`.
# Everything else here is what those two need, and can be run on its own.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
DIST := static/dist/civicmarkets.css

.PHONY: run test install lint format check-deploy bench lock audit browser clean

run: install
	$(PY) scripts/devenv.py run

test: install browser lint
	$(PY) scripts/devenv.py test -- $(VENV)/bin/pytest $(PYTEST_ARGS)

install: $(STAMP_PY) $(DIST)

$(STAMP_PY): pyproject.toml requirements.lock requirements-dev.lock
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The build also checks every {% static %} name in the templates, so a template change re-runs it.
$(DIST): $(STAMP_NPM) static/build.mjs $(wildcard static/src/*) $(wildcard static/src/images/*) \
		$(shell find templates -name '*.html')
	npm run --silent build

# Browser tests drive Debian's Chromium: Playwright's own browser download cannot work offline.
browser:
	@bash scripts/ensure-chromium.sh

lint: $(STAMP_PY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r . -q

# Known vulnerabilities in requirements*.lock (pip-audit) and package-lock.json (npm audit),
# and bandit. Says NOT CHECKED, and exits 2, where the vulnerability databases cannot be
# reached (as from the development machines); exits 1 on any finding. See scripts/audit.py.
audit: $(STAMP_PY) $(STAMP_NPM)
	$(PY) scripts/audit.py

format: $(STAMP_PY)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) scripts/devenv.py test -- $(PY) bench/run.py $(BENCH_ARGS)

# Rewrites the two lock files from pyproject.toml's ranges, in throwaway virtualenvs.
lock:
	rm -rf /tmp/civicmarkets-lock && $(PYTHON) -m venv /tmp/civicmarkets-lock
	/tmp/civicmarkets-lock/bin/pip install --quiet --upgrade pip
	/tmp/civicmarkets-lock/bin/pip install --quiet .
	/tmp/civicmarkets-lock/bin/pip freeze --exclude civicmarkets > requirements.lock
	/tmp/civicmarkets-lock/bin/pip install --quiet '.[dev]'
	(echo "-r requirements.lock"; /tmp/civicmarkets-lock/bin/pip freeze --exclude civicmarkets \
		| grep -vxFf requirements.lock) > requirements-dev.lock
	rm -rf /tmp/civicmarkets-lock build *.egg-info

clean:
	rm -rf $(VENV) node_modules static/dist
