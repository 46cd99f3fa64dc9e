"""Regenerate ``tests/data/sgformer_reference.pt`` from the official SG-Former code (developers only).

The official model file (OliverRensu/SG-Former ``sgformer.py``, with its ``pos_embed.py`` beside it) is run with
deterministic weights (a function of each parameter's name and shape, see :func:`sgformer_weights`) on
deterministic inputs, and a sample of every stage output (taken by forward hooks on the official ``norm{i}``) is
saved with its mean and std, at 224x224 and 448x448. The reduced arch has every block kind: a hybrid-scale then a
self-guided block in each of stages 1-3 (sr 8, 4, 2: the group sizes 196/56/28, 49/14/7, 2/1), two plain
attention blocks in stage 4. The file also holds the official models' parameter counts and state-dict
layouts (names and shapes, classifier included) of the zoo archs, so the tests need no official code.

The repository has no licence: it is only imported from a checkout given on the command line, never copied.

    mkdir -p /tmp/sgformer_official && for f in sgformer.py pos_embed.py; do
        git -C /path/to/SG-Former show HEAD:$f > /tmp/sgformer_official/$f; done
    python tests/make_sgformer_reference.py --official /tmp/sgformer_official           # writes the data
    python tests/make_sgformer_reference.py --official /tmp/sgformer_official --full    # zoo archs, in process

The official file imports ``timm.models.layers`` / ``timm.models.registry`` (deprecated but present in timm
1.0.x) and ``pos_embed`` (from the checkout), whose ``np.float`` (removed in numpy 1.24) is shimmed as
``float``. Its position embedding has the size of its ``img_size``; at 448 it is given the 56x56 table resized the
way the official ``interpolate_pos_embed`` does (bicubic, no align_corners), which is what this project's backbone
does in its forward.
"""
import argparse
import importlib.util
import os.path as osp
import sys
import warnings
import zlib
from functools import partial
from typing import Dict, List, Tuple

import torch
import torch.nn as nn

from make_uniformer_reference import deterministic_input, deterministic_weights, sample

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'sgformer_reference.pt')
REDUCED_ARCH = dict(depths=[2, 2, 2, 2], embed_dims=[16, 32, 64, 128], num_heads=[2, 2, 4, 4])
SIZES = ((224, 224), (448, 448))
ZOO = ('s', 'm', 'b')


