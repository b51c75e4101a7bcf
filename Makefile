# Kelas KIM: make run (serve on http://127.0.0.1:5000), make test (the whole suite), make bench.
PYTHON ?= python3
VENV := .venv
LRS_VENV := .venv-lrs
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi.py FLASK_DEBUG=1 $(BIN)/flask

AXE := tests/axe/node_modules/axe-core/axe.min.js
# One pytest worker per core (pytest-xdist); each test file stays on one worker, so a module's own
# servers (gunicorn, Redis, nginx) start once. Each worker has its own database (tests/conftest.py).
# Files are handed out in their alphabetical order (--no-loadscope-reorder): the long browser and authoring
# journeys (test_authoring_*, test_browser_*) then start early, instead of last for having few tests each.
PYTEST_WORKERS ?= -n auto --dist loadfile --no-loadscope-reorder
# Each worker imports the app and every test module: let Python keep their compiled bytecode (__pycache__/,
# ignored by git) even where the environment turns that off, so that the next run does not compile them again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test bench setup db clean translations axe

$(BIN)/activate:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "Python venv belum terpasang: jalankan 'sudo apt install python3-venv' lalu ulangi."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Ralph, the LRS of the xAPI tests, lives in its own virtualenv (its pins differ from the app's).
# Without it (no network) the LRS tests skip and say how to install it.
$(LRS_VENV)/.installed: tests/requirements-lrs.txt
	@$(PYTHON) -m venv $(LRS_VENV) && $(LRS_VENV)/bin/pip install --quiet -r tests/requirements-lrs.txt && touch $@ \
	  || echo "Ralph (LRS) tidak terpasang: tes xAPI dengan LRS akan dilewati."

setup: $(VENV)/.installed

db: setup
	$(FLASK) db upgrade
	$(FLASK) courses import courses/
	$(FLASK) demo

run: db
	$(FLASK) run --host 127.0.0.1 --port 5000

# axe-core, for the accessibility checks of the browser tests, from npm into tests/axe/node_modules/ (not committed).
$(AXE): tests/axe/package.json tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE)

test: $(VENV)/.installed-dev $(LRS_VENV)/.installed
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory axe || echo "axe-core tidak dapat dipasang dari npm: uji aksesibilitas dilewati"; else echo "npm tidak terpasang: uji aksesibilitas (axe-core) dilewati. Pasang: apt-get install -y npm"; fi
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_WORKERS)

bench: $(VENV)/.installed-dev
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(LRS_VENV) instance .pytest_cache tests/axe/node_modules

# Refresh the English catalogue after changing user-visible strings, then translate the new
# entries in app/translations/en/LC_MESSAGES/messages.po and run `make translations` again.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F app/translations/babel.cfg -k _l -o app/translations/messages.pot --no-location --sort-output --omit-header .
	@if [ -f app/translations/en/LC_MESSAGES/messages.po ]; then \
	  $(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l en --no-fuzzy-matching --ignore-obsolete; \
	else $(BIN)/pybabel init -i app/translations/messages.pot -d app/translations -l en; fi
	$(BIN)/pybabel compile -d app/translations
