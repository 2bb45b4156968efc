# Set-up and checks; every target creates the virtual environment it needs.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint bench clean

$(BIN)/dedup-gui: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/dedup-gui prepare
	touch $@

run: $(BIN)/dedup-gui
	$(BIN)/dedup-gui

lint: $(BIN)/dedup-gui
	$(BIN)/ruff check .
	$(BIN)/ruff format --check dedup_gui
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(BIN)/dedup-gui
	$(BIN)/python bench/bench_scan.py ../shared/evaldata/dev/photos
	$(BIN)/python bench/bench_hash_search.py

clean:
	rm -rf $(VENV) build *.egg-info

# The one-folder app bundle, dist/dedup-gui/ (see packaging/ and the README). Not part of `make test`: the build
# takes minutes. packaging/smoke_test.sh builds it and checks it runs headless with no torch inside.
.PHONY: package
package: $(BIN)/dedup-gui
	$(BIN)/pip install --quiet 'pyinstaller>=6.10'
	$(BIN)/python packaging/export_model.py build/model
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/dedup-gui.spec
	du -sh dist/dedup-gui
