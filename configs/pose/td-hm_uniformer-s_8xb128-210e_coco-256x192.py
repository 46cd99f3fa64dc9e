# Moved to configs/pose/uniformer/td-hm_uniformer-s_8xb128-210e_coco-256x192.py; this path keeps working.
_base_ = './uniformer/td-hm_uniformer-s_8xb128-210e_coco-256x192.py'
