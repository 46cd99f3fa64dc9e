"""Regenerate ``tests/data/uniformer_reference.pt`` and ``uniformer_light_reference.pt`` from the official
UniFormer code (developers only).

The official backbones (Sense-X/UniFormer ``object_detection/mmdet/models/backbones/uniformer.py`` and
``uniformer_light.py``) are run with deterministic weights on deterministic inputs in every attention mode
(the light family: in training and in inference mode, two different images in a batch), and a sample of each
output (4096 values spread over every channel, row and column) is saved with its mean and std, small enough to keep
in the repository. The tests rebuild the same weights and inputs with the functions below and compare this
project's backbones.

    python tests/make_uniformer_reference.py --official /path/to/UniFormer [--light]          # writes the data
    python tests/make_uniformer_reference.py --official /path/to/UniFormer [--light] --full   # zoo archs

The official file needs timm and mmdet 2.x; small stand-ins for those imports are given here
(drop path is 0 and nothing is loaded, so the stand-ins are never on the compared path).
"""
import argparse
import os.path as osp
import sys
import types
import zlib
from typing import Dict, Tuple

import torch
import torch.nn as nn

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'uniformer_reference.pt')
LIGHT_REFERENCE = osp.join(osp.dirname(__file__), 'data', 'uniformer_light_reference.pt')
# conv blocks, the unpruned first attention block, pruned blocks, the score downsampling, stage 4
LIGHT_ARCH = dict(depths=[1, 1, 3, 2], embed_dims=[32, 64, 128, 256], head_dim=32, mlp_ratio=3.,
                  prune_ratio=[[1, 0.5, 0.5], [0.5, 0.5]], trade_off=[[1, 0.5, 0.5], [0.5, 0.5]])
LIGHT_SIZES = ((224, 224), (333, 517))
LIGHT_MODES = ('train', 'eval')
# every block kind: conv blocks, global and windowed attention blocks (4 in stage 3 for hybrid)
REDUCED_ARCH = dict(depths=[2, 2, 4, 2], embed_dims=[32, 64, 128, 256], head_dim=32)
MODES = ('global', 'window', 'hybrid')
SIZES = ((224, 224), (512, 512), (333, 517))
WINDOW = 14
SAMPLES = 4096


