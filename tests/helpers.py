"""Helpers shared by the task-suite tests: configs as they run on a CPU on toy data."""
import os.path as osp

from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def free_port() -> str:
    """A TCP port nothing listens on now, for a process group's rendezvous (torchrun's PORT, MASTER_PORT)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def unscoped(obj):
    """A resolved config without the ``_scope_`` keys that mmengine adds to what an ``mmseg::`` / ``mmpose::``
    base defines."""
    if isinstance(obj, dict):
        return {k: unscoped(v) for k, v in obj.items() if k != '_scope_'}
    if isinstance(obj, (list, tuple)):
        return type(obj)(unscoped(v) for v in obj)
    return obj


def reference_vit_layer_id(name: str, depth: int = 12) -> int:
    """Layer id of a ViT detector / pose model parameter (this project's names) by the rule of detectron2's
    ``get_vit_lr_decay_rate`` and mmpose's ``LayerDecayOptimWrapperConstructor``: patch and position embedding 0,
    block i ``i + 1``, everything else ``depth + 1``."""
    if name.startswith(('backbone.pos_embed', 'backbone.patch_embed')):
        return 0
    if name.startswith('backbone.blocks.'):
        return int(name.split('.')[2]) + 1
    return depth + 1


def cpu_config(path: str) -> Config:
    """A config as it runs on one CPU: BN for SyncBN, fp32 for mixed precision (AmpOptimWrapper needs a GPU), no
    pretrained file to load."""
    cfg = Config.fromfile(osp.join(ROOT, path))
    cfg = Config.fromstring(cfg.pretty_text.replace("'SyncBN'", "'BN'"), '.py')
    cfg.model.backbone.init_cfg = None
    if cfg.get('optim_wrapper', {}).get('type') == 'AmpOptimWrapper':
        cfg.optim_wrapper.type = 'OptimWrapper'
    return cfg


def one_per_head_type(task: str, names, head_of) -> list:
    """Of the configs ``names`` (relative to ``configs/<task>``), one per family folder, backbone type, neck type
    and head type (``head_of(cfg.model)``): the configs that run a train and a test iteration (every config builds
    and runs its data pipeline elsewhere). A full-size config where the group has one; toy configs train in the
    suites' runner tests."""
    chosen = {}
    for name in sorted(names, key=lambda n: ('toy' in n, n)):
        model = Config.fromfile(osp.join(ROOT, 'configs', task, name)).model
        key = (osp.dirname(name), model.backbone.type, (model.get('neck') or {}).get('type'), head_of(model))
        chosen.setdefault(key, name)
    return sorted(chosen.values())


def shrink(obj):
    """Every resize scale of a pipeline at most 256 px and crops 96x128 (CPU-sized), the structure kept."""
    if isinstance(obj, dict):
        out = {k: shrink(v) for k, v in obj.items()}
        if 'scale' in out:
            out['scale'] = (256, 192)
        if 'scales' in out:
            out['scales'] = [(256, 160 + 16 * i) for i in range(len(out['scales']))]
        if 'crop_size' in out:
            out['crop_size'] = (96, 128)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(shrink(v) for v in obj)
    return obj


def first_batches(model, cfg, datasets) -> tuple:
    """The first train and the first val sample of a config's datasets (built from the ``datasets`` registry),
    each through its own pipeline and then the model's data preprocessor (train: ``training=True``); seeded, so
    that random crops draw the same whatever ran before (an LSJ crop may otherwise hold no instance)."""
    from mmengine.dataset import pseudo_collate
    from mmengine.runner import set_random_seed
    set_random_seed(0)
    batches = []
    for split in ('train', 'val'):
        sample = datasets.build(cfg[f'{split}_dataloader'].dataset)[0]
        batches.append(model.data_preprocessor(pseudo_collate([sample]), split == 'train'))
    return tuple(batches)


def one_train_and_test_step(model, cfg, train_set, val_set):
    """One optimiser step of the config's optim_wrapper on two training samples (losses finite, the first
    attention query weight moved), then a test step on one val sample, whose prediction is returned. Seeded, so
    the random augmentations (a config's own, shrunk) give the same samples whatever ran before."""
    import re

    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import set_random_seed
    set_random_seed(0)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    weight = next(p for n, p in model.backbone.named_parameters() if re.search(r'attn\.(qkv|q|q1)\.weight$', n))
    before = weight.detach().clone()
    model.train()
    losses = model.train_step(pseudo_collate([train_set[0], train_set[1]]), wrapper)
    assert all(torch.isfinite(v) for v in losses.values())
    assert not torch.equal(before, weight)
    model.eval()
    return model.test_step(pseudo_collate([val_set[0]]))[0]
