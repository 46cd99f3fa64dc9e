"""Regenerate ``tests/data/convit_reference.pt`` from the official ConViT code (developers only).

The official ``VisionTransformer`` (facebookresearch/convit ``convit.py``) of a reduced arch (every block kind: two
GPSA blocks, then the class token, one MHSA block) is run with deterministic weights (a function of each tensor's
name and shape, :func:`convit_weights`) on deterministic inputs at 224x224 and 160x160 (the official model is
square-only and sized at build time: at 160 it is built with ``img_size=160``, its position embedding 10x10), and a
sample of each block's output (forward hooks; the class token stripped; the last block through the final norm) is
saved. The generator also checks this project's backbone against the official model in the same process: bit for
bit with ``fused_attn=False`` (the official op order), to float rounding with the default factorised path. The file
holds the official models' parameter counts and ImageNet state-dict layouts (names and shapes, classifier included)
of the zoo archs too, so the tests need no official code.

    mkdir -p /tmp/convit_official && git -C /path/to/convit show HEAD:convit.py > /tmp/convit_official/convit.py
    python tests/make_convit_reference.py --official /tmp/convit_official

The official file imports timm's deprecated ``timm.models.helpers`` / ``layers`` / ``registry`` (present in timm
1.0.x) and matplotlib (unused by the model).
"""
import argparse
import importlib.util
import os.path as osp
import sys
import warnings
import zlib
from functools import partial
from typing import Dict, List

import torch
import torch.nn as nn

from make_uniformer_reference import deterministic_input, deterministic_weights, sample

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'convit_reference.pt')
REDUCED_ARCH = dict(embed_dims=32, depth=3, num_heads=4, local_up_to_layer=2)
SIZES = (224, 160)
ZOO = ('tiny', 'small', 'base')


def convit_weights(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """:func:`deterministic_weights` (by name and shape), with an O(0.5) position embedding and positional
    projections that give soft (not one-hot) positional attention."""
    out = deterministic_weights(state_dict)
    for name in out:
        if name == 'pos_embed' or name.endswith('pos_proj.weight'):
            g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
            out[name] = (0.5 if name == 'pos_embed' else 0.3) * torch.randn(out[name].shape, generator=g)
    return out


def load_official(directory: str):
    """Import the official ``convit.py``."""
    spec = importlib.util.spec_from_file_location('official_convit', osp.join(directory, 'convit.py'))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        spec.loader.exec_module(mod)
    return mod


def build_official(mod, arch: dict, img_size: int = 224, num_classes: int = 1000) -> nn.Module:
    """As the official ``models.py`` factories: LayerNorm eps 1e-6, the other settings the defaults."""
    return mod.VisionTransformer(img_size=img_size, num_classes=num_classes, embed_dim=arch['embed_dims'],
                                 depth=arch['depth'], num_heads=arch['num_heads'],
                                 local_up_to_layer=arch['local_up_to_layer'],
                                 norm_layer=partial(nn.LayerNorm, eps=1e-6)).eval()


def build_ours(img_size: int, **kwargs) -> nn.Module:
    from backbones.models import ConViT
    model = ConViT(REDUCED_ARCH, pretrain_img_size=img_size, pyramid=None, final_norm=True,
                   out_indices=range(REDUCED_ARCH['depth']), **kwargs)
    model.load_state_dict(convit_weights(model.state_dict()), strict=True)
    return model.eval()


def official_block_outputs(model: nn.Module, x: torch.Tensor) -> List[torch.Tensor]:
    """Each block's patch tokens as an NCHW map, the last one through the final norm (forward hooks; the official
    forward runs unchanged)."""
    grid = x.shape[-1] // 16
    tokens, hooks = [], [b.register_forward_hook(lambda m, a, o: tokens.append(o)) for b in model.blocks[:-1]]
    hooks.append(model.norm.register_forward_hook(lambda m, a, o: tokens.append(o)))
    try:
        model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return [t[:, t.shape[1] - grid * grid:].transpose(1, 2).reshape(x.shape[0], -1, grid, grid) for t in tokens]


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--official', required=True, help='a directory with the official convit.py')
    args = parser.parse_args()
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    mod = load_official(osp.abspath(args.official))
    ref = dict(arch=REDUCED_ARCH, cases={}, param_counts={}, layouts={})
    for size in SIZES:
        official = build_official(mod, REDUCED_ARCH, img_size=size)
        official.load_state_dict(convit_weights(official.state_dict()), strict=True)
        x = deterministic_input((size, size))
        expected = official_block_outputs(official, x)
        for fused in (False, True):
            got = build_ours(size, fused_attn=fused)(x)
            diff = max((g - e).abs().max().item() for g, e in zip(got, expected, strict=True))
            print(f'{size}x{size} fused_attn={fused}: max abs diff {diff:.2e}', flush=True)
            if not fused:
                assert diff == 0, 'the official op order must be bit for bit the official model'
        ref['cases'][f'{size}x{size}'] = [sample(e) for e in expected]
    from backbones.models import ConViT
    for name in ZOO:
        official = build_official(mod, ConViT.resolve_arch(name))
        ref['param_counts'][name] = sum(p.numel() for n, p in official.named_parameters() if not n.startswith('head'))
        ref['layouts'][name] = [(k, tuple(v.shape)) for k, v in official.state_dict().items()]
    torch.save(ref, REFERENCE)
    print(f'wrote {REFERENCE} ({osp.getsize(REFERENCE) / 1e3:.0f} KB); parameter counts {ref["param_counts"]}')


if __name__ == '__main__':
    main()
