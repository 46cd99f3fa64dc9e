# Name announced first, now configs/pose/uniformer/td-hm_uniformer-s_8xb128-210e_coco-256x192.py (official 8x128).
_base_ = './uniformer/td-hm_uniformer-s_8xb128-210e_coco-256x192.py'
