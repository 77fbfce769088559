"""Find, load and validate FER2013; split it; cache it.

Core reader for the original CSV layout (``emotion,pixels,Usage``), gzipped or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from .labels import EMOTIONS, NUM_CLASSES

IMAGE_SIZE = 48
REPO_ROOT = Path(__file__).resolve().parent.parent


class DataError(ValueError):
    """A data file is missing or malformed; the message says which file, which row and what to do."""


@dataclass(frozen=True)
class Dataset:
    """FER2013 faces: uint8 images (N,48,48), int labels (N,), split names (N,)."""

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    usage: npt.NDArray[np.str_]
    source: str

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, name: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """Images and labels of one split ('Training', 'PublicTest', 'PrivateTest')."""
        mask = self.usage == name
        return self.images[mask], self.labels[mask]

    @property
    def split_names(self) -> list[str]:
        present = set(self.usage.tolist())
        order = ["Training", "PublicTest", "PrivateTest"]
        return [s for s in order if s in present] + sorted(present - set(order))


def parse_pixels(pixels: pd.Series, source: str) -> npt.NDArray[np.uint8]:
    """Parse space-separated pixel strings into (N,48,48) uint8, vectorised."""
    pixels = pixels.astype(str).str.strip()
    counts = pixels.str.count(r"\s+").to_numpy() + 1
    bad = np.flatnonzero(counts != IMAGE_SIZE * IMAGE_SIZE)
    if bad.size:
        row = int(bad[0])
        raise DataError(
            f"{source} row {row + 2}: {counts[row]} pixels, expected "
            f"{IMAGE_SIZE * IMAGE_SIZE}. Re-download the file (see data/README.md)."
        )
    flat = np.array(" ".join(pixels.tolist()).split(), dtype=np.int32)
    if flat.size != len(pixels) * IMAGE_SIZE * IMAGE_SIZE:
        raise DataError(f"{source}: pixel count mismatch. Re-download the file.")
    if flat.min(initial=0) < 0 or flat.max(initial=0) > 255:
        row = int(np.flatnonzero((flat < 0) | (flat > 255))[0]) // (IMAGE_SIZE**2)
        raise DataError(f"{source} row {row + 2}: pixel values outside 0-255.")
    return flat.astype(np.uint8).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)


def read_fer_csv(path: str | os.PathLike) -> Dataset:
    """Read a FER2013-layout CSV (``emotion,pixels,Usage``; .csv or .csv.gz)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    labels = pd.to_numeric(frame["emotion"], errors="coerce").to_numpy()
    bad = np.flatnonzero(~np.isin(labels, np.arange(NUM_CLASSES)))
    if bad.size:
        raise DataError(
            f"{path.name} row {int(bad[0]) + 2}: label {frame['emotion'].iloc[bad[0]]!r} "
            f"is not one of 0-{NUM_CLASSES - 1} ({', '.join(EMOTIONS)})."
        )
    images = parse_pixels(frame["pixels"], path.name)
    usage = frame["Usage"].str.strip().to_numpy().astype(str)
    return Dataset(images, labels.astype(np.int64), usage, str(path))


def load_fer2013(path: str | os.PathLike | None = None) -> Dataset:
    """Load FER2013 from ``path`` (temporary: CSV formats only)."""
    if path is None:
        path = REPO_ROOT.parent / "shared" / "data" / "fer2013.csv.gz"
    return read_fer_csv(path)
