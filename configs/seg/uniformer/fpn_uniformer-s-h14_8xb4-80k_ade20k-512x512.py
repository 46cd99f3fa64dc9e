# Semantic FPN, UniFormer-S, trained and tested with hybrid 14x14-window attention (official h14 column).
_base_ = './fpn_uniformer-s_8xb4-80k_ade20k-512x512.py'

model = dict(backbone=dict(attn_mode='hybrid', window_size=14))
