"""Building blocks shared by two or more backbone families."""
from .attention import Attention, attention_map, scaled_dot_product
from .channel import SqueezeExcite, make_divisible
from .embed import ConvEmbed, PatchEmbed
from .fused import is_channels_last, needs_autograd, nhwc_to_nchw, norm_then_pointwise, residual_add
from .mlp import Mlp
from .pool import AvgPool2x2
from .pos_embed import resize_decomposed_rel_pos, resize_pos_embed, resize_rel_pos_bias_table
from .window import padded_key_mask, window_partition, window_unpartition

__all__ = [
    'Attention', 'attention_map', 'scaled_dot_product', 'ConvEmbed', 'PatchEmbed', 'Mlp', 'window_partition',
    'window_unpartition', 'padded_key_mask', 'is_channels_last',
    'needs_autograd', 'nhwc_to_nchw', 'norm_then_pointwise', 'residual_add', 'resize_pos_embed',
    'resize_rel_pos_bias_table', 'resize_decomposed_rel_pos', 'make_divisible', 'SqueezeExcite', 'AvgPool2x2'
]
