"""Padding-aware window partition / unpartition, shared by every backbone with window attention.

Modified from detectron2's ViTDet (``detectron2/modeling/backbone/utils.py``): free functions on channel-last maps.
"""
from typing import Tuple

import torch
import torch.nn.functional as F


def window_partition(x: torch.Tensor, window_size: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """Split a channel-last map into non-overlapping windows, zero-padding it to a multiple of the window.

    The padding is not masked in attention, as in the official UniFormer and ViTDet code (a family that masks it adds
    :func:`padded_key_mask` to its bias).

    Args:
        x (Tensor): ``(B, H, W, C)``.
        window_size (int): Window side.

    Returns:
        tuple: windows ``(B * nW, window_size * window_size, C)`` and the padded size ``(Hp, Wp)``.
    """
    B, H, W, C = x.shape
    pad_b = (window_size - H % window_size) % window_size
    pad_r = (window_size - W % window_size) % window_size
    if torch.jit.is_tracing() or pad_b or pad_r:  # traced: the padding follows the input size
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
    if torch.jit.is_tracing() or Hp > H or Wp > W:  # traced: the crop follows the input size
        x = x[:, :H, :W, :]
    return x


def padded_key_mask(hw: Tuple[int, int], window_size: int, like: torch.Tensor) -> torch.Tensor:
    """The additive attention mask of the keys that :func:`window_partition` adds: ``(nW, 1, 1, window_size ** 2)``,
    0 on the map's tokens and -inf on the padding, in its window order (broadcast over the heads and the queries of
    each window; every window holds a token of the map, so no row is all -inf)."""
    valid, _ = window_partition(like.new_ones(1, *hw, 1), window_size)
    return torch.zeros_like(valid).masked_fill(valid == 0, float('-inf')).view(-1, 1, 1, window_size * window_size)
