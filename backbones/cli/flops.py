"""FLOPs counted as the published UniFormer tables count them: fvcore's rules (mmengine's FlopAnalyzer is its
port; one multiply-add is one flop, convolutions, linear layers, matmuls and norms included), plus the
attention matrix products of ``F.scaled_dot_product_attention``, which that counter does not know and would
silently skip. For a det / seg / pose config's model (:func:`count_model`) or a backbone alone
(:func:`count_backbone`: this project's, an OpenMMLab one, or a timm model's trunk, for side-by-side counts)."""
import functools
import importlib
from typing import Any, List, Optional, Tuple, Union

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


# The input the published tables count at: det 800x1280, seg 512x2048 (H x W; the Swin / PVT convention the
# official ADE20K tables follow, though they train and test at 512x512),
# pose the codec's input size.
DEFAULT_SHAPES = {'mmdet': (800, 1280), 'mmseg': (512, 2048)}


def default_shape(cfg) -> Tuple[int, int]:
    if cfg.default_scope == 'mmpose':
        width, height = cfg.codec['input_size']
        return height, width
    return DEFAULT_SHAPES[cfg.default_scope]


def _data_samples(scope: str, shape: Tuple[int, int]):
    """One data sample with the meta a detector's test-mode forward reads; segmentors and pose models need none."""
    if scope != 'mmdet':
        return None
    from mmdet.structures import DetDataSample
    return [DetDataSample(metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape, batch_input_shape=shape,
                                        scale_factor=(1., 1.)))]


def count_model(cfg, shape: Optional[Tuple[int, int]] = None) -> dict:
    """Parameters and FLOPs (one multiply-add = one flop) of a det / seg / pose config's model and of its backbone,
    for one ``shape`` (H, W) image in test mode (``mode='tensor'``: backbone, neck and heads, and for two-stage
    detectors the RoI heads on the RPN's proposals). Gradient checkpointing is bypassed (no_grad), so
    checkpointed blocks are counted; SyncBN is counted as BN; no pretrained weights are loaded."""
    import torch
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import DefaultScope, init_default_scope
    init_default_scope(cfg.default_scope)
    registry = {'mmdet': 'mmdet.registry', 'mmseg': 'mmseg.registry', 'mmpose': 'mmpose.registry'}[cfg.default_scope]
    models = __import__(registry, fromlist=['MODELS']).MODELS
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = revert_sync_batchnorm(models.build(cfg.model))
    model.eval()
    shape = tuple(shape or default_shape(cfg))
    inputs = torch.rand(1, 3, *shape)
    # the trace takes tensors only: the data samples are bound to forward, as mmdet's get_flops does
    model.forward = functools.partial(model.forward, data_samples=_data_samples(cfg.default_scope, shape),
                                      mode='tensor')
    with torch.no_grad():
        analyzer = flop_analyzer(model, (inputs, ))
        by_module = analyzer.by_module()
    params = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    return dict(shape=shape, params=params(model), flops=analyzer.total(), backbone_params=params(model.backbone),
                backbone_flops=by_module['backbone'])


def build_backbone(spec: dict) -> nn.Module:
    """A backbone alone from ``dict(type=..., **kwargs)``: a name registered in mmengine's ``MODELS`` once this
    project is imported (``'ViT'``, ``'UniFormer'``, ``'UniFormerLight'``), scoped OpenMMLab names
    (``'mmdet.SwinTransformer'``, ``'mmseg.VisionTransformer'``, ...), or ``'timm.<class or model name>'``:
    a timm model's trunk, its neck / final norm and classifier pruned away
    (``prune_intermediate_layers``: the last block's map, as a dense backbone uses it)."""
    import backbones  # noqa: F401  (registers this project's backbones)
    from mmengine.registry import MODELS
    spec = dict(spec)
    kind = spec.pop('type')
    if kind.startswith('timm.'):
        import timm
        name = kind[len('timm.'):]
        cls = getattr(timm.models, name, None)
        net = cls(**spec) if isinstance(cls, type) else timm.create_model(name, pretrained=False, **spec)
        if hasattr(net, 'prune_intermediate_layers'):
            net.prune_intermediate_layers(prune_norm=True, prune_head=True)
        else:  # no trunk of its own: at least no classifier
            net.reset_classifier(0, '')
        return net
    scope, _, name = kind.rpartition('.')
    if scope:
        importlib.import_module(f'{scope}.models')  # registers the toolbox's modules
        models = importlib.import_module(f'{scope}.registry').MODELS
        return models.build(dict(spec, type=name))
    return MODELS.build(dict(spec, type=name))


def count_backbone(backbone: Union[dict, nn.Module], shape: Tuple[int, int]) -> dict:
    """Parameters and FLOPs (one multiply-add = one flop) of a backbone alone (a module or a
    :func:`build_backbone` spec) on one ``shape`` (H, W) image, in eval mode (inference paths, checkpointing
    bypassed); the same counter as :func:`count_model`."""
    import torch
    if isinstance(backbone, dict):
        backbone = build_backbone(dict(backbone, init_cfg=None) if not str(backbone['type']).startswith('timm.')
                                  else backbone)
    backbone.eval()
    with torch.no_grad():
        flops = flop_analyzer(backbone, (torch.rand(1, 3, *shape), )).total()
    return dict(shape=tuple(shape), params=sum(p.numel() for p in backbone.parameters()), flops=flops)
