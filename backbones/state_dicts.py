"""From the checkpoints users hold to a backbone's parameters: what every family shares when it loads weights.

The architecture contract (:mod:`backbones.models.base`) says what a family is; this module says how its weights
arrive, whatever the route (``init_cfg`` Pretrained, ``load_from``, resume, ``load_state_dict``):

- :class:`StateDictAdapter`, the loading half of every backbone: unwraps and converts a checkpoint with the family's
  converter, drops the family's classifier keys (named once per family, as data: ``classifier_keys``) and the output
  norms of stages not requested, fits what the instance sizes differently, refuses a checkpoint of another arch
  naming the registered family and arch that fit, and reports loudly what did not fit;
- helpers a family calls instead of writing its own: :func:`count_blocks`, :func:`pos_embed_grid`,
  :func:`fit_pos_embed` and :func:`pretrained_tensor_shape` (a grid read from the Pretrained file at build time, so
  that a position embedding is interpolated once, from the checkpoint's grid to the map).
"""
import math
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import MMLogger

from .checkpoint import extract_state_dict, load_checkpoint_file, reading_checkpoint
from .layers import resize_pos_embed

StateDict = Dict[str, torch.Tensor]


def count_blocks(state_dict: StateDict, blocks: str) -> int:
    """How many blocks a state dict holds under ``blocks`` (``'blocks3'``: keys ``blocks3.<j>.*``); 0 for none."""
    head = blocks + '.'
    indices = [k[len(head):].split('.')[0] for k in state_dict if k.startswith(head)]
    return 1 + max((int(j) for j in indices if j.isdigit()), default=-1)


def pos_embed_grid(shape: Sequence[int], prefix_candidates: Sequence[int],
                   own_grid: Tuple[int, int]) -> Optional[Tuple[int, Tuple[int, int]]]:
    """How a ``(1, prefix + grid, C)`` position embedding of ``shape`` is laid out: ``(prefix, (h, w))`` for the
    first prefix count of ``prefix_candidates`` that leaves ``own_grid`` or a square grid, else None."""
    if len(shape) != 3:
        return None
    for prefix in prefix_candidates:
        n = shape[1] - prefix
        if n == own_grid[0] * own_grid[1]:
            return prefix, tuple(own_grid)
        if n > 0 and math.isqrt(n)**2 == n:
            return prefix, (math.isqrt(n), ) * 2
    return None


def fit_pos_embed(pos: torch.Tensor, ckpt_prefix: int, own_prefix: int, own_grid: Tuple[int, int],
                  antialias: bool = False, notes: Optional[List[str]] = None) -> torch.Tensor:
    """A checkpoint's ``(1, prefix + grid, C)`` position embedding in this model's layout: ``own_prefix`` prefix
    positions (the checkpoint's, or zeros for those it lacks, as timm's ``no_embed_class``) and ``own_grid``
    (bicubic resize from the checkpoint's grid, noted in ``notes``). ``ckpt_prefix`` is how many prefix positions the
    checkpoint may hold (its class / distillation tokens); a layout with none is tried too."""
    layout = pos_embed_grid(pos.shape, (ckpt_prefix, 0) if ckpt_prefix else (0, ), own_grid)
    if layout is None:
        raise ValueError(f'pos_embed of shape {tuple(pos.shape)} holds no square grid after {ckpt_prefix} prefix '
                         f'tokens; give pretrain_img_size as the checkpoint\'s input size')
    prefix, src = layout
    head = pos[:, :min(prefix, own_prefix)]
    if own_prefix > prefix:
        head = torch.cat([head, head.new_zeros(1, own_prefix - prefix, pos.shape[2])], dim=1)
    grid = resize_pos_embed(pos[:, prefix:], src, own_grid, 0, antialias=antialias)
    if src != tuple(own_grid) and notes is not None:
        notes.append(f'pos_embed resized from a {src[0]}x{src[1]} to a {own_grid[0]}x{own_grid[1]} grid')
    return torch.cat([head, grid], dim=1) if own_prefix else grid


def pretrained_tensor_shape(pretrained_cfgs: Iterable[dict], family: type, key: str) -> Optional[torch.Size]:
    """The shape of ``key`` in the (converted) checkpoint of the first Pretrained ``init_cfg``, read at build time
    without loading the weights (memory-mapped); None when there is none, the file is not local or lacks ``key``."""
    for cfg in pretrained_cfgs:
        filename = cfg.get('checkpoint')
        if not isinstance(filename, str) or '://' in filename or not osp.isfile(filename):
            continue
        with reading_checkpoint(filename):
            try:
                ckpt = torch.load(filename, map_location='cpu', mmap=True)  # torch's default weights_only
            except RuntimeError:  # not a zip file (legacy format): read it whole
                ckpt = load_checkpoint_file(filename)
        tensor = family.convert_checkpoint(extract_state_dict(ckpt, cfg.get('prefix'))).get(key)
        return None if tensor is None else tensor.shape
    return None


