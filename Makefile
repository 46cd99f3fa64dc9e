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

# The main job: toy COCO data, train the toy UniFormer Mask R-CNN, evaluate bbox / segm AP, draw the val set.
TOY_DET  := configs/det/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py
DEMO_DIR := work_dirs/demo_det
demo: $(STAMP) data/toy_coco/annotations/instances_val.json
	$(PY) tools/train.py $(TOY_DET) --work-dir $(DEMO_DIR)
	$(PY) tools/test.py $(TOY_DET) $$(cat $(DEMO_DIR)/last_checkpoint) --work-dir $(DEMO_DIR) \
		--show-dir $(DEMO_DIR)/pictures
	@echo "pictures of the val predictions (left: ground truth, right: prediction): $(DEMO_DIR)/pictures/"

data/toy_coco/annotations/instances_val.json: tools/make_toy_coco.py | $(STAMP)
	$(PY) tools/make_toy_coco.py data/toy_coco

test: $(STAMP)
	$(PY) -m pytest tests -q
