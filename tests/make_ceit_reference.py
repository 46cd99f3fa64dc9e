"""Regenerate ``tests/data/ceit_reference.pt`` and ``tests/data/ceit_key_manifests.json`` from the official CeiT
code (developers only).

The official ``ceit_model.py`` (coeusguo/ceit) is run with deterministic weights (a function of each parameter's
name and shape) on deterministic inputs, in inference mode, for a reduced arch (48 dims, 3 heads, 3 blocks) built
at 224 and at 160 (the official model's position embedding has the size of its ``img_size``, so each size is its
own official model). A sample of every block's patch tokens (forward hooks on the official blocks) is saved with
its mean and std, with the official names and shapes of the reduced arch (the tests rebuild the weights from them).
The manifest holds the official state-dict names and shapes of the five published models
(``ceit_{tiny,small,base}_patch16_224``, ``ceit_{tiny,small}_patch16_384``; there is no base 384), for the strict
loading test. In the same process, this project's backbone is checked bit for bit against the official outputs.

    mkdir -p /tmp/ceit_official && git -C /path/to/ceit show HEAD:ceit_model.py > /tmp/ceit_official/ceit_model.py
    python tests/make_ceit_reference.py --official /tmp/ceit_official [--commit SHA]

The official file runs unchanged with timm 1.0.x: its ``timm.models.layers`` / ``timm.models.registry`` imports
are deprecated there (FutureWarning, silenced here) but present; nothing is patched.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os.path as osp
import sys
import warnings
from functools import partial
from typing import Dict, List

import torch
import torch.nn as nn

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from make_uniformer_reference import deterministic_input, deterministic_weights, sample  # noqa: E402

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'ceit_reference.pt')
MANIFESTS = osp.join(osp.dirname(__file__), 'data', 'ceit_key_manifests.json')
REDUCED_ARCH = dict(embed_dims=48, depth=3, num_heads=3)
SIZES = (224, 160)
# official factory -> our zoo arch and the input size its position embedding is made for
OFFICIAL_MODELS = {'ceit_tiny_patch16_224': ('tiny', 224), 'ceit_small_patch16_224': ('small', 224),
                   'ceit_base_patch16_224': ('base', 224), 'ceit_tiny_patch16_384': ('tiny', 384),
                   'ceit_small_patch16_384': ('small', 384)}


def weights_from_layout(layout: Dict[str, List[int]]) -> Dict[str, torch.Tensor]:
    """:func:`deterministic_weights` for a layout of official names and shapes."""
    return deterministic_weights({k: torch.zeros(shape, dtype=torch.long if k.endswith('num_batches_tracked')
                                                 else torch.float32) for k, shape in layout.items()})


def load_official(checkout: str):
    spec = importlib.util.spec_from_file_location('official_ceit', osp.join(checkout, 'ceit_model.py'))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # timm's register_model looks the module up
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        spec.loader.exec_module(mod)
    return mod


def quiet(fn, *args, **kwargs):
    """The official HybridEmbed prints its feature size when built."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def build_official_reduced(mod, img_size: int) -> nn.Module:
    a = REDUCED_ARCH
    return quiet(mod.CeIT, hybrid_backbone=mod.Image2Tokens(), img_size=img_size, patch_size=4,
                 embed_dim=a['embed_dims'], depth=a['depth'], num_heads=a['num_heads'], mlp_ratio=4, qkv_bias=True,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6))


def block_maps(official: nn.Module, x: torch.Tensor) -> List[torch.Tensor]:
    """The official model's patch tokens after every block, as NCHW maps."""
    seen = []
    hooks = [b.register_forward_hook(lambda m, i, o: seen.append(o[0])) for b in official.blocks]
    with torch.no_grad():
        official(x)
    for h in hooks:
        h.remove()
    B, side = x.shape[0], x.shape[-1] // 16
    return [t[:, 1:].transpose(1, 2).reshape(B, -1, side, side) for t in seen]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--official', required=True, help='a folder holding the official ceit_model.py')
    parser.add_argument('--commit', default='', help='the official commit, recorded in the files')
    args = parser.parse_args()
    torch.set_num_threads(1)
    mod = load_official(args.official)
    from backbones import CeiT

    cases, layouts = {}, {}
    for size in SIZES:
        official = build_official_reduced(mod, size).eval()
        layout = {k: list(v.shape) for k, v in official.state_dict().items()}
        official.load_state_dict(weights_from_layout(layout))
        x = deterministic_input((size, size))
        maps = block_maps(official, x)
        for fused in (False, True):
            ours = CeiT(arch=REDUCED_ARCH, pretrain_img_size=size, pyramid=None, out_indices=[0, 1, 2],
                        fused_attn=fused).eval()
            ours.load_state_dict(weights_from_layout(layout), strict=True)
            with torch.no_grad():
                outs = ours(x)
            diff = max((o - m).abs().max().item() for o, m in zip(outs, maps))
            print(f'{size}x{size} fused_attn={fused}: max |ours - official| = {diff:.3g}')
            if not fused:
                assert all(torch.equal(o, m) for o, m in zip(outs, maps)), 'the math path must be bit-exact'
        cases[f'{size}x{size}'] = [sample(m) for m in maps]
        layouts[f'{size}x{size}'] = layout
    torch.save(dict(source=f'coeusguo/ceit ceit_model.py {args.commit}'.strip(), arch=REDUCED_ARCH, cases=cases,
                    layouts=layouts), REFERENCE)
    print(f'wrote {REFERENCE}')

    manifests = {}
    for factory, (arch, size) in OFFICIAL_MODELS.items():
        official = quiet(getattr(mod, factory))  # on the CPU: the official __init__ calls .item()
        manifests[factory] = dict(ours=dict(arch=arch, img_size=size),
                                  params=sum(p.numel() for p in official.parameters()),
                                  keys={k: list(v.shape) for k, v in official.state_dict().items()})
    with open(MANIFESTS, 'w') as f:
        json.dump(dict(source=f'coeusguo/ceit ceit_model.py {args.commit}'.strip(), cases=manifests), f)
        f.write('\n')
    print(f'wrote {MANIFESTS}')


if __name__ == '__main__':
    main()
