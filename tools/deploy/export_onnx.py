"""Export a config's backbone (+ neck) or whole model to ONNX, then check the file in onnxruntime.

    python tools/deploy/export_onnx.py CONFIG [CHECKPOINT] --out FILE [--shape H W] [--dynamic]
        [--part backbone|model] [--cfg-options model.backbone.attn_mode=window model.backbone.window_size=14 ...]

- ``--part backbone`` (default): the backbone, and the neck where the config has one, as a feature-pyramid graph
  (outputs ``feat0``, ``feat1``, ...). ``--part model``: mmseg: ``logits`` (resized to the input) and ``labels``;
  mmpose top-down: ``heatmaps``; mmdet two-stage: the features and the RPN head's ``rpn_cls{i}`` / ``rpn_reg{i}``
  (proposals, NMS, RoIAlign, the RoI heads and mask pasting stay in Python: docs/deployment.md).
- ``--dynamic``: batch, height and width are free (one file for every input size); else the graph is fixed to
  ``--shape`` (batch 1).
- Without CHECKPOINT the model gets its initialisation with seed 0 (class tokens drawn with std 0.02, not zeros; the
  backbone's Pretrained file is not read), the same in check_onnx.py.
- The attention mode is switched as in tools/test.py, with ``--cfg-options``.

After the export the file is run in onnxruntime and compared with torch: with ``--dynamic`` at another size (no
multiple of the windows or the patch) with batch 2, else at ``--shape``; the export fails (exit 1) naming the output
when a shape or value differs (relative tolerance ``--rtol`` of the output's largest value). TorchScript exporter
(``dynamo=False``), opset 17, on every supported torch (2.1.2 to 2.14).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmengine.config import DictAction  # noqa: E402

from backbones.cli import deploy  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export a config\'s backbone or model to ONNX (checked in '
                                                 'onnxruntime)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='weights (default: the model\'s initialisation)')
    parser.add_argument('--out', required=True, help='the ONNX file to write')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 320], metavar=('H', 'W'),
                        help='input size the graph is traced at (default 256 320)')
    parser.add_argument('--dynamic', action='store_true', help='dynamic batch, height and width')
    parser.add_argument('--part', choices=deploy.PARTS, default='backbone')
    parser.add_argument('--opset', type=int, default=deploy.OPSET)
    parser.add_argument('--rtol', type=float, default=1e-3,
                        help='largest difference to torch allowed in the check, relative to the output\'s largest '
                             'value (default 1e-3)')
    parser.add_argument('--no-verify', action='store_true', help='skip the onnxruntime check')
    parser.add_argument('--threads', type=int, default=None, help='torch and onnxruntime threads')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. model.backbone.attn_mode=window')
    return parser.parse_args(argv)


def probe_shape(shape, dynamic):
    """Where a dynamic graph is checked: about 3/4 of the export size, odd (no multiple of a window or patch)."""
    if not dynamic:
        return tuple(shape), 1
    return tuple(max(33, (3 * s // 4) | 1) for s in shape), 2


def main(argv=None):
    args = parse_args(argv)
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        model = deploy.build_model(args.config, args.checkpoint, args.cfg_options)
        graph, names = deploy.make_graph(model, args.part)
        if osp.dirname(osp.abspath(args.out)):
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        deploy.export(graph, names, args.out, tuple(args.shape), args.dynamic, opset=args.opset)
        print(f'{args.out}: {args.part} of {osp.basename(args.config)}, outputs {", ".join(names)}; '
              f'{"dynamic batch / height / width" if args.dynamic else "fixed input 1x3x%dx%d" % tuple(args.shape)}, '
              f'opset {args.opset}, traced at {args.shape[0]}x{args.shape[1]}')
        if not args.no_verify:
            shape, batch = probe_shape(args.shape, args.dynamic)
            result = deploy.verify(args.out, graph, names, shape, batch, args.rtol)
            for name, item in result.items():
                diff = (f'max abs diff {item["max_abs_diff"]:.2e} (largest value {item["max_abs"]:.3g})'
                        if 'max_abs_diff' in item else f'equal {100 * item["equal"]:.2f}%')
                print(f'  checked at {batch}x{shape[0]}x{shape[1]}: {name} {item["onnx_shape"]} {diff}')
    except deploy.DeployError as e:
        sys.exit(f'export_onnx: {e}')


if __name__ == '__main__':
    main()
