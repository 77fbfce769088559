"""Find FER2013's known problems by code: near-duplicates, blank images, outliers.

Hand-picked examples prove nothing; these finders run over every image, so the notebook
can say how many there are and show the worst ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..data import read_fer_csv
from ..labels import EMOTIONS, FACE_REGIONS, NUM_CLASSES
from ..paths import DATA_DIRS

HASH_SIZE = 8  # 48/6: each hash cell averages a 6x6 block
FIRST_ROWS = "fer2013-first-rows.csv"


def split_table(dataset) -> pd.DataFrame:
    """Images per class (rows) and split (columns), with totals and each class's
    share."""
    table = pd.DataFrame(dataset.counts(), index=list(EMOTIONS))
    splits = list(table.columns)
    table.loc["total"] = table.sum()
    for s in splits:
        table[f"{s} %"] = (100 * table[s] / table.loc["total", s]).round(1)
    return table


@dataclass(frozen=True)
class Balance:
    """Faces per emotion (rows) and split (columns); the verdicts are about ``split``
    (Training when the data has it)."""

    counts: pd.DataFrame
    split: str

    @property
    def shares(self) -> pd.DataFrame:
        """% of each split's faces."""
        return 100 * self.counts / self.counts.sum().clip(lower=1)

    @property
    def rarest(self) -> str:
        return str(self.shares[self.split].idxmin())

    @property
    def commonest(self) -> str:
        return str(self.shares[self.split].idxmax())

    @property
    def ratio(self) -> float:
        """Commonest over rarest class, in faces."""
        counts = self.counts[self.split]
        return counts[self.commonest] / max(counts[self.rarest], 1)

    @property
    def equal(self) -> bool:
        """All classes within one percentage point of each other."""
        shares = self.shares[self.split]
        return bool(shares.max() - shares.min() < 1)


def class_balance(dataset) -> Balance:
    """Class counts of every split, judged on Training (else the first split)."""
    split = "Training" if "Training" in dataset.split_names else dataset.split_names[0]
    return Balance(pd.DataFrame(dataset.counts(), index=list(EMOTIONS)), split)


def sample_faces(
    labels: npt.ArrayLike, per_class: int = 8, seed: int = 0
) -> np.ndarray:
    """Indices (7, per_class) of random faces of each class; -1 where a class has
    fewer faces."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    picks = np.full((NUM_CLASSES, per_class), -1)
    for c in range(NUM_CLASSES):
        idx = np.flatnonzero(labels == c)
        if len(idx):
            pick = rng.choice(idx, size=min(per_class, len(idx)), replace=False)
            picks[c, : len(pick)] = pick
    return picks


@dataclass(frozen=True)
class MeanFaces:
    """Mean face per class (7,48,48; NaN for a class without faces) and overall."""

    per_class: np.ndarray
    overall: np.ndarray

    @property
    def diff(self) -> np.ndarray:
        """Each class's mean face minus the overall mean face (7,48,48)."""
        return self.per_class - self.overall

    @property
    def difference(self) -> pd.DataFrame:
        """Mean |difference| in grey levels per class: whole face and FACE_REGIONS."""
        diff = np.abs(self.diff)
        columns = {"overall": diff.mean(axis=(1, 2))}
        columns |= {name: diff[:, rows].mean(axis=(1, 2))
                    for name, rows in FACE_REGIONS.items()}
        return pd.DataFrame(columns, index=list(EMOTIONS))

    @property
    def most_different(self) -> str:
        """The class whose mean face differs most from the overall mean face."""
        return str(self.difference["overall"].idxmax())

    @property
    def least_different(self) -> str:
        return str(self.difference["overall"].idxmin())


def mean_faces(images: npt.NDArray[np.uint8], labels: npt.ArrayLike) -> MeanFaces:
    """Mean face per class and the overall mean face, float."""
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
    return MeanFaces(per_class, overall)


@dataclass(frozen=True)
class PixelStats:
    """Pixel intensities and contrast per class.

    ``histograms`` (intensity-bin centre x present class, density) and ``contrast``
    (emotion, per-image pixel std) come from a random sample; ``max_gap`` is the
    largest total-variation distance between one class's intensity histogram and all
    classes' (0 identical, 1 disjoint). ``brightness`` (mean pixel per class) and
    ``contrast_range`` (5th and 95th percentile of per-image std) use every image.
    """

    histograms: pd.DataFrame
    contrast: pd.DataFrame
    max_gap: float
    brightness: pd.Series
    contrast_range: tuple[float, float]


