# Moved to configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py; this path keeps working.
_base_ = './uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py'
