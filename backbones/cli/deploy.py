"""ONNX export of the families' backbones and of whole mmdet / mmseg / mmpose models, and the onnxruntime check.

What only ``tools/deploy/export_onnx.py`` and ``tools/deploy/check_onnx.py`` (and the tests) use. The graphs are
traced with torch's TorchScript exporter (``dynamo=False``, opset 17), the one exporter on every torch the project
claims (2.1.2 to 2.14); the input's batch, height and width are dynamic axes, so one file runs at any input size.

What a graph holds (``part``):

- ``'backbone'``: the backbone, and the neck where the config has one: the feature pyramid (``feat0``, ...).
- ``'model'``: mmseg: the decode head's logits resized to the input (``logits``) and their argmax (``labels``);
  mmpose (top-down): the head's heatmaps (``heatmaps``); mmdet: the features and the RPN head's raw maps
  (``rpn_cls{i}``, ``rpn_reg{i}``). What stays in Python is listed in docs/deployment.md (mmdet: anchors, proposal
  NMS, RoIAlign, the RoI heads, mask pasting; mmpose: flip test and the codec's decoding; mmseg: sliding-window
  inference, cropping the padding and resizing to the original image).

Nothing is exported silently wrong: after the export the graph is run in onnxruntime at another input size (no
multiple of any window or patch) with batch 2 and compared with torch (:func:`verify`); a graph that kept an
export-time shape fails there, naming the output and the shapes.
"""
import copy
import inspect
import logging
import os.path as osp
import time
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17
PARTS = ('backbone', 'model')


class DeployError(RuntimeError):
    """What cannot be exported or checked, with its cause."""


def require(module: str):
    """Import ``onnx`` or ``onnxruntime``, or fail naming how to install them."""
    try:
        return __import__(module)
    except ImportError as e:
        raise DeployError(f'{module} is not installed ({e}); ONNX export and the onnxruntime check need the '
                          f'deploy extra: pip install -e .[deploy] (versions pinned in requirements/pins.txt)') from e


# ---- the graphs ---------------------------------------------------------------------------------------------------
class FeatureGraph(nn.Module):
    """The backbone (+ neck): a tuple of feature maps."""

    def __init__(self, backbone: nn.Module, neck: Optional[nn.Module] = None):
        super().__init__()
        self.backbone, self.neck = backbone, neck

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        feats = self.backbone(x)
        return tuple(self.neck(feats)) if self.neck is not None else tuple(feats)


class SegGraph(nn.Module):
    """mmseg ``EncoderDecoder``: logits resized to the input (as ``decode_head.predict``) and the label map (argmax;
    a binary head's sigmoid above its threshold, as mmseg's ``postprocess_result``). Whole-image inference."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        logits = self.model._forward(x)
        logits = F.interpolate(logits, size=x.shape[2:], mode='bilinear', align_corners=self.model.align_corners)
        if logits.shape[1] == 1:  # a binary head: mmseg thresholds its sigmoid
            return logits, (logits.sigmoid() > self.model.decode_head.threshold).squeeze(1).long()
        return logits, logits.argmax(1)


class PoseGraph(nn.Module):
    """mmpose top-down model: the head's output (heatmaps for the heatmap heads)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model._forward(x)
        if not isinstance(out, torch.Tensor):
            raise DeployError(f'the pose head {type(self.model.head).__name__} returns {type(out).__name__}, not '
                              f'one heatmap tensor: only heatmap heads export as a whole model (use --part backbone)')
        return out


class DetGraph(nn.Module):
    """mmdet two-stage detector: the features and the RPN head's raw maps per level (scores, box deltas)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        if not hasattr(model, 'rpn_head'):
            raise DeployError(f'{type(model).__name__} has no RPN head: only two-stage detectors export as a whole '
                              f'model here (use --part backbone)')
        self.model = model

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        feats = self.model.extract_feat(x)
        cls_scores, bbox_preds = self.model.rpn_head(feats)
        return tuple(feats) + tuple(cls_scores) + tuple(bbox_preds)


class ExportableAdaptiveAvgPool2d(nn.Module):
    """``nn.AdaptiveAvgPool2d`` as two averaging matrices built from the input's size (the same bins: rows
    ``floor(i * H / n)`` to ``ceil((i + 1) * H / n)``), equal up to float rounding. ONNX has adaptive pooling to 1x1
    only (GlobalAveragePool): the exporter refuses other output sizes of inputs whose size is dynamic, e.g. the
    pyramid pooling of mmseg's UperNet (scales 1, 2, 3, 6). Swapped in by :func:`export`, on a copy."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = (output_size, ) * 2 if isinstance(output_size, int) else tuple(output_size)

    @staticmethod
    def bins(n, size, x: torch.Tensor) -> torch.Tensor:
        """``(n, size)``: row i averages the input positions of bin i."""
        i = torch.arange(n, device=x.device)
        start, end = (i * size) // n, ((i + 1) * size + n - 1) // n
        pos = torch.arange(size, device=x.device)
        inside = ((pos[None] >= start[:, None]) & (pos[None] < end[:, None])).to(x.dtype)
        return inside / inside.sum(1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        H, W = x.shape[-2:]
        oh, ow = (s if s is not None else d for s, d in zip(self.output_size, (H, W)))
        return self.bins(oh, H, x) @ x @ self.bins(ow, W, x).transpose(0, 1)


class ExportableUpsample(nn.Module):
    """mmseg's ``Upsample`` by a scale factor (the scale heads of its Semantic FPN ``FPNHead``), which computes the
    output size as Python ints, constants in a traced graph: the same resize with the size computed by the
    exporter (``recompute_scale_factor``: output ``floor(H * s)``, coordinates from the sizes, as mmseg's)."""

    def __init__(self, scale_factor, mode: str, align_corners):
        super().__init__()
        self.scale_factor, self.mode, self.align_corners = scale_factor, mode, align_corners

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=self.scale_factor, mode=self.mode, align_corners=self.align_corners,
                             recompute_scale_factor=True)


