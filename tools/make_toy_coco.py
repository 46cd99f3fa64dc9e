"""Write a small deterministic COCO-format instance segmentation dataset of shapes.

    python tools/make_toy_coco.py data/toy_coco [--train 400] [--val 60] [--size 256] [--seed 0]

Layout (what mmdet's CocoDataset and CocoMetric read, nothing special-cased):
    data/toy_coco/annotations/instances_{train,val}.json
    data/toy_coco/{train,val}/000000.jpg ...

Each image has 1-5 shapes (square, circle, triangle) of varied size, rotation and colour on a textured
background. Later shapes occlude earlier ones; every annotation's segmentation is the exact visible
polygon (the drawn polygon minus what covers it), so masks match the pixels.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union

CLASSES = ('square', 'circle', 'triangle')


def shape_polygon(kind: str, cx: float, cy: float, radius: float, angle: float) -> Polygon:
    """The outline of a shape as a polygon (a circle is a 48-gon, drawn and annotated the same way)."""
    sides = {'square': 4, 'circle': 48, 'triangle': 3}[kind]
    t = angle + np.arange(sides) * 2 * np.pi / sides
    return Polygon(np.stack([cx + radius * np.cos(t), cy + radius * np.sin(t)], 1))


def textured_background(rng: np.random.RandomState, size: int) -> np.ndarray:
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    theta, freq = rng.uniform(0, np.pi), rng.uniform(0.03, 0.15)
    stripes = np.sin((xs * np.cos(theta) + ys * np.sin(theta)) * freq * 2 * np.pi)
    base = rng.uniform(40, 215, 3)
    img = base + 25 * stripes[..., None] * rng.uniform(0.3, 1, 3) + rng.normal(0, 12, (size, size, 3))
    return img


def contrasting_colour(rng: np.random.RandomState, background: np.ndarray) -> np.ndarray:
    mean = background.reshape(-1, 3).mean(0)
    while True:
        colour = rng.uniform(0, 255, 3)
        if np.abs(colour - mean).sum() > 150:
            return colour


def place_shapes(rng: np.random.RandomState, size: int):
    """Sample shapes so that each stays at least 40% visible with a hole-free visible region."""
    shapes = []
    for _ in range(rng.randint(1, 6)):
        for _try in range(20):
            radius = rng.uniform(14, size * 0.22)
            cx, cy = rng.uniform(radius, size - radius, 2)
            kind = CLASSES[rng.randint(len(CLASSES))]
            poly = shape_polygon(kind, cx, cy, radius, rng.uniform(0, 2 * np.pi))
            candidate = shapes + [(kind, poly)]
            if all(_visible(candidate, i) is not None for i in range(len(candidate))):
                shapes = candidate
                break
    return shapes


def _visible(shapes, i):
    """The visible part of shape i (as polygons without holes), or None if too little shows."""
    poly = shapes[i][1]
    cover = unary_union([p for _, p in shapes[i + 1:]]) if i + 1 < len(shapes) else None
    vis = poly.difference(cover) if cover is not None else poly
    parts = list(vis.geoms) if isinstance(vis, MultiPolygon) else [vis]
    parts = [p for p in parts if isinstance(p, Polygon) and not p.is_empty]
    if vis.area < 0.4 * poly.area or any(p.interiors for p in parts) or not parts:
        return None
    return parts


def render(rng: np.random.RandomState, size: int):
    img = textured_background(rng, size)
    shapes = place_shapes(rng, size)
    for _, poly in shapes:
        pts = np.round(np.asarray(poly.exterior.coords[:-1]) * 16).astype(np.int32)
        colour = contrasting_colour(rng, img)
        layer = np.zeros((size, size), np.uint8)
        cv2.fillPoly(layer, [pts], 1, lineType=cv2.LINE_8, shift=4)
        texture = colour + rng.normal(0, 8, (size, size, 3))
        img = np.where(layer[..., None] > 0, texture, img)
    anns = []
    for i, (kind, _) in enumerate(shapes):
        parts = _visible(shapes, i)
        segm = [np.round(np.asarray(p.exterior.coords[:-1]), 2).ravel().tolist() for p in parts]
        x0, y0, x1, y1 = unary_union(parts).bounds
        anns.append(dict(category_id=CLASSES.index(kind) + 1, segmentation=segm, area=float(sum(p.area for p in parts)),
                         bbox=[round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)], iscrowd=0))
    return np.clip(img, 0, 255).astype(np.uint8), anns


def write_coco_split(out: str, split: str, num: int, size: int, seed: int, render_fn, categories: list,
                     json_name: str) -> None:
    """Render ``num`` images with ``render_fn(rng, size) -> (image, annotations)`` and write them with a
    COCO json (images, annotations with ids, categories) to ``out/annotations/json_name``."""
    rng = np.random.RandomState(seed)
    os.makedirs(osp.join(out, split), exist_ok=True)
    images, annotations = [], []
    for img_id in range(num):
        img, anns = render_fn(rng, size)
        name = f'{img_id:06d}.jpg'
        cv2.imwrite(osp.join(out, split, name), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
        images.append(dict(id=img_id, file_name=name, width=size, height=size))
        for ann in anns:
            annotations.append(dict(ann, id=len(annotations) + 1, image_id=img_id))
    os.makedirs(osp.join(out, 'annotations'), exist_ok=True)
    with open(osp.join(out, 'annotations', json_name), 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=categories), f)
    print(f'{split}: {num} images, {len(annotations)} annotations -> {osp.join(out, split)}')


def write_split(out: str, split: str, num: int, size: int, seed: int) -> None:
    categories = [dict(id=i + 1, name=n, supercategory='shape') for i, n in enumerate(CLASSES)]
    write_coco_split(out, split, num, size, seed, render, categories, f'instances_{split}.json')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out', help='output folder, e.g. data/toy_coco')
    parser.add_argument('--train', type=int, default=400, help='training images')
    parser.add_argument('--val', type=int, default=60, help='validation images')
    parser.add_argument('--size', type=int, default=256, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    write_split(args.out, 'train', args.train, args.size, args.seed)
    write_split(args.out, 'val', args.val, args.size, args.seed + 1)


if __name__ == '__main__':
    main()