def sgformer_weights(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """:func:`deterministic_weights` (by name and shape), with an O(0.5) position embedding."""
    out = deterministic_weights(state_dict)
    if 'pos_embed' in out:
        g = torch.Generator().manual_seed(zlib.crc32(b'pos_embed'))
        out['pos_embed'] = 0.5 * torch.randn(out['pos_embed'].shape, generator=g)
    return out


def to_official_names(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """This project's names -> the official ones (``blocks{i}.`` -> ``block{i}.``)."""
    return {(f'block{k[6]}{k[7:]}' if k.startswith('blocks') and k[6].isdigit() else k): v
            for k, v in state_dict.items()}


def load_official(checkout: str):
    """Import the official ``sgformer.py`` from a checkout (its ``pos_embed.py`` is imported from there too)."""
    import numpy as np
    if not hasattr(np, 'float'):  # pos_embed.py uses np.float, removed in numpy 1.24
        np.float = float
    sys.path.insert(0, checkout)
    spec = importlib.util.spec_from_file_location('official_sgformer', osp.join(checkout, 'sgformer.py'))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # timm's register_model looks the module up
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        spec.loader.exec_module(mod)
    return mod


def build_official(mod, arch: dict, img_size: int = 224, num_classes: int = 0) -> nn.Module:
    return mod.SGFormer(img_size=img_size, num_classes=num_classes, embed_dims=arch['embed_dims'],
                        num_heads=arch['num_heads'], mlp_ratios=[4, 4, 4, 4], qkv_bias=True,
                        norm_layer=partial(nn.LayerNorm, eps=1e-6), depths=arch['depths'], sr_ratios=[8, 4, 2, 1])


def build_ours(arch, **kwargs) -> nn.Module:
    from backbones.models import SGFormer
    model = SGFormer(arch=arch, **kwargs)
    model.load_state_dict(sgformer_weights(model.state_dict()), strict=True)
    return model.eval()


def official_with_weights(mod, arch: dict, ours: nn.Module, size: int) -> nn.Module:
    """The official model at ``size`` with our weights (the position table resized to its grid)."""
    from backbones.layers import resize_pos_embed
    model = build_official(mod, arch, img_size=size)
    sd = to_official_names(ours.state_dict())
    grid = size // 4
    sd['pos_embed'] = resize_pos_embed(sd['pos_embed'], ours.pos_grid, (grid, grid), 0)
    model.load_state_dict(sd, strict=True)
    return model.eval()


def official_stage_outputs(model: nn.Module, x: torch.Tensor, guided: list = None) -> List[torch.Tensor]:
    """The official per-stage norm outputs as NCHW maps (forward hooks; the official forward runs unchanged).
    ``guided`` (a list) receives, per self-guided attention, the significance map it got and its token orders."""
    outs, hooks = [], []
    for i in range(3):
        for j, block in enumerate(getattr(model, f'block{i + 1}')):
            if j % 2 and guided is not None:
                hooks.append(block.attn.register_forward_pre_hook(
                    lambda m, a, name=f'blocks{i + 1}.{j}': guided.append(dict(
                        block=name, significance=sample(a[3][0]),
                        orders=[torch.sort(a[3][0], dim=1)[1].short(), torch.sort(a[3][1], dim=1)[1].short()]))))
    H, W = x.shape[2:]
    for i in range(4):
        h, w = -(-H // 2**(i + 2)), -(-W // 2**(i + 2))
        hooks.append(getattr(model, f'norm{i + 1}').register_forward_hook(
            lambda m, a, o, h=h, w=w: outs.append(o.transpose(1, 2).reshape(o.shape[0], -1, h, w).clone())))
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return outs


def official_layouts(mod) -> Tuple[Dict[str, int], Dict[str, List[Tuple[str, Tuple[int, ...]]]]]:
    """Parameter counts (no classifier) and ImageNet state-dict layouts (1000 classes) of the zoo archs."""
    from backbones.models import SGFormer
    counts, layouts = {}, {}
    for name in ZOO:
        arch = SGFormer.resolve_arch(name)
        counts[name] = sum(p.numel() for p in build_official(mod, arch).parameters())
        sd = build_official(mod, arch, num_classes=1000).state_dict()
        layouts[name] = [(k, tuple(v.shape)) for k, v in sd.items()]
    return counts, layouts


@torch.no_grad()
def compare(mod, arch, sizes, **kwargs) -> float:
    """Max abs difference of every stage output, ours against the official model with the same weights."""
    worst = 0.
    ours = build_ours(arch, **kwargs)
    a = ours.arch
    for size in sizes:
        official = official_with_weights(mod, a, ours, size[0])
        x = deterministic_input(size)
        diff = max((o - r).abs().max().item() for o, r in zip(ours(x), official_stage_outputs(official, x),
                                                                strict=True))
        print(f'{str(arch):80s} {size[0]}x{size[1]} {kwargs}: max abs diff {diff:.2e}', flush=True)
        worst = max(worst, diff)
    return worst


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--official', required=True, help='a directory with the official sgformer.py and pos_embed.py')
    parser.add_argument('--full', action='store_true', help='compare the zoo archs with ours instead')
    args = parser.parse_args()
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    mod = load_official(osp.abspath(args.official))
    if args.full:
        for name in ZOO:
            compare(mod, name, SIZES)
        return
    from backbones.models.sgformer import sincos_pos_embed
    table = torch.from_numpy(sys.modules['pos_embed'].get_2d_sincos_pos_embed(96, 56)).float()[None]
    print(f'sin-cos initial pos_embed: max abs diff {(sincos_pos_embed(96, (56, 56)) - table).abs().max():.2e}')
    for fused in (True, False):
        compare(mod, REDUCED_ARCH, SIZES, fused_attn=fused)
    ours = build_ours(REDUCED_ARCH)
    ref = dict(arch=REDUCED_ARCH, cases={}, guided={})
    for size in SIZES:
        official = official_with_weights(mod, ours.arch, ours, size[0])
        guided = []
        outs = official_stage_outputs(official, deterministic_input(size), guided)
        ref['cases'][f'{size[0]}x{size[1]}'] = [sample(o) for o in outs]
        ref['guided'][f'{size[0]}x{size[1]}'] = guided
    ref['param_counts'], ref['layouts'] = official_layouts(mod)
    torch.save(ref, REFERENCE)
    print(f'wrote {REFERENCE} ({osp.getsize(REFERENCE) / 1e6:.2f} MB); parameter counts {ref["param_counts"]}')


if __name__ == '__main__':
    main()
