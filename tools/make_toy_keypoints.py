"""Write a small deterministic COCO-keypoint dataset of articulated stick figures.

    python tools/make_toy_keypoints.py data/toy_kpt [--train 300] [--val 50] [--size 256] [--seed 0]

Layout (what mmpose's CocoDataset and CocoMetric read; keypoints in COCO's 17-point order and names):
    data/toy_kpt/annotations/person_keypoints_{train,val}.json
    data/toy_kpt/{train,val}/000000.jpg ...

Each image holds 1-3 figures facing the camera with random limb angles, sizes and lean, on a textured
background. Left limbs are drawn in warm colours and right limbs in cool ones, so left and right can be told
apart. Keypoints covered by an occluding block are labelled but not visible (v=1); keypoints outside the
image are unlabelled (v=0).
"""
import argparse
import cv2
import numpy as np

from make_toy_coco import textured_background, write_coco_split

KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder',
             'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
             'right_knee', 'left_ankle', 'right_ankle')
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10],
            [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]  # COCO's, 1-based


def _polar(origin, length, angle):
    return origin + length * np.array([np.cos(angle), np.sin(angle)])


def figure(rng: np.random.RandomState, cx: float, cy: float, height: float) -> np.ndarray:
    """17 keypoints (x, y) of a figure facing the camera (its left on the image's right)."""
    h = height
    lean = rng.uniform(-0.25, 0.25)
    up = np.array([np.sin(lean), -np.cos(lean)])
    side = np.array([np.cos(lean), np.sin(lean)])  # towards the figure's left
    hip_c = np.array([cx, cy]) + 0.15 * h * -up
    neck = hip_c + 0.32 * h * up
    pts = {}
    pts['nose'] = neck + 0.12 * h * up
    for s, name in ((1, 'left'), (-1, 'right')):
        pts[f'{name}_eye'] = pts['nose'] + 0.03 * h * up + s * 0.03 * h * side
        pts[f'{name}_ear'] = pts['nose'] + 0.01 * h * up + s * 0.06 * h * side
        pts[f'{name}_shoulder'] = neck + s * 0.12 * h * side
        pts[f'{name}_hip'] = hip_c + s * 0.08 * h * side
        down = np.arctan2(-up[1], -up[0])
        arm = down - s * rng.uniform(-0.3, 2.2)  # from hanging down to raised sideways
        pts[f'{name}_elbow'] = _polar(pts[f'{name}_shoulder'], 0.17 * h, arm)
        pts[f'{name}_wrist'] = _polar(pts[f'{name}_elbow'], 0.15 * h, arm - s * rng.uniform(-0.8, 1.2))
        leg = down - s * rng.uniform(-0.1, 0.5)
        pts[f'{name}_knee'] = _polar(pts[f'{name}_hip'], 0.22 * h, leg)
        pts[f'{name}_ankle'] = _polar(pts[f'{name}_knee'], 0.22 * h, leg + s * rng.uniform(-0.3, 0.3))
    return np.stack([pts[k] for k in KEYPOINTS])


def draw_figure(img: np.ndarray, kpts: np.ndarray, height: float, rng: np.random.RandomState) -> None:
    width = max(2, int(height * 0.045))
    body = rng.uniform(60, 200, 3)
    idx = {k: i for i, k in enumerate(KEYPOINTS)}
    torso = kpts[[idx['left_shoulder'], idx['right_shoulder'], idx['right_hip'], idx['left_hip']]]
    cv2.fillPoly(img, [np.round(torso).astype(np.int32)], body.tolist())
    for s, warm in (('left', True), ('right', False)):
        colour = (rng.uniform(0, 80), rng.uniform(60, 160), rng.uniform(180, 255))  # BGR: warm
        colour = colour if warm else colour[::-1]
        for a, b in (('shoulder', 'elbow'), ('elbow', 'wrist'), ('hip', 'knee'), ('knee', 'ankle')):
            p, q = kpts[idx[f'{s}_{a}']], kpts[idx[f'{s}_{b}']]
            cv2.line(img, tuple(np.round(p).astype(int)), tuple(np.round(q).astype(int)), colour, width, cv2.LINE_AA)
    cv2.circle(img, tuple(np.round(kpts[idx['nose']]).astype(int)), int(height * 0.08), body.tolist(), -1)
    for eye in ('left_eye', 'right_eye'):
        cv2.circle(img, tuple(np.round(kpts[idx[eye]]).astype(int)), max(1, width // 2), (20, 20, 20), -1)


def render(rng: np.random.RandomState, size: int):
    img = np.clip(textured_background(rng, size), 0, 255).astype(np.uint8)
    people = []
    for _ in range(rng.randint(1, 4)):
        height = rng.uniform(0.35, 0.8) * size
        cx, cy = rng.uniform(0.15, 0.85) * size, rng.uniform(0.4, 0.6) * size
        kpts = figure(rng, cx, cy, height)
        draw_figure(img, kpts, height, rng)
        people.append((kpts, height))
    occluder = None
    if rng.rand() < 0.4:  # a block over part of one figure
        kpts, height = people[rng.randint(len(people))]
        centre = kpts[rng.randint(len(KEYPOINTS))]
        half = rng.uniform(0.06, 0.15) * height
        occluder = (centre - half, centre + half)
        x0, y0 = np.round(occluder[0]).astype(int)
        x1, y1 = np.round(occluder[1]).astype(int)
        cv2.rectangle(img, (x0, y0), (x1, y1), rng.uniform(0, 255, 3).tolist(), -1)
    anns = []
    for i, (kpts, height) in enumerate(people):
        inside = (kpts >= 0).all(1) & (kpts < size - 1).all(1)
        hidden = np.zeros(len(kpts), bool)
        for later, _ in people[i + 1:]:  # covered by a figure drawn later: near its limbs / torso
            hidden |= np.min(np.linalg.norm(kpts[:, None] - later[None], axis=2), axis=1) < 0.04 * height
        if occluder is not None:
            hidden |= (kpts >= occluder[0]).all(1) & (kpts <= occluder[1]).all(1)
        vis = np.where(inside, np.where(hidden, 1, 2), 0)
        if (vis > 0).sum() < 5:
            continue
        labelled = kpts[vis > 0]
        x0, y0 = np.maximum(labelled.min(0) - 0.08 * height, 0)
        x1, y1 = np.minimum(labelled.max(0) + 0.08 * height, size - 1)
        flat = np.concatenate([np.where(vis[:, None] > 0, np.round(kpts, 2), 0), vis[:, None]], 1)
        anns.append(dict(category_id=1, keypoints=flat.ravel().tolist(), num_keypoints=int((vis > 0).sum()),
                         bbox=[round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2)],
                         area=round(float((x1 - x0) * (y1 - y0) * 0.5), 2), iscrowd=0))
    return img, anns


def write_split(out: str, split: str, num: int, size: int, seed: int) -> None:
    categories = [dict(id=1, name='person', supercategory='person', keypoints=list(KEYPOINTS), skeleton=SKELETON)]
    write_coco_split(out, split, num, size, seed, render, categories, f'person_keypoints_{split}.json')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out', help='output folder, e.g. data/toy_kpt')
    parser.add_argument('--train', type=int, default=300)
    parser.add_argument('--val', type=int, default=50)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    write_split(args.out, 'train', args.train, args.size, args.seed)
    write_split(args.out, 'val', args.val, args.size, args.seed + 1)


if __name__ == '__main__':
    main()
