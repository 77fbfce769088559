# emotion-detection: the front door. `make` alone prints this help.
SHELL := /bin/bash
PYTHON ?= python3
# Everything, training included: TF=cpu installs tensorflow-cpu, TF=gpu tensorflow (CUDA).
# Predicting alone needs neither: `pip install -e .` (README, "Install").
TF ?= cpu
EXTRA := $(if $(filter gpu,$(TF)),train-gpu,train)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(TF)
CONFIG ?= alexnet48
EPOCHS ?=
PRECISION ?=
PYTEST_ARGS ?=
APP_PORT ?= 8866

.DEFAULT_GOAL := help
.PHONY: help setup lab test check format data train eval bench app notebooks clean

help:  ## show this help
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRA),dev]"
	@touch $@

setup: $(STAMP)  ## create .venv and install the package with its pinned dependencies

lab: setup  ## open JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

test: setup  ## unit tests + notebooks (nbval) + browser tests (skipped without chromium; under CI=true they fail instead)
	bash tests/run.sh $(PYTEST_ARGS)

check: setup  ## lint (ruff)
	$(BIN)/ruff check emo_utils tests benchmarks notebooks

format: setup  ## auto-format and fix lint
	$(BIN)/ruff check --fix emo_utils tests benchmarks notebooks
	$(BIN)/ruff format emo_utils tests benchmarks

data: setup  ## find FER2013, or explain where to get it (downloads with Kaggle credentials)
	$(BIN)/python -m emo_utils data

train: setup  ## train CONFIG (default alexnet48) into RUN_DIR (default checkpoints/CONFIG); resumes if interrupted; OVERWRITE=1 replaces the shipped weights; PRECISION=auto|bf16|fp32
	mkdir -p logs
	set -o pipefail; $(BIN)/python -m emo_utils train --config $(CONFIG) $(if $(EPOCHS),--epochs $(EPOCHS)) \
	  $(if $(RUN_DIR),--run-dir $(RUN_DIR)) $(if $(OVERWRITE),--overwrite) \
	  $(if $(PRECISION),--precision $(PRECISION)) 2>&1 | tee -a logs/train-$(CONFIG).log

eval: setup  ## fit the temperature on the held-back slice, then evaluate on the test split -> evaluation.json
	$(BIN)/python -m emo_utils eval --checkpoint checkpoints/$(CONFIG)

bench: setup  ## speed and memory benchmarks -> benchmarks/results/*.json
	$(BIN)/python -m emo_utils bench

# app/voila.py: localhost only, kernels of closed pages shut down, as many kernels as
# memory holds (at most 12). `jupyter trust`: the notebook is ours, and Voila then logs
# no "not trusted" warning for its outputs.
app: setup  ## serve the webcam notebook as a standalone page on 127.0.0.1:APP_PORT (Voila)
	$(BIN)/jupyter trust notebooks/04_webcam_live.ipynb
	$(BIN)/voila notebooks/04_webcam_live.ipynb --Voila.config_file_paths=app --port=$(APP_PORT)

# Outputs of camera cells (tagged nbval-skip) are removed after the run: no face is committed.
notebooks: setup  ## execute every notebook top to bottom in place (commit outputs only from this)
	for nb in notebooks/0*.ipynb; do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=3600 --ExecutePreprocessor.store_widget_state=False \
	    "$$nb" || exit 1; \
	  $(BIN)/jupyter nbconvert --to notebook --inplace --TagRemovePreprocessor.enabled=True \
	    --TagRemovePreprocessor.remove_all_outputs_tags='{"nbval-skip"}' "$$nb" || exit 1; \
	done

clean:  ## remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
