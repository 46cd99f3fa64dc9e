"""timm's channel rounding and squeeze-and-excitation, shared by the families that load timm's weights."""
import torch
import torch.nn as nn


def make_divisible(value: float, divisor: int = 8, round_limit: float = .9) -> int:
    """timm's channel rounding: to the nearest multiple of ``divisor``, at least ``divisor``, never below
    ``round_limit * value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < round_limit * value else rounded


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation (timm's ``SEModule``, same names): channel gates from the mean of the map, through
    1x1 convolutions ``fc1`` (to ``reduced``), ``act`` and ``fc2``, then a sigmoid."""

    def __init__(self, channels: int, reduced: int, act: type = nn.ReLU):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, reduced, 1)
        self.act = act()
        self.fc2 = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True)))).sigmoid()
