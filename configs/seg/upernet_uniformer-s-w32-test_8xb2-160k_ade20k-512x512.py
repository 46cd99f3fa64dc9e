# Moved to configs/seg/uniformer/upernet_uniformer-s-w32-test_8xb2-160k_ade20k-512x512.py; this path keeps working.
_base_ = './uniformer/upernet_uniformer-s-w32-test_8xb2-160k_ade20k-512x512.py'
