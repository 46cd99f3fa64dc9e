# mmdet's runtime with the project's runner hooks, which `import backbones` (custom_imports of the model bases)
# registers in mmengine's root HOOKS registry, so they work under this project's tools and mmdet's own alike:
# - AtomicCheckpointHook: mmengine's CheckpointHook (the base's arguments are kept by the merge) that writes
#   checkpoints and last_checkpoint atomically, so a kill during a save cannot leave nothing to resume from;
# - StepSeedHook: reseeds the random generators before every iteration, so a resumed run continues exactly.
_base_ = 'mmdet::_base_/default_runtime.py'

default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
custom_hooks = [dict(type='StepSeedHook')]  # mmdet's runtime has no custom hooks (lists replace, not merge)
