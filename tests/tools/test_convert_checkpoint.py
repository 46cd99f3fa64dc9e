"""tools/convert_checkpoint.py: official ImageNet and downstream checkpoints of either family, as users hold them."""
import os.path as osp
import subprocess
import sys

import torch

from backbones import UniFormer, UniFormerLight
from helpers import ROOT

TOOL = osp.join(ROOT, 'tools', 'convert_checkpoint.py')


def _convert(src, dst, *args):
    return subprocess.run([sys.executable, TOOL, str(src), str(dst), *args], capture_output=True, text=True)


def test_imagenet_checkpoint_converts_and_the_wrong_arch_names_the_right_one(tmp_path):
    small_sd = UniFormer(arch='small').state_dict()
    torch.save({'model': small_sd}, tmp_path / 'small_in1k.pth')
    done = _convert(tmp_path / 'small_in1k.pth', tmp_path / 'out.pth', '--arch', 'small')
    assert done.returncode == 0, done.stderr
    converted = torch.load(tmp_path / 'out.pth')
    assert converted['meta']['arch']['head_dim'] == 64 and converted['meta']['backbone'] == 'UniFormer'
    UniFormer(arch='small').load_state_dict(converted['state_dict'], strict=True)
    done = _convert(tmp_path / 'small_in1k.pth', tmp_path / 'bad.pth', '--arch', 'base')
    assert done.returncode != 0 and "It fits UniFormer arch=['s', 'small']" in done.stderr
    assert not osp.exists(tmp_path / 'bad.pth')


def test_ddp_downstream_light_checkpoint_keeps_neck_and_heads(tmp_path):
    """A detector saved from DDP (``module.`` prefix) with a UniFormer-XS backbone: every key survives."""
    backbone = UniFormerLight(arch='xs').state_dict()
    sd = {f'module.backbone.{k}': v for k, v in backbone.items()}
    sd.update({'module.neck.lateral_convs.0.conv.weight': torch.rand(4, 4, 1, 1),
               'module.roi_head.bbox_head.fc_cls.weight': torch.rand(81, 4)})
    torch.save({'state_dict': sd}, tmp_path / 'det.pth')
    done = _convert(tmp_path / 'det.pth', tmp_path / 'out.pth', '--arch', 'xs')
    assert done.returncode == 0, done.stderr
    out = torch.load(tmp_path / 'out.pth')
    assert out['meta']['backbone'] == 'UniFormerLight'
    assert sorted(out['state_dict']) == sorted(k[len('module.'):] for k in sd)
    assert 'downstream checkpoint' in done.stdout


def test_unknown_arch_lists_every_family_zoo(tmp_path):
    torch.save({'model': {}}, tmp_path / 'x.pth')
    done = _convert(tmp_path / 'x.pth', tmp_path / 'out.pth', '--arch', 'giant')
    assert done.returncode != 0
    assert "'giant' is in 0 families' zoos" in done.stderr and 'UniFormerLight: ' in done.stderr


def test_an_arch_in_two_zoos_asks_for_the_family(tmp_path):
    torch.save({'model': {}}, tmp_path / 'x.pth')
    done = _convert(tmp_path / 'x.pth', tmp_path / 'out.pth', '--arch', 'tiny')
    assert done.returncode != 0
    assert "'tiny' is in 2 families' zoos (" in done.stderr and done.stderr.rstrip().endswith('add --family')
