"""Backbone latency and peak memory, side by side in one run, for inference and for a training step (forward +
backward of the sum of the outputs), as ratios to a peer measured in the same run. Three tables (``--family``):

- ``uniformer`` (default): UniFormer S / B in global, window and hybrid attention, and mmdet's Swin-T as the peer,
  at several input sizes;
- ``vit``: ViT-B in ViTDet's setting (hybrid attention: window 14 with global blocks 2, 5, 8, 11; decomposed
  relative position sized for 1024; drop path 0.1) against the same network in timm (``VisionTransformerSAM``,
  the peer) and mmdet's Swin-T, at 1024x1024 and 800x1280. Like for like, both ViTs are bare: the stride-16 map
  of the last block, no simple pyramid (ours) and no neck (timm's). ``vit-b-pyramid`` is ours with the simple
  pyramid (4, 2, 1, 0.5), the full ViTDet backbone, which timm has no counterpart for
  (``--family vit --models swin-t sam-vit-b vit-b vit-b-pyramid``);
- ``sgformer``: SG-Former-S in global (the official attention), window and hybrid attention (stage 3 in windows of
  14 tokens, the 224-pixel tile it was trained on; hybrid: every 4th block global), against UniFormer-S-h14 (its
  detection setting) and mmdet's Swin-T (the peer), at 800x1280 and 1024x1024; ``sgformer-s-fused`` is the global
  network with ``fused_attn=True`` (scaled_dot_product_attention where no attention map is needed);
- ``ceit``: CeiT-S (class token in every block, LeFF) in global and hybrid attention (window 14, blocks 2, 5, 8, 11
  global, the class token joined to every window) against ViT-S of the ViT family (``deit-s``: DeiT-S, no class
  token, the peer) in the same modes, bare (the last block's stride-16 map, no pyramid), at 224x224 and 512x512;
  ``ceit-s-official`` is the official ``ceit_small_patch16_224`` built at the input size (its own position
  embedding; classifier and class-token head included), imported from the folder in the environment variable
  ``CEIT_OFFICIAL`` holding its ``ceit_model.py`` (see tests/make_ceit_reference.py).
- ``coatnet``: CoAtNet-0 (timm's coatnet_0_rw) in global, window and hybrid attention against the same network in
  timm (the peer: its tables resized to the size by ``set_input_size``, global attention; its four stage maps) and
  mmdet's Swin-T, at 224x224 (the training size) and 800x1280.
- ``convit``: ConViT-S (class token before block 10; global, and hybrid: the ten GPSA blocks in windows of 14, the
  MHSA blocks global) against DeiT-S (``deit-s-cls``: ours, global, with its class token: the peer) and timm's
  ``convit_small`` (square only: it fails at 800x1280), at 224x224 and 800x1280; all bare (the last block's stride-16
  map).
  ``convit-s-explicit`` is ConViT-S with ``fused_attn=False``, the official op order (N x N positional and content
  scores per head, per window in hybrid mode), for its memory; its global training step at 800x1280 would keep
  about six 0.6 GB maps per GPSA block for backward (estimated, not run: ``--models deit-s-cls convit-s --passes
  train`` leaves it out).
- ``botnet``: BoT50 (the paper's ResNet-50 with attention in c5; global, window and hybrid attention, windows of
  each block's pretraining map) against mmdet's ResNet-50 (the peer, the network it changes), and timm's
  botnet26t (built for each size, ``img_size``; its trunk: ``forward_intermediates``) against ours with the same
  arch, at 800x1280 and 256x256 (timm's training size).

    python tools/analysis/benchmark.py                       # the default table (make bench)
    python tools/analysis/benchmark.py --sizes 800x1280 --passes inference --repeats 9 --plot docs/bench.png
    python tools/analysis/benchmark.py --family vit --repeats 3  # the ViT table (make bench-vit)
    python tools/analysis/benchmark.py --family sgformer --rounds 2  # the SG-Former table (make bench-sgformer)
    CEIT_OFFICIAL=/tmp/ceit_official python tools/analysis/benchmark.py --family ceit --rounds 2  # the CeiT table
    python tools/analysis/benchmark.py --family convit --passes inference --rounds 2  # the ConViT table
    python tools/analysis/benchmark.py --family botnet --repeats 3  # the BoTNet table

Every case runs in a fresh subprocess (so that its peak memory is its own): median of ``--repeats`` timed runs
after ``--warmup`` untimed ones; with ``--rounds``, the cases of a size and pass are measured round-robin that many
times and the median is over all their runs (on a shared machine, the load then changes under every model alike).
Peak memory is the growth of the process's peak resident memory over the model alone (CPU) or
``torch.cuda.max_memory_allocated`` (GPU). Cases that run out of memory or past ``--case-timeout`` are reported as
such. The table gives each case's ratio to the peer at the same size and pass (below 1: faster than the peer), and
per model and mode how latency grows from each square size to the next (pixel-count ratio alongside). ``--json``
keeps every run's latency and process CPU time and the system load average before each case (CPU timings on a
shared machine are only as good as its quiet).
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# a model's 'modes': the attention modes it is measured in (None: one fixed design, labelled by its name alone)
MODELS = {
    'swin-t': dict(modes=None),
    'uniformer-s': dict(arch='small'),
    'uniformer-b': dict(arch='base'),
    'sam-vit-b': dict(modes=None),  # timm's VisionTransformerSAM in ViTDet's hybrid setting
    'vit-b': dict(arch='vit-base', pyramid=None),  # ours, bare: the last block's map
    'vit-b-pyramid': dict(arch='vit-base', pyramid=(4, 2, 1, 0.5)),  # ours with the simple pyramid (ViTDet)
    # UniFormer-S as its detection configs: hybrid, windows of 14
    'uniformer-s-h14': dict(modes=None, arch='small', attn_mode='hybrid'),
    'sgformer-s': dict(fused_attn=False),  # the official op order (the default)
    # global, fused attention where no attention map is needed
    'sgformer-s-fused': dict(modes=None, attn_mode='global', fused_attn=True),
    'deit-s': dict(arch='deit-small'),  # ours (the ViT family), bare, no class token
    'ceit-s': dict(arch='small'),  # ours, bare, the class token in every block
    'ceit-s-official': dict(modes=None),  # coeusguo/ceit's ceit_small_patch16_224 (CEIT_OFFICIAL), classifier included
    'coatnet-0-rw': dict(arch='coatnet_0_rw'),
    'timm-coatnet-0-rw': dict(modes=None),  # timm's MaxxVit, its tables resized to the size (set_input_size)
    'deit-s-cls': dict(modes=None),  # ours, global, with the class token, bare (the ConViT table's peer)
    'timm-convit-s': dict(modes=None),  # timm's convit_small, bare (square inputs only)
    'convit-s': dict(fused_attn=True),  # ours, bare (the default: factorised positional softmax, SDPA)
    'convit-s-explicit': dict(fused_attn=False),  # the official op order
    'resnet-50': dict(modes=None),  # mmdet's, as its Mask R-CNN configs build it
    'timm-botnet26t': dict(modes=None),  # timm's, built for the input size (its tables cannot change size)
    'botnet26t': dict(arch='botnet26t'),
    'bot50': dict(arch='bot50'),
}
MODES = ('global', 'window', 'hybrid')
FAMILIES = {
    'uniformer': dict(models=['swin-t', 'uniformer-s', 'uniformer-b'], modes=MODES, peer='swin-t',
                      sizes=['512x512', '800x1280', '1024x1024', '2048x2048']),
    'vit': dict(models=['swin-t', 'sam-vit-b', 'vit-b'], modes=('hybrid', ), peer='sam-vit-b',
                sizes=['1024x1024', '800x1280']),
    'sgformer': dict(models=['swin-t', 'uniformer-s-h14', 'sgformer-s', 'sgformer-s-fused'], modes=MODES,
                     peer='swin-t', sizes=['800x1280', '1024x1024']),
    'ceit': dict(models=['deit-s', 'ceit-s', 'ceit-s-official'], modes=('global', 'hybrid'), peer='deit-s',
                 sizes=['224x224', '512x512']),
    'coatnet': dict(models=['swin-t', 'timm-coatnet-0-rw', 'coatnet-0-rw'], modes=MODES, peer='timm-coatnet-0-rw',
                    sizes=['224x224', '800x1280']),
    'convit': dict(models=['deit-s-cls', 'timm-convit-s', 'convit-s', 'convit-s-explicit'], modes=('global', 'hybrid'),
                   peer='deit-s-cls', sizes=['224x224', '800x1280']),
    'botnet': dict(models=['resnet-50', 'bot50', 'timm-botnet26t', 'botnet26t'], modes=MODES, peer='resnet-50',
                   sizes=['800x1280', '256x256']),
}
PEER = FAMILIES['uniformer']['peer']
WINDOW = 14
VITDET_GLOBAL = (2, 5, 8, 11)  # ViT-B's global blocks in hybrid mode (ours picks the same by attn_mode='hybrid')


def build(model: str, mode: str, size=(224, 224)):
    """The backbone of ``model`` (a key of MODELS) as the detection configs build it (drop path 0.2 for S and Swin-T,
    0.3 for B, 0.1 for ViT-B as ViTDet, for SG-Former-S, CoAtNet-0, DeiT-S, ConViT-S and CeiT-S; no gradient
    checkpointing, which trades time for memory), for inputs of ``size`` (what timm's CoAtNet and BoTNet and the
    official CeiT are built for). Its forward returns a tuple of maps (the official CeiT: its logits)."""
    sys.path.insert(0, ROOT)
    if model == 'swin-t':
        from mmdet.models.backbones import SwinTransformer
        return SwinTransformer(embed_dims=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24), window_size=7,
                               drop_path_rate=0.2, out_indices=(0, 1, 2, 3))
    if model == 'sam-vit-b':
        return _timm_sam_vit_b()
    if model == 'ceit-s-official':
        return _official_ceit_s(size)
    if model == 'timm-coatnet-0-rw':
        return _timm_coatnet_0_rw(size)
    if model == 'timm-convit-s':
        return _timm_convit_s()
    if model == 'resnet-50':
        from mmdet.models.backbones import ResNet
        return ResNet(depth=50, out_indices=(0, 1, 2, 3), frozen_stages=-1, norm_eval=False)
    if model == 'timm-botnet26t':
        return _timm_botnet26t(size)
    spec = MODELS[model]
    mode = mode or spec.get('attn_mode')  # a fixed design names its own
    if model == 'deit-s':
        from backbones import ViT
        return ViT(arch=spec['arch'], attn_mode=mode, window_size=WINDOW, drop_path_rate=0.1, pyramid=None)
    if model == 'deit-s-cls':
        from backbones import ViT
        return ViT(arch='deit-small', with_cls_token=True, drop_path_rate=0.1, pyramid=None, out_indices=-1)
    if model == 'ceit-s':
        from backbones import CeiT
        return CeiT(arch=spec['arch'], attn_mode=mode, window_size=WINDOW, drop_path_rate=0.1, pyramid=None)
    if model.startswith('convit-s'):
        from backbones import ConViT
        return ConViT(arch='small', attn_mode=mode, window_size=WINDOW, fused_attn=spec['fused_attn'],
                      drop_path_rate=0.1, pyramid=None, out_indices=-1)
    if model.startswith('vit-'):
        from backbones import ViT
        return ViT(arch=spec['arch'], attn_mode=mode, window_size=WINDOW, rel_pos=True, img_size=1024,
                   drop_path_rate=0.1, pyramid=spec['pyramid'], out_indices=-1)
    if model.startswith('coatnet-'):
        from backbones import CoAtNet
        return CoAtNet(arch=spec['arch'], attn_mode=mode, drop_path_rate=0.1)
    if model.startswith('sgformer-s'):
        from backbones import SGFormer
        return SGFormer(arch='s', attn_mode=mode, window_size=WINDOW, fused_attn=spec['fused_attn'],
                        drop_path_rate=0.1)
    if model in ('bot50', 'botnet26t'):
        from backbones import BoTNet
        return BoTNet(arch=spec['arch'], attn_mode=mode)
    from backbones import UniFormer
    arch = spec['arch']
    return UniFormer(arch=arch, attn_mode=mode, window_size=WINDOW, drop_path_rate=0.3 if arch == 'base' else 0.2)


def _timm_sam_vit_b():
    """timm's ViT-B of ViTDet / SAM (window 14, global blocks 2, 5, 8, 11, decomposed relative position sized for
    1024, drop path 0.1), bare as ours is measured: the last block's map (``forward_intermediates``), its neck and
    classifier head pruned away."""
    from timm.models.vision_transformer_sam import VisionTransformerSAM
    net = VisionTransformerSAM(img_size=1024, patch_size=16, embed_dim=768, depth=12, num_heads=12,
                               window_size=WINDOW, global_attn_indexes=VITDET_GLOBAL, use_rel_pos=True, neck_chans=0,
                               drop_path_rate=0.1)
    net.prune_intermediate_layers([11], prune_norm=True, prune_head=True)
    return _timm_maps(net, [11])


def _timm_maps(net, indices):
    """A timm model's maps of blocks / stages ``indices`` (``forward_intermediates``), as a module returning a
    tuple."""
    import torch.nn as nn

    class Maps(nn.Module):

        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return tuple(self.net.forward_intermediates(x, indices=list(indices), intermediates_only=True))

    return Maps()


def _timm_convit_s():
    """timm's ConViT-S (drop path 0.1), bare: the last block's map, its classifier head and final norm pruned."""
    from timm.models.convit import convit_small
    net = convit_small(drop_path_rate=0.1)
    net.prune_intermediate_layers([11], prune_norm=True, prune_head=True)
    return _timm_maps(net, [11])


def _official_ceit_s(size):
    """The official CeiT-S (``ceit_model.py`` from the folder in ``CEIT_OFFICIAL``) built for ``size`` (square:
    its LeFF reshapes a square grid), drop path 0.1; its forward returns the logits, as a tuple."""
    import contextlib
    import importlib.util
    import io
    import warnings

    import torch.nn as nn
    folder = os.environ.get('CEIT_OFFICIAL')
    if not folder or not osp.isfile(osp.join(folder, 'ceit_model.py')):
        raise SystemExit('ceit-s-official needs CEIT_OFFICIAL=<a folder holding coeusguo/ceit\'s ceit_model.py>')
    if size[0] != size[1]:
        raise SystemExit('the official CeiT runs square inputs only')
    spec = importlib.util.spec_from_file_location('official_ceit', osp.join(folder, 'ceit_model.py'))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter('ignore', FutureWarning)
        spec.loader.exec_module(mod)
        net = mod.ceit_small_patch16_224(img_size=size[0], drop_path_rate=0.1)

    class AsTuple(nn.Module):

        def __init__(self, net: nn.Module):
            super().__init__()
            self.net = net

        def forward(self, x):
            return (self.net(x), )

    return AsTuple(net)


def _timm_coatnet_0_rw(size):
    """timm's coatnet_0_rw (drop path 0.1, as ours in the detection configs) at ``size`` (``set_input_size``:
    relative tables resized to its maps; timm runs sizes whose stage maps halve evenly), bare as ours is measured:
    the four stage maps (``forward_intermediates``), its final norm and classifier head pruned away."""
    import timm
    net = timm.create_model('coatnet_0_rw_224', pretrained=False, drop_path_rate=0.1)
    net.set_input_size(img_size=size)
    net.prune_intermediate_layers([1, 2, 3, 4], prune_norm=True, prune_head=True)
    return _timm_maps(net, [1, 2, 3, 4])


def _timm_botnet26t(size):
    """timm's botnet26t built for ``size`` (its relative tables sized to the maps there), bare as ours is measured:
    the four stage maps (``forward_intermediates``), no classifier."""
    import timm
    return _timm_maps(timm.create_model('botnet26t_256', img_size=tuple(size), num_classes=0), [1, 2, 3, 4])


def _rss_mb() -> float:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def _peak_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(model: str, mode: str, size, train: bool, repeats: int, warmup: int, device: str) -> dict:
    """Time one case in this process; returns median / all latencies (ms) and peak memory (MB)."""
    import torch
    torch.manual_seed(0)
    net = build(model, mode, size).to(device)
    net.train(train)
    x = torch.rand(1, 3, *size, device=device)

    def step():
        if train:
            net.zero_grad(set_to_none=True)
            sum(o.float().sum() for o in net(x)).backward()
        else:
            with torch.no_grad():
                net(x)
        if device == 'cuda':
            torch.cuda.synchronize()

    base = _rss_mb()
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated() / 2**20
    for _ in range(warmup):
        step()
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - start) * 1e3)
        cpu_times.append((time.process_time() - cpu_start) * 1e3)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == 'cuda' else _peak_rss_mb()
    return dict(median_ms=statistics.median(times), times_ms=times, cpu_times_ms=cpu_times, peak_mb=peak - base)


def _case_in_subprocess(args, model, mode, size, train) -> dict:
    load = os.getloadavg()[0]
    cmd = [sys.executable, osp.abspath(__file__), '--case', json.dumps([model, mode, list(size), train]), '--repeats',
           str(args.repeats), '--warmup', str(args.warmup), '--device', args.device]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.case_timeout)
    except subprocess.TimeoutExpired:
        return dict(error=f'>{args.case_timeout}s', load=load)
    if done.returncode != 0:
        oom = done.returncode in (-9, 137) or 'out of memory' in done.stderr.lower()
        return dict(error='out of memory' if oom else done.stderr.strip().splitlines()[-1][:80], load=load)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]), load=load)


def _merge_rounds(runs) -> dict:
    """One case's measurement from its rounds: median over all their timed runs, the largest peak memory, the mean
    load; the first error if a round failed."""
    failed = [r for r in runs if 'error' in r]
    if failed:
        return failed[0]
    times = [t for r in runs for t in r['times_ms']]
    cpu_times = [t for r in runs for t in r.get('cpu_times_ms', [])]
    return dict(median_ms=statistics.median(times), times_ms=times, cpu_times_ms=cpu_times,
                peak_mb=max(r['peak_mb'] for r in runs), load=statistics.mean(r['load'] for r in runs),
                rounds=len(runs))


def _label(model, mode):
    return model if MODELS[model].get('modes', True) is None else f'{model} {mode}'


def _pixels(size):
    h, w = size
    return h * w


def print_table(results, sizes, passes, peer=PEER):
    for pass_name in passes:
        print(f'\n{pass_name}: median latency ms (ratio to {peer}) / peak memory MB')
        header = f'{"backbone":22s}' + ''.join(f'{f"{h}x{w}":>28s}' for h, w in sizes)
        print(header)
        for label in dict.fromkeys(r['label'] for r in results):
            row = f'{label:22s}'
            for size in sizes:
                r = _find(results, label, size, pass_name)
                base = _find(results, peer, size, pass_name)
                if r is None or 'error' in r:
                    cell = '-' if r is None else r['error']
                else:
                    ratio = (f' ({r["median_ms"] / base["median_ms"]:.2f}x)'
                             if base and 'error' not in base else '')
                    cell = f'{r["median_ms"]:.0f}{ratio} / {r["peak_mb"]:.0f}'
                row += f'{cell:>28s}'
            print(row)
        squares = sorted({s for s in sizes if s[0] == s[1]}, key=_pixels)
        for small, large in zip(squares, squares[1:]):
            growth = []
            for label in dict.fromkeys(r['label'] for r in results):
                a, b = _find(results, label, small, pass_name), _find(results, label, large, pass_name)
                if a and b and 'error' not in a and 'error' not in b:
                    growth.append(f'{label} x{b["median_ms"] / a["median_ms"]:.2f}')
            print(f'growth {small[0]}^2 -> {large[0]}^2 (pixels x{_pixels(large) / _pixels(small):.0f}): '
                  + ', '.join(growth))


def _find(results, label, size, pass_name):
    for r in results:
        if r['label'] == label and tuple(r['size']) == tuple(size) and r['pass'] == pass_name:
            return r
    return None


def plot(results, passes, path, peer=PEER):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(passes), figsize=(6.5 * len(passes), 4.8), squeeze=False)
    for ax, pass_name in zip(axes[0], passes):
        for label in dict.fromkeys(r['label'] for r in results):
            points = sorted((_pixels(r['size']) / 1e6, r['median_ms'] / 1e3) for r in results
                            if r['label'] == label and r['pass'] == pass_name and 'error' not in r)
            if points:
                style = dict(color='black', linewidth=2.5) if label == peer else {}
                ax.plot(*zip(*points), marker='o', label=label, **style)
        ax.set(xscale='log', yscale='log', xlabel='input megapixels', ylabel='median latency (s)',
               title=f'{pass_name}, batch 1')
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(results[0]['machine'], fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f'plot: {path}')


def machine(device: str) -> str:
    import torch
    if device == 'cuda':
        name = torch.cuda.get_device_name()
    else:
        name = next((line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')),
                    platform.processor())
        name += f', {torch.get_num_threads()} threads'
    return f'{time.strftime("%Y-%m-%d")}, {name}, torch {torch.__version__}, fp32'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--family', choices=list(FAMILIES),
                        help='which table: its models, modes, sizes and peer (default: uniformer, or vit when '
                        '--models names only ViT-table models)')
    parser.add_argument('--models', nargs='+', choices=list(MODELS), help="default: the family's")
    parser.add_argument('--modes', nargs='+', choices=MODES,
                        help="attention modes of the models that have them (default: the family's)")
    parser.add_argument('--sizes', nargs='+', help="HxW (default: the family's)")
    parser.add_argument('--peer', choices=list(MODELS), help="the model ratios are taken to (default: the family's)")
    parser.add_argument('--passes', nargs='+', default=['inference', 'train'], choices=['inference', 'train'])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=1,
                        help='measure the cases of a size and pass round-robin this many times, each time in fresh '
                        'subprocesses (--warmup, then --repeats timed runs); a case\'s median is over all its runs. '
                        'Spreads a shared machine\'s changing load over the models alike')
    parser.add_argument('--device', default='cuda' if _cuda() else 'cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--case-timeout', type=float, default=600, help='seconds before a case is given up')
    parser.add_argument('--plot', help='write a picture of latency against input size here')
    parser.add_argument('--json', help='write every measurement here')
    parser.add_argument('--table-from', help='print the table (and --plot) of a --json file, measuring nothing')
    parser.add_argument('--case', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        model, mode, size, train = json.loads(args.case)
        print(json.dumps(run_case(model, mode, tuple(size), train, args.repeats, args.warmup, args.device)))
        return
    if args.table_from:
        results = json.load(open(args.table_from))
        sizes = list(dict.fromkeys(tuple(r['size']) for r in results))
        passes = list(dict.fromkeys(r['pass'] for r in results))
        peer = results[0].get('peer', PEER)  # files from before the ViT table have Swin-T's ratios
        if args.peer:
            peer = next((r['label'] for r in results if r['label'].split()[0] == args.peer), args.peer)
        print(results[0]['machine'])
        print_table(results, sizes, passes, peer)
        if args.plot:
            plot(results, passes, args.plot, peer)
        return
    if args.family is None:
        extra = set(args.models or []) - set(FAMILIES['uniformer']['models'])  # the family of the other models
        args.family = next((f for f, spec in FAMILIES.items() if extra & set(spec['models'])),
                           'vit' if extra else 'uniformer')
    family = FAMILIES[args.family]
    models, modes = args.models or family['models'], args.modes or list(family['modes'])
    peer = _label(args.peer or family['peer'], modes[0])  # a model with modes is the peer in the first one
    sizes = []
    for s in args.sizes or family['sizes']:
        try:
            h, w = (int(v) for v in s.split('x'))
        except ValueError:
            parser.error(f'--sizes takes HxW, e.g. 800x1280; got {s!r}')
        sizes.append((h, w))
    results, where = [], machine(args.device)
    print(where)
    for size in sizes:
        for pass_name in args.passes:
            cases = [(model, mode) for model in models
                     for mode in ([None] if MODELS[model].get('modes', True) is None else modes)]
            runs = {case: [] for case in cases}
            for round_ in range(args.rounds):
                for model, mode in cases:
                    r = _case_in_subprocess(args, model, mode, size, pass_name == 'train')
                    runs[(model, mode)].append(r)
                    shown = r.get('error') or f'{r["median_ms"]:.0f} ms, {r["peak_mb"]:.0f} MB'
                    shown += f'  (load {r["load"]:.1f}' + (f', round {round_ + 1})' if args.rounds > 1 else ')')
                    print(f'  {size[0]}x{size[1]} {pass_name:9s} {_label(model, mode):22s} {shown}', flush=True)
            for (model, mode), case_runs in runs.items():
                r = _merge_rounds(case_runs)
                r.update(label=_label(model, mode), size=size, machine=where, peer=peer)
                r['pass'] = pass_name
                results.append(r)
    print_table(results, sizes, args.passes, peer)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    if args.plot:
        plot(results, args.passes, args.plot, peer)


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()


if __name__ == '__main__':
    main()
