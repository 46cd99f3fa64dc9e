"""Necks the families share with every toolbox: ViTDet's simple feature pyramid."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmengine.registry import MODELS


@MODELS.register_module()
class SimplePyramidNeck(BaseModule):
    """The convolutions of ViTDet's simple feature pyramid, after the rescaling that ``ViT(pyramid=...)`` does.

    Each level gets a 1x1 and a 3x3 convolution, each followed by a norm (LayerNorm in ViTDet) and no bias. There
    is no top-down path, unlike FPN. Extra levels up to ``num_outs`` are taken by stride-2 subsampling of the last
    one (detectron2's ``LastLevelMaxPool``, mmdet FPN's ``add_extra_convs=False``), stride 64 for mmdet's RPN.

    Args:
        in_channels (Sequence[int]): Channels of each input level (the ``num_chs`` of ``ViT.feature_info``).
        out_channels (int): Channels of every output. Defaults to 256.
        num_outs (int, optional): Outputs; defaults to one per input.
        norm_cfg (dict): Norm after each convolution. Defaults to ``dict(type='LN2d')``.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 256,
                 num_outs: Optional[int] = None,
                 norm_cfg: dict = dict(type='LN2d'),
                 init_cfg: Optional[dict] = dict(type='Xavier', layer='Conv2d', distribution='uniform')):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = list(in_channels)
        self.num_outs = num_outs or len(self.in_channels)
        if self.num_outs < len(self.in_channels):
            raise ValueError(f'num_outs ({self.num_outs}) must be at least the number of inputs '
                             f'({len(self.in_channels)})')
        self.lateral_convs = nn.ModuleList(
            ConvModule(c, out_channels, 1, norm_cfg=norm_cfg, act_cfg=None) for c in self.in_channels)
        self.output_convs = nn.ModuleList(
            ConvModule(out_channels, out_channels, 3, padding=1, norm_cfg=norm_cfg, act_cfg=None)
            for _ in self.in_channels)

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'{type(self).__name__} was built for {len(self.in_channels)} levels, got '
                             f'{len(inputs)}')
        outs: List[torch.Tensor] = [out(lat(x)) for x, lat, out in zip(inputs, self.lateral_convs, self.output_convs)]
        while len(outs) < self.num_outs:
            outs.append(F.max_pool2d(outs[-1], 1, stride=2))
        return tuple(outs)
