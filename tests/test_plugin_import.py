"""``import backbones`` as a plugin in someone else's project: it registers and changes nothing else."""
import subprocess
import sys

from helpers import ROOT

# what a user's process already has before its config's custom_imports runs; then the snapshot; then the plugin
PROBE = r'''
import builtins, sys, warnings
import numpy, torch, mmengine, mmcv, mmengine.model, mmengine.hooks, mmengine.optim, mmcv.cnn  # the plugin's deps
safe = lambda: sorted(map(repr, getattr(torch.serialization, 'get_safe_globals', list)()))
before = (list(warnings.filters), list(safe()), dict(vars(builtins)))
import backbones
after = (list(warnings.filters), list(safe()), dict(vars(builtins)))
from mmengine.registry import HOOKS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
assert MODELS.get('UniFormer') and MODELS.get('UniFormerLight'), 'models not registered'
assert HOOKS.get('AtomicCheckpointHook') and HOOKS.get('StepSeedHook'), 'hooks not registered'
assert OPTIM_WRAPPER_CONSTRUCTORS.get('LayerDepthDecayOptimWrapperConstructor'), 'constructor not registered'
for name, b, a in zip(('warnings.filters', 'torch safe globals', 'builtins'), before, after):
    assert a == b, f'import backbones changed {name}'
assert 'numpy._core' not in sys.modules or numpy.__version__ >= '2', 'numpy 2 module imported under numpy 1'
print('ok', torch.__version__, numpy.__version__)
'''


def test_import_registers_and_changes_nothing_else():
    done = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith('ok')


def test_checkpoint_loading_changes_nothing_process_wide(tmp_path):
    """The backbones' own loading admits mmengine's checkpoint types for that load only."""
    probe = r'''
import argparse, sys, numpy as np, torch
from mmengine.logging import HistoryBuffer
from backbones.checkpoint import load_checkpoint_file, weights_only_by_default
path = sys.argv[1]
torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'np': np.float64(2.5), 'buf': HistoryBuffer([1.0], [1])},
            'args': argparse.Namespace(lr=1)}, path)
safe = lambda: sorted(map(repr, getattr(torch.serialization, 'get_safe_globals', list)()))
before = list(safe())
ckpt = load_checkpoint_file(path)
assert ckpt['meta']['np'] == 2.5 and ckpt['meta']['buf'].current() == 1.0 and ckpt['args'].lr == 1
assert list(safe()) == before
if weights_only_by_default():  # plain torch.load still refuses them: nothing was admitted for good
    try:
        torch.load(path)
    except Exception as e:
        print('refused', type(e).__name__)
from backbones.checkpoint import allow_mmengine_checkpoint_types
allow_mmengine_checkpoint_types()
load_checkpoint_file(path)  # a scoped load keeps what was admitted for the whole process
assert torch.load(path)['meta']['np'] == 2.5
print('ok')
'''
    done = subprocess.run([sys.executable, '-c', probe, str(tmp_path / 'c.pth')], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith('ok')
    import torch
    if tuple(int(v) for v in torch.__version__.split('+')[0].split('.')[:2]) >= (2, 6):
        assert 'refused UnpicklingError' in done.stdout
