"""UniFormer backbone for dense prediction.

UniFormer: Unifying Convolution and Self-attention for Visual Recognition (ICLR 2022,
https://arxiv.org/abs/2201.09450). Module names follow the official code (Sense-X/UniFormer) so that
official ImageNet and downstream checkpoints load unchanged; the window adaptation is resolved at
build time into one window size per block, so every attention mode shares the same parameters.
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from .checkpoint import extract_state_dict, load_checkpoint_file
from .layers import (Attention, ConvEmbed, Mlp, PatchEmbed, is_channels_last, nhwc_to_nchw, residual_add,
                     window_partition, window_unpartition)

ATTN_MODES = ('global', 'window', 'hybrid')
# what only the ImageNet classifiers have (the light family's second head and norm included)
CLASSIFIER_KEYS = ('head.', 'head_cls.', 'norm.', 'norm_cls.', 'pre_logits.')


class ConvBlock(nn.Module):
    """Local UniFormer block (``CBlock`` upstream), on NCHW maps.

    DPE (3x3 depthwise conv, residual) -> norm -> 1x1 -> 5x5 depthwise -> 1x1 (residual)
    -> norm -> 1x1-conv MLP (residual).
    """

    def __init__(self, dim: int, mlp_ratio: float, drop: float, drop_path: float, norm_cfg: dict,
                 fold_bn: bool = True):
        super().__init__()
        self.fold_bn = fold_bn
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.conv1 = nn.Conv2d(dim, dim, 1)
        self.attn = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.conv2 = nn.Conv2d(dim, dim, 1)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop, conv=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = residual_add(self.pos_embed(x), x)  # from here on x is this block's own tensor
        y = norm_then_pointwise(self.norm1, self.conv1, x, self.fold_bn)
        x = residual_add(x, self.drop_path(self.conv2(self.attn(y))))
        y = self.mlp.from_hidden(norm_then_pointwise(self.norm2, self.mlp.fc1, x, self.fold_bn))
        return residual_add(x, self.drop_path(y))


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


class AttentionBlock(nn.Module):
    """Global UniFormer block (``SABlock`` / ``SABlock_Windows`` upstream), on NCHW maps.

    DPE -> LayerNorm -> multi-head self-attention (residual) -> LayerNorm -> MLP (residual).

    Args:
        window_size (int): 0 attends over the whole map; otherwise inside non-overlapping windows of
            this side, the map zero-padded to a multiple of it with no mask (the official behaviour).
        layer_scale (float, optional): Initial value of the LayerScale gammas (``*_ls`` models).
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float,
                 qkv_bias: bool,
                 qk_scale: Optional[float],
                 drop: float,
                 attn_drop: float,
                 drop_path: float,
                 window_size: int = 0,
                 layer_scale: Optional[float] = None,
                 fused_attn: bool = True):
        super().__init__()
        self.window_size = window_size
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, num_heads, qkv_bias, qk_scale, attn_drop, drop, fused_attn)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)
        if layer_scale is not None:
            self.gamma_1 = nn.Parameter(torch.full((dim, ), float(layer_scale)))
            self.gamma_2 = nn.Parameter(torch.full((dim, ), float(layer_scale)))
        else:
            self.gamma_1 = self.gamma_2 = None

    def _attend(self, x: torch.Tensor) -> torch.Tensor:
        """Self-attention on a channel-last map ``(B, H, W, C)``, globally or per window."""
        B, H, W, C = x.shape
        if not self.window_size:
            return self.attn(x.reshape(B, H * W, C)).view(B, H, W, C)
        windows, padded_hw = window_partition(x, self.window_size)
        return window_unpartition(self.attn(windows), self.window_size, padded_hw, (H, W))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels_last = is_channels_last(x)
        x = residual_add(self.pos_embed(x), x)  # from here on x is this block's own tensor
        x = x.permute(0, 2, 3, 1)  # NHWC: a view when the input is stored channels-last
        y = self._attend(self.norm1(x))
        x = residual_add(x, self.drop_path(y if self.gamma_1 is None else self.gamma_1 * y))
        y = self.mlp(self.norm2(x))
        x = residual_add(x, self.drop_path(y if self.gamma_2 is None else self.gamma_2 * y))
        return nhwc_to_nchw(x, channels_last)


