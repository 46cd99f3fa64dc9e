"""What every pyramid backbone of the project shares, whatever its blocks.

:class:`PyramidBackbone` resolves and validates the options users set in configs (arch zoo, ``out_indices``,
``frozen_stages``, ``norm_eval``, ``with_cp``, the attention mode as one window size per block), checks the input,
loads Pretrained checkpoints through a per-family converter with a loud report, says which registered family and
arch a mismatching checkpoint fits, and gives ``get_layer_depth`` (layer-wise lr decay) and ``feature_info``.

A family subclasses it and writes only its blocks, its zoo, its converter and its layer-id rule:

- ``arch_zoo`` / ``arch_required`` / ``arch_defaults`` and optionally ``check_arch``;
- ``make_embed(stage, in_dim, dim)`` and ``make_block(stage, index, drop_path)``; the standard layout is built by
  :meth:`PyramidBackbone.build_pyramid` as ``patch_embed{i}``, ``blocks{i}`` and ``norm{i}`` (one output norm per
  requested stage), the mmdet / mmpretrain and official UniFormer naming;
- ``convert_checkpoint(state_dict)``: official weights -> this module's names (pure, idempotent);
- ``describe_state_dict`` / ``describe_arch``: the shape-visible arch of a checkpoint, for fit hints;
- ``layer_id(name)`` when its parameters are not all in the standard layout.

It is registered with :func:`register_backbone`, which puts it in mmengine's root ``MODELS`` (so mmdet, mmseg and
mmpose configs resolve ``type=...``) and in :data:`FAMILIES`, the registry the checkpoint hints search.
"""
import contextlib
import copy
import numbers
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from ..checkpoint import extract_state_dict, load_checkpoint_file

ATTN_MODES = ('global', 'window', 'hybrid')
FAMILIES: Dict[str, Type['PyramidBackbone']] = {}


def register_backbone(cls: Type['PyramidBackbone']) -> Type['PyramidBackbone']:
    """Class decorator: register a backbone family in mmengine's root ``MODELS`` and in :data:`FAMILIES`."""
    MODELS.register_module(module=cls)
    FAMILIES[cls.__name__] = cls
    return cls


@contextlib.contextmanager
def _running_stats_frozen(module: nn.Module):
    """The BatchNorms of ``module`` in training mode normalise with the batch's statistics, as always, but leave
    their running statistics and batch count as they were (momentum 0 while inside; the same ops run, so a
    checkpoint's recomputation saves the same tensors as its forward)."""
    norms = [(m, m.momentum, None if m.num_batches_tracked is None else m.num_batches_tracked.clone())
             for m in module.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training and m.track_running_stats]
    for m, _, _ in norms:
        m.momentum = 0.
    try:
        yield
    finally:
        for m, momentum, count in norms:
            m.momentum = momentum
            if count is not None:
                m.num_batches_tracked.copy_(count)


