"""Inference-time helpers that keep results equal up to rounding while saving memory passes: channels-last
layout handling, in-place residuals, and BatchNorm folded into the 1x1 convolution after it."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm


def is_channels_last(x: torch.Tensor) -> bool:
    """Whether an NCHW tensor is stored channels-last (and not also plain contiguous)."""
    return not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)


def nhwc_to_nchw(x: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``(B, H, W, C)`` -> ``(B, C, H, W)``: stored channels-last (a free view of a contiguous input) or
    contiguous NCHW (a copy, the official layout)."""
    x = x.permute(0, 3, 1, 2)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()


def needs_autograd(*tensors: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and any(t.requires_grad for t in tensors)


def residual_add(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x + y``, written into ``x`` when autograd needs neither (inference): one map-sized allocation less per
    residual. ``x`` must be the caller's own tensor (not a block input someone else may read)."""
    return x + y if needs_autograd(x, y) else x.add_(y)


def norm_then_pointwise(norm: nn.Module, conv: nn.Conv2d, x: torch.Tensor, fold_bn: bool = True) -> torch.Tensor:
    """``conv(norm(x))`` for a 1x1 ``conv``. With ``fold_bn``, a BatchNorm using its running statistics
    (inference, norm_eval) is folded into the convolution's weights: one pass over the map saved, exact up to
    rounding (a 1x1 convolution has no padding for the BatchNorm shift to miss)."""
    if not fold_bn or not isinstance(norm, _BatchNorm) or norm.training or norm.running_var is None:
        return conv(norm(x))
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.weight is not None:
        scale = scale * norm.weight
    shift = -norm.running_mean * scale
    if norm.bias is not None:
        shift = shift + norm.bias
    weight = conv.weight * scale.view(1, -1, 1, 1)
    bias = conv.weight.flatten(1) @ shift
    if conv.bias is not None:
        bias = bias + conv.bias
    return F.conv2d(x, weight, bias)
