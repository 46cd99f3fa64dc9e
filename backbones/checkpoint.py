"""Reading checkpoints: torch's ``weights_only`` loading made to work for the files users hold, and unwrapping.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load`` without it, so
resuming a run or loading any checkpoint whose ``meta`` / message hub holds more than tensors fails with
``UnpicklingError``. Rather than turning the check off (``weights_only=False`` would run arbitrary pickled code from
any file), exactly the plain data types that mmengine and official checkpoints contain are admitted:

- :func:`load_checkpoint_file` (used by the backbones' Pretrained loading and the tools) admits them for its own
  ``torch.load`` only, and changes nothing process-wide;
- :func:`allow_mmengine_checkpoint_types` admits them process-wide, for mmengine's own loads (``load_from``,
  ``resume``). The project's tools call it; call it in your own training script under torch >= 2.6::

      from backbones.checkpoint import allow_mmengine_checkpoint_types
      allow_mmengine_checkpoint_types()

Both do nothing before torch 2.6, whose ``torch.load`` unpickles everything by default.
"""
import argparse
import contextlib
import pickle
import zipfile
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader
from mmengine.utils import digit_version

# where the weights sit in the files users hold: mmengine / mmdet, the official ImageNet releases, timm's EMA
WEIGHT_KEYS = ('state_dict', 'model', 'state_dict_ema')
_STAT_METHODS = ('min', 'max', 'current', 'mean')
# torch's RuntimeErrors for a file that is no (whole) checkpoint
_CORRUPT_FILE_MESSAGES = ('pytorchstreamreader', 'invalid load key', 'failed finding central directory',
                          'unpickling')


def weights_only_by_default() -> bool:
    """Whether this torch's ``torch.load`` refuses non-tensor data unless told otherwise (torch >= 2.6)."""
    return digit_version(torch.__version__) >= digit_version('2.6.0')


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` while unpickling: a ``HistoryBuffer`` pickles its
    statistics methods as ``getattr(buffer, 'mean')``. Anything else is refused, so admitting the
    name ``builtins.getattr`` does not open the unpickler to arbitrary attribute access."""
    allowed = set(_STAT_METHODS) | set(HistoryBuffer._statistics_methods)
    if (isinstance(obj, HistoryBuffer) or obj is HistoryBuffer) and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'checkpoint asks for getattr({type(obj).__name__}, {name!r}), which is '
                                 f'not a HistoryBuffer statistic; refusing to load it with weights_only=True')


def _numpy_types() -> List[Any]:
    """numpy arrays, scalars and dtypes, under both the numpy 1 (``numpy.core``) and numpy 2 (``numpy._core``)
    module names, whichever numpy wrote the checkpoint."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar  # numpy 2
    except ImportError:
        from numpy.core.multiarray import _reconstruct, scalar  # numpy 1
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25
    dtype_classes = [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')] if dtypes else []
    names = [(f, f'{module}.multiarray.{f.__name__}') for f in (_reconstruct, scalar)
             for module in ('numpy.core', 'numpy._core')]
    return [np.ndarray, np.dtype, *dtype_classes, *names]


def checkpoint_safe_globals() -> List[Any]:
    """What mmengine checkpoints (numpy values in ``meta`` and the message hub, ``HistoryBuffer``) and official
    ImageNet checkpoints (an ``argparse.Namespace`` of the training args) hold besides tensors."""
    return [HistoryBuffer, argparse.Namespace, *_numpy_types(), (_history_buffer_getattr, 'builtins.getattr')]


def allow_mmengine_checkpoint_types() -> None:
    """Admit :func:`checkpoint_safe_globals` to torch's ``weights_only`` unpickler for the whole process, so that
    mmengine's ``load_from`` / ``resume`` read mmengine checkpoints. Idempotent; nothing to do before torch 2.6."""
    if weights_only_by_default():
        torch.serialization.add_safe_globals(checkpoint_safe_globals())


@contextlib.contextmanager
def _admitted_for_this_load():
    """Admit :func:`checkpoint_safe_globals` inside the block, then restore torch's list exactly as it was (torch's
    own ``safe_globals`` context would also remove what :func:`allow_mmengine_checkpoint_types` admitted before)."""
    if not weights_only_by_default():
        yield
        return
    before = torch.serialization.get_safe_globals()
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    try:
        yield
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(before)


@contextlib.contextmanager
def reading_checkpoint(filename: str):
    """Around a ``torch.load`` of ``filename``: admit :func:`checkpoint_safe_globals` for this load only, and turn
    torch's errors for a file that is no checkpoint (a download error page, a truncated or corrupt file) into one
    that names the file, instead of torch's advice to load it with ``weights_only=False``."""
    with _admitted_for_this_load():
        try:
            yield
        except (pickle.UnpicklingError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as e:
            raise ValueError(_not_a_checkpoint(filename, e)) from None
        except RuntimeError as e:
            if not any(s in str(e).lower() for s in _CORRUPT_FILE_MESSAGES):
                raise
            raise ValueError(_not_a_checkpoint(filename, e)) from None


def _not_a_checkpoint(filename: str, error: Exception) -> str:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if 'weights_only' in first.lower() or 'weights only' in first.lower():
        first = 'torch refuses what it holds'
    return (f'{filename} is not a readable checkpoint ({type(error).__name__}: {first[:200]}): it may be a '
            f'download error page, truncated or corrupt. Download it again and compare its size / checksum with '
            f'the published file.')


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> Dict[str, Any]:
    """Read a checkpoint (local path or any URI mmengine understands), admitting the types of
    :func:`checkpoint_safe_globals` for this load only; a file that is no checkpoint is refused, naming it."""
    with reading_checkpoint(filename):
        ckpt = CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    if not isinstance(ckpt, dict):
        raise ValueError(f'{filename} holds a {type(ckpt).__name__}, not a checkpoint dict')
    return ckpt


def extract_state_dict(ckpt: Dict[str, Any], prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint, unwrapped and stripped to one module.

    Unwraps the first of ``state_dict`` (mmengine / mmdet), ``model`` (the official ImageNet checkpoints, which
    mmengine alone does not unwrap) and ``state_dict_ema`` (timm's EMA-only files), strips a DDP ``module.``
    prefix, and keeps only the keys under ``prefix`` (default: ``backbone.`` when the checkpoint holds a whole
    detector / segmentor / pose model, else everything), with the prefix removed.
    """
    for key in WEIGHT_KEYS:
        if isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    sd = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in ckpt.items()}
    if prefix is None and any(k.startswith('backbone.') for k in sd):
        prefix = 'backbone.'
    if prefix:
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
        if not sd:
            raise ValueError(f'no weights under prefix {prefix!r} in the checkpoint')
    return sd
