"""Parameters and FLOPs of a det / seg / pose config's model and of its backbone, as the published tables count
them (fvcore's rules via mmengine's FlopAnalyzer, plus the attention matrix products of fused attention, which
it skips; checkpointed blocks counted; one multiply-add = one flop).

    python tools/analysis/get_flops.py configs/det/uniformer/mask-rcnn_uniformer-s-h14_fpn_1x_coco.py [--shape 800 1280]
        [--cfg-options model.backbone.attn_mode=window ...]

A backbone alone, from its settings (``type``: this project's ViT / UniFormer / UniFormerLight, a scoped OpenMMLab
name such as mmdet.SwinTransformer, or timm.<class or model>: a timm model's trunk without neck and head), e.g.
ViTDet's ViT-B and timm's SAM ViT-B, counted alike:

    python tools/analysis/get_flops.py --shape 1024 1024 --backbone type=ViT arch=vit-base attn_mode=hybrid \
        window_size=14 rel_pos=True img_size=1024 "pyramid=(4,2,1,0.5)"
    python tools/analysis/get_flops.py --shape 1024 1024 --backbone type=timm.VisionTransformerSAM img_size=1024 \
        embed_dim=768 depth=12 num_heads=12 window_size=14 "global_attn_indexes=(2,5,8,11)" use_rel_pos=True \
        neck_chans=0

Default input (H x W, as the published tables): det 800x1280, seg 512x2048, pose the codec's input size (e.g. 256x192);
a backbone alone: 800x1280.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmengine.config import DictAction  # noqa: E402

from backbones.cli.config import load_config  # noqa: E402
from backbones.cli.flops import DEFAULT_SHAPES, count_backbone, count_model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', nargs='?', help='a det / seg / pose config (or give --backbone)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), help='input height and width')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings, key=value')
    parser.add_argument('--backbone', nargs='+', action=DictAction,
                        help='count a backbone alone, from its settings as key=value (type=ViT arch=vit-base ...)')
    args = parser.parse_args()
    if (args.config is None) == (args.backbone is None):
        parser.error('give a config or --backbone (one of them)')
    if args.backbone is not None:
        if 'type' not in args.backbone:
            parser.error('--backbone needs type=..., e.g. type=ViT or type=timm.VisionTransformerSAM')
        result = count_backbone(args.backbone, tuple(args.shape or DEFAULT_SHAPES['mmdet']))
        h, w = result['shape']
        print(f'{args.backbone["type"]} backbone at {h}x{w}')
        print(f'  backbone: {result["params"] / 1e6:8.2f} M parameters  {result["flops"] / 1e9:9.1f} GFLOPs')
        return
    cfg = load_config(args.config, args.cfg_options)
    result = count_model(cfg, args.shape)
    h, w = result['shape']
    print(f'{osp.basename(args.config)} at {h}x{w}')
    print(f'  model:    {result["params"] / 1e6:8.2f} M parameters  {result["flops"] / 1e9:9.1f} GFLOPs')
    print(f'  backbone: {result["backbone_params"] / 1e6:8.2f} M parameters  {result["backbone_flops"] / 1e9:9.1f} GFLOPs')


if __name__ == '__main__':
    main()
