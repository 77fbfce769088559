"""Find FER2013's known problems by code: near-duplicates, blank images, outliers.

Hand-picked examples prove nothing; these finders run over every image, so the notebook
can say how many there are and show the worst ones.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from .labels import EMOTIONS, NUM_CLASSES, SPLITS

HASH_SIZE = 8  # 48/6: each hash cell averages a 6x6 block


def split_table(dataset) -> pd.DataFrame:
    """Images per class (rows) and split (columns), with totals and each class's
    share."""
    splits = [s for s in SPLITS if s in dataset.split_names] + [
        s for s in dataset.split_names if s not in SPLITS
    ]
    data = {s: np.bincount(dataset.split(s)[1], minlength=NUM_CLASSES) for s in splits}
    table = pd.DataFrame(data, index=list(EMOTIONS))
    table.loc["total"] = table.sum()
    for s in splits:
        table[f"{s} %"] = (100 * table[s] / table.loc["total", s]).round(1)
    return table


def describe_balance(dataset) -> str:
    """One sentence on the rarest and commonest class of the Training split."""
    split = "Training" if "Training" in dataset.split_names else dataset.split_names[0]
    counts = np.bincount(dataset.split(split)[1], minlength=NUM_CLASSES)
    share = counts / counts.sum()
    lo, hi = int(share.argmin()), int(share.argmax())
    if share[hi] - share[lo] < 0.01:
        return (
            f"All seven classes are equally common in this {split} split "
            f"({share[lo]:.1%} each): unlike real FER2013, where disgust is about 1.5%."
        )
    return (
        f"In {split}, {EMOTIONS[lo]} is only {share[lo]:.1%} of the faces "
        f"({counts[lo]} images) while {EMOTIONS[hi]} is {share[hi]:.1%} "
        f"({counts[hi]}): {counts[hi] / max(counts[lo], 1):.0f} times more. A model "
        "that "
        f"never predicts {EMOTIONS[lo]} loses almost nothing in accuracy, which is why "
        f"we also report per-class F1."
    )


def mean_faces(
    images: npt.NDArray[np.uint8], labels: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Mean face per class (7,48,48) and the overall mean face (48,48), float."""
    labels = np.asarray(labels)
    images = np.asarray(images, dtype=np.float32)
    overall = images.mean(axis=0)
    per_class = np.stack(
        [
            images[labels == c].mean(axis=0)
            if (labels == c).any()
            else np.full(overall.shape, np.nan)
            for c in range(NUM_CLASSES)
        ]
    )
    return per_class, overall


def average_hash(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """64-bit average hash per face: 8x8 block means thresholded at their median."""
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    small = (
        images.reshape(n, HASH_SIZE, h // HASH_SIZE, HASH_SIZE, w // HASH_SIZE)
        .mean(axis=(2, 4))
        .reshape(n, -1)
    )
    bits = small > np.median(small, axis=1, keepdims=True)
    return np.packbits(bits, axis=1).view(">u8").ravel().astype(np.uint64)


def find_near_duplicates(
    images: npt.NDArray[np.uint8], min_corr: float = 0.95
) -> list[np.ndarray]:
    """Groups (index arrays, size >= 2) of faces that are the same picture.

    Candidates share an average hash; a group is kept when each member's pixels
    correlate
    with the first one at >= min_corr (robust to JPEG noise and small contrast changes).
    """
    hashes = average_hash(images)
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    starts = np.flatnonzero(np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]])
    ends = np.r_[starts[1:], len(order)]
    groups = []
    for s, e in zip(starts, ends, strict=True):
        if e - s < 2:
            continue
        idx = np.sort(order[s:e])
        flat = images[idx].reshape(len(idx), -1).astype(np.float64)
        flat -= flat.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(flat, axis=1)
        if norms[0] == 0:
            keep = norms == 0  # blank images: identical if all blank
        else:
            corr = flat @ flat[0] / np.maximum(norms * norms[0], 1e-9)
            keep = corr >= min_corr
        if keep.sum() >= 2:
            groups.append(idx[keep])
    groups.sort(key=len, reverse=True)
    return groups


def find_blank(images: npt.NDArray[np.uint8], max_std: float = 3.0) -> np.ndarray:
    """Indices of (nearly) uniform images: pixel standard deviation below
    ``max_std``."""
    std = np.asarray(images, dtype=np.float32).reshape(len(images), -1).std(axis=1)
    return np.flatnonzero(std < max_std)


