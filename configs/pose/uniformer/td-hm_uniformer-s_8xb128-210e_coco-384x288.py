# UniFormer-S, 384x288, COCO val AP 75.9, 11.1 GFLOPs (official).
_base_ = '../_base_/td-hm_uniformer_384x288.py'
