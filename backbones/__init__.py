"""Hybrid CNN-Transformer backbones for mmdet, mmseg and mmpose (OpenMMLab 2.0).

Add ``custom_imports = dict(imports=['backbones'], allow_failed_imports=False)`` to a config and use
``type='UniFormer'`` or ``type='UniFormerLight'``. Importing this package also makes mmengine checkpoints loadable under
torch >= 2.6 (see :mod:`backbones.checkpoint`).
"""
import warnings

# mmengine 0.10.7 imports pkg_resources (kept by the setuptools<81 pin), which warns on every start.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from .checkpoint import allow_mmengine_checkpoint_types, extract_state_dict, load_checkpoint_file  # noqa: E402
from .layer_decay import LayerDepthDecayOptimWrapperConstructor  # noqa: E402
from .engine import AtomicCheckpointHook, StepSeedHook  # noqa: E402
from .uniformer import UniFormer, convert_official_uniformer  # noqa: E402
from .uniformer_light import UniFormerLight  # noqa: E402

allow_mmengine_checkpoint_types()

__all__ = [
    'UniFormer', 'UniFormerLight', 'AtomicCheckpointHook', 'StepSeedHook', 'LayerDepthDecayOptimWrapperConstructor', 'convert_official_uniformer', 'extract_state_dict',
    'load_checkpoint_file', 'allow_mmengine_checkpoint_types'
]
