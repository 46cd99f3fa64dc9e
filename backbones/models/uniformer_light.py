"""UniFormer-XXS / XS, the lightweight family (``uniformer_light.py`` upstream), for dense prediction.

The same stages as :class:`~backbones.models.uniformer.UniFormer` (conv blocks, then attention blocks) with a conv
stem, head_dim 28 / 32, mlp_ratio 3, a class token through stages 3-4, and token pruning in the attention
blocks (from Evo-ViT): each pruned block ranks the tokens by a running score (the class token's attention),
attends over the best ``prune_ratio`` of them plus one token merging the rest, and passes the merged token's
update back to the pruned ones. The scores travel from block to block as arguments; the official code keeps
them in module-level globals.
"""
from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..layers import ConvEmbed, PatchEmbed
from .base import PyramidBackbone, register_backbone
from .uniformer import (AttentionBlock, ConvBlock, UniFormer, describe_uniformer_arch,
                        describe_uniformer_state_dict)


def _gather_tokens(x: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """``x`` ``(B, N, ...)`` reordered along N by ``order`` ``(B, N)``."""
    index = order.view(*order.shape, *([1] * (x.dim() - 2))).expand(*order.shape, *x.shape[2:])
    return x.gather(1, index)


class PrunedAttentionBlock(AttentionBlock):
    """Attention block with a class token and token pruning (``EvoSABlock`` upstream), on NCHW maps: the
    parameters of :class:`~backbones.models.uniformer.AttentionBlock` (global attention), plus a third LayerScale for
    the pruned tokens' update.

    Args:
        prune_ratio (float): Share of the tokens attended to; 1 attends over all (and starts the scores).
        trade_off (float): Weight of this block's class attention in the running token scores.
        downsample_scores (bool): Average-pool the scores 2x2 at the end, for the next, half-size stage.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, qkv_bias: bool, qk_scale: Optional[float],
                 drop: float, attn_drop: float, drop_path: float, prune_ratio: float, trade_off: float,
                 downsample_scores: bool, layer_scale: Optional[float] = None, fused_attn: bool = True):
        super().__init__(dim, num_heads, mlp_ratio, qkv_bias, qk_scale, drop, attn_drop, drop_path, window_size=0,
                         layer_scale=layer_scale, fused_attn=fused_attn)
        self.prune_ratio, self.trade_off = prune_ratio, trade_off
        self.downsample_scores = downsample_scores
        self.gamma_3 = None
        if layer_scale is not None and prune_ratio != 1:
            self.gamma_3 = nn.Parameter(torch.full((dim, ), float(layer_scale)))

    @staticmethod
    def _scaled(gamma, y):
        return y if gamma is None else gamma * y

    def _attend_and_score(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attention and MLP with residuals on ``x`` = [cls, tokens...]; returns the new ``x``, the class token's
        attention over all tokens, and the summed attention + MLP updates of the last token."""
        y, cls_attn = self.attn(self.norm1(x), return_cls_attn=True)
        last_update = y[:, -1:]
        x = x + self.drop_path(self._scaled(self.gamma_1, y))
        y = self.mlp(self.norm2(x))
        x = x + self.drop_path(self._scaled(self.gamma_2, y))
        return x, cls_attn, last_update + y[:, -1:]

    def forward(self, cls_token: torch.Tensor, x: torch.Tensor, scores: Optional[torch.Tensor]):
        """``cls_token`` ``(B, 1, C)``, ``x`` ``(B, C, H, W)``, ``scores`` ``(B, H*W)`` or None before the first
        block; returns the three updated."""
        x = x + self.pos_embed(x)
        B, C, H, W = x.shape
        x = x.flatten(2).transpose(1, 2)
        if self.prune_ratio == 1:
            x, cls_attn, _ = self._attend_and_score(torch.cat([cls_token, x], dim=1))
            cls_attn = cls_attn[:, 1:]
            scores = cls_attn if scores is None else (1 - self.trade_off) * scores + self.trade_off * cls_attn
            cls_token, x = x[:, :1], x[:, 1:]
        else:
            if scores is None:
                raise ValueError('the first attention block must have prune_ratio 1: pruning needs token scores')
            N = x.shape[1]
            # traced: a tensor, so that the kept count follows the input size (an int would be a constant)
            keep = (N * self.prune_ratio).long() if torch.jit.is_tracing() else int(N * self.prune_ratio)
            order = torch.argsort(scores, dim=1, descending=True)
            x, scores = _gather_tokens(x, order), _gather_tokens(scores, order)
            kept, dropped = x[:, :keep], x[:, keep:]
            weights = scores[:, keep:] / torch.sum(scores[:, keep:], dim=1, keepdim=True)
            merged = torch.sum(weights.unsqueeze(-1) * dropped, dim=1, keepdim=True)
            x, cls_attn, merged_update = self._attend_and_score(torch.cat([cls_token, kept, merged], dim=1))
            scores = torch.cat([(1 - self.trade_off) * scores[:, :keep] + self.trade_off * cls_attn[:, 1:-1],
                                scores[:, keep:]], dim=1)
            dropped = dropped + self._scaled(self.gamma_3, merged_update).expand(-1, N - keep, -1)
            cls_token, x = x[:, :1], torch.cat([x[:, 1:-1], dropped], dim=1)
            restore = torch.argsort(order, dim=1)
            x, scores = _gather_tokens(x, restore), _gather_tokens(scores, restore)
        x = x.transpose(1, 2).reshape(B, C, H, W)
        if self.downsample_scores:
            total = torch.sum(scores, dim=1, keepdim=True)
            scores = F.avg_pool2d(scores.reshape(B, 1, H, W), 2, 2).view(B, -1)
            scores = scores * (total / torch.sum(scores, dim=1, keepdim=True))
        return cls_token, x, scores


@register_backbone
class UniFormerLight(PyramidBackbone):
    """UniFormer-XXS / XS backbone giving a feature pyramid (strides 4, 8, 16, 32).

    Arguments as :class:`~backbones.models.uniformer.UniFormer`, with ``arch`` ``'xxs'`` or ``'xs'`` or a dict that
    also gives ``prune_ratio`` and ``trade_off`` (one list per attention stage, one value per block; the first
    stage-3 block must keep every token). Attention is global: the pruning ranks tokens over the whole map, so there
    is no window mode (``attn_mode`` must be ``'global'``), as in the official code. ``optimized`` is not offered:
    the ranking makes the outputs sensitive to rounding (a 1e-5 change in the conv stages can swap two nearly tied
    tokens between kept and merged), so the official layout is kept, within 1e-5 of the official code.
    """

    arch_zoo = {
        'xxs': dict(depths=[2, 5, 8, 2], embed_dims=[56, 112, 224, 448], head_dim=28, mlp_ratio=3.,
                    prune_ratio=[[1] + [0.5] * 7, [0.5] * 2], trade_off=[[1] + [0.5] * 7, [0.5] * 2]),
        'xs': dict(depths=[3, 5, 9, 3], embed_dims=[64, 128, 256, 512], head_dim=32, mlp_ratio=3.,
                   prune_ratio=[[1] + [0.5] * 8, [0.5] * 3], trade_off=[[1] + [0.5] * 8, [0.5] * 3]),
    }
    arch_required = ('depths', 'embed_dims', 'head_dim', 'prune_ratio', 'trade_off')
    arch_defaults = dict(conv_stem=True, layer_scale=None, mlp_ratio=3.)
    default_init_cfg = UniFormer.default_init_cfg
    classifier_keys = ('head.', 'head_cls.', 'norm.', 'norm_cls.')  # the two ImageNet heads and their norms
    legacy_arch_meta_keys = UniFormer.legacy_arch_meta_keys

    def __init__(self,
                 arch: Union[str, dict] = 'xs',
                 attn_mode: str = 'global',
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 with_cp: Union[bool, Sequence[Union[bool, int]]] = False,
                 drop_path_rate: float = 0.,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 fused_attn: bool = True,
                 out_norm_cfg: Optional[dict] = dict(type='LN', eps=1e-6),
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(arch, attn_mode, 14, in_channels, out_indices, frozen_stages, norm_eval, with_cp, init_cfg,
                         out_norm_cfg)
        self.norm_cfg = norm_cfg
        self.block_cfg = dict(drop=drop_rate, attn_drop=attn_drop_rate, qkv_bias=qkv_bias, qk_scale=qk_scale,
                              fused_attn=fused_attn)
        dims = self.arch['embed_dims']
        self.build_pyramid(drop_path_rate)
        # after the stages, as upstream (parameter order and the random initialisation follow it)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dims[2]))
        self.cls_upsample = nn.Linear(dims[2], dims[3])
        self._freeze_stages()

    @classmethod
    def check_arch(cls, arch: dict) -> None:
        UniFormer.check_arch(arch)
        for key in ('prune_ratio', 'trade_off'):
            value = arch[key]
            if value is None or [len(v) for v in value] != list(arch['depths'][2:]):
                raise ValueError(f'UniFormerLight arch needs {key} as two lists, one value per block of stages 3 '
                                 f'and 4 (depths {arch["depths"][2:]}), got {value}')
        if arch['prune_ratio'][0][0] != 1:
            raise ValueError('the first stage-3 block must have prune_ratio 1: it starts the token scores')
        if not arch['conv_stem']:
            raise ValueError('UniFormerLight has a conv stem (conv_stem=True)')

    def declare_stages(self):
        """The standard layout; the class token joins stage 3, its upsampling stage 4."""
        stem, stages = super().declare_stages()
        stages[2] = replace(stages[2], embed=stages[2].embed + ('cls_token', ))
        stages[3] = replace(stages[3], embed=stages[3].embed + ('cls_upsample', ))
        return stem, stages

    def make_embed(self, stage: int, in_dim: int, dim: int) -> nn.Module:
        if stage == 0:
            return ConvEmbed(in_dim, dim, stem=True, norm_cfg=self.norm_cfg)
        return PatchEmbed(in_dim, dim, patch_size=2)

    def make_block(self, stage: int, index: int, drop_path: float) -> nn.Module:
        """Convolutional blocks in stages 1-2, pruned attention blocks in 3-4."""
        dim, a, c = self.arch['embed_dims'][stage], self.arch, self.block_cfg
        if stage < 2:
            return ConvBlock(dim, a['mlp_ratio'], c['drop'], drop_path, self.norm_cfg, fold_bn=False)
        return PrunedAttentionBlock(dim, dim // a['head_dim'], a['mlp_ratio'], c['qkv_bias'], c['qk_scale'],
                                    c['drop'], c['attn_drop'], drop_path, a['prune_ratio'][stage - 2][index],
                                    a['trade_off'][stage - 2][index],
                                    downsample_scores=stage == 2 and index == a['depths'][2] - 1,
                                    layer_scale=a['layer_scale'], fused_attn=c['fused_attn'])

    def forward_stage(self, stage: int, x: torch.Tensor, carry: dict) -> torch.Tensor:
        """Stages 3-4 also carry the class token (upsampled between them) and the token scores."""
        if stage < 2:
            return super().forward_stage(stage, x, carry)
        x = getattr(self, f'patch_embed{stage + 1}')(x)
        if stage == 2:
            cls_token = self.cls_token.expand(x.shape[0], -1, -1)
        else:
            cls_token = self.cls_upsample(carry['cls_token'])
        scores = carry.get('scores')
        for j, block in enumerate(getattr(self, f'blocks{stage + 1}')):
            cls_token, x, scores = self.call_block(stage, j, block, cls_token, x, scores)
        carry.update(cls_token=cls_token, scores=scores)
        return x

    @classmethod
    def describe_state_dict(cls, state_dict: Dict[str, torch.Tensor]) -> Optional[dict]:
        return describe_uniformer_state_dict(state_dict)

    @classmethod
    def describe_arch(cls, arch: dict) -> dict:
        return describe_uniformer_arch(arch, cls_token=True)
