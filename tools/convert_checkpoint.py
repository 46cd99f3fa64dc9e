"""Convert an official UniFormer checkpoint into an mmengine checkpoint for this project.

ImageNet checkpoints (``uniformer_small_in1k.pth``: weights under ``model``, a classification head)
become backbone weights for ``init_cfg=dict(type='Pretrained', checkpoint=...)``; downstream det /
seg / pose checkpoints (``backbone.`` / ``neck.`` / head keys, often no ``meta``) keep every key and
gain a ``meta``, for ``load_from``. Either way the backbone weights are checked against ``--arch``
and the arch is recorded in ``meta['uniformer_arch']``, so a later load can warn about a head_dim
that shapes cannot reveal.

    python tools/convert_checkpoint.py uniformer_small_in1k.pth pretrained/uniformer_small_in1k.pth --arch small
    python tools/convert_checkpoint.py uniformer_xs_224_in1k.pth pretrained/uniformer_xs_224_in1k.pth --arch xs
"""
import argparse
import os
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from backbones import UniFormer, UniFormerLight, convert_official_uniformer, extract_state_dict, load_checkpoint_file  # noqa: E402


def convert(src: str, dst: str, arch: str) -> dict:
    ckpt = load_checkpoint_file(src)
    weights = ckpt.get('state_dict', ckpt.get('model', ckpt))
    downstream = any(k.startswith('backbone.') for k in weights)
    backbone_sd = convert_official_uniformer(extract_state_dict(ckpt))
    family = UniFormerLight if arch in UniFormerLight.arch_zoo else UniFormer
    model = family(arch=arch)
    missing, unexpected = model.load_state_dict(dict(backbone_sd), strict=False)  # raises if it does not fit
    if downstream:
        out_sd = {k: v for k, v in weights.items()}
    else:
        out_sd = backbone_sd
    meta = dict(ckpt.get('meta') or {}, uniformer_arch=family.resolve_arch(arch), converted_from=osp.basename(src))
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
    parser.add_argument('--arch', required=True, help=f'one of {sorted(UniFormer.arch_zoo)} (UniFormer) or {sorted(UniFormerLight.arch_zoo)} (UniFormerLight)')
    args = parser.parse_args()
    report = convert(args.src, args.dst, args.arch)
    print(f'{report["kind"]} checkpoint, {report["tensors"]} tensors -> {args.dst}')
    if report['missing']:
        print(f'backbone keys not in the checkpoint ({len(report["missing"])}): {report["missing"]}')
    if report['unexpected']:
        print(f'WARNING: checkpoint keys the backbone does not use: {report["unexpected"]}')


if __name__ == '__main__':
    main()