def deterministic_weights(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Weights that depend only on each tensor's name and shape (so two implementations with the
    same parameter names get the same weights), with magnitudes that keep activations O(1)."""
    out = {}
    for name, t in state_dict.items():
        if name.endswith('num_batches_tracked'):
            out[name] = t.clone()
            continue
        g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        r = torch.randn(t.shape, generator=g, dtype=torch.float64)
        if name.endswith('running_var'):
            v = 0.5 + r.abs()
        elif name.endswith('running_mean'):
            v = 0.1 * r
        elif t.ndim == 1 and name.endswith('weight'):  # norm scales
            v = 1 + 0.1 * r
        elif t.ndim == 1:  # biases, LayerScale
            v = 0.02 * r
        else:
            fan_in = t[0].numel()
            v = r / fan_in**0.5
        out[name] = v.to(t.dtype)
    return out


def deterministic_input(size: Tuple[int, int]) -> torch.Tensor:
    g = torch.Generator().manual_seed(size[0] * 10007 + size[1])
    return torch.randn(1, 3, *size, generator=g)


def sample_indices(numel: int) -> torch.Tensor:
    """``SAMPLES`` positions spread pseudo-randomly over a flattened output (a multiplicative hash: no RNG, the
    same on every machine and torch version), so every channel, row, column and window, the padded right and
    bottom ones included, is sampled; a strided sample of an NCHW map would see column 0 only."""
    if numel <= SAMPLES:
        return torch.arange(numel)
    return (torch.arange(SAMPLES, dtype=torch.int64) * 2654435761) % numel


def assert_matches(outs, refs, tolerance: float) -> None:
    """Outputs against their saved samples (:func:`sample`): shape, the sampled values, mean and std."""
    for out, ref in zip(outs, refs, strict=True):
        assert list(out.shape) == ref['shape'].tolist()
        flat = out.flatten().double()
        got = flat[sample_indices(flat.numel())].float()
        assert (got - ref['values']).abs().max() < tolerance
        assert abs(flat.mean() - ref['mean']) < tolerance and abs(flat.std() - ref['std']) < tolerance


def light_input(size: Tuple[int, int]) -> torch.Tensor:
    """Two different images: each is pruned by its own scores."""
    x = deterministic_input(size)
    return torch.cat([x, x.flip(-1).roll(7, -2)])


def sample(t: torch.Tensor) -> Dict[str, torch.Tensor]:
    """A sample of a tensor at :func:`sample_indices` plus its mean and std: enough to catch any difference."""
    flat = t.detach().flatten().double()
    return dict(values=flat[sample_indices(flat.numel())].float(), mean=flat.mean(), std=flat.std(),
                shape=torch.tensor(t.shape))


def load_official(repo: str, light: bool = False) -> types.ModuleType:
    """Import an official detection backbone file with stand-ins for timm / mmdet 2.x / mmcv_custom."""
    path = osp.join(repo, 'object_detection/mmdet/models/backbones', 'uniformer_light.py' if light else 'uniformer.py')
    src = open(path).read()
    imports = ('from timm.models.vision_transformer import _cfg', 'from timm.models.layers import trunc_normal_, DropPath',
               'from mmcv_custom import load_checkpoint', 'from mmdet.utils import get_root_logger',
               'from mmdet.models.builder import BACKBONES') if light else (
                   'from timm.models.layers import DropPath, to_2tuple, trunc_normal_',
                   'from mmcv_custom import load_checkpoint', 'from mmdet.utils import get_root_logger',
                   'from ..builder import BACKBONES')
    for line in imports:
        assert line in src, f'{path} changed: {line!r} not found'
        src = src.replace(line, '')
    mod = types.ModuleType('official_uniformer_light' if light else 'official_uniformer')
    mod.__dict__.update(
        DropPath=lambda p: nn.Identity(),
        to_2tuple=lambda x: (x, x) if isinstance(x, int) else tuple(x),
        trunc_normal_=nn.init.trunc_normal_,
        _cfg=dict,
        load_checkpoint=None,
        get_root_logger=None,
        BACKBONES=types.SimpleNamespace(register_module=lambda: (lambda cls: cls)),
        print=lambda *a, **k: None)
    exec(compile(src, path, 'exec'), mod.__dict__)
    return mod


def build_official_light(mod, arch: dict, mode: str) -> nn.Module:
    model = mod.UniFormer_Light(
        depth=arch['depths'], embed_dim=arch['embed_dims'], head_dim=arch['head_dim'],
        mlp_ratio=[arch['mlp_ratio']] * 4, conv_stem=True, prune_ratio=[[], []] + arch['prune_ratio'],
        trade_off=[[], []] + arch['trade_off'])
    model.load_state_dict(deterministic_weights(model.state_dict()))
    model.train(mode == 'train')  # the official train() returns None
    return model


def build_ours_light(arch, mode: str, **kwargs) -> nn.Module:
    from backbones import UniFormerLight
    model = UniFormerLight(arch=arch, **kwargs)
    model.load_state_dict(deterministic_weights(model.state_dict()), strict=True)
    return model.train(mode == 'train')


def build_official(mod, arch: dict, mode: str) -> nn.Module:
    model = mod.UniFormer(
        layers=arch['depths'], embed_dim=arch['embed_dims'], head_dim=arch['head_dim'],
        windows=mode == 'window', hybrid=mode == 'hybrid', window_size=WINDOW)
    model.load_state_dict(deterministic_weights(model.state_dict()))
    model.eval()
    return model


def build_ours(arch, mode: str, **kwargs) -> nn.Module:
    from backbones import UniFormer
    model = UniFormer(arch=arch, attn_mode=mode, window_size=WINDOW, **kwargs)
    model.load_state_dict(deterministic_weights(model.state_dict()), strict=True)
    model.eval()
    return model


@torch.no_grad()
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--official', required=True, help='a checkout of Sense-X/UniFormer')
    parser.add_argument('--full', action='store_true', help='compare the zoo archs with ours instead')
    parser.add_argument('--light', action='store_true', help='the lightweight family (XXS / XS)')
    args = parser.parse_args()
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    mod = load_official(args.official, light=args.light)
    if args.light:
        return light_main(mod, args.full)
    if args.full:
        from backbones import UniFormer
        for name in ('small', 'base'):
            for mode in MODES:
                official = build_official(mod, UniFormer.resolve_arch(name), mode)
                ours = build_ours(name, mode)
                for size in SIZES:
                    x = deterministic_input(size)
                    diff = max((a - b).abs().max().item() for a, b in zip(official(x), ours(x)))
                    print(f'{name:6s} {mode:7s} {size[0]}x{size[1]}: max abs diff {diff:.2e}', flush=True)
        return
    ref = dict(arch=REDUCED_ARCH, window_size=WINDOW, cases={})
    for mode in MODES:
        model = build_official(mod, REDUCED_ARCH, mode)
        for size in SIZES:
            outs = model(deterministic_input(size))
            ref['cases'][f'{mode}-{size[0]}x{size[1]}'] = [sample(o) for o in outs]
    torch.save(ref, REFERENCE)
    print(f'wrote {REFERENCE} ({osp.getsize(REFERENCE) / 1e6:.2f} MB)')


def light_main(mod, full: bool):
    if full:
        from backbones import UniFormerLight
        for name in ('xxs', 'xs'):
            arch = UniFormerLight.resolve_arch(name)
            for mode in LIGHT_MODES:
                for fused in (True, False):
                    official = build_official_light(mod, arch, mode)
                    ours = build_ours_light(name, mode, fused_attn=fused)
                    for size in SIZES:
                        x = light_input(size)
                        diff = max((a - b).abs().max().item() for a, b in zip(official(x), ours(x)))
                        print(f'{name:3s} {mode:5s} fused={fused!s:5s} {size[0]}x{size[1]}: max abs diff {diff:.2e}',
                              flush=True)
        return
    ref = dict(arch=LIGHT_ARCH, cases={})
    for mode in LIGHT_MODES:
        model = build_official_light(mod, LIGHT_ARCH, mode)
        for size in LIGHT_SIZES:
            outs = model(light_input(size))
            ref['cases'][f'{mode}-{size[0]}x{size[1]}'] = [sample(o) for o in outs]
    torch.save(ref, LIGHT_REFERENCE)
    print(f'wrote {LIGHT_REFERENCE} ({osp.getsize(LIGHT_REFERENCE) / 1e6:.2f} MB)')

if __name__ == '__main__':
    main()
