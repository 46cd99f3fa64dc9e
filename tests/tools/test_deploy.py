"""ONNX export (TorchScript exporter, opset 17, dynamic batch / height / width) of every family in every attention
mode, and of whole toy models through tools/deploy/: one file per model, run in onnxruntime at three input sizes
(sizes no multiple of the windows or the patch, batch 2) and compared with torch. Tiny archs at small sizes, one
thread: the file's budget is about a minute."""
import os.path as osp
import runpy
import sys

import pytest
import torch

from helpers import ROOT

pytest.importorskip('onnx')  # the deploy extra; tools/setup_env.sh installs it
pytest.importorskip('onnxruntime')

from backbones import BoTNet, CeiT, CoAtNet, ConViT, SGFormer, UniFormer, UniFormerLight, ViT  # noqa: E402
from backbones.cli import deploy  # noqa: E402

# (batch, H, W): the export size, then two sizes no multiple of 16 (the patch) or of any window, batch 2 in one
SIZES = [(1, 128, 160), (2, 97, 131), (1, 161, 93)]
EXPORT_HW = SIZES[0][1:]
# fp32 features of unit scale (largest values 2-6): measured 2e-6 to 5e-6 (docs/deployment.md)
ATOL = 1e-4
# SG-Former's self-guided attention sorts tokens by a significance map whose near-ties (random weights: attention
# nearly uniform) onnxruntime's rounding (1e-8 on the map) orders otherwise: 2.6e-4 to 3.7e-4 measured, as large as
# torch's own change under a 1e-7 noise on the input (5e-4); given the same map it equals torch within 3e-7
# (test_sgformer_self_guided_attention_equals_torch_given_the_significance)
ATOL_SORTED = 2e-3

TINY_UNIFORMER = dict(depths=[1, 1, 4, 1], embed_dims=[16, 32, 64, 128], head_dim=16)
TINY_LIGHT = dict(depths=[1, 1, 3, 2], embed_dims=[32, 64, 128, 256], head_dim=32, mlp_ratio=3.,
                  prune_ratio=[[1, 0.5, 0.5], [0.5, 0.5]], trade_off=[[1, 0.5, 0.5], [0.5, 0.5]])
TINY_VIT = dict(embed_dims=48, depth=4, num_heads=3)
TINY_SGFORMER = dict(depths=[2, 2, 2, 1], embed_dims=[16, 32, 64, 128], num_heads=[2, 2, 4, 8])
TINY_CEIT = dict(embed_dims=32, depth=4, num_heads=2, stem_channels=16)
TINY_CONVIT = dict(embed_dims=48, depth=4, num_heads=4, local_up_to_layer=3)
# windows of each attention block's pretraining map: 4 at stride 16, 2 at stride 32 (padded, padded keys masked)
TINY_BOTNET = dict(layout='byob', depths=[1, 1, 2, 2], channels=[16, 32, 64, 128], stem_channels=[8, 8, 16],
                   attn_blocks=[[], [], [1], [0, 1]], num_heads=2, act='silu', channel_attn='se', final_channels=64,
                   pretrain_img_size=64)
# hybrid: the modes' own rules at these depths would window every block (SG-Former, stage 3 of 2 blocks) or none
# (ViT, 4 of 4 global): one window size per block instead, windowed and global blocks alternating
HYBRID = {'vit': [5, 0, 5, 0], 'sgformer': [[0, 0], [0, 0], [4, 0], [0]], 'ceit': [5, 0, 5, 0]}
# relative tables sized for 64 px (windows of 4 and 2 tokens); global blocks resize them to the map (traced)
TINY_COATNET = dict(depths=[1, 1, 2, 2], embed_dims=[8, 16, 16, 32], stem_width=(8, 8), dim_head=8)

