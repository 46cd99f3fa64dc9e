"""What the project adds to mmengine's runner: checkpoint and seeding hooks, the layer-decay optimizer constructor
(registered on import), and gloo process groups for multi-process runs without GPUs (:mod:`.dist`)."""
from .dist import init_distributed
from .hooks import AtomicCheckpointHook, StepSeedHook
from .optimizers import LayerDepthDecayOptimWrapperConstructor

__all__ = ['AtomicCheckpointHook', 'StepSeedHook', 'LayerDepthDecayOptimWrapperConstructor', 'init_distributed']
