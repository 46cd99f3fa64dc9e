"""FLOPs counted as the published UniFormer tables count them: fvcore's rules (mmengine's FlopAnalyzer is its
port; one multiply-add is one flop, convolutions, linear layers, matmuls and norms included), plus the
attention matrix products of ``F.scaled_dot_product_attention``, which that counter does not know and would
silently skip."""
from typing import Any, List, Tuple

import numpy as np
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """q @ k^T and attn @ v of ``aten::scaled_dot_product_attention``: q (..., N, d), k (..., M, d), v (..., M, e)."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = int(np.prod(q[:-2]))
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def flop_analyzer(model: nn.Module, inputs: Tuple) -> FlopAnalyzer:
    """An mmengine FlopAnalyzer of ``model(*inputs)`` that also counts fused attention."""
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.set_op_handle('aten::scaled_dot_product_attention', sdpa_flop_jit)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return analyzer