BACKBONES = {
    **{f'uniformer-{m}': (UniFormer, dict(arch=TINY_UNIFORMER, attn_mode=m, window_size=5), ATOL)
       for m in ('global', 'window', 'hybrid')},
    'uniformer_light-global': (UniFormerLight, dict(arch=TINY_LIGHT), ATOL),
    # relative position (tables resized to the windows / the map), the position embedding resized to the grid
    **{f'vit-rel_pos-{m}': (ViT, dict(arch=TINY_VIT, attn_mode=HYBRID['vit'] if m == 'hybrid' else m, window_size=5,
                                      rel_pos=True, img_size=96), ATOL)
       for m in ('global', 'window', 'hybrid')},
    'vit-cls_token-multilevel-global': (ViT, dict(arch=TINY_VIT, with_cls_token=True, pyramid=None,
                                                  out_indices=(1, 3)), ATOL),
    **{f'sgformer-{m}': (SGFormer, dict(arch=TINY_SGFORMER, attn_mode=HYBRID['sgformer'] if m == 'hybrid' else m,
                                        window_size=4), ATOL_SORTED)
       for m in ('global', 'window', 'hybrid')},
    # the class token joined to every window (its keys and values gathered from the windows), LeFF on any map
    **{f'ceit-cls_token-{m}': (CeiT, dict(arch=TINY_CEIT, attn_mode=HYBRID['ceit'] if m == 'hybrid' else m,
                                          window_size=5), ATOL)
       for m in ('global', 'window', 'hybrid')},
    **{f'coatnet-{m}': (CoAtNet, dict(arch=TINY_COATNET, attn_mode=m, pretrain_img_size=64), ATOL)
       for m in ('global', 'window', 'hybrid')},
    'coatnet-rmlp-global': (CoAtNet, dict(arch=dict(TINY_COATNET, rel_pos='mlp', rel_pos_dim=16),
                                          pretrain_img_size=64), ATOL),
    # GPSA's offsets built for the map / window size, the class token joining before the MHSA block
    **{f'convit-{m}': (ConViT, dict(arch=TINY_CONVIT, attn_mode=m, window_size=5), ATOL) for m in ('global', 'hybrid')},
    'convit-window': (ConViT, dict(arch=TINY_CONVIT, attn_mode='window', window_size=5, with_cls_token=False), ATOL),
    # relative tables resized to the map (global) or reused in padded, masked windows
    **{f'botnet-{m}': (BoTNet, dict(arch=TINY_BOTNET, attn_mode=m), ATOL) for m in ('global', 'window', 'hybrid')},
}


def _initialised(family, kwargs):
    torch.manual_seed(0)
    backbone = family(**kwargs)
    backbone.init_weights()
    if hasattr(backbone, 'cls_token'):
        # as trained: the zero-initialised class token attends uniformly, so UniFormer-Light's token ranking is a
        # tie of every token, which torch's sort and ONNX's TopK break differently (either is right)
        torch.nn.init.normal_(backbone.cls_token, std=.02)
    return backbone.eval()


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _check_sizes(path, graph, names, atol):
    sess = deploy.session(path, threads=1)
    for b, h, w in SIZES:
        torch.manual_seed(b * h * w)
        x = torch.randn(b, 3, h, w)
        result = deploy.compare(names, deploy.run_torch(graph, x), deploy.run_ort(sess, x))
        for name, item in result.items():
            assert item['onnx_shape'] == item['torch_shape'], (name, x.shape, item)
            assert item['max_abs_diff'] <= atol, (name, x.shape, item)


@pytest.mark.parametrize('name', sorted(BACKBONES))
def test_backbone_exports_with_dynamic_size(name, tmp_path):
    family, kwargs, atol = BACKBONES[name]
    graph = deploy.FeatureGraph(_initialised(family, kwargs))
    names = [f'feat{i}' for i in range(len(graph(torch.zeros(1, 3, *EXPORT_HW))))]
    path = deploy.export(graph, names, str(tmp_path / 'backbone.onnx'), EXPORT_HW)
    _check_sizes(path, graph, names, atol)


def test_sgformer_self_guided_attention_equals_torch_given_the_significance(tmp_path):
    """The self-guided block (sort, gather, merge of parts no multiple of their group size) with the significance
    map as an input: the graph equals torch to rounding, at any map size."""
    import onnxruntime

    block = _initialised(SGFormer, dict(arch=TINY_SGFORMER)).blocks1[1]
    block.requires_grad_(False)

    class Block(torch.nn.Module):
        def forward(self, x, significance):
            return block(x, (significance.shape[1], significance.shape[2]), significance)[0]

    torch.manual_seed(0)
    args = (torch.randn(1, 32 * 40, 16), torch.rand(1, 32, 40))
    path = str(tmp_path / 'block.onnx')
    torch.onnx.export(Block(), args, path, opset_version=deploy.OPSET, input_names=['x', 'significance'],
                      dynamic_axes={'x': {0: 'b', 1: 'n'}, 'significance': {0: 'b', 1: 'h', 2: 'w'}},
                      **deploy.exporter_kwargs())
    sess = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    for h, w in ((32, 40), (25, 33)):
        x, significance = torch.randn(2, h * w, 16), torch.rand(2, h, w)
        with torch.no_grad():
            ref = Block()(x, significance)
        got = sess.run(None, {'x': x.numpy(), 'significance': significance.numpy()})[0]
        assert abs(ref.numpy() - got).max() < 1e-5


