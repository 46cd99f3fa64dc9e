"""Building blocks shared by the hybrid backbones: attention, windows, patch embeddings, MLPs.

Parameter names follow the official UniFormer code (``qkv``, ``proj``, ``fc1``, ``fc2``, ``proj.norm``)
so that official checkpoints load without renaming.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer


class Attention(nn.Module):
    """Multi-head self-attention over a token sequence ``(B, N, C)``.

    Args:
        dim (int): Channels.
        num_heads (int): Heads; ``dim`` must be divisible by it.
        qkv_bias (bool): Bias in the qkv projection. Defaults to True.
        qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        attn_drop (float): Dropout on the attention weights. Defaults to 0.
        proj_drop (float): Dropout after the output projection. Defaults to 0.
        fused_attn (bool): Use ``F.scaled_dot_product_attention``; False keeps the explicit
            math path (``softmax(q k^T * scale) v``) for parity tests. Defaults to True.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 fused_attn: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.scale = qk_scale or (dim // num_heads)**-0.5
        self.fused_attn = fused_attn
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, return_cls_attn: bool = False):
        """Attend over ``x`` ``(B, N, C)``; with ``return_cls_attn`` also return the attention weights of the
        first (class) token over all tokens, averaged over heads, ``(B, N)`` (token pruning ranks by them)."""
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, N, head_dim)
        drop = self.attn_drop if self.training else 0.
        if self.fused_attn:
            x = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, scale=self.scale)
            if return_cls_attn:  # one query row: cheap next to the fused product
                cls_attn = (q[:, :, :1] @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)[:, :, 0]
        else:
            attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
            cls_attn = attn[:, :, 0]
            x = F.dropout(attn, drop) @ v
        x = self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))
        return (x, cls_attn.mean(dim=1)) if return_cls_attn else x


def is_channels_last(x: torch.Tensor) -> bool:
    """Whether an NCHW tensor is stored channels-last (and not also plain contiguous)."""
    return not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


def nhwc_to_nchw(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``(B, H, W, C)`` -> ``(B, C, H, W)``: stored channels-last (a free view of a contiguous input) or
    contiguous NCHW (a copy, the official layout)."""
    x = x.permute(0, 3, 1, 2)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()


def window_partition(x: torch.Tensor, window_size: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """Split a channel-last map into non-overlapping windows, zero-padding it to a multiple of the window.

    The padding is not masked in attention, as in the official UniFormer and ViTDet code.

    Args:
        x (Tensor): ``(B, H, W, C)``.
        window_size (int): Window side.

    Returns:
        tuple: windows ``(B * nW, window_size * window_size, C)`` and the padded size ``(Hp, Wp)``.
    """
    B, H, W, C = x.shape
    pad_b = (window_size - H % window_size) % window_size
    pad_r = (window_size - W % window_size) % window_size
    if pad_b or pad_r:
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    Hp, Wp = H + pad_b, W + pad_r
    x = x.view(B, Hp // window_size, window_size, Wp // window_size, window_size, C)
    windows = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size * window_size, C)
    return windows, (Hp, Wp)


def window_unpartition(windows: torch.Tensor, window_size: int, padded_hw: Tuple[int, int],
                       hw: Tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`window_partition`: merge windows and crop the padding.

    Args:
        windows (Tensor): ``(B * nW, window_size * window_size, C)``.
        window_size (int): Window side.
        padded_hw (tuple): ``(Hp, Wp)`` returned by :func:`window_partition`.
        hw (tuple): The original ``(H, W)``.

    Returns:
        Tensor: ``(B, H, W, C)``.
    """
    (Hp, Wp), (H, W) = padded_hw, hw
    C = windows.shape[-1]
    x = windows.reshape(-1, Hp // window_size, Wp // window_size, window_size, window_size, C)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(-1, Hp, Wp, C)
    if Hp > H or Wp > W:
        x = x[:, :H, :W, :]
    return x


class Mlp(nn.Module):
    """Two-layer MLP with GELU; linear layers on ``(..., C)`` or, with ``conv=True``, 1x1 convs on NCHW."""

    def __init__(self, in_features: int, hidden_features: int, drop: float = 0., conv: bool = False):
        super().__init__()
        layer = (lambda i, o: nn.Conv2d(i, o, 1)) if conv else nn.Linear
        self.fc1 = layer(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = layer(hidden_features, in_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.from_hidden(self.fc1(x))

    def from_hidden(self, h: torch.Tensor) -> torch.Tensor:
        """The MLP after ``h = fc1(x)``: GELU (in place when autograd does not need ``h``, which spares a large
        allocation; the same values), dropout, fc2."""
        h = self.act(h) if needs_autograd(h) else torch.ops.aten.gelu_(h)
        return self.drop(self.fc2(self.drop(h)))


def needs_autograd(*tensors: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)


def residual_add(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x + y``, written into ``x`` when autograd needs neither (inference): one map-sized allocation less per
    residual. ``x`` must be the caller's own tensor (not a block input someone else may read)."""
    return x + y if needs_autograd(x, y) else x.add_(y)


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