def _export_equivalent(module: nn.Module) -> Optional[nn.Module]:
    """The exportable stand-in for a module whose traced graph would not follow the input size, or None."""
    if isinstance(module, nn.AdaptiveAvgPool2d) and module.output_size not in (1, (1, 1)):
        return ExportableAdaptiveAvgPool2d(module.output_size)
    if (type(module).__name__ == 'Upsample' and type(module).__module__.startswith('mmseg')
            and not module.size and module.scale_factor):
        return ExportableUpsample(module.scale_factor, module.mode, module.align_corners)
    return None


def exportable(graph: nn.Module) -> nn.Module:
    """A copy of ``graph`` with the stand-ins of :func:`_export_equivalent` (adaptive pooling above 1x1, mmseg's
    ``Upsample``) swapped in; the original, which torch runs, is left alone. ``graph`` itself where there are none."""
    def swaps(module):
        return [(parent, name, child) for parent in module.modules() for name, child in parent.named_children()
                if _export_equivalent(child) is not None]
    if not swaps(graph):
        return graph
    graph = copy.deepcopy(graph)
    for parent, name, child in swaps(graph):
        setattr(parent, name, _export_equivalent(child))
    return graph


def detections_from_features(model: nn.Module, feats: Sequence[torch.Tensor], shape: Tuple[int, int]) -> list:
    """What stays in Python for a two-stage detector: mmdet's own RPN and RoI heads on the neck's levels (from the
    ONNX file), for a batch of ``shape`` inputs without resizing; ``InstanceData`` per image (boxes, scores, labels,
    masks)."""
    from mmdet.structures import DetDataSample
    meta = dict(img_shape=tuple(shape), ori_shape=tuple(shape), pad_shape=tuple(shape),
                batch_input_shape=tuple(shape), scale_factor=(1., 1.))
    samples = [DetDataSample(metainfo=meta) for _ in range(feats[0].shape[0])]
    with torch.no_grad():
        proposals = model.rpn_head.predict(tuple(feats), samples, rescale=False)
        return model.roi_head.predict(tuple(feats), proposals, samples, rescale=True)


def compare_detections(model: nn.Module, x: torch.Tensor, onnx_feats: Sequence[np.ndarray]) -> dict:
    """The detector in torch against mmdet's heads on the ONNX file's features: boxes kept, the largest box and
    score differences where both keep as many."""
    ours = detections_from_features(model, [torch.from_numpy(f) for f in onnx_feats], x.shape[2:])
    with torch.no_grad():
        ref = detections_from_features(model, model.extract_feat(x), x.shape[2:])
    out = dict(boxes_torch=[len(r) for r in ref], boxes_onnx=[len(o) for o in ours])
    if out['boxes_torch'] == out['boxes_onnx']:
        pairs = [(o, r) for o, r in zip(ours, ref) if len(r)]
        out['max_box_diff'] = max([float((o.bboxes - r.bboxes).abs().max()) for o, r in pairs], default=0.)
        out['max_score_diff'] = max([float((o.scores - r.scores).abs().max()) for o, r in pairs], default=0.)
        out['labels_equal'] = all(torch.equal(o.labels, r.labels) for o, r in pairs)
    return out


def scope_of(model: nn.Module) -> str:
    return type(model).__module__.split('.')[0]