TOYS = {
    'seg': 'configs/seg/vit/upernet_vit-toy_1xb8-800_toy-ade-256x256.py',  # UperNet's pyramid pooling
    'seg-fpn': 'configs/seg/uniformer/fpn_uniformer-toy_1xb8-800_toy-ade-256x256.py',  # mmseg's Upsample
    'pose': 'configs/pose/vit/td-hm_vit-toy_1xb32-40e_toy-kpt-128x96.py',
    'det': 'configs/det/uniformer/mask-rcnn_uniformer-toy_fpn_1x_toy-coco.py',
}
# the toy ViTs' four blocks would all be global in hybrid mode (ViTDet's every 4th of depth / 4)
MODES = {'seg': 'window', 'seg-fpn': 'hybrid', 'pose': 'window', 'det': 'hybrid'}


def _run_tool(tool, argv, monkeypatch):
    monkeypatch.setattr(sys, 'argv', [tool] + argv)
    runpy.run_path(osp.join(ROOT, 'tools/deploy', tool), run_name='__main__')


@pytest.mark.parametrize('task', sorted(TOYS))
def test_tools_export_and_check_a_whole_toy_model(task, tmp_path, monkeypatch, capsys):
    """export_onnx.py (which checks the file at another size, batch 2) then check_onnx.py at two more sizes;
    window attention switched with --cfg-options as in tools/test.py."""
    config = osp.join(ROOT, TOYS[task])
    out = str(tmp_path / f'{task}.onnx')
    options = ['--cfg-options', f'model.backbone.attn_mode={MODES[task]}', 'model.backbone.window_size=5']
    _run_tool('export_onnx.py', [config, '--out', out, '--shape', '128', '96', '--dynamic', '--part', 'model',
                                 '--threads', '1'] + options, monkeypatch)
    text = capsys.readouterr().out
    assert 'checked at 2x97x73' in text, text
    result = tmp_path / 'check.json'
    _run_tool('check_onnx.py', [config, '--onnx', out, '--part', 'model', '--shape', '112', '80', '--shape', '75',
                                '101', '--runs', '1', '--json', str(result)] + options, monkeypatch)
    import json
    for run in json.load(open(result)):
        for name, item in run['outputs'].items():
            assert item['onnx_shape'] == item['torch_shape'], (name, run['input'])
            if 'max_abs_diff' in item:
                # relative: the toy pose head's initial heatmaps are 1e-7
                assert item['max_abs_diff'] <= ATOL * item['max_abs'], (name, run['input'], item)
            else:  # the label map: argmax of logits equal within 1e-4
                assert item['equal'] > 0.999, (name, run['input'], item)
        if task == 'det':  # mmdet's heads in Python on the file's features: the detector's boxes
            det = run['detections']
            assert det['boxes_onnx'] == det['boxes_torch'] and det['boxes_torch'][0] > 0, det
            assert det['max_box_diff'] < 1e-2 and det['max_score_diff'] < 1e-4 and det['labels_equal'], det


def test_a_graph_that_keeps_the_export_size_is_refused(tmp_path, monkeypatch):
    """Without the traced padding (as before it was written so), ViT's graph keeps the export-time padding of 0
    and returns smaller maps at other sizes: the export's own check names it instead of writing a wrong file."""
    torch.manual_seed(0)
    graph = deploy.FeatureGraph(_initialised(ViT, dict(arch=TINY_VIT)))
    names = [f'feat{i}' for i in range(4)]
    monkeypatch.setattr(torch.jit, 'is_tracing', lambda: False)
    path = deploy.export(graph, names, str(tmp_path / 'vit.onnx'), (128, 160))
    with pytest.raises(deploy.DeployError, match='kept a shape of the export'):
        deploy.verify(path, graph, names, (97, 131))


def test_missing_onnxruntime_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'onnxruntime', None)
    with pytest.raises(deploy.DeployError, match=r'onnxruntime is not installed.*pip install -e \.\[deploy\]'):
        deploy.session(str(tmp_path / 'x.onnx'))


def test_an_op_torch_cannot_export_is_named(tmp_path):
    class Eig(torch.nn.Module):  # no ONNX symbolic
        def forward(self, x):
            return (torch.linalg.eigvals(x[:, 0, :4, :4]).real, )

    with pytest.raises(deploy.DeployError, match=r'torch\.onnx\.export .* failed .*eigvals'):
        deploy.export(Eig(), ['out'], str(tmp_path / 'x.onnx'), (8, 8))
