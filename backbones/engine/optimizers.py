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

    ``paramwise_cfg``:

    - ``layer_decay_rate`` (float, default 1.0);
    - ``no_decay_1d`` (bool, default True): no weight decay on 1-D parameters (norms, biases, LayerScale gammas);
    - ``custom_keys`` (dict): as mmengine's, ``{substring: dict(lr_mult=..., decay_mult=...)}``, the longest
      substring of a parameter's name wins; multiplies the layer-decayed lr and the weight decay (ViTDet sets
      ``decay_mult=0`` for ``pos_embed`` and ``rel_pos``).

    Any other key is an error: mmengine's other options (``bias_decay_mult``, ``norm_decay_mult``, ...) are not
    applied by this constructor, and silently ignoring them would train something other than the config says.

    Example::

        optim_wrapper = dict(
            constructor='LayerDepthDecayOptimWrapperConstructor',
            optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
            paramwise_cfg=dict(layer_decay_rate=0.9, custom_keys={'pos_embed': dict(decay_mult=0.)}))
    """

    KEYS = ('layer_decay_rate', 'no_decay_1d', 'custom_keys')
    CUSTOM_KEYS = ('lr_mult', 'decay_mult')

    def add_params(self, params: List[dict], module: nn.Module, **kwargs) -> None:
        core = getattr(module, 'module', module)  # DDP / mmengine wrappers
        backbone = getattr(core, 'backbone', None)
        if not hasattr(backbone, 'get_layer_depth'):
            raise TypeError(f'LayerDepthDecayOptimWrapperConstructor needs model.backbone.get_layer_depth '
                            f'(every backbone of this project has it); {type(backbone).__name__} has not.')
        unknown = sorted(set(self.paramwise_cfg) - set(self.KEYS))
        if unknown:
            raise ValueError(f'LayerDepthDecayOptimWrapperConstructor does not apply paramwise_cfg {unknown}; it takes '
                             f'{list(self.KEYS)} (use custom_keys=dict(<name part>=dict(decay_mult=0.)) for norms or '
                             f'biases by name, or the DefaultOptimWrapperConstructor without layer decay)')
        custom = self.paramwise_cfg.get('custom_keys', {})
        for key, mults in custom.items():
            if not set(mults) <= set(self.CUSTOM_KEYS):
                raise ValueError(f'custom_keys[{key!r}] = {mults}: this constructor applies {list(self.CUSTOM_KEYS)}')
        by_length = sorted(custom, key=len, reverse=True)
        rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        no_decay_1d = self.paramwise_cfg.get('no_decay_1d', True)
        groups = {}
        for name, param in core.named_parameters():
            if not param.requires_grad:
                continue
            layer_id, max_id = backbone.get_layer_depth(name, 'backbone.')
            key = next((k for k in by_length if k in name), None)
            mults = custom.get(key, {})
            no_decay = no_decay_1d and param.ndim == 1
            group = groups.setdefault((layer_id, no_decay, key or ''), {
                'params': [],
                'lr': self.base_lr * rate**(max_id - layer_id) * mults.get('lr_mult', 1.),
                'weight_decay': 0. if no_decay else (self.base_wd or 0.) * mults.get('decay_mult', 1.),
            })
            group['params'].append(param)
        params.extend(groups[k] for k in sorted(groups))
        MMLogger.get_current_instance().info(f'layer decay {rate}: {len(groups)} parameter groups')
