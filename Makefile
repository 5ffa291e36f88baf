# Two commands a newcomer needs: `make run` and `make test`.
# GPU=1 installs tensorflow[and-cuda] so TensorFlow can see NVIDIA GPUs on Linux.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed$(if $(GPU),-gpu)
CUDA_TF := 'tensorflow[and-cuda]>=2.21,<2.22'
PORT ?= 8501
# Who can reach the app: this machine only by default; HOST=0.0.0.0 serves every network
# the machine is on (see README, "Serving a class": there is no login built in).
HOST ?= 127.0.0.1

.PHONY: run test test-fast lint bench browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt $(if $(GPU),$(CUDA_TF))
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

# Serving a class (HOST beyond loopback): no file watcher at all, the source does not change
# during a class and polling it costs every rerun.
WATCH = $(if $(filter 127.0.0.1 localhost ::1,$(HOST)),,--server.fileWatcherType none)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false $(WATCH)

browser:
	@bash scripts/ensure-chromium.sh

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

test: lint browser
	$(PY) -m pytest -n 2 --dist loadfile

# The engine and the pages in AppTest: no browser, no Keras builds, no training.
test-fast: lint
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser"

bench: $(STAMP)
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
