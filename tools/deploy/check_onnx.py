"""Run an exported ONNX file in onnxruntime and compare it with the torch model: the largest difference per output
and the latency of both (median of runs, same inputs, same thread count).

    python tools/deploy/check_onnx.py CONFIG [CHECKPOINT] --onnx FILE [--part backbone|model]
        [--image IMG | --shape H W [--shape H W ...]] [--batch N] [--runs 5] [--threads 1]
        [--cfg-options ...] [--no-optimize] [--profile PREFIX]

CONFIG, CHECKPOINT, ``--part`` and ``--cfg-options`` must be the ones the file was exported with. ``--image`` is read,
resized to ``--shape`` when given, and normalised as the config's data preprocessor does; otherwise a random batch.
onnxruntime runs on the CPU with every graph optimisation (``--no-optimize``: none) and ``--threads`` intra-op
threads; ``--profile`` writes onnxruntime's per-node profile (JSON) and prints the slowest op types. For an mmdet
``--part model`` file, the detector's heads (RPN, proposals, RoI heads, NMS, masks: what stays in Python) also run
on the file's features and their detections are compared with torch's.
"""
import argparse
import json
import os.path as osp
import sys
from collections import defaultdict

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmengine.config import DictAction  # noqa: E402

from backbones.cli import deploy  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Compare an ONNX file in onnxruntime with the torch model')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='weights (default: the model\'s initialisation)')
    parser.add_argument('--onnx', required=True, help='the exported file')
    parser.add_argument('--part', choices=deploy.PARTS, default='backbone')
    parser.add_argument('--image', help='an image file (else a random batch)')
    parser.add_argument('--shape', type=int, nargs=2, action='append', metavar=('H', 'W'),
                        help='input size; repeat for several (default 256 320, or the image\'s size)')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--runs', type=int, default=5, help='timed runs of each (median reported)')
    parser.add_argument('--threads', type=int, default=1, help='torch and onnxruntime intra-op threads')
    parser.add_argument('--no-optimize', action='store_true', help='onnxruntime without graph optimisations')
    parser.add_argument('--profile', help='write onnxruntime\'s profile with this prefix')
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def image_batch(path, model, shape, batch):
    """The image as the data preprocessor feeds it: BGR -> RGB where the config asks, normalised, ``batch``
    copies."""
    import mmcv
    import torch
    img = mmcv.imread(path)
    if shape is not None:
        img = mmcv.imresize(img, (shape[1], shape[0]))
    x = torch.from_numpy(img).permute(2, 0, 1).float()[None]
    dp = model.data_preprocessor
    if getattr(dp, '_channel_conversion', False):
        x = x[:, [2, 1, 0]]
    if getattr(dp, '_enable_normalize', False):
        x = (x - dp.mean) / dp.std
    return x.expand(batch, -1, -1, -1).contiguous()


def main(argv=None):
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    try:
        model = deploy.build_model(args.config, args.checkpoint, args.cfg_options)
        graph, names = deploy.make_graph(model, args.part)
        sess = deploy.session(args.onnx, args.threads, not args.no_optimize, args.profile)
        results = []
        for shape in (args.shape or [None if args.image else (256, 320)]):
            torch.manual_seed(0)
            x = (image_batch(args.image, model, shape, args.batch) if args.image else
                 torch.randn(args.batch, 3, *shape))
            ref = deploy.run_torch(graph, x)
            got = deploy.run_ort(sess, x)
            diffs = deploy.compare(names, ref, got)
            t_torch = deploy.median_latency(lambda: deploy.run_torch(graph, x), args.runs)
            t_ort = deploy.median_latency(lambda: deploy.run_ort(sess, x), args.runs)
            print(f'input {tuple(x.shape)}: torch {1e3 * t_torch:.1f} ms, onnxruntime {1e3 * t_ort:.1f} ms '
                  f'({t_ort / t_torch:.2f}x torch; median of {args.runs}, {args.threads} thread(s))')
            for name, item in diffs.items():
                if item['torch_shape'] != item['onnx_shape']:
                    print(f'  {name}: SHAPE onnxruntime {item["onnx_shape"]} != torch {item["torch_shape"]}')
                elif 'max_abs_diff' in item:
                    print(f'  {name} {item["onnx_shape"]}: max abs diff {item["max_abs_diff"]:.2e} '
                          f'(largest value {item["max_abs"]:.3g})')
                else:
                    print(f'  {name} {item["onnx_shape"]}: equal {100 * item["equal"]:.3f}%')
            result = dict(input=list(x.shape), torch_s=t_torch, onnxruntime_s=t_ort, outputs=diffs)
            if args.part == 'model' and deploy.scope_of(model) == 'mmdet':
                # the rest of the detector in Python (mmdet's heads) on the file's features, against torch's
                result['detections'] = det = deploy.compare_detections(model, x, got[:len(names) // 3])
                print(f'  detections (mmdet\'s RPN / RoI heads in Python on the ONNX features): {det}')
            results.append(result)
        if args.profile:
            report = sess.end_profiling()
            by_op = defaultdict(float)
            for ev in json.load(open(report)):
                if ev.get('cat') == 'Node' and ev['name'].endswith('_kernel_time'):
                    by_op[ev['args'].get('op_name', '?')] += ev['dur'] / 1e3
            total = sum(by_op.values())
            print(f'profile {report}: kernel time by op type (all runs)')
            for op, ms in sorted(by_op.items(), key=lambda kv: -kv[1])[:12]:
                print(f'  {op:24s} {ms:9.1f} ms  {100 * ms / total:5.1f}%')
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(results, f, indent=1, default=list)
        if any(i['torch_shape'] != i['onnx_shape'] for r in results for i in r['outputs'].values()):
            sys.exit('check_onnx: an output\'s shape differs from torch\'s (see above)')
    except deploy.DeployError as e:
        sys.exit(f'check_onnx: {e}')


if __name__ == '__main__':
    main()
