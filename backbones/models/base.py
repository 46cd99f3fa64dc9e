"""The contract every backbone family fulfils, and what the base derives from it.

A family declares its network once, as data: the members of its stem and a :class:`Stage` per stage (depth,
channels, stride, the members before and after its blocks, the norm of its output if any). From that declaration
:class:`PyramidBackbone` derives everything a toolbox and a user touch: the validated options (arch zoo,
``out_indices``, ``frozen_stages``, ``norm_eval``, ``with_cp``, the attention mode as one window size per block),
freezing, layer ids for layer-wise lr decay, ``feature_info``, the output norms (built from ``out_norm_cfg`` for the
requested stages only, applied in the map's own layout), the input check and the forward loop; loading through
the family's converter comes from :class:`~backbones.state_dicts.StateDictAdapter`.

A family file is its blocks, its zoo, its declaration (or the standard layout: ``patch_embed{i}``, ``blocks{i}``,
``norm{i}``, built by :meth:`PyramidBackbone.build_pyramid`) and its converter; plain single-grid transformers
subclass :class:`~backbones.models.isotropic.IsotropicBackbone` instead. ``docs/adding-a-family.md`` walks through it.
Families are registered with :func:`register_backbone`, which puts them in mmengine's root ``MODELS`` (so mmdet,
mmseg and mmpose configs resolve ``type=...``) and in :data:`FAMILIES`, the registry the checkpoint hints and the
conformance tests go through.
"""
import contextlib
import copy
import numbers
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple, Type, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmengine.registry import MODELS
from torch.nn.modules.batchnorm import _BatchNorm

from ..state_dicts import StateDictAdapter

ATTN_MODES = ('global', 'window', 'hybrid')
FAMILIES: Dict[str, Type['PyramidBackbone']] = {}


def register_backbone(cls: Type['PyramidBackbone']) -> Type['PyramidBackbone']:
    """Class decorator: register a backbone family in mmengine's root ``MODELS`` and in :data:`FAMILIES`."""
    MODELS.register_module(module=cls)
    FAMILIES[cls.__name__] = cls
    return cls


@dataclass(frozen=True)
class Stage:
    """One stage as the base sees it. Member names are attribute paths of the backbone (modules or parameters);
    a member the instance does not have (an optional token) is skipped.

    Attributes:
        depth (int): Blocks in the stage.
        channels (int): Channels of its output map.
        stride (int): Stride of its output map.
        blocks (str): The ``nn.ModuleList`` of its blocks (``'blocks3'``).
        embed (tuple[str]): Members before the blocks (its downsampling, tokens that join there): they freeze with
            the stage and share the layer id of its first block.
        tail (tuple[str]): Members after the blocks, on the network's path (a norm that feeds the next stage): they
            freeze with the stage and share the layer id of its last block.
        out_norm (str, optional): Name of the norm of the stage's output, built from ``out_norm_cfg`` only when the
            stage is requested (a classifier has none); None when the output is taken as the stage gives it.
    """
    depth: int
    channels: int
    stride: int
    blocks: str
    embed: Tuple[str, ...] = ()
    tail: Tuple[str, ...] = ()
    out_norm: Optional[str] = None

    @property
    def after_blocks(self) -> Tuple[str, ...]:
        return self.tail + ((self.out_norm, ) if self.out_norm else ())


def resolve_indices(value: Union[int, Sequence[int]], n: int, unit: str) -> Tuple[int, ...]:
    """Sorted, deduplicated indices of ``n`` units (stages or blocks) from an int or a sequence of ints, negatives
    counting from the end; anything else (a string read digit by digit, a bool, a float) is refused."""

    def is_int(i):  # bool is an int to Python, a mistake here
        return isinstance(i, numbers.Integral) and not isinstance(i, bool)

    indices = [value] if is_int(value) else value
    if isinstance(indices, str) or not isinstance(indices, Sequence) or not all(is_int(i) for i in indices):
        raise TypeError(f'out_indices must be an int or a list / tuple of ints ({unit} indices 0..{n - 1}, '
                        f'negative from the end), got {value!r}')
    out = tuple(sorted(set(i % n if -n <= i < 0 else i for i in indices)))
    if not out or out[0] < 0 or out[-1] >= n:
        raise ValueError(f'out_indices must be a non-empty subset of 0..{n - 1} ({unit}s), got {value}')
    return out


