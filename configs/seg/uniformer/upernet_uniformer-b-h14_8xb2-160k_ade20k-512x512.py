# UperNet, UniFormer-B, trained and tested with hybrid 14x14-window attention (official h14 row).
_base_ = './upernet_uniformer-b_8xb2-160k_ade20k-512x512.py'

model = dict(backbone=dict(attn_mode='hybrid', window_size=14))
