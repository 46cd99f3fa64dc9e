"""Evaluate a checkpoint, as mmdet's / mmseg's / mmpose's tools/test.py.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--out results.pkl]
        [--cfg-options model.backbone.attn_mode=window ...] [--launcher pytorch|slurm]

``--cfg-options model.backbone.attn_mode=window model.backbone.window_size=32`` evaluates the same
checkpoint with another attention mode (all modes share the parameters).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from backbones.cli.config import (add_common_arguments, check_datasets, enable_tta,  # noqa: E402
                                  enable_visualization, load_config, parse_tool_args)
from backbones.engine import init_distributed  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model (mmdet / mmseg / mmpose config)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument('--show', action='store_true', help='show predictions in a window')
    parser.add_argument('--show-dir', help='save pictures of the predictions in this directory')
    parser.add_argument('--wait-time', type=float, default=2, help='seconds each shown picture stays')
    parser.add_argument('--tta', action='store_true', help='multi-scale + flip testing (the MS columns)')
    add_common_arguments(parser)
    return parse_tool_args(parser)


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    cfg.launcher = args.launcher
    if not osp.exists(args.checkpoint) and '://' not in args.checkpoint:
        raise FileNotFoundError(f'checkpoint {args.checkpoint} not found')
    check_datasets(cfg, splits=('test', ))
    cfg.load_from = args.checkpoint
    if args.tta:
        enable_tta(cfg)
    if args.show or args.show_dir:
        enable_visualization(cfg, args.show_dir and osp.abspath(args.show_dir), args.show, args.wait_time)
    init_distributed(cfg)

    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if args.out:
        if cfg.default_scope == 'mmdet':
            from mmdet.evaluation import DumpDetResults as Dump
        else:
            from mmengine.evaluator import DumpResults as Dump
        runner.test_evaluator.metrics.append(Dump(out_file_path=args.out))
    runner.test()


if __name__ == '__main__':
    main()
