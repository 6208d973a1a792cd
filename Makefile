# healthlib: build the patient-education site, and test it.
#
# On a fresh Debian machine two commands do all the set-up:
#     make build     # Python venv + the generator's dependencies, then builds site/ (make view shows it)
#     make test      # + test dependencies, Chromium/Java/poppler (apt, as root), npm tools, pytest
#
# Variables you may override:  make test VENV=/tmp/venv PYTEST_ARGS='-k skip_link -x'

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY = $(VENV)/bin/python
PYTHON ?= python3
PYTEST_ARGS ?=
# `make test` ends with `make audit` (Lighthouse, about two minutes); AUDIT=no leaves it out.
AUDIT ?= yes
# `make check CHECK_FORMAT=github`: GitHub Actions annotations (CI); html needs --output, see docs/editing.md.
CHECK_FORMAT ?= text
# `make build BUILD_ARGS=--no-pdf`: options for build.py build.
BUILD_ARGS ?=

# Every Python package the venv gets (runtime, `pdf` and `test` extras, and what they need),
# pinned with its sha256 hashes: pip refuses a file that differs from the one locked, so a
# package changed on the index cannot slip in. `make lock` writes it from pyproject.toml.
LOCK = requirements-lock.txt
# Stamp files: re-install when pyproject.toml or the lock changes (or the venv is new).
RUNTIME_STAMP = $(VENV)/.healthlib-runtime.stamp
TEST_STAMP = $(VENV)/.healthlib-test.stamp
# pip flags for installing from the lock, then healthlib itself without touching the index again.
PIP_LOCKED = --disable-pip-version-check -q --require-hashes -r $(LOCK)
PIP_SELF = --disable-pip-version-check -q --no-deps --no-build-isolation -e .
# npm's own record of what `npm ci` installed; newer than package-lock.json = up to date.
NPM_STAMP = node_modules/.package-lock.json

# Debian packages the tests use; each is installed only if its command is missing.
CHROMIUM = /usr/bin/chromium
APT_GET = DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help build test check serve view clean system-deps npm-deps venv audit bench compile test-other-python fuzz lock \
	i18n-extract i18n-update i18n-compile i18n-init

help:
	@echo "make build        build the site into site/ and print the page to open"
	@echo "make test         install everything the tests need, then run the whole test suite"
	@echo "make check        validate content only (build.py check --strict)"
	@echo "make audit        build, then Lighthouse scores for every page (fails below target)"
	@echo "make serve        preview with live reload while editing content"
	@echo "make view         look at the built site/ at http://127.0.0.1:8001/, as a web host serves it"
	@echo "make test-other-python  the fast paths' tests on /usr/bin/python3 too, if it is another release"
	@echo "make fuzz         search for slow or crashing Markdown: 10,000+ hostile examples (~5 min)"
	@echo "make i18n-update  collect the templates' words into locales/messages.pot and add new ones to every .po"
	@echo "make i18n-init LOCALE=pt_BR   start a catalog for a new language (docs/translations.md)"
	@echo "make i18n-compile compile every .po to .mo with statistics (the build reads the .po itself)"
	@echo "make lock         pin every Python package with its hashes in $(LOCK) (after editing pyproject.toml)"
	@echo "make bench        time the build against MkDocs, Pelican and Hugo, and with PDFs (~20 min; BENCH_ARGS=--quick)"
	@echo "make system-deps  apt-get install Chromium, poppler-utils and Java if missing (root)"
	@echo "make clean        remove .venv, .venv-bench, .venv-other, .venv-lock, node_modules, site/ (and .site-old) and .cache/"

# ---------------------------------------------------------------- Python venv

$(PY):
	$(PYTHON) -m venv $(VENV)

