# Moved to configs/pose/uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py; this path keeps working.
_base_ = './uniformer/td-hm_uniformer-toy_1xb32-40e_toy-kpt-128x96.py'
