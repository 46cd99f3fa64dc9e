"""Run a trained model on images and save pictures of what it found (the toolbox's own inferencer).

    python tools/image_demo.py IMAGE_OR_FOLDER CONFIG --weights CHECKPOINT [--out-dir outputs] [--score-thr 0.3]
        [--cfg-options model.backbone.attn_mode=window]
    # top-down pose: the whole image is the person box, unless a person detector is given
    python tools/image_demo.py IMAGE POSE_CONFIG --weights CKPT [--det-config DET_CONFIG --det-weights DET_CKPT]

Pictures go to OUT_DIR/vis/, raw predictions (json) to OUT_DIR/preds/. Nothing is downloaded: mmpose's inferencer
would fetch a default person detector, so without --det-config the demo uses the whole image instead.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from backbones.cli.config import DictAction, load_config  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('inputs', help='an image file or a folder of images')
    parser.add_argument('config', help='model config')
    parser.add_argument('--weights', required=True, help='checkpoint file')
    parser.add_argument('--out-dir', default='outputs', help='where pictures and predictions go')
    parser.add_argument('--score-thr', type=float, default=0.3, help='draw detections / keypoints above this score')
    parser.add_argument('--det-config', help='pose only: an mmdet config of a person detector (with --det-weights)')
    parser.add_argument('--det-weights', help='pose only: the detector\'s checkpoint')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings, key=value')
    args = parser.parse_args()
    for path in (args.inputs, args.weights, args.det_config, args.det_weights):
        if path is not None and not osp.exists(path):
            raise FileNotFoundError(f'{path} not found')
    if (args.det_config is None) != (args.det_weights is None):
        raise SystemExit('--det-config and --det-weights go together (a person detector and its checkpoint)')
    cfg = load_config(args.config, args.cfg_options)
    if cfg.default_scope == 'mmdet':
        from mmdet.apis import DetInferencer
        inferencer = DetInferencer(model=cfg, weights=args.weights, device=args.device, show_progress=True)
        inferencer(args.inputs, out_dir=args.out_dir, pred_score_thr=args.score_thr, no_save_pred=False)
    elif cfg.default_scope == 'mmseg':
        from mmseg.apis import MMSegInferencer
        inferencer = MMSegInferencer(model=cfg, weights=args.weights, device=args.device)
        inferencer(args.inputs, out_dir=args.out_dir, show=False)
    else:  # mmpose: without a person detector the whole image is the person box
        from mmpose.apis import MMPoseInferencer
        inferencer = MMPoseInferencer(pose2d=cfg, pose2d_weights=args.weights, device=args.device,
                                      det_model=args.det_config or 'whole_image', det_weights=args.det_weights,
                                      det_cat_ids=0)
        for _ in inferencer(args.inputs, vis_out_dir=osp.join(args.out_dir, 'vis'), kpt_thr=args.score_thr,
                            pred_out_dir=osp.join(args.out_dir, 'preds')):
            pass
    print(f'pictures in {osp.join(args.out_dir, "vis")}, predictions in {osp.join(args.out_dir, "preds")}')


if __name__ == '__main__':
    main()
