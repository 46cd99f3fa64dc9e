"""Checkpoint reading shared by every tool: the torch >= 2.6 ``weights_only`` fix and unwrapping.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
without it, so resuming a run or loading any checkpoint whose ``meta`` / message hub holds more than
tensors fails with ``UnpicklingError``. Rather than turning the check off (``weights_only=False``
would run arbitrary pickled code from any file), :func:`allow_mmengine_checkpoint_types` admits
exactly the plain data types that mmengine and official UniFormer checkpoints contain. It runs once,
when ``backbones`` is imported, which every config of this project does through ``custom_imports``,
so it covers ``load_from``, ``--resume``, ``Pretrained`` init and the tools alike.
"""
import argparse
import pickle
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

_STAT_METHODS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """Stand-in for ``builtins.getattr`` while unpickling: a ``HistoryBuffer`` pickles its
    statistics methods as ``getattr(buffer, 'mean')``. Anything else is refused, so admitting the
    name ``builtins.getattr`` does not open the unpickler to arbitrary attribute access."""
    allowed = set(_STAT_METHODS) | set(HistoryBuffer._statistics_methods)
    if (isinstance(obj, HistoryBuffer) or obj is HistoryBuffer) and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'checkpoint asks for getattr({type(obj).__name__}, {name!r}), which is '
                                 f'not a HistoryBuffer statistic; refusing to load it with weights_only=True')


def _numpy_types() -> list:
    from numpy._core.multiarray import _reconstruct, scalar
    dtype_classes = [getattr(np.dtypes, n) for n in dir(np.dtypes) if n.endswith('DType')]
    # checkpoints written under numpy 1 name the same functions numpy.core.multiarray.*
    numpy1_names = [(_reconstruct, 'numpy.core.multiarray._reconstruct'), (scalar, 'numpy.core.multiarray.scalar')]
    return [np.ndarray, np.dtype, _reconstruct, scalar, *dtype_classes, *numpy1_names]


def allow_mmengine_checkpoint_types() -> None:
    """Admit the data types found in mmengine checkpoints (numpy arrays and scalars in ``meta`` and
    the message hub, ``HistoryBuffer``) and in official ImageNet checkpoints (``argparse.Namespace``
    of the training args) to torch's ``weights_only`` unpickler. Idempotent."""
    torch.serialization.add_safe_globals(
        [HistoryBuffer, argparse.Namespace, *_numpy_types(), (_history_buffer_getattr, 'builtins.getattr')])


def load_checkpoint_file(filename: str, map_location: str = 'cpu') -> Dict[str, Any]:
    """Read a checkpoint (local path or any URI mmengine understands) with the safe loader."""
    ckpt = CheckpointLoader.load_checkpoint(filename, map_location=map_location)
    if not isinstance(ckpt, dict):
        raise ValueError(f'{filename} holds a {type(ckpt).__name__}, not a checkpoint dict')
    return ckpt


def extract_state_dict(ckpt: Dict[str, Any], prefix: Optional[str] = None) -> Dict[str, torch.Tensor]:
    """The weights of a checkpoint, unwrapped and stripped to one module.

    Unwraps ``state_dict`` (mmengine / mmdet) or ``model`` (the official ImageNet checkpoints, which
    mmengine alone does not unwrap), strips a DDP ``module.`` prefix, and keeps only the keys under
    ``prefix`` (default: ``backbone.`` when the checkpoint holds a whole detector / segmentor / pose
    model, else everything), with the prefix removed.
    """
    for key in ('state_dict', 'model'):
        if key in ckpt and isinstance(ckpt[key], dict):
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
