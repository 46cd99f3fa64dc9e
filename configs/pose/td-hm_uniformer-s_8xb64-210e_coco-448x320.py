# Moved to configs/pose/uniformer/td-hm_uniformer-s_8xb64-210e_coco-448x320.py; this path keeps working.
_base_ = './uniformer/td-hm_uniformer-s_8xb64-210e_coco-448x320.py'
