"""Resizing learned position embeddings and relative-position biases to another input or window size.

Checkpoints are trained at 224x224 (ImageNet) and used at detection sizes, or with other window sizes: the learned
tables are interpolated over their 2-D grid, as mmpretrain's ``resize_pos_embed`` /
``resize_relative_position_bias_table`` and detectron2's ViTDet ``get_rel_pos`` do.
"""
from typing import Tuple

import torch
import torch.nn.functional as F


def resize_pos_embed(pos_embed: torch.Tensor, src_hw: Tuple[int, int], dst_hw: Tuple[int, int],
                     num_prefix_tokens: int = 1, mode: str = 'bicubic', antialias: bool = False) -> torch.Tensor:
    """Interpolate an absolute position embedding from one patch grid to another.

    Args:
        pos_embed (Tensor): ``(1, num_prefix_tokens + H * W, C)``; the prefix (class / distillation tokens)
            is kept as it is.
        src_hw (tuple): ``(H, W)`` of the grid ``pos_embed`` was trained on.
        dst_hw (tuple): The grid wanted.
        num_prefix_tokens (int): Tokens before the grid. Defaults to 1.
        mode (str): Interpolation mode of :func:`F.interpolate`. Defaults to ``'bicubic'``.
        antialias (bool): As :func:`F.interpolate`'s; timm's ``resample_abs_pos_embed`` sets it, detectron2,
            mmseg and mmpretrain do not (it changes upsampling too: a different bicubic kernel). Defaults to False.

    Returns:
        Tensor: ``(1, num_prefix_tokens + dst_h * dst_w, C)``.
    """
    if pos_embed.dim() != 3 or pos_embed.shape[1] != num_prefix_tokens + src_hw[0] * src_hw[1]:
        raise ValueError(f'pos_embed of shape {tuple(pos_embed.shape)} does not hold {num_prefix_tokens} prefix '
                         f'tokens and a {src_hw[0]}x{src_hw[1]} grid')
    if not torch.jit.is_tracing() and tuple(src_hw) == tuple(dst_hw):  # traced: resized to the input's grid
        return pos_embed
    prefix, grid = pos_embed[:, :num_prefix_tokens], pos_embed[:, num_prefix_tokens:]
    grid = grid.reshape(1, *src_hw, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=tuple(dst_hw), mode=mode, align_corners=False,
                         antialias=antialias).to(pos_embed.dtype)
    return torch.cat([prefix, grid.flatten(2).transpose(1, 2)], dim=1)


def resize_rel_pos_bias_table(table: torch.Tensor, src_window: int, dst_window: int) -> torch.Tensor:
    """Interpolate a Swin / BEiT relative-position bias table ``((2W-1)^2, heads)`` to another window side."""
    src_len, dst_len = 2 * src_window - 1, 2 * dst_window - 1
    if table.dim() != 2 or table.shape[0] != src_len * src_len:
        raise ValueError(f'a relative-position bias table for window {src_window} has {src_len * src_len} rows, '
                         f'got shape {tuple(table.shape)}')
    if src_window == dst_window:
        return table
    grid = table.T.reshape(1, -1, src_len, src_len)
    grid = F.interpolate(grid.float(), size=(dst_len, dst_len), mode='bicubic', align_corners=False)
    return grid.reshape(-1, dst_len * dst_len).T.to(table.dtype)


def resize_decomposed_rel_pos(rel_pos: torch.Tensor, length: int) -> torch.Tensor:
    """Linearly interpolate a ViTDet / SAM decomposed relative position table ``(L, C)`` to ``(length, C)``."""
    if not isinstance(length, torch.Tensor) and rel_pos.shape[0] == length:  # a traced length follows the input
        return rel_pos
    out = F.interpolate(rel_pos.T.unsqueeze(0).float(), size=length, mode='linear', align_corners=False)
    return out[0].T.to(rel_pos.dtype)


