# One command per job; each sets up .venv/ first when it is missing or out of date.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-done

.PHONY: setup demo demo-seg demo-pose test test-compat bench bench-vit bench-sgformer bench-coatnet
setup: $(STAMP)

# Rebuilt only when the pins, the setup script or the package metadata change.
$(STAMP): requirements/pins.txt tools/setup_env.sh pyproject.toml
	PYTHON=$(PYTHON) bash tools/setup_env.sh
	touch $@

# The main job: toy COCO data, train the toy UniFormer Mask R-CNN, evaluate bbox / segm AP, draw the val set.
TOY_DET  := configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py
DEMO_DIR := work_dirs/demo_det
demo: $(STAMP) data/toy_coco/annotations/instances_val.json
	$(PY) tools/train.py $(TOY_DET) --work-dir $(DEMO_DIR)
	$(PY) tools/test.py $(TOY_DET) $$(cat $(DEMO_DIR)/last_checkpoint) --work-dir $(DEMO_DIR) \
		--show-dir $(DEMO_DIR)/pictures
	@echo "pictures of the val predictions (left: ground truth, right: prediction): $(DEMO_DIR)/pictures/"

data/toy_coco/annotations/instances_val.json: tools/make_toy_coco.py | $(STAMP)
	$(PY) tools/make_toy_coco.py data/toy_coco

# Segmentation: toy ADE20K-layout data, train the toy UniFormer Semantic FPN (global attention), evaluate mIoU,
# then evaluate the same checkpoint with window-32 and hybrid-32 attention, and draw the val set.
TOY_SEG  := configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py
SEG_DIR  := work_dirs/demo_seg
demo-seg: $(STAMP) data/toy_ade/annotations/validation/000000.png
	$(PY) tools/train.py $(TOY_SEG) --work-dir $(SEG_DIR)
	$(PY) tools/test.py $(TOY_SEG) $$(cat $(SEG_DIR)/last_checkpoint) --work-dir $(SEG_DIR) --show-dir $(SEG_DIR)/pictures
	for mode in window hybrid; do $(PY) tools/test.py $(TOY_SEG) $$(cat $(SEG_DIR)/last_checkpoint) \
		--work-dir $(SEG_DIR) --cfg-options model.backbone.attn_mode=$$mode model.backbone.window_size=32 || exit 1; done
	@echo "pictures of the val predictions (global attention): $(SEG_DIR)/pictures/vis_data/vis_image/"

data/toy_ade/annotations/validation/000000.png: tools/make_toy_ade.py | $(STAMP)
	$(PY) tools/make_toy_ade.py data/toy_ade

# Pose: toy stick-figure COCO-keypoint data, train the toy UniFormer top-down heatmap model, keypoint AP (OKS),
# skeletons drawn on the val set.
TOY_POSE := configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py
POSE_DIR := work_dirs/demo_pose
demo-pose: $(STAMP) data/toy_kpt/annotations/person_keypoints_val.json
	$(PY) tools/train.py $(TOY_POSE) --work-dir $(POSE_DIR)
	$(PY) tools/test.py $(TOY_POSE) $$(cat $(POSE_DIR)/last_checkpoint) --work-dir $(POSE_DIR) \
		--show-dir $(POSE_DIR)/pictures
	@echo "pictures of the val predictions: $(POSE_DIR)/pictures/"

data/toy_kpt/annotations/person_keypoints_val.json: tools/make_toy_keypoints.py tools/make_toy_coco.py | $(STAMP)
	$(PY) tools/make_toy_keypoints.py data/toy_kpt

# Backbone latency / memory table: UniFormer S and B (global, window-14, hybrid-14) against mmdet's Swin-T.
bench: $(STAMP)
	$(PY) tools/analysis/benchmark.py --plot work_dirs/benchmark.png

# ViT-B in ViTDet's setting (hybrid-14, relative position, drop path 0.1) against timm's SAM ViT-B (the peer, both
# bare) and Swin-T, at 1024x1024 and 800x1280 (on a few CPU cores: add BENCH_ARGS="--repeats 3", ~15 min).
bench-vit: $(STAMP)
	$(PY) tools/analysis/benchmark.py --family vit --json work_dirs/benchmark_vit.json --plot work_dirs/benchmark_vit.png $(BENCH_ARGS)

# SG-Former-S in global / window-14 / hybrid-14 attention against UniFormer-S-h14 and Swin-T (the peer), at 800x1280
# and 1024x1024 (on 2 CPU cores: BENCH_ARGS="--repeats 3 --rounds 2 --passes inference", 15 min, the docs' table;
# the training pass adds about an hour).
bench-sgformer: $(STAMP)
	$(PY) tools/analysis/benchmark.py --family sgformer --json work_dirs/benchmark_sgformer.json --plot work_dirs/benchmark_sgformer.png $(BENCH_ARGS)

# CoAtNet-0 (coatnet_0_rw) in global / window / hybrid attention against timm's coatnet_0_rw at the same size (the
# peer) and Swin-T, at 224x224 and 800x1280 (the README's table: configs/det/coatnet/README.md#speed-and-memory).
bench-coatnet: $(STAMP)
	$(PY) tools/analysis/benchmark.py --family coatnet --json work_dirs/benchmark_coatnet.json $(BENCH_ARGS)

test: $(STAMP)
	$(PY) -m pytest tests -q

# The oldest stack the project claims (requirements/compat.txt: torch 2.1.2, numpy 1.26, mmcv 2.1.0, ...), built by
# the same script into .venv-compat/. Its setup also proves that a plain `pip install -e .` in an existing
# OpenMMLab environment installs or changes nothing but the project. Then the model tests, one forward per toolbox and
# the ONNX export tests (the TorchScript exporter of torch 2.1.2, onnxruntime 1.16).
COMPAT_VENV  := .venv-compat
COMPAT_STAMP := $(COMPAT_VENV)/.setup-done
$(COMPAT_STAMP): requirements/compat.txt tools/setup_env.sh pyproject.toml
	PYTHON=$(PYTHON) PINS=requirements/compat.txt VENV=$(COMPAT_VENV) PROJECT_DEPS=resolve bash tools/setup_env.sh
	touch $@

test-compat: $(COMPAT_STAMP)
	$(COMPAT_VENV)/bin/python -m pytest -q tests/models tests/layers tests/test_plugin_import.py tests/test_compat.py \
		tests/tools/test_deploy.py
