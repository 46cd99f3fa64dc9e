"""Layer-wise learning-rate decay for any model whose backbone has ``get_layer_depth``.

mmdet / mmseg ship decay constructors tied to ConvNeXt and BEiT parameter names; this one asks the
backbone (``PyramidBackbone.get_layer_depth``) instead, so it serves every toolbox and every backbone of
this project. Registered in mmengine's root registry, so mmdet, mmseg and mmpose configs find it; named
apart from mmpose's ViT-only ``LayerDecayOptimWrapperConstructor``, which would otherwise win in mmpose's scope.
"""
from typing import List

import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LayerDepthDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Scale each parameter's lr by ``layer_decay_rate ** (max_id - layer_id)``.

    ``paramwise_cfg``: ``layer_decay_rate`` (float, default 1.0) and ``no_decay_1d`` (bool,
    default True: no weight decay on 1-D parameters, i.e. norms, biases and LayerScale gammas).

    Example::

        optim_wrapper = dict(
            constructor='LayerDepthDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
            paramwise_cfg=dict(layer_decay_rate=0.9))
    """

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        core = getattr(module, 'module', module)  # DDP / mmengine wrappers
        backbone = getattr(core, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(f'LayerDepthDecayOptimWrapperConstructor needs model.backbone.get_layer_depth '
                            f'(every backbone of this project has it); {type(backbone).__name__} has not.')
        rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        no_decay_1d = self.paramwise_cfg.get('no_decay_1d', True)
        groups = {}
        for name, param in core.named_parameters():
            if not param.requires_grad:
                continue
            layer_id, max_id = backbone.get_layer_depth(name, 'backbone.')
            no_decay = no_decay_1d and param.ndim == 1
            group = groups.setdefault((layer_id, no_decay), {
                'params': [],
                'lr': self.base_lr * rate**(max_id - layer_id),
                'weight_decay': 0. if no_decay else (self.base_wd or 0.),
            })
            group['params'].append(param)
        params.extend(groups[k] for k in sorted(groups))
        MMLogger.get_current_instance().info(f'layer decay {rate}: {len(groups)} parameter groups')
