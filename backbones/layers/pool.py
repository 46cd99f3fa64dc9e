"""Stride-2 pooling that keeps every pixel of an odd-sized map."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class AvgPool2x2(nn.Module):
    """2x2 average pooling with stride 2 giving ``ceil(H / 2)`` rows: at an odd side the last row / column averages
    the pixels it has (timm's pooling floors, dropping it; on even sides the two are equal). Computed as the map
    edge-padded by one there, which averages the same and exports as ONNX's ``Pad(edge)``, read alike by every
    runtime (``ceil_mode``'s divisor is not)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_b, pad_r = x.shape[2] % 2, x.shape[3] % 2
        if torch.jit.is_tracing() or pad_b or pad_r:  # traced: the padding follows the input size
            x = F.pad(x, (0, pad_r, 0, pad_b), mode='replicate')
        return F.avg_pool2d(x, 2, 2)
