# tieval — reproducible compendium. `make help` lists the targets.
#
# Every study folder data/<id>/study.yml is discovered; each pipeline notebook runs once per study
# (papermill, via `python -m tieval run`) and is rendered to outputs/html/<id>/.  A step re-runs
# only when its notebook, its study's config or inputs, an earlier step, or src/ changed.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SETUP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-builtin-rules --jobs=$(JOBS) --output-sync=target

STUDIES ?= $(sort $(patsubst data/%/study.yml,%,$(wildcard data/*/study.yml)))
STEPS   := 01_study_overview 02_clean 03_tables 04_qualitative 05_triangulation 06_audit
SRC     := $(sort $(shell find src/tieval -type f \( -name '*.py' -o -name '*.yml' -o -name '*.tpl' \) 2>/dev/null))
RUN      = $(PY) -m tieval run

nb = outputs/$(1)/$(2)/$(2).ipynb
NOTEBOOKS := $(foreach s,$(STUDIES),$(foreach n,$(STEPS),$(call nb,$(s),$(n))))

.PHONY: all help setup test test-unit reconstruct manifest clean distclean lab bench new-study check-config

all: outputs/html/index.html ## set up .venv, run every notebook for every study, build outputs/html/index.html

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(SETUP) ## create .venv and install the pinned requirements and the package

$(SETUP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# --- per-study pipeline ------------------------------------------------------------------------
# $(1) = study id.  Inputs: config, published record, raw data, analysts' files.
define STUDY_RULES
CONFIG_$(1)    := data/$(1)/study.yml
PUBLISHED_$(1) := $(sort $(wildcard data/$(1)/published/*))
RAW_$(1)       := $(sort $(wildcard data/$(1)/raw/*))
ANALYSIS_$(1)  := $(sort $(wildcard data/$(1)/analysis/*))

$(call nb,$(1),01_study_overview): notebooks/01_study_overview.ipynb $$(CONFIG_$(1)) $$(PUBLISHED_$(1)) $(SRC) | $(SETUP)
	$(RUN) 01_study_overview --study $(1)
$(call nb,$(1),02_clean): notebooks/02_clean.ipynb $$(CONFIG_$(1)) $$(RAW_$(1)) $(SRC) | $(SETUP)
	$(RUN) 02_clean --study $(1)
$(call nb,$(1),03_tables): notebooks/03_tables.ipynb $(call nb,$(1),02_clean) $$(CONFIG_$(1)) $$(PUBLISHED_$(1)) $(SRC) | $(SETUP)
	$(RUN) 03_tables --study $(1)
$(call nb,$(1),04_qualitative): notebooks/04_qualitative.ipynb $(call nb,$(1),02_clean) $$(CONFIG_$(1)) $$(RAW_$(1)) $$(ANALYSIS_$(1)) $$(PUBLISHED_$(1)) $(SRC) | $(SETUP)
	$(RUN) 04_qualitative --study $(1)
$(call nb,$(1),05_triangulation): notebooks/05_triangulation.ipynb $(call nb,$(1),03_tables) $(call nb,$(1),04_qualitative) $$(CONFIG_$(1)) $$(ANALYSIS_$(1)) $(SRC) | $(SETUP)
	$(RUN) 05_triangulation --study $(1)
$(call nb,$(1),06_audit): notebooks/06_audit.ipynb $(call nb,$(1),03_tables) $(call nb,$(1),04_qualitative) $(call nb,$(1),05_triangulation) $$(CONFIG_$(1)) $$(PUBLISHED_$(1)) $(SRC) | $(SETUP)
	$(RUN) 06_audit --study $(1)

.PHONY: study-$(1)
study-$(1): $(foreach n,$(STEPS),$(call nb,$(1),$(n)))
endef
$(foreach s,$(STUDIES),$(eval $(call STUDY_RULES,$(s))))

outputs/html/index.html: $(NOTEBOOKS) $(SRC) | $(SETUP)
	$(PY) -m tieval index

# --- checks ------------------------------------------------------------------------------------
test: all ## set up, build, then run unit, integration and notebook-regression (nbval) tests
	$(PY) -m pytest tests $(NOTEBOOKS) --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env

test-unit: $(SETUP) ## run the unit tests only (no build)
	$(PY) -m pytest tests -m "not slow"

check-config: $(SETUP) ## load and check every study.yml
	$(PY) -m tieval check-config

BENCH_ARGS ?= --no-io
bench: $(SETUP) ## time the survey path at 1e3..1e6 respondents -> outputs/bench/bench.json, bench.png
	$(PY) -m tieval.tools.bench $(BENCH_ARGS)

# --- maintenance -------------------------------------------------------------------------------
reconstruct: $(SETUP) ## regenerate the reconstructed stand-in exports in data/*/raw (committed)
	@for s in $(STUDIES); do \
	  if grep -q '^reconstructed: *true' data/$$s/study.yml; then $(RUN) 00_reconstruct --study $$s || exit $$?; fi; \
	done

manifest: $(SETUP) ## record checksums of raw files after a deliberate change: make manifest STUDY=<id>
	@test -n "$(STUDY)" || { echo "usage: make manifest STUDY=<study id>"; exit 2; }
	$(PY) -m tieval manifest --study $(STUDY)

new-study: $(SETUP) ## create data/$(NAME)/ from the documented template: make new-study NAME=<id>
	@test -n "$(NAME)" || { echo "usage: make new-study NAME=<study id>"; exit 2; }
	$(PY) -m tieval new-study $(NAME)

lab: $(SETUP) ## open JupyterLab on the project's kernel
	$(VENV)/bin/jupyter lab notebooks/

clean: ## remove derived files (outputs/ but the committed benchmark record, data/processed/)
	rm -rf data/processed outputs/bench/data
	@if [ -d outputs ]; then find outputs -mindepth 1 -maxdepth 1 ! -name bench -exec rm -rf {} +; fi

distclean: clean ## also remove .venv
	rm -rf $(VENV)