def _histogram(pixels: np.ndarray) -> np.ndarray:
    return np.histogram(pixels, 32, (0, 256))[0] / max(pixels.size, 1)


def pixel_stats(
    images: npt.NDArray[np.uint8],
    labels: npt.ArrayLike,
    max_images: int = 2000,
    seed: int = 0,
) -> PixelStats:
    """Intensity histograms, contrast and their spread across classes."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(labels), size=min(max_images, len(labels)), replace=False)
    present = [c for c in range(NUM_CLASSES) if (labels[pick] == c).any()]
    edges = np.histogram_bin_edges([], bins=32, range=(0, 256))
    hists = {
        EMOTIONS[c]: np.histogram(
            images[pick[labels[pick] == c]], bins=32, range=(0, 256), density=True
        )[0]
        for c in present
    }
    everyone = _histogram(images[pick])
    gaps = [
        np.abs(_histogram(images[pick[labels[pick] == c]]) - everyone).sum() / 2
        for c in present
    ]
    flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    stds = flat.std(axis=1)
    return PixelStats(
        histograms=pd.DataFrame(hists, index=edges[:-1] + 4),
        contrast=pd.DataFrame(
            {
                "emotion": [EMOTIONS[c] for c in labels[pick]],
                "contrast": images[pick].reshape(len(pick), -1).std(axis=1),
            }
        ),
        max_gap=float(max(gaps)),
        brightness=pd.Series(
            {EMOTIONS[c]: float(flat[labels == c].mean())
             for c in range(NUM_CLASSES) if (labels == c).any()}
        ),
        contrast_range=(float(np.percentile(stds, 5)), float(np.percentile(stds, 95))),
    )


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


@dataclass(frozen=True)
class Problems:
    """FER2013's problems found over the whole dataset (index arrays into it), and
    ``examples``: up to 16 of them to show (index, kind, emotion, split)."""

    n: int
    duplicate_groups: list[np.ndarray]
    conflicting_groups: list[np.ndarray]  # duplicates with different labels
    cross_split_groups: list[np.ndarray]  # duplicates in two splits
    blank: np.ndarray
    outliers: np.ndarray
    examples: pd.DataFrame

    @property
    def duplicate_images(self) -> int:
        return int(sum(len(g) for g in self.duplicate_groups))


def problem_summary(dataset, max_groups: int = 4) -> Problems:
    """Run every finder over the whole dataset."""
    blank = find_blank(dataset.images)
    groups = [
        g for g in find_near_duplicates(dataset.images) if not np.isin(g, blank).all()
    ]
    labels, usage = np.asarray(dataset.labels), np.asarray(dataset.usage)
    conflicting = [g for g in groups if len(set(labels[g].tolist())) > 1]
    outliers = find_outliers(dataset.images)
    shown = (conflicting or groups)[:max_groups]
    return Problems(
        n=len(dataset),
        duplicate_groups=groups,
        conflicting_groups=conflicting,
        cross_split_groups=[g for g in groups if len(set(usage[g].tolist())) > 1],
        blank=blank,
        outliers=outliers,
        examples=_examples(labels, usage, shown, blank, outliers),
    )


def _examples(labels, usage, groups, blank, outliers, max_faces: int = 16):
    """Per duplicate group its first face and the first one labelled differently,
    then blank images and outliers, up to ``max_faces``."""
    idx = []
    for g in groups:
        other = [i for i in g[1:] if labels[i] != labels[g[0]]] or list(g[1:2])
        idx += [int(g[0]), int(other[0])]
    duplicates = set(idx)
    extra = list(blank[:4]) + [i for i in outliers if i not in set(blank)]
    idx += [int(i) for i in extra[: max_faces - len(idx)]]
    blank_set = set(blank.tolist())
    return pd.DataFrame(
        {
            "index": idx,
            "kind": [
                "duplicate" if i in duplicates else "blank" if i in blank_set
                else "outlier"
                for i in idx
            ],
            "emotion": [EMOTIONS[labels[i]] for i in idx],
            "split": [str(usage[i]) for i in idx],
        }
    )


def first_rows_dataset():
    """The first rows of the original fer2013.csv (shared course data), or None.

    Its rows line up with FER+, so it demonstrates the FER2013-vs-FER+ heat map.
    """
    for folder in DATA_DIRS:
        if (folder / FIRST_ROWS).exists():
            return read_fer_csv(folder / FIRST_ROWS, progress=False)
    return None
