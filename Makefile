# tieval — reproducible compendium. `make help` lists the targets.
#
# Every study folder data/<id>/study.yml is discovered; each pipeline step runs once per study
# (papermill, via `python -m tieval run`) and is rendered to outputs/html/<id>/.  The per-step rules
# come from the step registry (src/tieval/registry.py): `python -m tieval make-rules` writes them to
# $(RULES), which make regenerates whenever a module, a notebook or a study.yml changes.  A step
# re-runs only when its notebook, its study's inputs, an earlier step it reads, or a module it
# imports changed.  A study input is study.yml, a whole folder (02_clean reads raw/, which its
# manifest covers) or one file named in study.yml's `inputs` (04_qualitative reads the codebook and
# the codings, not triangulation.yml, so editing the findings re-runs only 05 and 06); a file of
# published/, raw/ or analysis/ that no `inputs` key names is tracked by every step reading a named
# file of that folder.  A successful build prints one line per step (study, step, seconds).
# Each step's `python -m tieval run` is forked from the checkout's warm server, which has imported the
# runner's and the kernels' libraries once, and so is each step's kernel (src/tieval/warm/: started by
# the first step, gone after 20 s idle or as soon as a file of the package changes; the same bytes
# either way, which `make test-fresh-clone` checks).  TIEVAL_WARM=0 runs every step in its own process.
# The site's highlighted module pages (`python -m tieval source-pages`) depend on the modules only
# and build beside the steps; the index, last, renders only what changed since.
#
# All or nothing per study: the steps build in the study's staging mirror .make/stage/<id>/, after
# `python -m tieval check` (id, input paths, raw manifest); when every step of the study is staged,
# `python -m tieval publish` swaps outputs/<id>/, outputs/html/<id>/ and data/processed/<id>/ in together
# (src/tieval/staging.py).  A failed step leaves the published outputs of its study as they were
# (.DELETE_ON_ERROR only ever removes a staged file; the published targets are precious), and
# --keep-going lets the other studies build.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SETUP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-builtin-rules --jobs=$(JOBS) --output-sync=target --keep-going
RUN     = $(PY) -m tieval run
RULES  := .make/rules.mk

# What the generated rules are made from.  Study folders whose name holds a space split into words
# that match no data/<id>/study.yml and drop out here; the generator reports them and skips them.
RULES_SOURCES := $(sort $(shell find src/tieval -name '*.py' 2>/dev/null) $(wildcard notebooks/*.ipynb) \
                   $(filter data/%/study.yml,$(wildcard data/*/study.yml)))

.PHONY: all help setup lint test test-unit test-build test-notebooks test-fresh-clone reconstruct manifest clean distclean lab bench new-study check-config csv fuzz test-browser pdf

all: outputs/html/index.html ## set up .venv, run every notebook for every study, build outputs/html/index.html

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-17s %s\n", $$1, $$2}'

setup: $(SETUP) ## create .venv and install the pinned requirements and the package

$(SETUP): requirements.txt pyproject.toml
	@echo "setting up $(VENV) (pinned requirements and the package)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# --- the pipeline: generated rules ------------------------------------------------------------
# Not needed (nor regenerated) for the goals that only clean, set up or print help.
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out clean distclean help setup lint,$(MAKECMDGOALS)),)
NO_RULES := 1
endif
endif
ifndef NO_RULES
include $(RULES)
endif

# Regenerated when a source changed, or when the set of sources differs from the one the rules were
# made from (a module, notebook or study added or removed), which mtimes alone would miss; at most
# once per run (MAKE_RESTARTS is set after make re-reads the regenerated rules).
$(RULES): $(RULES_SOURCES) $(if $(MAKE_RESTARTS),,$(if $(filter-out $(RULES_INPUTS),$(RULES_SOURCES))$(filter-out $(RULES_SOURCES),$(RULES_INPUTS)),FORCE)) | $(SETUP)
	@$(PY) -m tieval make-rules -o $@

.PHONY: FORCE
FORCE:

# --- checks ------------------------------------------------------------------------------------
lint: $(SETUP) ## ruff lint and format check of src/ and tests/ (run first by CI)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

# Test tiers.  `make test` builds once and runs the tiers on that build (with --jobs, the unit tier
# runs beside the build, and the browser tier starts as soon as the build tier ends, before nbval); the
# fresh-clone rebuild is its own target, run by CI.  Times: each tier alone after the build, on the
# 2-core machine; see README "Performance" (measured with the load of the day).
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env -p no:cacheprovider
test: test-unit test-build test-browser test-notebooks ## build once, then run the unit, build, browser and notebook tiers, two at a time (~2.8 min from clean on 2 cores, ~2.3 built)