class StateDictAdapter:
    """How a backbone takes checkpoints: mixed into :class:`~backbones.models.base.PyramidBackbone`.

    A family gives ``convert_checkpoint`` (official names -> its own, pure and idempotent), ``classifier_keys`` (the
    prefixes only a classifier has), ``fit_state_dict`` where an instance sizes something differently (position
    tables), and ``describe_state_dict`` / ``describe_arch`` (the shape-visible arch, for fit checks and hints).
    """

    classifier_keys: Tuple[str, ...] = ()
    # meta keys older conversions recorded the arch under, besides 'arch'
    legacy_arch_meta_keys: Tuple[str, ...] = ()

    @staticmethod
    def convert_checkpoint(state_dict: StateDict) -> StateDict:
        """Official weights -> this module's names; pure and idempotent. The default keeps them as they are."""
        return dict(state_dict)

    @classmethod
    def backbone_state_dict(cls, state_dict: StateDict) -> StateDict:
        """An official or converted state dict as this family's backbone keys: converted, classifier dropped."""
        return {k: v for k, v in cls.convert_checkpoint(state_dict).items() if not k.startswith(cls.classifier_keys)}

    @classmethod
    def describe_state_dict(cls, state_dict: StateDict) -> Optional[dict]:
        """The arch a converted state dict was saved from, as far as shapes tell, or None when it does not hold
        a whole backbone of this family (then no fit check is made)."""
        return None

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        """The shape-visible part of resolved arch settings, comparable with :meth:`describe_state_dict`."""
        return {}

    def pretrained_pos_grid(self, default: Tuple[int, int], key: str = 'pos_embed') -> Tuple[int, int]:
        """The grid of the position embedding in the Pretrained checkpoint of ``init_cfg`` (up to two prefix
        positions, a square grid), read at build time so that the embedding is interpolated once, from that grid
        to each input's map; ``default`` without one."""
        shape = pretrained_tensor_shape(self.pretrained_cfgs, type(self), key)
        layout = None if shape is None else pos_embed_grid(shape, (0, 1, 2), (0, 0))
        return default if layout is None else layout[1]

    def fit_state_dict(self, state_dict: StateDict, notes: List[str]) -> StateDict:
        """Adapt a converted state dict to this instance (resize position tables, drop what it does not run),
        adding a sentence to ``notes`` for each change; default as is."""
        return state_dict

    def new_in_dense_use(self, key: str) -> bool:
        """Whether a parameter is one this backbone adds for dense prediction (an ImageNet checkpoint cannot have
        it): the output norms of the requested stages."""
        return key.split('.')[0] in self.requested_out_norms()

    def load_pretrained(self, filename: str, prefix: Optional[str] = None) -> None:
        """Load an official, converted or downstream checkpoint into this backbone and report what did not fit.

        Unwraps ``state_dict`` / ``model`` / ``state_dict_ema``, a DDP ``module.`` prefix and ``backbone.`` (or
        ``prefix``), converts with the family's converter, loads non-strictly, and logs missing and unexpected keys
        as warnings; what a classifier cannot have (:meth:`new_in_dense_use`) is only noted.
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

    def warn_if_arch_differs(self, ckpt: dict, filename: str) -> None:
        """What shapes cannot show (e.g. head_dim): warn when the arch recorded by tools/convert_checkpoint.py in
        ``meta['arch']`` (or a family's legacy key) disagrees with this model's."""
        meta = ckpt.get('meta') or {}
        recorded = next((meta[k] for k in ('arch', ) + self.legacy_arch_meta_keys if k in meta), None)
        if not isinstance(recorded, dict):
            return
        ours = {k: self.arch[k] for k in recorded if k in self.arch}
        if any(list(v) != list(recorded[k]) if isinstance(v, (list, tuple)) else v != recorded[k]
               for k, v in ours.items()):
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: {filename} was saved from arch {recorded}, but this model is {ours}. '
                f'A different head_dim loads without error yet gives wrong features.')

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        """Accept official checkpoints as they are, whichever way they arrive: convert them, drop the classifier
        and the output norms of stages not requested, fit them to this instance, and fail clearly, naming the
        registered family and arch that fit, when the checkpoint's arch differs."""
        own = {k[len(prefix):]: state_dict.pop(k) for k in [k for k in state_dict if k.startswith(prefix)]}
        converted = self.convert_checkpoint(own)
        classifier = sorted(k for k in converted if k.startswith(self.classifier_keys))
        unused_norms = tuple(f'{n}.' for n in self.unrequested_out_norms())
        converted = {k: v for k, v in converted.items()
                     if not k.startswith(self.classifier_keys) and not k.startswith(unused_norms)}
        notes = [f'not used by this backbone (classifier): {classifier}'] if classifier else []
        converted = self.fit_state_dict(converted, notes)
        if notes:
            MMLogger.get_current_instance().info(f'{type(self).__name__}: ' + '; '.join(notes))
        state_dict.update({prefix + k: v for k, v in converted.items()})
        found = self.describe_state_dict(converted)
        if found is not None:
            ours = self.describe_arch(self.arch)
            if found != ours:
                raise ValueError(f'The checkpoint does not fit {type(self).__name__} arch {ours}: it has {found}. '
                                 f'{matching_archs_hint(own)}')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def matching_archs_hint(state_dict: StateDict) -> str:
    """A sentence naming the zoo archs of every registered family that fit an official or converted state dict."""
    from .models.base import FAMILIES
    fits = []
    for name, family in FAMILIES.items():
        found = family.describe_state_dict(family.backbone_state_dict(state_dict))
        if found is None:
            continue
        names = [n for n, a in family.arch_zoo.items() if family.describe_arch(family.resolve_arch(a)) == found]
        fits += [f'{name} arch={names}'] if names else []
    if fits:
        return f'It fits {", ".join(fits)} (what shapes cannot show, e.g. head_dim, is not checked).'
    return 'No arch of the zoo fits it; pass arch as a dict matching the checkpoint.'
