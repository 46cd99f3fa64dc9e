# Test-time variant: the globally trained UperNet UniFormer-B checkpoint evaluated with hybrid attention,
# 32x32 windows (official h32 column). Same parameters as the global model, so the same checkpoint loads.
_base_ = './upernet_uniformer-b_8xb2-160k_ade20k-512x512.py'

model = dict(backbone=dict(attn_mode='hybrid', window_size=32))
