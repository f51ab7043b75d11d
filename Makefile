# The README's two commands are `make run` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

VENDOR := web/static/vendor
ASSETS := $(VENDOR)/.copied

CATALOGS := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test lint types pytest setup assets translations messages clean bench bench-scheduler \
        bench-demo bench-api bench-scale bench-metrics bench-migration bench-history models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# npm packages are pinned in package.json/package-lock.json; their prebuilt files are copied,
# never built. web/static/vendor is generated, not committed.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap-italia $(VENDOR)/bpmn-js $(VENDOR)/swagger-ui
	cp -r node_modules/bootstrap-italia/dist/css node_modules/bootstrap-italia/dist/js \
	      node_modules/bootstrap-italia/dist/fonts node_modules/bootstrap-italia/dist/svg \
	      $(VENDOR)/bootstrap-italia/
	cp node_modules/bpmn-js/dist/bpmn-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js \
	   node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui/
	touch $(ASSETS)

assets: $(ASSETS)

# UI text is Italian in the source; other languages are catalogues compiled here (the .mo files
# are committed too, so a bare `pytest` works from a clean clone).
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(CATALOGS)

# After changing UI text: extract it and merge it into the catalogues, then translate the .po.
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location \
	  --project Percorsi --copyright-holder Percorsi -o web/translations/messages.pot .
	$(BIN)/pybabel -q update -i web/translations/messages.pot -d web/translations --width 100 \
	  --ignore-obsolete
	# No creation date: an extraction that finds nothing new leaves every file as it was.
	sed -i '/^"POT-Creation-Date: /d' web/translations/messages.pot web/translations/*/LC_MESSAGES/messages.po

setup: $(STAMP) $(ASSETS) translations
	$(BIN)/percorsi init
	$(BIN)/percorsi seed
	$(BIN)/percorsi deploy --bundled
	$(BIN)/percorsi demo --if-empty

models: $(STAMP)
	$(BIN)/python -m workflows.modelgen.build_models

run: setup
	$(BIN)/percorsi serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(ASSETS) translations
	$(BIN)/pytest -q

test: lint types pytest

bench: $(STAMP)
	$(BIN)/python bench/engine.py

bench-scheduler: $(STAMP)
	$(BIN)/python bench/scheduler.py

bench-demo: $(STAMP)
	$(BIN)/python -m bench.demo 500

bench-api: $(STAMP)
	$(BIN)/python bench/api.py

# The worklist, cases, dashboard and scheduler at 1x and at 50,000 open cases / 1,000,000 tasks;
# PERCORSI_BENCH_DATABASE_URL adds PostgreSQL. Data sets are cached in instance/bench-scale/.
bench-scale: $(STAMP) $(ASSETS) translations
	$(BIN)/python bench/scale.py

bench-metrics: $(STAMP)
	$(BIN)/python bench/metrics.py

bench-migration: $(STAMP)
	$(BIN)/python bench/migration.py

# A restricted case read 700 times: its case page and its events API.
bench-history: $(STAMP) $(ASSETS) translations
	$(BIN)/python bench/history.py

clean:
	rm -rf $(VENV) instance node_modules $(VENDOR) .mypy_cache .ruff_cache .pytest_cache
