"""Hybrid CNN-Transformer backbones for mmdet, mmseg and mmpose (OpenMMLab 2.0).

Add ``custom_imports = dict(imports=['backbones'], allow_failed_imports=False)`` to a config and use
``type='UniFormer'``, ``'UniFormerLight'``, ``'ViT'`` / ``'ConViT'`` / ``'CeiT'`` (with the ``SimplePyramidNeck``
neck), ``'SGFormer'``, ``'CoAtNet'`` or ``'BoTNet'``. Importing this package registers the backbones, the neck, the
``LN2d`` norm (unless registered already), the runner hooks (``AtomicCheckpointHook``, ``StepSeedHook``) and the
layer-decay optimizer constructor in mmengine's root registries,
and does nothing else: no warnings filters, no change to torch's unpickler. Under torch >= 2.6, scripts of your own
that resume mmengine checkpoints call :func:`backbones.checkpoint.allow_mmengine_checkpoint_types` once.
"""
from .engine.hooks import AtomicCheckpointHook, StepSeedHook
from .engine.optimizers import LayerDepthDecayOptimWrapperConstructor
from .models import (FAMILIES, BoTNet, CeiT, CoAtNet, ConViT, PyramidBackbone, SGFormer, SimplePyramidNeck, UniFormer,
                     UniFormerLight, ViT)

__all__ = [
    'FAMILIES', 'PyramidBackbone', 'UniFormer', 'UniFormerLight', 'ViT', 'SGFormer', 'CeiT', 'CoAtNet', 'ConViT',
    'BoTNet', 'SimplePyramidNeck',
    'AtomicCheckpointHook', 'StepSeedHook', 'LayerDepthDecayOptimWrapperConstructor'
]
