# Moved to configs/seg/uniformer/fpn_uniformer-b-h14_8xb4-80k_ade20k-512x512.py; this path keeps working.
_base_ = './uniformer/fpn_uniformer-b-h14_8xb4-80k_ade20k-512x512.py'
