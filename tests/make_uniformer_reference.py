"""Regenerate ``tests/data/uniformer_reference.pt`` from the official UniFormer code (developers only).

The official backbone (Sense-X/UniFormer ``object_detection/mmdet/models/backbones/uniformer.py``) is
run with deterministic weights on deterministic inputs in every attention mode, and a strided sample
of each output is saved (plus its mean and std), small enough to keep in the repository. The tests
rebuild the same weights and inputs with the functions below and compare this project's backbone.

    python tests/make_uniformer_reference.py --official /path/to/UniFormer          # writes the data
    python tests/make_uniformer_reference.py --official /path/to/UniFormer --full   # small / base check

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


def sample(t: torch.Tensor) -> Dict[str, torch.Tensor]:
    """A strided sample of a tensor plus its mean and std: enough to catch any difference."""
    flat = t.detach().flatten().double()
    step = max(1, flat.numel() // SAMPLES)
    return dict(values=flat[::step][:SAMPLES].float(), mean=flat.mean(), std=flat.std(), shape=torch.tensor(t.shape))


def load_official(repo: str) -> types.ModuleType:
    """Import the official detection backbone file with stand-ins for timm / mmdet 2.x / mmcv_custom."""
    path = osp.join(repo, 'object_detection/mmdet/models/backbones/uniformer.py')
    src = open(path).read()
    for line in ('from timm.models.layers import DropPath, to_2tuple, trunc_normal_',
                 'from mmcv_custom import load_checkpoint', 'from mmdet.utils import get_root_logger',
                 'from ..builder import BACKBONES'):
        assert line in src, f'{path} changed: {line!r} not found'
        src = src.replace(line, '')
    mod = types.ModuleType('official_uniformer')
    mod.__dict__.update(
        DropPath=lambda p: nn.Identity(),
        to_2tuple=lambda x: (x, x) if isinstance(x, int) else tuple(x),
        trunc_normal_=nn.init.trunc_normal_,
        load_checkpoint=None,
        get_root_logger=None,
        BACKBONES=types.SimpleNamespace(register_module=lambda: (lambda cls: cls)),
        print=lambda *a, **k: None)
    exec(compile(src, path, 'exec'), mod.__dict__)
    return mod


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
    parser.add_argument('--full', action='store_true', help='compare small and base with ours instead')
    args = parser.parse_args()
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    mod = load_official(args.official)
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


if __name__ == '__main__':
    main()
