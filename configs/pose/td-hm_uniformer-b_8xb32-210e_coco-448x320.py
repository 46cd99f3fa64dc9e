# Moved to configs/pose/uniformer/td-hm_uniformer-b_8xb32-210e_coco-448x320.py; this path keeps working.
_base_ = './uniformer/td-hm_uniformer-b_8xb32-210e_coco-448x320.py'
