"""The transformer MLP, on token sequences or (as 1x1 convolutions) on NCHW maps."""
import torch
import torch.nn as nn

from .fused import needs_autograd


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
