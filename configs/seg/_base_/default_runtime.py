# mmseg's runtime with the project's StepSeedHook, which reseeds the random generators before every iteration
# so that a resumed run continues exactly; `import backbones` (custom_imports of the model bases) registers it
# in mmengine's root HOOKS registry, so it works under this project's tools and mmseg's own alike.
# mmseg keeps default_hooks in its schedule configs, not here, and mmengine refuses a key defined by two bases
# of one config, so the checkpoint hook's type (AtomicCheckpointHook) is set where mmseg sets the hook: in
# ./schedule_fpn_80k.py and ./schedule_upernet_160k.py (and in the toy config, which has no schedule base).
_base_ = 'mmseg::_base_/default_runtime.py'

custom_hooks = [dict(type='StepSeedHook')]  # mmseg's runtime has no custom hooks (lists replace, not merge)