def is_member(name: str, members: Sequence[str]) -> bool:
    """Whether the parameter ``name`` belongs to one of ``members`` (attribute paths)."""
    return any(name == m or name.startswith(m + '.') for m in members)


def apply_channel_norm(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``norm`` over the channels of an NCHW map, in the layout it works in: a LayerNorm over the last dimension
    (``LN``) on the channels-last view, a BatchNorm / GroupNorm / ``LN2d`` on the map as it is; contiguous NCHW."""
    if type(norm) is nn.LayerNorm:
        return norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).contiguous()
    return norm(x).contiguous()


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


class PyramidBackbone(StateDictAdapter, BaseModule):
    """Base of every backbone family: options, declaration-derived behaviour, forward loop, checkpoint loading.

    Args:
        arch (str | dict): A name of the family's ``arch_zoo`` or a dict with its ``arch_required`` keys (and any
            of ``arch_defaults``).
        attn_mode (str | list[list[int]]): ``'global'``; ``'window'`` (every block of the family's
            ``window_stages`` attends in ``window_size`` windows); ``'hybrid'`` (as window, but the blocks the
            family's :meth:`hybrid_global` names stay global); or an explicit window size per block, one list per
            stage (0 = global; only ``windowable_stages`` may have windows). Defaults to ``'global'``.
        window_size (int): Window side, in tokens of the windowed stage. Defaults to 14.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (int | Sequence[int]): Stages (blocks for a family whose ``output_unit`` is ``'block'``;
            0-based, negatives count from the end) whose output is returned. Defaults to all.
        frozen_stages (int): -1 freezes nothing, 0 the stem, k the stem and stages (or blocks) 1..k.
        norm_eval (bool): Keep the BatchNorm layers in eval mode while training.
        with_cp (bool | Sequence[bool | int]): Gradient checkpointing; a bool for every block, or per stage a bool
            or the number of leading blocks to checkpoint (the official ``checkpoint_num``).
        out_norm_cfg (dict, optional): Norm of each requested output, for families that declare output norms
            (``dict(type='LN', eps=1e-6)``, ``dict(type='BN')``, ``dict(type='SyncBN')``); None builds none
            (families without output norms pass nothing). Defaults to None.
        init_cfg (dict | list, optional): ``dict(type='Pretrained', checkpoint=..., prefix=None)`` loads an
            official or downstream checkpoint through the family's converter, after the family's own
            initialisation (``default_init_cfg``) of whatever it does not hold, and reports what did not fit.
    """

    arch_zoo: Dict[str, dict] = {}
    arch_required: Tuple[str, ...] = ('depths', 'embed_dims')
    arch_defaults: dict = {}
    strides: Tuple[int, ...] = (4, 8, 16, 32)  # of the standard layout's stages
    windowable_stages: Tuple[int, ...] = ()  # stages whose blocks can attend in windows
    window_stages: Tuple[int, ...] = ()  # the stages 'window' and 'hybrid' window
    hybrid_global_every: int = 4
    freeze_unit = 'stage'  # what frozen_stages counts: 'stage' or 'block'
    output_unit = 'stage'  # what out_indices index: 'stage' or 'block'
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
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 out_norm_cfg: Optional[dict] = None):
        cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg] if init_cfg else []
        # Pretrained checkpoints are loaded by load_pretrained (unwrapping, conversion, loud report)
        self.pretrained_cfgs = [c for c in cfgs if c.get('type') == 'Pretrained']
        super().__init__(init_cfg=[c for c in cfgs if c.get('type') != 'Pretrained'] or self.default_init_cfg)
        self.arch = self.resolve_arch(arch)
        self.in_channels = in_channels
        self.out_norm_cfg = copy.deepcopy(out_norm_cfg)
        self.stem_members, self.stages = self.declare_stages()
        self.num_stages = len(self.stages)
        depths = [s.depth for s in self.stages]
        self.attn_mode, self.window_size = attn_mode, window_size
        self.window_sizes = self.resolve_window_sizes(depths, attn_mode, window_size)
        units = self.num_stages if self.output_unit == 'stage' else sum(depths)
        self.out_indices = resolve_indices(out_indices, units, self.output_unit)
        if not -1 <= frozen_stages <= self.num_freezable:
            raise ValueError(f'frozen_stages must be in -1..{self.num_freezable} (-1: none, 0: stem, k: stem + '
                             f'{self.freeze_unit}s 1..k), got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.cp_blocks = self._resolve_with_cp(with_cp, depths)

    # ---- the declaration ------------------------------------------------------------------------
    def declare_stages(self) -> Tuple[Tuple[str, ...], List[Stage]]:
        """The stem's members and the stages. The standard layout: ``patch_embed1`` is the stem; stage ``i``
        is ``patch_embed{i}`` (i > 1), ``blocks{i}`` and the output norm ``norm{i}``, at :attr:`strides` with
        ``arch['embed_dims']`` channels. Families with more members extend it (``dataclasses.replace``)."""
        depths, dims = self.stage_depths(self.arch), self.arch['embed_dims']
        stages = [Stage(depth=d, channels=c, stride=s, blocks=f'blocks{i + 1}',
                        embed=(f'patch_embed{i + 1}', ) if i else (), out_norm=f'norm{i + 1}')
                  for i, (d, c, s) in enumerate(zip(depths, dims, self.strides))]
        return ('patch_embed1', ), stages

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
        depths = list(arch['depths'])
        if len(depths) != len(cls.strides):
            raise ValueError(f'{cls.__name__} has {len(cls.strides)} stages: depths needs {len(cls.strides)} '
                             f'entries, got {depths}')
        return depths

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

    @staticmethod
    def _resolve_with_cp(with_cp, depths: Sequence[int]) -> List[int]:
        """Number of leading blocks checkpointed in each stage."""
        if isinstance(with_cp, bool):
            return [d if with_cp else 0 for d in depths]
        if isinstance(with_cp, str) or not isinstance(with_cp, Sequence) or len(with_cp) != len(depths):
            raise ValueError(f'with_cp must be a bool or {len(depths)} entries (one per stage), got {with_cp!r}')
        out = []
        for i, (c, d) in enumerate(zip(with_cp, depths)):
            if isinstance(c, bool):
                out.append(d if c else 0)
            elif isinstance(c, numbers.Integral) and 0 <= c <= d:
                out.append(int(c))
            else:
                raise ValueError(f'with_cp[{i}] = {c!r}: stage {i + 1} has {d} blocks; give 0..{d} or True')
        return out

    # ---- the standard layout: patch_embed{i}, blocks{i}, norm{i} ---------------------------------
    def make_embed(self, stage: int, in_dim: int, dim: int) -> nn.Module:
        """The downsampling / patch embedding in front of ``stage`` (0-based)."""
        raise NotImplementedError

    def make_block(self, stage: int, index: int, drop_path: float) -> nn.Module:
        """Block ``index`` of ``stage`` (0-based), with its stochastic-depth rate."""
        raise NotImplementedError

    def make_tail(self, stage: int) -> Dict[str, nn.Module]:
        """Modules after the blocks of ``stage``, on the path (the declaration's ``tail``), by name."""
        return {}

    def build_pyramid(self, drop_path_rate: float = 0.) -> None:
        """Build the standard layout (stochastic depth rising linearly over all blocks): per stage its embedding,
        blocks, tail and, when requested, output norm; then apply ``frozen_stages``."""
        depths = [s.depth for s in self.stages]
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        in_dims = [self.in_channels] + [s.channels for s in self.stages[:-1]]
        for i, stage in enumerate(self.stages):
            setattr(self, f'patch_embed{i + 1}', self.make_embed(i, in_dims[i], stage.channels))
            first = sum(depths[:i])
            setattr(self, stage.blocks, nn.ModuleList(self.make_block(i, j, dpr[first + j])
                                                      for j in range(stage.depth)))
            for name, module in self.make_tail(i).items():
                setattr(self, name, module)
            if i in self.out_indices:
                self.build_out_norm(stage)
        self._freeze_stages()

    def build_out_norm(self, stage: Stage) -> None:
        """The output norm of a requested stage, from ``out_norm_cfg`` (none when that is None)."""
        if stage.out_norm and self.out_norm_cfg is not None:
            setattr(self, stage.out_norm, build_norm_layer(self.out_norm_cfg, stage.channels)[1])

    def requested_out_norms(self) -> List[str]:
        """Names of the output norms of the requested stages (modules only a dense backbone has)."""
        return [self.stages[i].out_norm for i in self.out_indices
                if self.output_unit == 'stage' and self.stages[i].out_norm]

    def unrequested_out_norms(self) -> List[str]:
        """Names of declared output norms this instance does not build (dropped from checkpoints on load)."""
        requested = set(self.requested_out_norms()) if self.out_norm_cfg is not None else set()
        return [s.out_norm for s in self.stages if s.out_norm and s.out_norm not in requested]

    @property
    def feature_info(self) -> List[dict]:
        """Channels, stride and module of each output, in order (timm's ``feature_info``)."""
        def module(s: Stage) -> str:
            built = [m for m in s.after_blocks if hasattr(self, m)]
            return built[-1] if built else s.blocks

        return [dict(num_chs=self.stages[i].channels, reduction=self.stages[i].stride, module=module(self.stages[i]))
                for i in self.out_indices]

    # ---- forward --------------------------------------------------------------------------------
    def min_input_side(self) -> int:
        """The smallest input side the requested outputs need."""
        return max(f['reduction'] for f in self.feature_info)

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
        for i in range(self.out_indices[-1] + 1):
            x = self.forward_stage(i, x, carry)
            if i in self.out_indices:
                norm = getattr(self, self.stages[i].out_norm or '', None)
                outs.append(x.contiguous() if norm is None else apply_channel_norm(norm, x))
        return tuple(outs)

    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        """Embedding and blocks of ``stage`` on an NCHW map, giving its NCHW output map; ``carry`` holds what a
        family passes from stage to stage. This is the standard layout's."""
        x = getattr(self, f'patch_embed{stage + 1}')(x)
        for j, block in enumerate(getattr(self, self.stages[stage].blocks)):
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
    def freeze_units(self) -> List[Tuple[str, ...]]:
        """The members ``frozen_stages = k`` freezes are those of units 0..k: unit 0 is the stem, then each stage
        (``freeze_unit = 'stage'``) or each block, a stage's embedding with its first block and its tail with its
        last (``'block'``)."""
        units = [tuple(self.stem_members)]
        for s in self.stages:
            if self.freeze_unit == 'stage':
                units.append(s.embed + (s.blocks, ) + s.after_blocks)
                continue
            for j in range(s.depth):
                units.append((s.embed if j == 0 else ()) + (f'{s.blocks}.{j}', ) +
                             (s.after_blocks if j == s.depth - 1 else ()))
        return units

    @property
    def num_freezable(self) -> int:
        """The largest ``frozen_stages``."""
        return len(self.freeze_units()) - 1

    def _freeze_stages(self) -> None:
        for unit in self.freeze_units()[:self.frozen_stages + 1]:
            for name in unit:
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
        return sum(s.depth for s in self.stages)

    def layer_id(self, name: str) -> Optional[int]:
        """Layer id of a backbone parameter name (no prefix), from the declaration: the stem is 0, block ``j`` of
        the whole backbone ``j + 1``, a stage's embedding the id of its first block and its tail and output norm
        the id of its last block. None for names outside the declaration (they go with the neck)."""
        if is_member(name, self.stem_members):
            return 0
        first = 0
        for s in self.stages:
            if is_member(name, s.embed):
                return first + 1
            if name.startswith(s.blocks + '.'):
                return first + int(name[len(s.blocks) + 1:].split('.')[0]) + 1
            if is_member(name, s.after_blocks):
                return first + s.depth
            first += s.depth
        return None

    def get_layer_depth(self, param_name: str, prefix: str = '') -> Tuple[int, int]:
        """Layer id of a parameter for layer-wise lr decay, and the largest id (that of neck and heads)."""
        max_id = self.num_layers + 1
        if not param_name.startswith(prefix):
            return max_id, max_id
        layer = self.layer_id(param_name[len(prefix):])
        return (max_id if layer is None else layer), max_id

    # ---- initialisation -------------------------------------------------------------------------
    def init_weights(self):
        """The family's own initialisation, ``init_cfg``'s, :meth:`init_after_cfg`, then ``init_cfg``'s Pretrained
        checkpoint if any."""
        first_call = not self._is_init
        super().init_weights()
        if first_call:
            self.init_after_cfg()
        for cfg in self.pretrained_cfgs if first_call else []:
            self.load_pretrained(cfg['checkpoint'], prefix=cfg.get('prefix'))

    def init_after_cfg(self) -> None:
        """A family's initialisation that ``init_cfg``'s layer-wise rules must not overwrite (default: none)."""