def decomposed_rel_pos(q: torch.Tensor, rel_pos_h: torch.Tensor, rel_pos_w: torch.Tensor,
                       hw: Tuple[int, int]) -> Tuple[torch.Tensor, torch.Tensor]:
    """The two terms of ViTDet / SAM's decomposed relative position (from MViTv2) for self-attention on an
    ``H x W`` token map: ``rel_h[.., y, x, ky] = q[y, x] . Rh[y - ky]``, ``rel_w[.., y, x, kx] = q[y, x] . Rw[x - kx]``.

    Args:
        q (Tensor): Unscaled queries ``(B, heads, H * W, head_dim)``.
        rel_pos_h, rel_pos_w (Tensor): Tables ``(L, head_dim)``, linearly resized to ``2H - 1`` / ``2W - 1`` rows
            when they have another length (as detectron2's ``get_rel_pos``).
        hw (tuple): ``(H, W)``.

    Returns:
        tuple: ``rel_h`` ``(B, heads, H, W, H)`` and ``rel_w`` ``(B, heads, H, W, W)``, contiguous.
    """
    H, W = hw
    r_q = q.reshape(*q.shape[:2], H, W, q.shape[-1])
    rel_h = torch.einsum('bnhwc,hkc->bnhwk', r_q, _relative_table(rel_pos_h, H))
    rel_w = torch.einsum('bnhwc,wkc->bnhwk', r_q, _relative_table(rel_pos_w, W))
    # einsum hands back permuted views; contiguous terms make the (much larger) bias contiguous as it is written
    return rel_h.contiguous(), rel_w.contiguous()


def decomposed_rel_pos_bias(q: torch.Tensor, rel_pos_h: torch.Tensor, rel_pos_w: torch.Tensor,
                            hw: Tuple[int, int]) -> torch.Tensor:
    """The attention bias of ViTDet / SAM's decomposed relative position (see :func:`decomposed_rel_pos`).

    Returns:
        Tensor: ``(B, heads, H * W, H * W)``, contiguous, added to ``q k^T * scale`` before the softmax.
    """
    H, W = hw
    rel_h, rel_w = decomposed_rel_pos(q, rel_pos_h, rel_pos_w, hw)
    return (rel_h[..., :, None] + rel_w[..., None, :]).view(*q.shape[:2], H * W, H * W)


def fold_decomposed_rel_pos(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, rel_pos_h: torch.Tensor,
                            rel_pos_w: torch.Tensor, hw: Tuple[int, int],
                            scale: float) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Queries, keys and values whose plain attention (``softmax(q' k'^T) v'``, scale 1) is the attention with
    the decomposed relative-position bias, ``softmax(q k^T * scale + rel_h + rel_w) v``, with no bias tensor.

    ``q' = [q * scale, rel_h, rel_w]`` and ``k' = [k, one-hot key row, one-hot key column]``, so that
    ``q' . k'`` picks ``rel_h`` at the key's row and ``rel_w`` at its column; ``v`` is zero-padded to the same
    width (fused kernels want one head size), so only the first ``head_dim`` channels of the output are
    meaningful. Equal up to float rounding (the sum is taken in another order).

    Returns:
        tuple: ``q'``, ``k'``, ``v'``, each ``(B, heads, H * W, head_dim + H + W)``.
    """
    H, W = hw
    B, n, N, d = q.shape
    rel_h, rel_w = decomposed_rel_pos(q, rel_pos_h, rel_pos_w, hw)
    q = torch.cat([q * scale, rel_h.view(B, n, N, H), rel_w.view(B, n, N, W)], dim=-1)
    # key (y, x): one-hot y, then one-hot x
    rows = torch.eye(H, dtype=k.dtype, device=k.device).repeat_interleave(W, dim=0)
    cols = torch.eye(W, dtype=k.dtype, device=k.device).repeat(H, 1)
    k = torch.cat([k, torch.cat([rows, cols], dim=1).expand(B, n, N, H + W)], dim=-1)
    return q, k, F.pad(v, (0, H + W))


def _relative_table(rel_pos: torch.Tensor, size: int) -> torch.Tensor:
    """``(size, size, C)``: the table row for every (query, key) offset along one axis of ``size`` tokens."""
    table = resize_decomposed_rel_pos(rel_pos, 2 * size - 1)
    coords = torch.arange(size, device=rel_pos.device)
    return table[(coords[:, None] - coords[None, :] + size - 1)]