def make_graph(model: nn.Module, part: str = 'backbone') -> Tuple[nn.Module, List[str]]:
    """The module to export and its output names."""
    if part not in PARTS:
        raise DeployError(f'part must be one of {PARTS}, got {part!r}')
    if part == 'backbone':
        graph = FeatureGraph(model.backbone, model.neck if getattr(model, 'with_neck', False) else None)
        with torch.no_grad():
            n = len(graph(torch.zeros(1, graph.backbone.in_channels, 256, 256)))
        return graph, [f'feat{i}' for i in range(n)]
    scope = scope_of(model)
    if scope == 'mmseg':
        return SegGraph(model), ['logits', 'labels']
    if scope == 'mmpose':
        return PoseGraph(model), ['heatmaps']
    if scope == 'mmdet':
        graph = DetGraph(model)
        with torch.no_grad():
            feats = model.extract_feat(torch.zeros(1, 3, 256, 256))
        n = len(feats)
        return graph, ([f'feat{i}' for i in range(n)] + [f'rpn_cls{i}' for i in range(n)]
                       + [f'rpn_reg{i}' for i in range(n)])
    raise DeployError(f'{type(model).__name__} ({scope}) is not an mmdet, mmseg or mmpose model')


# ---- building a config's model ------------------------------------------------------------------------------------
def build_model(config: str, checkpoint: Optional[str] = None, cfg_options: Optional[dict] = None,
                seed: int = 0) -> nn.Module:
    """A config's model in eval mode on the CPU: the checkpoint's weights, or (none given) its own initialisation
    (seeded; class tokens drawn with std 0.02 rather than zeros) with the backbone's Pretrained file dropped.
    ``cfg_options`` as tools/test.py's ``--cfg-options`` (attention mode: ``model.backbone.attn_mode=window
    model.backbone.window_size=14``)."""
    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope, MODELS
    from mmengine.runner import load_checkpoint

    import backbones  # noqa: F401  (registers the families)
    from .config import load_config
    cfg = load_config(config, cfg_options)
    # SyncBN needs a process group; at inference it is a BatchNorm with the same statistics
    cfg = Config.fromstring(cfg.pretty_text.replace("'SyncBN'", "'BN'"), '.py')
    if checkpoint is None:
        cfg.model.backbone.init_cfg = None
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)  # not a line per initialised parameter
    try:
        torch.manual_seed(seed)  # without a checkpoint, the same weights in export_onnx.py and check_onnx.py
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            model = MODELS.build(cfg.model)
        if checkpoint is None:
            model.init_weights()
            for module in model.modules():  # a zero class token (its initial value) attends uniformly: UniFormer-
                token = getattr(module, 'cls_token', None)  # Light's token ranking would be an all-way tie, which
                if isinstance(token, nn.Parameter):  # torch's sort and ONNX's TopK break differently; draw it as
                    nn.init.normal_(token, std=.02)  # a trained one is (not zero)
        else:
            load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    finally:
        logger.setLevel(level)
    model.cfg = cfg
    return model.eval()


# ---- export -------------------------------------------------------------------------------------------------------
def exporter_kwargs() -> dict:
    """The TorchScript exporter on every torch: ``dynamo=False`` where the argument exists (torch >= 2.5; the
    dynamo exporter is the default from 2.9)."""
    return {'dynamo': False} if 'dynamo' in inspect.signature(torch.onnx.export).parameters else {}


def _dynamic_axes(names: Sequence[str], outputs: Sequence[torch.Tensor]) -> Dict[str, Dict[int, str]]:
    axes = {'input': {0: 'batch', 2: 'height', 3: 'width'}}
    for name, out in zip(names, outputs):
        axes[name] = {0: 'batch', **{d: f'{name}_{"hw"[d - out.dim() + 2]}' for d in (out.dim() - 2, out.dim() - 1)}}
    return axes


