"""The backbone families; importing this registers them in mmengine's root MODELS registry."""
from .base import FAMILIES, PyramidBackbone, Stage, register_backbone
from .isotropic import IsotropicBackbone
from .uniformer import UniFormer
from .uniformer_light import UniFormerLight
from .necks import SimplePyramidNeck
from .vit import ViT
from .sgformer import SGFormer
from .ceit import CeiT
from .coatnet import CoAtNet
from .convit import ConViT
from .botnet import BoTNet

__all__ = [
    'FAMILIES', 'PyramidBackbone', 'IsotropicBackbone', 'Stage', 'register_backbone', 'UniFormer', 'UniFormerLight',
    'ViT', 'SGFormer', 'CeiT', 'CoAtNet', 'ConViT', 'BoTNet',
    'SimplePyramidNeck'
]
