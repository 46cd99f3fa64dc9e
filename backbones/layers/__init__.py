"""Building blocks shared by two or more backbone families."""
from .attention import Attention, attention_map, scaled_dot_product
from .embed import ConvEmbed, PatchEmbed
from .fused import is_channels_last, needs_autograd, nhwc_to_nchw, norm_then_pointwise, residual_add
from .mlp import Mlp
from .pos_embed import resize_decomposed_rel_pos, resize_pos_embed, resize_rel_pos_bias_table
from .window import window_partition, window_unpartition

__all__ = [
    'Attention', 'attention_map', 'scaled_dot_product', 'ConvEmbed', 'PatchEmbed', 'Mlp', 'window_partition',
    'window_unpartition', 'is_channels_last',
    'needs_autograd', 'nhwc_to_nchw', 'norm_then_pointwise', 'residual_add', 'resize_pos_embed',
    'resize_rel_pos_bias_table', 'resize_decomposed_rel_pos'
]
