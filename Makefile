# One command per job; each sets up .venv/ first when it is missing or out of date.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done

.PHONY: setup demo test
setup: $(STAMP)

# Rebuilt only when the pins, the setup script or the package metadata change.
$(STAMP): requirements/pins.txt tools/setup_env.sh pyproject.toml
	PYTHON=$(PYTHON) bash tools/setup_env.sh
	touch $@

demo: $(STAMP)
	$(PY) -c "import backbones, mmdet, mmseg, mmpose; from mmcv.ops import nms, RoIAlign; print('environment ok')"

test: $(STAMP)
	$(PY) -m pytest tests -q
