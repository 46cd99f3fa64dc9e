"""Convert an official checkpoint of any registered backbone family into an mmengine checkpoint for this project.

ImageNet checkpoints (``uniformer_small_in1k.pth``: weights under ``model``, a classification head) become backbone
weights for ``init_cfg=dict(type='Pretrained', checkpoint=...)``; downstream det / seg / pose checkpoints
(``backbone.`` / ``neck.`` / head keys, often no ``meta``, maybe a DDP ``module.`` prefix) keep every key, the
backbone's converted, and gain a ``meta``, for ``load_from``. Either way the backbone weights are checked against
``--arch`` (an error names the arch that fits) and the arch is recorded in ``meta['arch']``, so a later load can warn
about what shapes cannot reveal (e.g. head_dim).

    python tools/convert_checkpoint.py uniformer_small_in1k.pth pretrained/uniformer_small_in1k.pth --arch small
    python tools/convert_checkpoint.py uniformer_xs_224_in1k.pth pretrained/uniformer_xs_224_in1k.pth --arch xs
"""
import argparse
import os
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from backbones.checkpoint import extract_state_dict, load_checkpoint_file  # noqa: E402
from backbones.models import FAMILIES  # noqa: E402


def find_family(arch: str, family: str = None, state_dict: dict = None):
    """The registered family whose zoo holds ``arch``; when several do, ``family`` picks one, or else the one whose
    arch of that name has the shapes of ``state_dict`` (an official or converted checkpoint), or else the one the
    checkpoint is of (its load then names the arch that fits)."""
    if family is not None:
        if family not in FAMILIES:
            raise SystemExit(f'unknown --family {family!r}; choose one of {sorted(FAMILIES)}')
        return FAMILIES[family]
    found = [f for f in FAMILIES.values() if arch in f.arch_zoo]
    if len(found) > 1 and state_dict is not None:
        described = {f: f.describe_state_dict(f.backbone_state_dict(state_dict)) for f in found}
        found = ([f for f in found if described[f] == f.describe_arch(f.resolve_arch(arch))]
                 or [f for f in found if described[f] is not None] or found)
    if len(found) != 1:
        zoos = '; '.join(f'{n}: {sorted(f.arch_zoo)}' for n, f in FAMILIES.items())
        raise SystemExit(f'--arch {arch!r} is in {len(found)} families\' zoos ({zoos}); '
                         + ('add --family' if found else 'pick one of those'))
    return found[0]


def convert(src: str, dst: str, arch: str, family: str = None) -> dict:
    ckpt = load_checkpoint_file(src)
    cls = find_family(arch, family, extract_state_dict(ckpt))
    weights = extract_state_dict(ckpt, prefix='')  # unwrapped, DDP prefix stripped, every key kept
    downstream = any(k.startswith('backbone.') for k in weights)
    backbone_sd = cls.backbone_state_dict(extract_state_dict(ckpt))
    missing, unexpected = cls(arch=arch).load_state_dict(dict(backbone_sd), strict=False)  # raises if it does not fit
    if downstream:
        out_sd = {k: v for k, v in weights.items() if not k.startswith('backbone.')}
        out_sd.update({f'backbone.{k}': v for k, v in backbone_sd.items()})
    else:
        out_sd = backbone_sd
    meta = dict(ckpt.get('meta') or {}, backbone=cls.__name__, arch=cls.resolve_arch(arch),
                converted_from=osp.basename(src))
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    tmp = dst + '.tmp'
    torch.save({'state_dict': out_sd, 'meta': meta}, tmp)
    os.replace(tmp, dst)  # atomic: an interrupted conversion never leaves a half-written file
    return dict(kind='downstream' if downstream else 'imagenet', tensors=len(out_sd), missing=missing,
                unexpected=unexpected)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    zoos = '; '.join(f'{n}: {", ".join(sorted(f.arch_zoo))}' for n, f in FAMILIES.items())
    parser.add_argument('--arch', required=True, help=f'an arch of a family zoo ({zoos})')
    parser.add_argument('--family', help='the backbone family, when several zoos name the arch and the '
                        'checkpoint\'s shapes do not tell which')
    args = parser.parse_args()
    report = convert(args.src, args.dst, args.arch, args.family)
    print(f'{report["kind"]} checkpoint, {report["tensors"]} tensors -> {args.dst}')
    if report['missing']:
        print(f'backbone keys not in the checkpoint ({len(report["missing"])}): {report["missing"]}')
    if report['unexpected']:
        print(f'WARNING: checkpoint keys the backbone does not use: {report["unexpected"]}')


if __name__ == '__main__':
    main()
