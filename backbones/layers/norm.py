"""LayerNorm over the channels of NCHW maps, the ``LN`` norm of ViTDet's simple feature pyramid and heads.

mmcv, mmdet, mmseg and mmpose have no such norm for ``build_norm_layer`` (mmdet keeps one in its source-tree
``projects/``, mmpretrain in its own registry), so it is registered in mmengine's root ``MODELS`` as ``'LN2d'``,
where every toolbox's ``ConvModule(norm_cfg=dict(type='LN2d'))`` finds it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import MODELS


class LayerNorm2d(nn.LayerNorm):
    """``nn.LayerNorm`` over dim 1 of ``(N, C, H, W)``; eps 1e-6 as detectron2's ``LayerNorm``."""

    def __init__(self, num_channels: int, eps: float = 1e-6, **kwargs):
        super().__init__(num_channels, eps=eps, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


if 'LN2d' not in MODELS.module_dict:
    MODELS.register_module('LN2d', module=LayerNorm2d)
