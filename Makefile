# Set-up and checks; every target creates the virtual environment it needs.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/dedup-gui: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/dedup-gui
	$(BIN)/dedup-gui

lint: $(BIN)/dedup-gui
	$(BIN)/ruff check .
	$(BIN)/ruff format --check dedup_gui
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(BIN)/dedup-gui
	$(BIN)/python bench/bench_scan.py ../shared/evaldata/dev/photos
	$(BIN)/python bench/bench_hash_search.py

clean:
	rm -rf $(VENV) build *.egg-info
