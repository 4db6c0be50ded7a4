# The two commands a newcomer needs: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test serve bench bench-smoke dev demo-data clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $(STAMP)

## run: ingest the bundled synthetic submissions and materialize every asset for every year
run: $(STAMP)
	$(VENV)/bin/dti demo
	$(VENV)/bin/dti run

## test: lint and format check, then the whole test suite in random order, the seed printed (installs Debian's
## chromium for the portal's browser tests if missing). Without the pipeline runs: .venv/bin/python -m pytest -m "not slow"
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	scripts/ensure-chromium.sh
	$(VENV)/bin/python -m pytest

## serve: the download portal on http://127.0.0.1:8080 over the releases of the data home
serve: $(STAMP)
	$(VENV)/bin/dti serve

## bench: the benchmark harness; figures in build/bench/results.json and BENCHMARKS.md (about 15 minutes)
bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.run

## bench-smoke: the harness at tiny sizes (the test suite runs it too)
bench-smoke: $(STAMP)
	$(VENV)/bin/python -m benchmarks.run --smoke --out build/bench-smoke

## dev: the Dagster UI on http://127.0.0.1:3000 (UI_PORT=...) over the same data home
UI_PORT ?= 3000
dev: $(STAMP)
	$(VENV)/bin/dti ui --port $(UI_PORT)

## demo-data: regenerate the bundled synthetic submissions in demo/inbox
demo-data: $(STAMP)
	$(VENV)/bin/python scripts/generate_demo_data.py

clean:
	rm -rf $(VENV) $(TOOLS) data