test-unit: $(SETUP) ## unit tests only, no build, on every core (~45 s on 2 cores)
	$(PY) -m pytest tests -m "not slow and not build" -n auto -p no:cacheprovider

test-build: all ## tests over the finished build (links, manifest, no-op make) and the fixture-study builds, two at a time (~40 s)
	$(PY) -m pytest tests -m "slow or build" -k "not fresh_clone" -n 2 -p no:cacheprovider

test-notebooks: $(addprefix test-notebooks-,$(STUDIES)) ## nbval: re-run every executed notebook in an ordinary kernel, outputs must match (~22 s)
test-notebooks-%: all
	$(PY) -m pytest $(filter outputs/$*/%,$(NOTEBOOKS)) $(NBVAL)

test-fresh-clone: all ## rebuild every study in a fresh clone: outputs and processed data byte-identical (CI; ~80 s)
	$(PY) -m pytest tests/test_build.py -k fresh_clone -p no:cacheprovider

# The browser tier and the PDFs drive the distribution's Chromium through Playwright, which never
# downloads a browser of its own (tieval.report.browser); without /usr/bin/chromium they stop at once.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium
NEED_CHROMIUM = @test -x $(CHROMIUM) || { echo "error: $(CHROMIUM): expected the system Chromium; found none: install it with \`apt-get install -y chromium fonts-dejavu-core\`"; exit 2; }

test-browser: all ## every appendix in headless Chromium: console, requests, axe, alignment, overflow, flow boxes, print (~60 s)
	$(NEED_CHROMIUM)
	TIEVAL_CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser -m browser -p no:cacheprovider

pdf: all ## print every appendix (reader view) to outputs/pdf/<study>/<step>.pdf with the system Chromium (A4)
	$(NEED_CHROMIUM)
	TIEVAL_CHROMIUM=$(CHROMIUM) $(PY) -m tieval pdf

csv: all ## write CSV copies of the processed data (data/processed/<study>/<table>.csv beside the Parquet)
	$(PY) -m tieval.tools.export_csv

fuzz: all ## the hostile-input suite (tests/fuzz): one line for every bad input, outputs intact
	$(PY) -m pytest tests/fuzz -m fuzz -q -p no:cacheprovider

check-config: $(SETUP) ## load and check every study.yml
	$(PY) -m tieval check-config

BENCH_ARGS ?= --no-io
E2E_ARGS ?= --sizes 1e5,1e6
bench: $(SETUP) ## survey path 1e3..1e6 (bench.json), then `make` end to end at 1e5, 1e6 with peers (e2e.json); E2E_ARGS="--sizes 1e5,1e6,1e7"
	$(PY) -m tieval.tools.bench $(BENCH_ARGS)
	$(PY) -m tieval.tools.bench_e2e $(E2E_ARGS)

# --- maintenance -------------------------------------------------------------------------------
reconstruct: $(SETUP) ## regenerate the reconstructed stand-in exports in data/*/raw (committed)
	@for s in $(STUDIES); do \
	  if grep -q '^reconstructed: *true' data/$$s/study.yml; then $(RUN) 00_reconstruct --study $$s || exit $$?; fi; \
	done

manifest: $(SETUP) ## record checksums of raw files after a deliberate change: make manifest STUDY=<id>
	@test -n "$(STUDY)" || { echo "usage: make manifest STUDY=<study id>"; exit 2; }
	$(PY) -m tieval manifest --study $(STUDY)

TEMPLATE ?= study
new-study: $(SETUP) ## create data/$(NAME)/ from a template: make new-study NAME=<id> [TEMPLATE=prepost]
	@test -n "$(NAME)" || { echo "usage: make new-study NAME=<study id> [TEMPLATE=study|prepost]"; exit 2; }
	$(PY) -m tieval new-study $(NAME) --template $(TEMPLATE)

lab: $(SETUP) ## open JupyterLab on the project's kernel
	$(VENV)/bin/jupyter lab notebooks/

clean: ## remove derived files (outputs/ but the committed benchmark record, data/processed/, .make/)
	rm -rf data/processed outputs/bench/data .make
	@if [ -d outputs ]; then find outputs -mindepth 1 -maxdepth 1 ! -name bench -exec rm -rf {} +; fi

distclean: clean ## also remove .venv
	rm -rf $(VENV)
