"""Multi-head self-attention shared by the hybrid backbones: fused SDPA with an explicit math path for parity.

Parameter names follow timm and the official UniFormer code (``qkv``, ``proj``), so official checkpoints load
without renaming.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .fused import needs_autograd
from .pos_embed import decomposed_rel_pos_bias, fold_decomposed_rel_pos


def attention_map(q: torch.Tensor, k: torch.Tensor, scale: float,
                  bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``softmax(q k^T * scale + bias)`` over the keys, per head (the explicit math path's attention weights)."""
    attn = (q @ k.transpose(-2, -1)).mul_(scale)  # in place: one map less
    return (attn if bias is None else attn + bias).softmax(dim=-1)


def scaled_dot_product(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float, fused: bool = True,
                       dropout_p: float = 0., bias: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``softmax(q k^T * scale + bias) v`` on ``(B, heads, N, head_dim)``: ``F.scaled_dot_product_attention`` when
    ``fused``, else the explicit math path (the official codes' op order, for parity); the one fused / math switch
    of every family."""
    if fused:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=dropout_p, scale=scale)
    return F.dropout(attention_map(q, k, scale, bias), dropout_p) @ v


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
        rel_pos_size (tuple, optional): ``(H, W)`` of the token map the decomposed relative position tables
            (``rel_pos_h`` / ``rel_pos_w``, ViTDet / SAM; zero-initialised) are sized for; other sizes resize them
            linearly. None: no relative position. Defaults to None.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 fused_attn: bool = True,
                 rel_pos_size: Optional[Tuple[int, int]] = None):
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
        self.rel_pos_h = self.rel_pos_w = None
        if rel_pos_size is not None:
            head_dim = dim // num_heads
            self.rel_pos_h = nn.Parameter(torch.zeros(2 * rel_pos_size[0] - 1, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(2 * rel_pos_size[1] - 1, head_dim))

    def forward(self, x: torch.Tensor, return_cls_attn: bool = False, hw: Optional[Tuple[int, int]] = None):
        """Attend over ``x`` ``(B, N, C)``; with ``return_cls_attn`` also return the attention weights of the
        first (class) token over all tokens, averaged over heads, ``(B, N)`` (token pruning ranks by them).
        With relative position, ``x`` is an ``hw = (H, W)`` token map."""
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, N, head_dim)
        drop = self.attn_drop if self.training else 0.
        bias = None
        if self.rel_pos_h is not None and self.fused_attn and not return_cls_attn and self._fold_rel_pos(q, hw):
            head_dim = q.shape[-1]
            q, k, v = fold_decomposed_rel_pos(q, k, v, self.rel_pos_h, self.rel_pos_w, hw, self.scale)
            x = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, scale=1.)[..., :head_dim]
            return self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))
        if self.rel_pos_h is not None:
            bias = decomposed_rel_pos_bias(q, self.rel_pos_h, self.rel_pos_w, hw)
        if self.fused_attn or not return_cls_attn:
            x = scaled_dot_product(q, k, v, self.scale, self.fused_attn, drop, bias)
            if return_cls_attn:  # one query row: cheap next to the fused product
                cls_attn = attention_map(q[:, :, :1], k, self.scale)[:, :, 0]
        else:  # the map is needed whole: its class row ranks the tokens
            attn = attention_map(q, k, self.scale, bias)
            cls_attn = attn[:, :, 0]
            x = F.dropout(attn, drop) @ v
        x = self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))
        return (x, cls_attn.mean(dim=1)) if return_cls_attn else x

    def _fold_rel_pos(self, q: torch.Tensor, hw: Tuple[int, int]) -> bool:
        """Whether to fold the relative position into q / k (:func:`fold_decomposed_rel_pos`) rather than pass it
        as a bias: on CPU when autograd needs the bias (training), where SDPA's fused kernel takes no bias that
        needs a gradient and SDPA runs its math kernel instead (scores, bias and softmax materialised, forward and
        backward); folded, the fused kernel runs on heads ``head_dim + H + W`` wide. That is faster for small maps
        (windows: ``H + W <= head_dim``, e.g. 14x14 windows of 64-wide heads), not for the global blocks of a
        detection-sized map (heads three times wider). Elsewhere (inference, GPUs) the bias stays: faster there.
        Measured with tools/analysis/benchmark.py; equal up to float rounding."""
        return (q.device.type == 'cpu' and sum(hw) <= q.shape[-1]
                and needs_autograd(q, self.rel_pos_h, self.rel_pos_w))