@MODELS.register_module()
class UniFormer(BaseModule):
    """UniFormer backbone giving a feature pyramid (strides 4, 8, 16, 32).

    Registered in mmengine's root ``MODELS`` registry, so ``type='UniFormer'`` resolves from mmdet,
    mmseg and mmpose configs after ``custom_imports = dict(imports=['backbones'])``.

    Args:
        arch (str | dict): A name of :attr:`arch_zoo` (``'small'``/``'s'``, ``'small_plus'``,
            ``'small_plus_dim64'``, ``'base'``/``'b'``, ``'base_ls'``) or a dict with ``depths``,
            ``embed_dims``, ``head_dim`` and optionally ``conv_stem`` (bool), ``layer_scale``
            (initial gamma or None), ``mlp_ratio``. Defaults to ``'small'``.
        attn_mode (str): ``'global'``, ``'window'`` (every stage-3 block windowed) or ``'hybrid'``
            (stage-3 blocks with ``(i + 1) % 4 == 0`` global, the rest windowed). Stage 4 is always
            global. Defaults to ``'global'``.
        window_size (int): Window side for the windowed blocks, in stage-3 tokens. Defaults to 14.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Stages (0-3) whose normalized output is returned.
        frozen_stages (int): -1 freezes nothing, 0 the stem, k the stem and stages 1..k.
        norm_eval (bool): Keep the BatchNorm layers in eval mode while training.
        norm_cfg (dict): Norm of the local blocks and conv stem (``BN`` or ``SyncBN``).
        with_cp (bool | Sequence[bool | int]): Gradient checkpointing; a bool for every block, or per
            stage a bool or the number of leading blocks to checkpoint (the official ``checkpoint_num``).
        drop_path_rate (float): Stochastic depth, linearly increasing over all blocks.
        drop_rate (float): Dropout after projections. attn_drop_rate (float): Attention dropout.
        qkv_bias (bool): qkv bias. qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        fused_attn (bool): Use ``F.scaled_dot_product_attention`` (True) or the explicit math path.
        optimized (bool): Run on channels-last feature maps (1x1 convolutions become matrix products, 2-4x
            faster on CPU, and the token layout of the attention blocks is a free view) and fold inference-time
            BatchNorms into the 1x1 convolutions after them. Same results up to float rounding; outputs are
            contiguous NCHW either way. False keeps the official layout and op order (with ``fused_attn=False``,
            the official rounding bit for bit). Defaults to True.
        init_cfg (dict | list, optional): ``dict(type='Pretrained', checkpoint=...)`` loads an official
            ImageNet or downstream checkpoint (converted on the fly, mismatches reported).
    """

    arch_zoo: Dict[str, dict] = {
        **dict.fromkeys(['s', 'small'], dict(depths=[3, 4, 8, 3], embed_dims=[64, 128, 320, 512], head_dim=64)),
        'small_plus': dict(depths=[3, 5, 9, 3], embed_dims=[64, 128, 320, 512], head_dim=32, conv_stem=True),
        'small_plus_dim64': dict(depths=[3, 5, 9, 3], embed_dims=[64, 128, 320, 512], head_dim=64, conv_stem=True),
        **dict.fromkeys(['b', 'base'], dict(depths=[5, 8, 20, 7], embed_dims=[64, 128, 320, 512], head_dim=64)),
        'base_ls': dict(depths=[5, 8, 20, 7], embed_dims=[64, 128, 320, 512], head_dim=64, layer_scale=1e-6),
    }
    arch_defaults = dict(conv_stem=False, layer_scale=None, mlp_ratio=4.)

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 attn_mode: str = 'global',
                 window_size: int = 14,
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 drop_path_rate: float = 0.,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 fused_attn: bool = True,
                 optimized: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        # Pretrained checkpoints are loaded by load_pretrained (unwrapping, conversion, loud report),
        # after the official initialisation of whatever they do not hold.
        cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg] if init_cfg else []
        self.pretrained_cfgs = [c for c in cfgs if c.get('type') == 'Pretrained']
        super().__init__(init_cfg=[c for c in cfgs if c.get('type') != 'Pretrained'] or [
            dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
            dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
        ])
        self.arch = self.resolve_arch(arch)
        depths, dims = self.arch['depths'], self.arch['embed_dims']
        self.window_sizes = self.resolve_window_sizes(depths, attn_mode, window_size)
        self.attn_mode, self.window_size = attn_mode, window_size
        self.out_indices = self._check_out_indices(out_indices)
        if not -1 <= frozen_stages <= 4:
            raise ValueError(f'frozen_stages must be in -1..4 (-1: none, 0: stem, k: stem + stages 1..k), '
                             f'got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.optimized = optimized
        self.cp_blocks = self._resolve_with_cp(with_cp, depths)
        self.num_features = list(dims)

        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        in_dims = [in_channels] + list(dims[:-1])
        block_args = dict(drop=drop_rate, attn_drop=attn_drop_rate, qkv_bias=qkv_bias, qk_scale=qk_scale,
                          fused_attn=fused_attn, norm_cfg=norm_cfg)
        for i in range(4):
            setattr(self, f'patch_embed{i + 1}', self._make_embed(i, in_dims[i], dims[i], norm_cfg))
            first = sum(depths[:i])
            blocks = [self._make_block(i, j, dpr[first + j], **block_args) for j in range(depths[i])]
            setattr(self, f'blocks{i + 1}', nn.ModuleList(blocks))
            if i in self.out_indices:
                setattr(self, f'norm{i + 1}', nn.LayerNorm(dims[i], eps=1e-6))
        self._freeze_stages()

    def _make_embed(self, stage: int, in_dim: int, dim: int, norm_cfg: dict) -> nn.Module:
        """The patch embedding in front of ``stage`` (0-3)."""
        if self.arch['conv_stem']:
            return ConvEmbed(in_dim, dim, stem=stage == 0, norm_cfg=norm_cfg)
        return PatchEmbed(in_dim, dim, patch_size=4 if stage == 0 else 2)

    def _make_block(self, stage: int, index: int, drop_path: float, drop: float, attn_drop: float, qkv_bias: bool,
                    qk_scale: Optional[float], fused_attn: bool, norm_cfg: dict) -> nn.Module:
        """Block ``index`` of ``stage`` (0-3): convolutional in stages 0-1, attention in 2-3."""
        dim, mlp_ratio = self.arch['embed_dims'][stage], self.arch['mlp_ratio']
        if stage < 2:
            return ConvBlock(dim, mlp_ratio, drop, drop_path, norm_cfg, fold_bn=self.optimized)
        return AttentionBlock(dim, dim // self.arch['head_dim'], mlp_ratio, qkv_bias, qk_scale, drop, attn_drop,
                              drop_path, self.window_sizes[stage][index], self.arch['layer_scale'], fused_attn)

    # ---- build-time resolution of the options ---------------------------------------------------
    @classmethod
    def resolve_arch(cls, arch: Union[str, dict]) -> dict:
        """Return the full arch settings for a zoo name or a dict; unknown names list the valid ones."""
        if isinstance(arch, str):
            if arch not in cls.arch_zoo:
                raise ValueError(f'Unknown UniFormer arch {arch!r}; choose one of {sorted(cls.arch_zoo)} '
                                 f'or pass a dict with depths, embed_dims and head_dim.')
            arch = cls.arch_zoo[arch]
        if not isinstance(arch, dict):
            raise TypeError(f'arch must be a name or a dict, got {type(arch).__name__}')
        required = {'depths', 'embed_dims', 'head_dim'}
        unknown = set(arch) - required - set(cls.arch_defaults)
        if not required <= set(arch) or unknown:
            raise ValueError(f'A dict arch needs the keys {sorted(required)} and may have '
                             f'{sorted(cls.arch_defaults)}; got {sorted(arch)}.')
        arch = {**cls.arch_defaults, **copy.deepcopy(arch)}
        if len(arch['depths']) != 4 or len(arch['embed_dims']) != 4:
            raise ValueError(f'UniFormer has 4 stages: depths and embed_dims need 4 entries, got '
                             f'{arch["depths"]} and {arch["embed_dims"]}')
        for dim in arch['embed_dims'][2:]:
            if dim % arch['head_dim']:
                raise ValueError(f'embed_dims {arch["embed_dims"][2:]} of the attention stages must be '
                                 f'multiples of head_dim {arch["head_dim"]}')
        return arch

    @staticmethod
    def resolve_window_sizes(depths: Sequence[int], attn_mode: str, window_size: int) -> List[List[int]]:
        """Per stage and block, the attention window side (0 = global); stages 1-2 are convolutional."""
        if attn_mode not in ATTN_MODES:
            raise ValueError(f'Unknown attn_mode {attn_mode!r}; choose one of {ATTN_MODES}.')
        if isinstance(window_size, bool) or not isinstance(window_size, int) or window_size < 1:
            raise ValueError(f'window_size must be a positive int (stage-3 tokens; the official models '
                             f'use 14 for training and 14 or 32 at test time), got {window_size!r}.')

        def stage3(j: int) -> int:
            if attn_mode == 'window' or (attn_mode == 'hybrid' and (j + 1) % 4):
                return window_size
            return 0

        return [[0] * depths[0], [0] * depths[1], [stage3(j) for j in range(depths[2])], [0] * depths[3]]

    @staticmethod
    def _check_out_indices(out_indices: Sequence[int]) -> Tuple[int, ...]:
        out = tuple(sorted(set(int(i) for i in out_indices)))
        if not out or out[0] < 0 or out[-1] > 3:
            raise ValueError(f'out_indices must be a non-empty subset of 0..3, got {out_indices}')
        return out

    @staticmethod
    def _resolve_with_cp(with_cp, depths: Sequence[int]) -> List[int]:
        """Number of leading blocks checkpointed in each stage."""
        if isinstance(with_cp, bool):
            return [d if with_cp else 0 for d in depths]
        if len(with_cp) != 4:
            raise ValueError(f'with_cp must be a bool or 4 entries (one per stage), got {with_cp}')
        return [d if c is True else min(int(c), d) for c, d in zip(with_cp, depths)]

    # ---- forward --------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs, carry = [], {}
        if self.optimized:
            x = x.contiguous(memory_format=torch.channels_last)
        for i in range(4):
            x = getattr(self, f'patch_embed{i + 1}')(x)
            x = self._forward_stage(i, x, carry)
            if i in self.out_indices:
                out = getattr(self, f'norm{i + 1}')(x.permute(0, 2, 3, 1))
                outs.append(out.permute(0, 3, 1, 2).contiguous())
            if i == self.out_indices[-1]:
                break
        return tuple(outs)

    def _forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        """The blocks of ``stage`` on ``x``; ``carry`` holds what a subclass passes from stage to stage."""
        for j, block in enumerate(getattr(self, f'blocks{stage + 1}')):
            x = self._call_block(block, j < self.cp_blocks[stage], x)
        return x

    @staticmethod
    def _call_block(block: nn.Module, checkpointed: bool, *inputs):
        if checkpointed and torch.is_grad_enabled():
            return cp.checkpoint(block, *inputs, use_reentrant=False)
        return block(*inputs)

    # ---- training behaviour ---------------------------------------------------------------------
    def _frozen_modules(self) -> List[nn.Module]:
        mods = []
        if self.frozen_stages >= 0:
            mods.append(self.patch_embed1)
        for i in range(1, self.frozen_stages + 1):
            mods += [getattr(self, f'blocks{i}'), getattr(self, f'norm{i}', None)]
            if i > 1:
                mods.append(getattr(self, f'patch_embed{i}'))
        return [m for m in mods if m is not None]

    def _freeze_stages(self):
        for m in self._frozen_modules():
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    # ---- checkpoints ----------------------------------------------------------------------------
    def init_weights(self):
        """Apply the official initialisation, then load ``init_cfg``'s Pretrained checkpoint if any."""
        first_call = not self._is_init
        super().init_weights()
        for cfg in self.pretrained_cfgs if first_call else []:
            self.load_pretrained(cfg['checkpoint'], prefix=cfg.get('prefix'))

    def load_pretrained(self, filename: str, prefix: Optional[str] = None):
        """Load an official or converted checkpoint into this backbone and report what did not fit.

        Accepts ImageNet checkpoints (``model`` key, classification keys), downstream checkpoints
        (``state_dict`` with ``backbone.`` prefix) and plain backbone state dicts.
        """
        logger = MMLogger.get_current_instance()
        if '://' not in filename and not osp.exists(filename):
            raise FileNotFoundError(
                f'UniFormer pretrained checkpoint {filename} not found. Put the official ImageNet checkpoint '
                f'there (e.g. uniformer_small_in1k.pth from the UniFormer model zoo), point '
                f'model.backbone.init_cfg.checkpoint at it, or set model.backbone.init_cfg=None to start from scratch.')
        ckpt = load_checkpoint_file(filename)
        state_dict = convert_official_uniformer(extract_state_dict(ckpt, prefix))
        self.warn_if_arch_differs(ckpt, filename)
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        # ImageNet checkpoints have no per-stage output norms: those start from the init above.
        out_norms = [k for k in missing if k.split('.')[0] in {f'norm{i + 1}' for i in self.out_indices}]
        missing = [k for k in missing if k not in out_norms]
        n_loaded = len(state_dict) - len(unexpected)
        if n_loaded == 0:
            raise ValueError(f'Nothing of {filename} fits this UniFormer ({len(unexpected)} unexpected keys, '
                             f'e.g. {unexpected[:3]}); is it a UniFormer checkpoint?')
        logger.info(f'UniFormer: loaded {n_loaded} tensors from {filename}')
        if out_norms:
            logger.info(f'UniFormer: output norms not in the checkpoint, initialised fresh: {sorted(out_norms)}')
        if missing:
            logger.warning(f'UniFormer: {len(missing)} keys MISSING from {filename}, left at their '
                           f'initialisation: {missing}')
        if unexpected:
            logger.warning(f'UniFormer: {len(unexpected)} UNEXPECTED keys in {filename}, ignored: {unexpected}')

    def warn_if_arch_differs(self, ckpt: dict, filename: str):
        """head_dim cannot be seen in shapes: warn when a checkpoint's recorded arch disagrees."""
        recorded = (ckpt.get('meta') or {}).get('uniformer_arch') if isinstance(ckpt, dict) else None
        if recorded is None:
            return
        ours = {k: self.arch[k] for k in recorded if k in self.arch}
        if any(list(v) != list(recorded[k]) if isinstance(v, (list, tuple)) else v != recorded[k]
               for k, v in ours.items()):
            MMLogger.get_current_instance().warning(
                f'UniFormer: {filename} was saved from arch {recorded}, but this model is {ours}. '
                f'A different head_dim loads without error yet gives wrong features.')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Accept official checkpoints as they are: drop classification-only keys and the output
        norms of stages not in ``out_indices``, and fail clearly when the widths or depths differ."""
        keys = [k for k in state_dict if k.startswith(prefix)]
        unused_norms = {f'norm{i + 1}.' for i in range(4) if i not in self.out_indices}
        for k in keys:
            name = k[len(prefix):]
            if name.startswith(CLASSIFIER_KEYS) or any(name.startswith(n) for n in unused_norms):
                del state_dict[k]
        found = describe_uniformer_state_dict({k[len(prefix):]: state_dict[k] for k in keys if k in state_dict})
        if found is not None:
            ours = describe_arch(self.arch)
            if found != ours:
                raise ValueError(f'The checkpoint does not fit {type(self).__name__} arch {ours}: it has {found}. '
                                 f'{matching_archs_hint(found)}')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    # ---- layer-wise learning-rate decay ---------------------------------------------------------
    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise lr decay, and the largest id.

        The stem is 0, block ``j`` of the whole backbone is ``j + 1``, patch embeddings share the id
        of the first block after them and output norms the id of the last block before them;
        anything outside the backbone (neck, heads) gets the largest id, ``sum(depths) + 1``.
        """
        depths = self.arch['depths']
        max_id = sum(depths) + 1
        if not param_name.startswith(prefix):
            return max_id, max_id
        parts = param_name[len(prefix):].split('.')
        name = parts[0]
        for s in range(1, 5):
            before = sum(depths[:s - 1])
            if name == f'patch_embed{s}':
                return (0 if s == 1 else before + 1), max_id
            if name == f'blocks{s}':
                return before + int(parts[1]) + 1, max_id
            if name == f'norm{s}':
                return before + depths[s - 1], max_id
        return max_id, max_id


def convert_official_uniformer(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Official UniFormer backbone weights -> this backbone's (idempotent, pure).

    The official module names are kept, so conversion only drops the classification-only keys of
    the ImageNet checkpoints (``head.*``, the final ``norm.*``, ``pre_logits.*``, and the light family's
    ``head_cls.*`` / ``norm_cls.*``).
    """
    return {k: v for k, v in state_dict.items() if not k.startswith(CLASSIFIER_KEYS)}


def describe_uniformer_state_dict(state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
    """The arch a UniFormer state dict was saved from, as far as shapes tell (not head_dim), or None
    when it does not hold a whole UniFormer backbone."""
    if not all(any(k.startswith(f'blocks{s}.') for k in state_dict) for s in range(1, 5)):
        return None
    depths = [1 + max(int(k.split('.')[1]) for k in state_dict if k.startswith(f'blocks{s}.')) for s in range(1, 5)]
    dims = [int(state_dict[f'blocks{s}.0.pos_embed.weight'].shape[0]) for s in range(1, 5)]
    return dict(depths=depths, embed_dims=dims, conv_stem='patch_embed1.proj.0.weight' in state_dict,
                layer_scale='blocks3.0.gamma_1' in state_dict, cls_token='cls_token' in state_dict)


def matching_archs_hint(found: dict) -> str:
    """A sentence naming the zoo archs (of UniFormer and its subclasses, e.g. UniFormerLight) that fit a
    described checkpoint."""
    fits = []
    for family in [UniFormer, *UniFormer.__subclasses__()]:
        names = [name for name, a in family.arch_zoo.items() if describe_arch(family.resolve_arch(a)) == found]
        fits += [f'{family.__name__} arch={names}'] if names else []
    if fits:
        return f'It fits {", ".join(fits)} (head_dim cannot be checked from shapes).'
    return 'No arch of the zoo fits it; pass arch as a dict with these depths and embed_dims.'


def describe_arch(arch: dict) -> dict:
    """The shape-visible part of resolved arch settings, comparable with describe_uniformer_state_dict."""
    return dict(depths=list(arch['depths']), embed_dims=list(arch['embed_dims']), conv_stem=bool(arch['conv_stem']),
                layer_scale=arch['layer_scale'] is not None, cls_token='prune_ratio' in arch)