class PyramidBackbone(BaseModule):
    """Base of the backbones giving a feature pyramid (by default 4 stages, strides 4, 8, 16, 32).

    Args:
        arch (str | dict): A name of the family's ``arch_zoo`` or a dict with its ``arch_required`` keys (and any
            of ``arch_defaults``).
        attn_mode (str | list[list[int]]): ``'global'``; ``'window'`` (every block of the family's
            ``window_stages`` attends in ``window_size`` windows); ``'hybrid'`` (as window, but every
            ``hybrid_global_every``-th block of those stages stays global); or an explicit window size per block,
            one list per stage (0 = global; only ``windowable_stages`` may have windows). Defaults to ``'global'``.
        window_size (int): Window side, in tokens of the windowed stage. Defaults to 14.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (int | Sequence[int]): Stages (0-based, negatives count from the end) whose normalized
            output is returned. Defaults to all.
        frozen_stages (int): -1 freezes nothing, 0 the stem, k the stem and stages 1..k.
        norm_eval (bool): Keep the BatchNorm layers in eval mode while training.
        with_cp (bool | Sequence[bool | int]): Gradient checkpointing; a bool for every block, or per stage a bool
            or the number of leading blocks to checkpoint (the official ``checkpoint_num``).
        init_cfg (dict | list, optional): ``dict(type='Pretrained', checkpoint=..., prefix=None)`` loads an
            official or downstream checkpoint through the family's converter, after the family's own
            initialisation (``default_init_cfg``) of whatever it does not hold, and reports what did not fit.
    """

    arch_zoo: Dict[str, dict] = {}
    arch_required: Tuple[str, ...] = ('depths', 'embed_dims')
    arch_defaults: dict = {}
    strides: Tuple[int, ...] = (4, 8, 16, 32)
    windowable_stages: Tuple[int, ...] = ()  # stages whose blocks can attend in windows
    window_stages: Tuple[int, ...] = ()  # the stages 'window' and 'hybrid' window
    hybrid_global_every: int = 4
    default_init_cfg: Optional[List[dict]] = None

    def __init__(self,
                 arch: Union[str, dict],
                 attn_mode: Union[str, Sequence[Sequence[int]]] = 'global',
                 window_size: int = 14,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg] if init_cfg else []
        # Pretrained checkpoints are loaded by load_pretrained (unwrapping, conversion, loud report)
        self.pretrained_cfgs = [c for c in cfgs if c.get('type') == 'Pretrained']
        super().__init__(init_cfg=[c for c in cfgs if c.get('type') != 'Pretrained'] or self.default_init_cfg)
        self.arch = self.resolve_arch(arch)
        depths = self.stage_depths(self.arch)
        self.num_stages = len(self.strides)
        if len(depths) != self.num_stages:
            raise ValueError(f'{type(self).__name__} has {self.num_stages} stages: depths needs {self.num_stages} '
                             f'entries, got {depths}')
        self.in_channels = in_channels
        self.attn_mode, self.window_size = attn_mode, window_size
        self.window_sizes = self.resolve_window_sizes(depths, attn_mode, window_size)
        self.out_indices = self._resolve_out_indices(out_indices)
        if not -1 <= frozen_stages <= self.num_freezable:
            raise ValueError(f'frozen_stages must be in -1..{self.num_freezable} (-1: none, 0: stem, k: stem + '
                             f'{self.freeze_unit}s 1..k), got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.cp_blocks = self._resolve_with_cp(with_cp, depths)

    # ---- build-time resolution of the options ---------------------------------------------------
    @classmethod
    def resolve_arch(cls, arch: Union[str, dict]) -> dict:
        """The full arch settings for a zoo name or a dict; unknown names list the valid ones."""
        if isinstance(arch, str):
            if arch not in cls.arch_zoo:
                raise ValueError(f'Unknown {cls.__name__} arch {arch!r}; choose one of {sorted(cls.arch_zoo)} or '
                                 f'pass a dict with {", ".join(cls.arch_required)}.')
            arch = cls.arch_zoo[arch]
        if not isinstance(arch, dict):
            raise TypeError(f'arch must be a name or a dict, got {type(arch).__name__}')
        unknown = set(arch) - set(cls.arch_required) - set(cls.arch_defaults)
        if not set(cls.arch_required) <= set(arch) or unknown:
            raise ValueError(f'A dict arch needs the keys {sorted(cls.arch_required)} and may have '
                             f'{sorted(cls.arch_defaults)}; got {sorted(arch)}.')
        arch = {**copy.deepcopy(cls.arch_defaults), **copy.deepcopy(arch)}
        cls.check_arch(arch)
        return arch

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        """Family-specific validation of resolved arch settings (raise ValueError naming the problem)."""

    @classmethod
    def stage_depths(cls, arch: dict) -> List[int]:
        """Blocks per stage of resolved arch settings."""
        return list(arch['depths'])

    @classmethod
    def hybrid_global(cls, index: int, depth: int) -> bool:
        """Whether block ``index`` of a windowed stage of ``depth`` blocks stays global in ``'hybrid'`` mode."""
        return (index + 1) % cls.hybrid_global_every == 0

    @classmethod
    def resolve_window_sizes(cls, depths: Sequence[int], attn_mode: Union[str, Sequence[Sequence[int]]],
                             window_size: int = 14) -> List[List[int]]:
        """Per stage and block, the attention window side (0 = global)."""
        name = cls.__name__
        if not isinstance(attn_mode, str):
            sizes = [list(stage) for stage in attn_mode]
            if [len(s) for s in sizes] != list(depths):
                raise ValueError(f'attn_mode as a list needs one window size per block, one list per stage '
                                 f'(depths {list(depths)}), got {attn_mode}')
            for i, stage in enumerate(sizes):
                if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in stage):
                    raise ValueError(f'window sizes must be ints >= 0 (0 = global), got {stage} in stage {i + 1}')
                if any(stage) and i not in cls.windowable_stages:
                    raise ValueError(f'stage {i + 1} of {name} cannot attend in windows (windowable stages: '
                                     f'{[s + 1 for s in cls.windowable_stages]}), got {stage}')
            return sizes
        if attn_mode not in ATTN_MODES:
            raise ValueError(f'Unknown attn_mode {attn_mode!r}; choose one of {ATTN_MODES} or give one window '
                             f'size per block.')
        if attn_mode != 'global' and not cls.window_stages:
            raise ValueError(f'{name} has global attention only, got attn_mode={attn_mode!r}.')
        if isinstance(window_size, bool) or not isinstance(window_size, int) or window_size < 1:
            raise ValueError(f'window_size must be a positive int (tokens of the windowed stage), '
                             f'got {window_size!r}.')

        def size(stage: int, j: int) -> int:
            if attn_mode == 'global' or stage not in cls.window_stages:
                return 0
            if attn_mode == 'hybrid' and cls.hybrid_global(j, depths[stage]):
                return 0
            return window_size

        return [[size(i, j) for j in range(d)] for i, d in enumerate(depths)]

    def _resolve_out_indices(self, out_indices: Union[int, Sequence[int]]) -> Tuple[int, ...]:
        n = self.num_stages

        def is_int(i):  # bool is an int to Python, a mistake here
            return isinstance(i, numbers.Integral) and not isinstance(i, bool)

        indices = [out_indices] if is_int(out_indices) else out_indices
        if isinstance(indices, str) or not isinstance(indices, Sequence) or not all(is_int(i) for i in indices):
            raise TypeError(f'out_indices must be an int or a list / tuple of ints (stage indices 0..{n - 1}, '
                            f'negative from the end), got {out_indices!r}')
        out = tuple(sorted(set(i % n if -n <= i < 0 else i for i in indices)))
        if not out or out[0] < 0 or out[-1] >= n:
            raise ValueError(f'out_indices must be a non-empty subset of 0..{n - 1}, got {out_indices}')
        return out

    @staticmethod
    def _resolve_with_cp(with_cp, depths: Sequence[int]) -> List[int]:
        """Number of leading blocks checkpointed in each stage."""
        if isinstance(with_cp, bool):
            return [d if with_cp else 0 for d in depths]
        if len(with_cp) != len(depths):
            raise ValueError(f'with_cp must be a bool or {len(depths)} entries (one per stage), got {with_cp}')
        out = []
        for i, (c, d) in enumerate(zip(with_cp, depths)):
            if isinstance(c, bool):
                out.append(d if c else 0)
            elif 0 <= int(c) <= d:
                out.append(int(c))
            else:
                raise ValueError(f'with_cp[{i}] = {c}: stage {i + 1} has {d} blocks; give 0..{d} or True')
        return out

    # ---- the standard layout: patch_embed{i}, blocks{i}, norm{i} ---------------------------------
    def make_embed(self, stage: int, in_dim: int, dim: int) -> nn.Module:
        """The downsampling / patch embedding in front of ``stage`` (0-based)."""
        raise NotImplementedError

    def make_block(self, stage: int, index: int, drop_path: float) -> nn.Module:
        """Block ``index`` of ``stage`` (0-based), with its stochastic-depth rate."""
        raise NotImplementedError

    def make_out_norm(self, stage: int, dim: int) -> nn.Module:
        """The norm of a requested output, applied over channels."""
        return nn.LayerNorm(dim, eps=1e-6)

    def build_pyramid(self, drop_path_rate: float = 0.) -> None:
        """Build every stage (stochastic depth rising linearly over all blocks), then apply ``frozen_stages``."""
        depths, dims = self.arch['depths'], self.arch['embed_dims']
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        in_dims = [self.in_channels] + list(dims[:-1])
        for i in range(self.num_stages):
            setattr(self, f'patch_embed{i + 1}', self.make_embed(i, in_dims[i], dims[i]))
            first = sum(depths[:i])
            setattr(self, f'blocks{i + 1}', nn.ModuleList(self.make_block(i, j, dpr[first + j])
                                                          for j in range(depths[i])))
            if i in self.out_indices:
                setattr(self, f'norm{i + 1}', self.make_out_norm(i, dims[i]))
        self._freeze_stages()

    @property
    def feature_info(self) -> List[dict]:
        """Channels and stride of each output, in order (timm's ``feature_info``)."""
        return [dict(num_chs=self.arch['embed_dims'][i], reduction=self.strides[i], module=f'norm{i + 1}')
                for i in self.out_indices]

    # ---- forward --------------------------------------------------------------------------------
    def min_input_side(self) -> int:
        """The smallest input side the requested outputs need."""
        return self.strides[self.out_indices[-1]]

    def check_input(self, x: torch.Tensor) -> None:
        """Refuse what the network cannot take, naming the expected form, instead of failing deep inside."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f'{type(self).__name__} takes a tensor (N, C, H, W), got {type(x).__name__}')
        if x.dim() != 4:
            hint = ' (one image: add the batch dimension, x[None])' if x.dim() == 3 else ''
            raise ValueError(f'{type(self).__name__} takes a 4-D batch (N, C, H, W), got shape '
                             f'{tuple(x.shape)}{hint}')
        if not x.is_floating_point():
            raise TypeError(f'{type(self).__name__} takes a float tensor, got {x.dtype}: convert and normalize the '
                            f'images first (the toolboxes\' data preprocessors do)')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} was built for {self.in_channels} input channels, got '
                             f'{x.shape[1]} (shape {tuple(x.shape)}; channels go second, NCHW)')
        need = self.min_input_side()
        if x.shape[2] < need or x.shape[3] < need:
            raise ValueError(f'input {x.shape[2]}x{x.shape[3]} is smaller than the stride of the last requested '
                             f'output ({need}): resize or pad the images to at least {need}x{need}')

    def prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        """Anything a family does to the input first (e.g. a memory layout)."""
        return x

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        self.check_input(x)
        x = self.prepare_input(x)
        outs, carry = [], {}
        for i in range(self.num_stages):
            x = self.forward_stage(i, x, carry)
            if i in self.out_indices:
                out = getattr(self, f'norm{i + 1}')(x.permute(0, 2, 3, 1))
                outs.append(out.permute(0, 3, 1, 2).contiguous())
            if i == self.out_indices[-1]:
                break
        return tuple(outs)

    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        """Embedding and blocks of ``stage`` on ``x``; ``carry`` holds what a family passes from stage to stage."""
        x = getattr(self, f'patch_embed{stage + 1}')(x)
        for j, block in enumerate(getattr(self, f'blocks{stage + 1}')):
            x = self.call_block(stage, j, block, x)
        return x

    def call_block(self, stage: int, index: int, block: nn.Module, *inputs):
        """``block(*inputs)``, gradient-checkpointed when ``with_cp`` asks for it. The recomputation in backward
        leaves BatchNorm running statistics alone, so that a checkpointed step counts its batch once, as a plain
        one (the official code and mmcv's ``with_cp`` modules count it twice)."""
        if index < self.cp_blocks[stage] and torch.is_grad_enabled():
            return cp.checkpoint(block, *inputs, use_reentrant=False,
                                 context_fn=lambda: (contextlib.nullcontext(), _running_stats_frozen(block)))
        return block(*inputs)

    # ---- training behaviour ---------------------------------------------------------------------
    freeze_unit = 'stage'

    @property
    def num_freezable(self) -> int:
        """The largest ``frozen_stages``."""
        return self.num_stages

    def stage_members(self, stage: int) -> List[str]:
        """Attribute names (modules or parameters) of ``stage``: 0 is the stem, k the k-th stage."""
        if stage == 0:
            return ['patch_embed1']
        return ([f'patch_embed{stage}'] if stage > 1 else []) + [f'blocks{stage}', f'norm{stage}']

    def _freeze_stages(self) -> None:
        for stage in range(self.frozen_stages + 1):
            for name in self.stage_members(stage):
                member = self
                for part in name.split('.'):
                    member = getattr(member, part, None)
                if isinstance(member, nn.Parameter):
                    member.requires_grad = False
                elif isinstance(member, nn.Module):
                    member.eval()
                    for p in member.parameters():
                        p.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    # ---- layer-wise learning-rate decay ---------------------------------------------------------
    @property
    def num_layers(self) -> int:
        """Layer ids run 0 (stem) .. ``num_layers``; parameters outside the backbone get ``num_layers + 1``."""
        return sum(self.stage_depths(self.arch))

    def layer_id(self, name: str) -> Optional[int]:
        """Layer id of a backbone parameter name (no prefix), in the standard layout: the stem is 0, block ``j`` of
        the whole backbone ``j + 1``, a patch embedding the id of the first block after it and an output norm
        the id of the last block before it. None for names outside the layout."""
        depths = self.arch['depths']
        parts = name.split('.')
        for s in range(1, self.num_stages + 1):
            before = sum(depths[:s - 1])
            if parts[0] == f'patch_embed{s}':
                return 0 if s == 1 else before + 1
            if parts[0] == f'blocks{s}':
                return before + int(parts[1]) + 1
            if parts[0] == f'norm{s}':
                return before + depths[s - 1]
        return None

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise lr decay, and the largest id (that of neck and heads)."""
        max_id = self.num_layers + 1
        if not param_name.startswith(prefix):
            return max_id, max_id
        layer = self.layer_id(param_name[len(prefix):])
        return (max_id if layer is None else layer), max_id

    # ---- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def convert_checkpoint(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Official weights -> this module's names; pure and idempotent. The default keeps them as they are."""
        return dict(state_dict)

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        """The arch a converted state dict was saved from, as far as shapes tell, or None when it does not hold
        a whole backbone of this family (then no fit check is made)."""
        return None

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        """The shape-visible part of resolved arch settings, comparable with :meth:`describe_state_dict`."""
        return {}

    def init_weights(self):
        """The family's own initialisation, then ``init_cfg``'s Pretrained checkpoint if any."""
        first_call = not self._is_init
        super().init_weights()
        for cfg in self.pretrained_cfgs if first_call else []:
            self.load_pretrained(cfg['checkpoint'], prefix=cfg.get('prefix'))

    def load_pretrained(self, filename: str, prefix: Optional[str] = None) -> None:
        """Load an official, converted or downstream checkpoint into this backbone and report what did not fit.

        Unwraps ``state_dict`` / ``model`` / ``state_dict_ema``, a DDP ``module.`` prefix and ``backbone.`` (or
        ``prefix``), converts with the family's converter, loads non-strictly, and logs missing and unexpected keys
        as warnings; output norms the checkpoint lacks (ImageNet classifiers have none) are only noted.
        """
        name = type(self).__name__
        logger = MMLogger.get_current_instance()
        if '://' not in filename and not osp.exists(filename):
            raise FileNotFoundError(
                f'{name} pretrained checkpoint {filename} not found. Put the checkpoint there (the family\'s '
                f'configs README says which file and where it is published), point model.backbone.init_cfg.checkpoint '
                f'at it, or set model.backbone.init_cfg=None to start from scratch.')
        ckpt = load_checkpoint_file(filename)
        state_dict = self.convert_checkpoint(extract_state_dict(ckpt, prefix))
        self.warn_if_arch_differs(ckpt, filename)
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        fresh = [k for k in missing if self.new_in_dense_use(k)]
        missing = [k for k in missing if k not in fresh]
        n_loaded = len(state_dict) - len(unexpected)
        if n_loaded == 0:
            raise ValueError(f'Nothing of {filename} fits this {name} ({len(unexpected)} unexpected keys, '
                             f'e.g. {unexpected[:3]}); is it a {name} checkpoint?')
        logger.info(f'{name}: loaded {n_loaded} tensors from {filename}')
        if fresh:
            logger.info(f'{name}: {len(fresh)} keys that ImageNet classifiers do not have (added for dense '
                        f'prediction), initialised fresh: {sorted(fresh)}')
        if missing:
            logger.warning(f'{name}: {len(missing)} keys MISSING from {filename}, left at their '
                           f'initialisation: {missing}')
        if unexpected:
            logger.warning(f'{name}: {len(unexpected)} UNEXPECTED keys in {filename}, ignored: {unexpected}')

    def new_in_dense_use(self, key: str) -> bool:
        """Whether a parameter is one this family adds for dense prediction (an ImageNet checkpoint cannot have
        it): the output norms of the standard layout."""
        return key.split('.')[0] in {f'norm{i + 1}' for i in self.out_indices}

    def fit_state_dict(self, state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Adapt a converted state dict to this instance's shapes (e.g. resize position tables); default as is."""
        return state_dict

    def warn_if_arch_differs(self, ckpt: dict, filename: str) -> None:
        """What shapes cannot show (e.g. head_dim): warn when the arch recorded by tools/convert_checkpoint.py in
        ``meta['arch']`` (or the older ``meta['uniformer_arch']``) disagrees with this model's."""
        meta = ckpt.get('meta') or {}
        recorded = meta.get('arch', meta.get('uniformer_arch'))
        if not isinstance(recorded, dict):
            return
        ours = {k: self.arch[k] for k in recorded if k in self.arch}
        if any(list(v) != list(recorded[k]) if isinstance(v, (list, tuple)) else v != recorded[k]
               for k, v in ours.items()):
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: {filename} was saved from arch {recorded}, but this model is {ours}. '
                f'A different head_dim loads without error yet gives wrong features.')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Accept official checkpoints as they are, whichever way they arrive (Pretrained, ``load_from``, resume,
        ``load_state_dict``): convert them, drop the output norms of stages not in ``out_indices``, and fail
        clearly, naming the registered family and arch that fit, when the checkpoint's arch differs."""
        keys = [k for k in state_dict if k.startswith(prefix)]
        own = {k[len(prefix):]: state_dict.pop(k) for k in keys}
        unused_norms = tuple(f'norm{i + 1}.' for i in range(self.num_stages) if i not in self.out_indices)
        converted = {k: v for k, v in self.convert_checkpoint(own).items() if not k.startswith(unused_norms)}
        converted = self.fit_state_dict(converted)
        state_dict.update({prefix + k: v for k, v in converted.items()})
        found = self.describe_state_dict(converted)
        if found is not None:
            ours = self.describe_arch(self.arch)
            if found != ours:
                raise ValueError(f'The checkpoint does not fit {type(self).__name__} arch {ours}: it has {found}. '
                                 f'{matching_archs_hint(own)}')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def matching_archs_hint(state_dict: Dict[str, torch.Tensor]) -> str:
    """A sentence naming the zoo archs of every registered family that fit an official or converted state dict."""
    fits = []
    for name, family in FAMILIES.items():
        found = family.describe_state_dict(family.convert_checkpoint(state_dict))
        if found is None:
            continue
        names = [n for n, a in family.arch_zoo.items() if family.describe_arch(family.resolve_arch(a)) == found]
        fits += [f'{name} arch={names}'] if names else []
    if fits:
        return f'It fits {", ".join(fits)} (what shapes cannot show, e.g. head_dim, is not checked).'
    return 'No arch of the zoo fits it; pass arch as a dict matching the checkpoint.'
