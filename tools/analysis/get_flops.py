"""Parameters and FLOPs of a det / seg / pose config's model and of its backbone, as the published tables count
them (fvcore's rules via mmengine's FlopAnalyzer, plus the attention matrix products of fused attention, which
it skips; checkpointed blocks counted; one multiply-add = one flop).

    python tools/analysis/get_flops.py configs/det/uniformer/mask-rcnn_uniformer-s-h14_fpn_1x_coco.py [--shape 800 1280]
        [--cfg-options model.backbone.attn_mode=window ...]

Default input (H x W, as the published tables): det 800x1280, seg 512x2048, pose the codec's input size (e.g. 256x192).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmengine.config import DictAction  # noqa: E402

from backbones.cli.config import load_config  # noqa: E402
from backbones.cli.flops import count_model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), help='input height and width')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings, key=value')
    args = parser.parse_args()
    cfg = load_config(args.config, args.cfg_options)
    result = count_model(cfg, args.shape)
    h, w = result['shape']
    print(f'{osp.basename(args.config)} at {h}x{w}')
    print(f'  model:    {result["params"] / 1e6:8.2f} M parameters  {result["flops"] / 1e9:9.1f} GFLOPs')
    print(f'  backbone: {result["backbone_params"] / 1e6:8.2f} M parameters  {result["backbone_flops"] / 1e9:9.1f} GFLOPs')


if __name__ == '__main__':
    main()