def face_likeness(images: npt.NDArray[np.uint8]) -> np.ndarray:
    """Correlation of each image with the mean face (N,); low = probably not a face.

    Non-faces, cartoons, text and watermarked stock photos collect at the bottom.
    """
    flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    mean = flat.mean(axis=0)
    mean = mean - mean.mean()
    norms = np.linalg.norm(flat, axis=1) * np.linalg.norm(mean)
    return np.divide(flat @ mean, norms, out=np.zeros(len(flat)), where=norms > 0)


def find_outliers(images: npt.NDArray[np.uint8], k: int = 16) -> np.ndarray:
    """The k least face-like images (lowest correlation with the mean face), worst
    first."""
    return np.argsort(face_likeness(images), kind="stable")[:k]


def problem_summary(dataset) -> dict:
    """Counts of each problem over the whole dataset, and example indices for the
    plots."""
    blank = find_blank(dataset.images)
    groups = [
        g for g in find_near_duplicates(dataset.images) if not np.isin(g, blank).all()
    ]
    labels = np.asarray(dataset.labels)
    conflicting = [g for g in groups if len(set(labels[g].tolist())) > 1]
    usage = np.asarray(dataset.usage)
    cross_split = [g for g in groups if len(set(usage[g].tolist())) > 1]
    return {
        "n": len(dataset),
        "duplicate_groups": groups,
        "duplicate_images": int(sum(len(g) for g in groups)),
        "conflicting_groups": conflicting,
        "cross_split_groups": cross_split,
        "blank": blank,
        "outliers": find_outliers(dataset.images),
    }


def describe_problems(summary: dict) -> str:
    """Sentences reading problem_summary's counts."""
    n = summary["n"]
    return (
        f"Among {n} faces the finders flag {len(summary['duplicate_groups'])} groups "
        "of "
        f"near-identical pictures ({summary['duplicate_images']} images, "
        f"{summary['duplicate_images'] / n:.1%}); {len(summary['conflicting_groups'])} "
        f"of those groups carry different labels for the same picture and "
        f"{len(summary['cross_split_groups'])} span two splits (a test face also seen "
        "in "
        f"training). {len(summary['blank'])} images are blank. The outliers are "
        "the images least like the mean face (odd crops, white backgrounds, "
        "drawings). Such label noise caps any model's accuracy."
    )


def describe_mean_faces(per_class: np.ndarray, overall: np.ndarray) -> str:
    """Which class's mean face differs most from the average, and where (eyes or
    mouth)."""
    diff = np.abs(per_class - overall)
    eyes, mouth = diff[:, 12:24].mean(axis=(1, 2)), diff[:, 30:44].mean(axis=(1, 2))
    total = diff.mean(axis=(1, 2))
    top = int(np.nanargmax(total))
    low = int(np.nanargmin(total))
    return (
        f"{EMOTIONS[top]}'s mean face differs most from the average "
        f"({total[top]:.1f} grey levels per pixel, mouth {mouth[top]:.1f} vs eyes "
        f"{eyes[top]:.1f}); {EMOTIONS[low]}'s least ({total[low]:.1f}). Classes whose "
        "mean faces look alike are the ones a model will mix up."
    )


def describe_pixels(images: npt.NDArray[np.uint8], labels: npt.ArrayLike) -> str:
    """Brightness and contrast spread per class, in one sentence."""
    labels = np.asarray(labels)
    flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    means = [
        flat[labels == c].mean() for c in range(NUM_CLASSES) if (labels == c).any()
    ]
    stds = flat.std(axis=1)
    return (
        f"Class mean brightness ranges only {min(means):.0f}-{max(means):.0f} (of 255) "
        f"and per-image contrast spans {np.percentile(stds, 5):.0f}-"
        f"{np.percentile(stds, 95):.0f} (5th-95th percentile) within every class: "
        "the network must learn shapes, not brightness. Histogram equalisation "
        "(our preprocessing) flattens these differences further."
    )


def first_rows_dataset():
    """The first rows of the original fer2013.csv (shared course data), or None.

    Its rows line up with FER+, so it demonstrates the FER2013-vs-FER+ heat map.
    """
    from .data import REPO_ROOT, read_fer_csv

    for path in (
        REPO_ROOT / "data" / "fer2013-first-rows.csv",
        REPO_ROOT.parent / "shared" / "data" / "fer2013-first-rows.csv",
    ):
        if path.exists():
            return read_fer_csv(path, progress=False)
    return None
