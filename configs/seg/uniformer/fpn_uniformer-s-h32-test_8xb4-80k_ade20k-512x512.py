# Test-time variant: the globally trained Semantic FPN UniFormer-S checkpoint evaluated with hybrid
# attention, 32x32 windows (official h32 column). Same parameters as the global model, so the same checkpoint loads.
_base_ = './fpn_uniformer-s_8xb4-80k_ade20k-512x512.py'

model = dict(backbone=dict(attn_mode='hybrid', window_size=32))