def _sdpa_with_float_scale(g, query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch < 2.2's ONNX symbolic of ``scaled_dot_product_attention`` fails on a float ``scale`` (it passes the
    Python float to an ONNX op: "z_(): incompatible function arguments"); this hands it a tensor value instead
    (an Identity of a constant, which the symbolic does not turn back into a float; folded away after)."""
    from torch.onnx import symbolic_helper, symbolic_opset14
    if not symbolic_helper._is_none(scale) and symbolic_helper._is_constant(scale):
        scale = g.op('Identity', g.op('Constant', value_t=torch.tensor(symbolic_helper._maybe_get_const(scale, 'f'),
                                                                        dtype=torch.float)))
    return symbolic_opset14.scaled_dot_product_attention(g, query, key, value, attn_mask, dropout_p, is_causal, scale)


def _patch_old_exporter() -> None:
    if torch.__version__ < '2.2':
        torch.onnx.register_custom_op_symbolic('aten::scaled_dot_product_attention', _sdpa_with_float_scale, 14)


def export(graph: nn.Module, names: List[str], path: str, shape: Tuple[int, int] = (256, 320),
           dynamic: bool = True, in_channels: int = 3, opset: int = OPSET) -> str:
    """Trace ``graph`` at ``shape`` (batch 1) into an ONNX file with the TorchScript exporter; with ``dynamic``,
    batch, height and width are free. Raises :class:`DeployError` naming the cause when torch cannot export it."""
    onnx = require('onnx')
    graph.eval()  # the exporter restores the mode it found: a wrapper made in training mode would train its model
    x = torch.randn(1, in_channels, *shape)
    with torch.no_grad():
        outputs = graph(x)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs, )
    kwargs = dict(input_names=['input'], output_names=list(names), opset_version=opset, do_constant_folding=True)
    if dynamic:
        kwargs['dynamic_axes'] = _dynamic_axes(names, outputs)
    kwargs.update(exporter_kwargs())
    _patch_old_exporter()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')  # TracerWarnings: the graph is verified at other sizes instead
            torch.onnx.export(exportable(graph), (x, ), path, **kwargs)
    except Exception as e:  # torch's own errors name the op (e.g. "Unsupported: ONNX export of operator ...")
        raise DeployError(f'torch.onnx.export (TorchScript exporter, opset {opset}) failed for '
                          f'{type(graph).__name__}: {type(e).__name__}: {e}') from e
    onnx.checker.check_model(path)
    return path


# ---- onnxruntime --------------------------------------------------------------------------------------------------
def session(path: str, threads: int = 1, optimize: bool = True, profile: Optional[str] = None):
    """An onnxruntime CPU session: every graph optimisation, ``threads`` intra-op threads, sequential execution."""
    ort = require('onnxruntime')
    if not osp.exists(path):
        raise DeployError(f'ONNX file {path} not found: export it first (tools/deploy/export_onnx.py)')
    options = ort.SessionOptions()
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize else
                                        ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    if profile:
        options.enable_profiling = True
        options.profile_file_prefix = profile
    try:
        return ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    except Exception as e:  # e.g. an op or opset this onnxruntime does not implement
        raise DeployError(f'onnxruntime {ort.__version__} cannot load {path}: {e}') from e


def run_ort(sess, x: torch.Tensor) -> List[np.ndarray]:
    try:
        return sess.run(None, {'input': x.numpy()})
    except Exception as e:
        raise DeployError(f'onnxruntime failed at input {tuple(x.shape)}: {e}') from e


def run_torch(graph: nn.Module, x: torch.Tensor) -> List[torch.Tensor]:
    with torch.no_grad():
        out = graph(x)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare(names: Sequence[str], ref: Sequence[torch.Tensor], got: Sequence[np.ndarray]) -> Dict[str, dict]:
    """Per output: shapes, the largest absolute difference and the largest absolute torch value (float outputs),
    or the share of equal values (integer outputs, e.g. label maps)."""
    result = {}
    for name, r, g in zip(names, ref, got):
        r = r.numpy()
        item = dict(torch_shape=tuple(r.shape), onnx_shape=tuple(g.shape))
        if r.shape == g.shape:
            if np.issubdtype(r.dtype, np.floating):
                item.update(max_abs_diff=float(np.abs(r - g).max()) if r.size else 0.,
                            max_abs=float(np.abs(r).max()) if r.size else 0.)
            else:
                item.update(equal=float((r == g).mean()) if r.size else 1.)
        result[name] = item
    return result


def verify(path: str, graph: nn.Module, names: Sequence[str], shape: Tuple[int, int], batch: int = 2,
           rtol: float = 1e-3, in_channels: int = 3, seed: int = 0) -> Dict[str, dict]:
    """Run the file in onnxruntime at ``shape`` with ``batch`` and compare with torch; raise
    :class:`DeployError` when a shape differs or a float output differs by more than ``rtol`` of its largest absolute
    value (relative: randomly initialised heads give heatmaps of 1e-7) -- the graph then computes something else than
    the model, e.g. a shape kept from the export."""
    torch.manual_seed(seed)
    x = torch.randn(batch, in_channels, *shape)
    result = compare(names, run_torch(graph, x), run_ort(session(path), x))
    for name, item in result.items():
        if item['torch_shape'] != item['onnx_shape']:
            raise DeployError(f'{path}: output {name} is {item["onnx_shape"]} in onnxruntime but {item["torch_shape"]} '
                              f'in torch at input {tuple(x.shape)}: the graph kept a shape of the export')
        if 'max_abs_diff' in item and item['max_abs_diff'] > rtol * item['max_abs']:
            raise DeployError(f'{path}: output {name} differs from torch by {item["max_abs_diff"]:.3g} (largest value '
                              f'{item["max_abs"]:.3g}) at input {tuple(x.shape)}')
    return result


def median_latency(fn, runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))
