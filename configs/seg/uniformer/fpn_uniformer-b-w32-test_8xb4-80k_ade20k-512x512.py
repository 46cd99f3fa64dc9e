# Test-time variant: the globally trained Semantic FPN UniFormer-B checkpoint evaluated with window
# attention, 32x32 windows (official w32 column). Same parameters as the global model, so the same checkpoint loads.
_base_ = './fpn_uniformer-b_8xb4-80k_ade20k-512x512.py'

model = dict(backbone=dict(attn_mode='window', window_size=32))
