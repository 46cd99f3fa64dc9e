"""Regenerate ``tests/data/vitc_stem_reference.pt`` from pycls, the code of "Early Convolutions Help Transformers
See Better" (developers only; pycls' ViT is not in its PyPI release, so a checkout is needed).

pycls' ``ViTStemConv`` (``pycls/models/vit.py``) is run with deterministic weights on deterministic inputs, in
inference and in training mode (BatchNorm batch statistics); its weights (pycls names), the inputs and the outputs
are saved (a few hundred KB). ``tests/models/test_vit.py`` loads the weights into this project's conv stem and
compares.

    git clone https://github.com/facebookresearch/pycls /path/to/pycls
    python tests/make_vit_reference.py --pycls /path/to/pycls

pycls reads its settings from a global yacs ``cfg``; a stand-in with pycls' defaults for the keys the stem reads
(``BN.EPS`` 1e-5, ``BN.MOM`` 0.1, ``MODEL.ACTIVATION_INPLACE``) is given here, so nothing else of pycls is imported.
"""
import argparse
import importlib.util
import os.path as osp
import sys
import types

import torch

sys.path.insert(0, osp.dirname(__file__))
from make_uniformer_reference import deterministic_weights  # noqa: E402

REFERENCE = osp.join(osp.dirname(__file__), 'data', 'vitc_stem_reference.pt')
# ViT_C's stem design at a test size: 3x3 stride-2 convs with BN + ReLU, then a 1x1 conv to the embedding
STEM = dict(channels=[8, 16, 32, 64], strides=[2, 2, 2, 2], embed_dims=64)
SIZES = ((32, 48), (38, 50))


def load_pycls_vit(root: str):
    """pycls' ``models/vit.py`` with a stand-in ``cfg``."""
    ns = types.SimpleNamespace
    cfg = ns(BN=ns(EPS=1e-5, MOM=0.1), MODEL=ns(ACTIVATION_FUN='relu', ACTIVATION_INPLACE=True))
    for name in ('pycls', 'pycls.core', 'pycls.models'):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['pycls.core.config'] = types.SimpleNamespace(cfg=cfg)
    for name in ('blocks', 'vit'):
        spec = importlib.util.spec_from_file_location(f'pycls.models.{name}', osp.join(root, 'pycls', 'models',
                                                                                        f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules['pycls.models.vit']


def inputs():
    g = torch.Generator().manual_seed(0)
    return [torch.randn(2, 3, *hw, generator=g) for hw in SIZES]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--pycls', required=True, help='a checkout of facebookresearch/pycls')
    args = parser.parse_args()
    vit = load_pycls_vit(args.pycls)
    ks = [3] * len(STEM['channels']) + [1]
    ws = STEM['channels'] + [STEM['embed_dims']]
    ss = STEM['strides'] + [1]
    stem = vit.ViTStemConv(3, ks, ws, ss)
    weights = deterministic_weights(stem.state_dict())
    stem.load_state_dict(weights)
    outputs = {}
    for mode in ('eval', 'train'):
        stem.train(mode == 'train')
        with torch.no_grad():
            outputs[mode] = [stem(x) for x in inputs()]
        stem.load_state_dict(weights)  # undo the running-statistics update of train mode
    torch.save(dict(stem=STEM, sizes=SIZES, weights=weights, inputs=inputs(), outputs=outputs), REFERENCE)
    print(f'wrote {REFERENCE}')


if __name__ == '__main__':
    main()
