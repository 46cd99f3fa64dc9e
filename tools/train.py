"""Train a detector, segmentor or pose model from a config, as mmdet's / mmseg's / mmpose's tools/train.py.

    python tools/train.py configs/det/uniformer_maskrcnn_3x.py [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--seed N] [--deterministic] [--cfg-options key=value ...] [--launcher pytorch|slurm]

The toolbox is chosen from the config's ``default_scope``; datasets are checked before any model is built.
The configs name the project's AtomicCheckpointHook and StepSeedHook, so that a killed run resumed with
``--resume`` continues as if never stopped (backbones/engine/hooks.py), under this tool or the toolbox's own;
without GPUs, ``--launcher`` runs use gloo (backbones/engine/dist.py).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from backbones.cli.config import (add_common_arguments, check_datasets, check_pretrained, load_config,  # noqa: E402
                                  parse_tool_args)
from backbones.engine import init_distributed  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model (mmdet / mmseg / mmpose config)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision (needs a GPU)')
    parser.add_argument('--auto-scale-lr', action='store_true', help='scale the lr by the real batch size')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from this checkpoint, or without a value from the latest one in work_dir')
    parser.add_argument('--seed', type=int, help='random seed (default: the config\'s randomness.seed)')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms only (torch.use_deterministic_algorithms, cuDNN)')
    add_common_arguments(parser)
    return parse_tool_args(parser)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    check_datasets(cfg, splits=('train', 'val'))
    check_pretrained(cfg, args.config)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise RuntimeError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.seed is not None:
        cfg.setdefault('randomness', {})['seed'] = args.seed
    if args.deterministic:
        cfg.setdefault('randomness', {})['deterministic'] = True
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')  # what cuBLAS needs for determinism
    init_distributed(cfg)
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