# One lock for building and testing: the `pdf` extra (WeasyPrint) makes the appointment sheets'
# PDFs (without Pango the build still succeeds and says once that it skipped them), and the test
# tools come along, so a build and CI use the very same files.
$(RUNTIME_STAMP) $(TEST_STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install $(PIP_LOCKED)
	$(PY) -m pip install $(PIP_SELF)
	@touch $(RUNTIME_STAMP) $(TEST_STAMP)

venv: $(TEST_STAMP)

# ---------------------------------------------------------------- system tools

# Chromium (browser tests), poppler-utils (pdfinfo/pdftoppm for PDF tests), a Java
# runtime (the Nu HTML Checker), npm, Pango (WeasyPrint's text layout, for the sheet PDFs)
# and Liberation Sans (Arial metrics: the printed sheet's font, so it breaks into the same
# pages). As root: apt-get installs what is missing.
# Not root: fail and say what to install.
system-deps:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium fonts-liberation fonts-dejavu-core"; \
	{ command -v pdfinfo && command -v pdftoppm; } >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing="$$missing fonts-liberation"; \
	if [ -z "$$missing" ]; then \
	    echo "system-deps: chromium, poppler-utils, java, npm, pango and fonts are present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "system-deps: installing$$missing"; \
	    $(APT_GET) update && $(APT_GET) install -y --no-install-recommends $$missing; \
	else \
	    echo "error: missing system packages:$$missing" >&2; \
	    echo "       the tests need them; install as root:  sudo apt-get install -y$$missing" >&2; \
	    echo "       (or run 'sudo make system-deps')" >&2; \
	    exit 1; \
	fi

# ---------------------------------------------------------------- npm tools

# vnu-jar (Nu HTML Checker) and axe-core, exact versions from package-lock.json.
# --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime;
# we use the system Java instead. --include=dev: even if NODE_ENV=production.
$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --include=dev --no-audit --no-fund
	@touch $@

npm-deps: system-deps $(NPM_STAMP)

# ---------------------------------------------------------------- targets

# Bytecode for healthlib, as installing a package makes it: where PYTHONDONTWRITEBYTECODE is set
# (containers, CI images) Python never writes it, and every build compiled the code again (0.15 s).
compile: $(RUNTIME_STAMP)
	@$(PY) -m compileall -q healthlib

build: compile
	$(PY) build.py build $(BUILD_ARGS)

test: $(TEST_STAMP) system-deps npm-deps compile
	$(PY) -m pytest -ra $(PYTEST_ARGS)
	@if [ "$(AUDIT)" != no ]; then $(MAKE) --no-print-directory audit; fi

check: compile
	$(PY) build.py check --strict --format $(CHECK_FORMAT)

serve: compile
	$(PY) build.py serve

# The built site/ at http://127.0.0.1:8001/, as a web host serves it (clean addresses, 404.html, search).
view: compile
	$(PY) build.py view

# The fast paths' tests again on the machine's own Python, when it is another release than the
# venv's: Debian 12's is 3.11.2, whose `re` had bugs fixed in 3.11.5 (markup.py). Those tests
# compare every fast path with the slow one it stands for. CI runs it after `make test`.
OTHER_PYTHON ?= /usr/bin/python3
OTHER_VENV = .venv-other
test-other-python: compile
	@other=$$($(OTHER_PYTHON) -c 'import sys; print(sys.version.split()[0])' 2>/dev/null); \
	ours=$$($(PY) -c 'import sys; print(sys.version.split()[0])'); \
	if [ -z "$$other" ] || [ "$$other" = "$$ours" ]; then \
	    echo "test-other-python: no other Python at $(OTHER_PYTHON) (ours is $$ours)"; \
	elif ! { [ -x $(OTHER_VENV)/bin/python ] || $(OTHER_PYTHON) -m venv $(OTHER_VENV); }; then \
	    echo "test-other-python: $(OTHER_PYTHON) ($$other) cannot make a venv; skipped"; \
	else \
	    echo "test-other-python: the fast paths' tests on Python $$other"; \
	    $(OTHER_VENV)/bin/python -m pip install $(PIP_LOCKED) && \
	    $(OTHER_VENV)/bin/python -m pip install $(PIP_SELF) && \
	    $(OTHER_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_fast_paths.py; \
	fi

# Fuzzing for slowness (tests/test_fuzz_markdown.py): 10,000+ nested and repetitive Markdown
# examples, each of which must end within its time budget in a page or a located error.
# `make test` runs a small, derandomized share of them.
FUZZ_EXAMPLES ?= 10000
fuzz: $(TEST_STAMP) compile
	HEALTHLIB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz_markdown.py

# ---------------------------------------------------------------- interface translations

# The templates' words (gettext message ids) and each language's translations of them, one .po
# per language in locales/<locale>/LC_MESSAGES/ (docs/translations.md). The build compiles the
# .po files itself, in memory, so no compiled .mo is committed or can go stale.
LOCALES = locales
POT = $(LOCALES)/messages.pot
PYBABEL = $(VENV)/bin/pybabel
LOCALE ?=

i18n-extract: $(RUNTIME_STAMP)
	$(PYBABEL) extract -F babel.cfg --add-location=file --sort-by-file --add-comments=Translators: --project healthlib \
	    --copyright-holder healthlib -o $(POT) .

i18n-update: i18n-extract
	@if ls $(LOCALES)/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	    $(PYBABEL) update -i $(POT) -d $(LOCALES) --ignore-obsolete; fi

i18n-init: i18n-extract
	@[ -n "$(LOCALE)" ] || { echo "error: say which language: make i18n-init LOCALE=pt_BR" >&2; exit 2; }
	$(PYBABEL) init -i $(POT) -d $(LOCALES) -l $(LOCALE)

i18n-compile: $(RUNTIME_STAMP)
	$(PYBABEL) compile -d $(LOCALES) --statistics

# The lock is written by pip-tools (pinned here) in a venv of its own, thrown away after, so it
# never mixes with the product's packages. It is resolved on the oldest Python we run on (Debian
# 12's 3.11.2, when there): a release that needs a newer one (soupsieve 3+ needs 3.11.5) is then
# never picked, and the same pins install on both. Pins already in the lock are kept:
# LOCK_ARGS=--upgrade moves every package to its newest release.
LOCK_VENV = .venv-lock
LOCK_ARGS ?=
LOCK_PYTHON ?= $(shell [ -x $(OTHER_PYTHON) ] && echo $(OTHER_PYTHON) || echo $(PYTHON))
lock:
	rm -rf $(LOCK_VENV) && $(LOCK_PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --disable-pip-version-check -q pip-tools==7.7.0
	$(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	    --extra pdf --extra test --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
	    --output-file $(LOCK) pyproject.toml
	rm -rf $(LOCK_VENV)

# Lighthouse (pinned in package-lock.json) on every page in site/sitemap.xml, mobile preset, with
# Debian's Chromium, three runs a page judged by the median run; fails below performance 95,
# accessibility/best practices/SEO 100.
audit: build npm-deps
	$(PY) scripts/audit.py site

# The generators we compare with (and the profiler) live in their own venv, so they never mix
# with the product's dependencies. Writes docs/benchmarks.md.
BENCH_VENV = .venv-bench
BENCH_PY = $(BENCH_VENV)/bin/python
BENCH_STAMP = $(BENCH_VENV)/.healthlib-bench.stamp
BENCH_ARGS ?=

$(BENCH_PY):
	$(PYTHON) -m venv $(BENCH_VENV)

$(BENCH_STAMP): pyproject.toml Makefile | $(BENCH_PY)
	$(BENCH_PY) -m pip install --disable-pip-version-check -q -e '.[bench,pdf]'
	@touch $@

bench: $(BENCH_STAMP)
	$(BENCH_PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(OTHER_VENV) $(LOCK_VENV) node_modules site .site-old .cache
