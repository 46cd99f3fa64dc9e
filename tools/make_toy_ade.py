"""Write a small deterministic semantic segmentation dataset in the ADE20K layout.

    python tools/make_toy_ade.py data/toy_ade [--train 300] [--val 50] [--size 256] [--seed 0]

Layout (ADEChallengeData2016's, read by mmseg's BaseSegDataset with reduce_zero_label=True):
    data/toy_ade/images/{training,validation}/000000.jpg
    data/toy_ade/annotations/{training,validation}/000000.png   (0 = unlabelled, 1..5 = the classes)

Each picture is a scene of textured regions: sky over ground split by a wavy horizon, then discs, boxes
and stripe bands painted over them. Colours are random per image, so a class is told by its texture
and shape, not its colour.
"""
import argparse
import os
import os.path as osp

import cv2
import numpy as np

CLASSES = ('sky', 'ground', 'disc', 'box', 'band')
PALETTE = [[70, 130, 180], [140, 110, 70], [220, 20, 60], [250, 170, 30], [107, 142, 35]]


def _texture(rng: np.random.RandomState, kind: str, size: int) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    colour = rng.uniform(30, 225, 3)
    if kind == 'sky':  # smooth vertical gradient
        pattern = (ys / size - 0.5)[..., None] * rng.uniform(40, 80)
    elif kind == 'ground':  # coarse noise
        pattern = cv2.resize(rng.normal(0, 30, (size // 8, size // 8, 3)), (size, size))
    elif kind == 'disc':  # fine noise
        pattern = rng.normal(0, 18, (size, size, 3))
    elif kind == 'box':  # checkerboard
        cell = rng.randint(4, 9)
        pattern = (((xs // cell + ys // cell) % 2)[..., None] - 0.5) * 60
    else:  # 'band': diagonal stripes
        pattern = np.sin((xs + ys) * rng.uniform(0.3, 0.6))[..., None] * 35
    return colour + pattern


def render(rng: np.random.RandomState, size: int):
    label = np.zeros((size, size), np.uint8)
    xs = np.arange(size)
    horizon = size * rng.uniform(0.3, 0.6) + size * 0.05 * np.sin(xs * rng.uniform(0.02, 0.06) + rng.uniform(0, 6))
    label[np.arange(size)[:, None] < horizon[None, :]] = CLASSES.index('sky') + 1
    label[np.arange(size)[:, None] >= horizon[None, :]] = CLASSES.index('ground') + 1
    for _ in range(rng.randint(1, 3)):  # bands
        y0, h = rng.randint(0, size - 12), rng.randint(6, 16)
        label[y0:y0 + h] = CLASSES.index('band') + 1
    for _ in range(rng.randint(1, 5)):  # boxes and discs
        cx, cy, r = rng.randint(0, size), rng.randint(0, size), rng.randint(10, size // 5)
        if rng.rand() < 0.5:
            cv2.circle(label, (cx, cy), r, CLASSES.index('disc') + 1, -1)
        else:
            cv2.rectangle(label, (cx - r, cy - r), (cx + r, cy + int(r * rng.uniform(0.5, 1.5))),
                          CLASSES.index('box') + 1, -1)
    img = np.zeros((size, size, 3), np.float32)
    for i, kind in enumerate(CLASSES):
        mask = label == i + 1
        img[mask] = _texture(rng, kind, size)[mask]
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), label


def write_split(out: str, split: str, num: int, size: int, seed: int) -> None:
    rng = np.random.RandomState(seed)
    for sub in ('images', 'annotations'):
        os.makedirs(osp.join(out, sub, split), exist_ok=True)
    for i in range(num):
        img, label = render(rng, size)
        cv2.imwrite(osp.join(out, 'images', split, f'{i:06d}.jpg'), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
        cv2.imwrite(osp.join(out, 'annotations', split, f'{i:06d}.png'), label)
    print(f'{split}: {num} images -> {osp.join(out, "images", split)}')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out', help='output folder, e.g. data/toy_ade')
    parser.add_argument('--train', type=int, default=300)
    parser.add_argument('--val', type=int, default=50)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    write_split(args.out, 'training', args.train, args.size, args.seed)
    write_split(args.out, 'validation', args.val, args.size, args.seed + 1)


if __name__ == '__main__':
    main()
