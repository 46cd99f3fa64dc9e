"""Patch embeddings: non-overlapping (strided conv + LayerNorm) and overlapping conv stems."""
import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer

from .fused import is_channels_last, nhwc_to_nchw


class PatchEmbed(nn.Module):
    """Non-overlapping patch embedding: ``patch_size`` conv with equal stride, then LayerNorm.

    Input and output are NCHW (stored as the input is: contiguous or channels-last); spatial sizes that
    are not multiples of the patch are floored, as in the official code.
    """

    def __init__(self, in_channels: int, embed_dim: int, patch_size: int):
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)
        return nhwc_to_nchw(self.norm(x.permute(0, 2, 3, 1)), is_channels_last(x))


class ConvEmbed(nn.Module):
    """Overlapping conv patch embedding of the UniFormer S+ models (``head_embedding`` /
    ``middle_embedding`` upstream): 3x3 stride-2 convs with norm, two of them (GELU between) for the stem.
    """

    def __init__(self, in_channels: int, embed_dim: int, stem: bool, norm_cfg: dict):
        super().__init__()
        if stem:
            mid = embed_dim // 2
            layers = [
                nn.Conv2d(in_channels, mid, 3, 2, 1),
                build_norm_layer(norm_cfg, mid)[1],
                nn.GELU(),
                nn.Conv2d(mid, embed_dim, 3, 2, 1),
                build_norm_layer(norm_cfg, embed_dim)[1],
            ]
        else:
            layers = [nn.Conv2d(in_channels, embed_dim, 3, 2, 1), build_norm_layer(norm_cfg, embed_dim)[1]]
        self.proj = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)
