# The name this project announced first; the official run used 8 GPUs x 128 images, which is what it trains.
_base_ = './td-hm_uniformer-s_8xb128-210e_coco-256x192.py'
