"""Export configs' whole models (and backbones) in each attention mode as one dynamic ONNX file each, and compare
onnxruntime with torch at three input sizes (batch 2 at one of them): the table of docs/deployment.md.

    python tools/deploy/sweep_configs.py CONFIG [CONFIG ...] [--modes global window hybrid] [--window-size 14]
        [--part model] [--sizes 256x320 2x193x241 333x517] [--json out.json] [--threads 1]

Random weights (deploy.build_model without a checkpoint: seed 0, class tokens not zero), no checkpoint needed.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmengine.config import DictAction  # noqa: E402

from backbones.cli import deploy  # noqa: E402


def parse_size(text):
    parts = [int(p) for p in text.split('x')]
    return (1, *parts) if len(parts) == 2 else tuple(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--modes', nargs='+', default=['global', 'window', 'hybrid'])
    parser.add_argument('--window-size', type=int, default=14)
    parser.add_argument('--part', choices=deploy.PARTS, default='model')
    parser.add_argument('--export-shape', type=int, nargs=2, default=[256, 320])
    parser.add_argument('--sizes', nargs='+', type=parse_size, default=[(1, 256, 320), (2, 193, 241), (1, 333, 517)])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='applied in every mode, e.g. model.backbone.with_cls_token=False')
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    rows = []
    for config in args.configs:
        for mode in args.modes:
            options = {**args.cfg_options, 'model.backbone.attn_mode': mode}
            if mode != 'global':
                options['model.backbone.window_size'] = args.window_size
            row = dict(config=osp.basename(config), mode=mode, part=args.part)
            try:
                model = deploy.build_model(config, None, options)
                graph, names = deploy.make_graph(model, args.part)
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, 'model.onnx')
                    t = time.perf_counter()
                    deploy.export(graph, names, path, tuple(args.export_shape))
                    row['export_s'] = round(time.perf_counter() - t, 1)
                    sess = deploy.session(path, args.threads)
                    row['sizes'] = {}
                    for b, h, w in args.sizes:
                        torch.manual_seed(0)
                        x = torch.randn(b, 3, h, w)
                        row['sizes'][f'{b}x{h}x{w}'] = deploy.compare(names, deploy.run_torch(graph, x),
                                                                      deploy.run_ort(sess, x))
            except Exception as e:  # noqa: BLE001  (a row that says why)
                row['error'] = f'{type(e).__name__}: {str(e)[:300]}'
            rows.append(row)
            print(summary(row), flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1, default=list)


def summary(row):
    head = f'{row["config"]} {row["mode"]}'
    if 'error' in row:
        return f'{head}: ERROR {row["error"]}'
    parts = []
    for size, outs in row['sizes'].items():
        shapes_ok = all(o['torch_shape'] == o['onnx_shape'] for o in outs.values())
        floats = [o for o in outs.values() if 'max_abs_diff' in o]
        diff = max((o['max_abs_diff'] for o in floats), default=0.)
        top = max((o['max_abs'] for o in floats), default=0.)
        labels = [o['equal'] for o in outs.values() if 'equal' in o]
        parts.append(f'{size}: {"" if shapes_ok else "SHAPE MISMATCH "}{diff:.1e} (max {top:.2g})'
                     + (f' labels {100 * min(labels):.3f}%' if labels else ''))
    return f'{head} (export {row["export_s"]} s): ' + '; '.join(parts)


if __name__ == '__main__':
    main()
