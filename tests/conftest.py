"""Shared fixtures: small FER2013 files built in code (good and bad), shared data."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from .requires import require_shared_data

SPLIT_CYCLE = ("Training", "Training", "PublicTest", "PrivateTest")
LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904e0d6a4b2f6d3b1e4c2e1f3a9\n"
    "size 301072766\n"
)
HTML_PAGE = (
    "<!DOCTYPE html>\n<html lang='en'><head><title>Kaggle: Your Home for Data "
    "Science</title></head><body>Sign in</body></html>\n"
)


def make_fer_rows(
    per_class: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deterministic random faces: images (N,48,48) uint8, labels, usage (cycled)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(7), per_class)
    rng.shuffle(labels)
    images = rng.integers(0, 256, (labels.size, 48, 48), dtype=np.uint8)
    usage = np.array([SPLIT_CYCLE[i % len(SPLIT_CYCLE)] for i in range(labels.size)])
    return images, labels, usage


def make_fer_csv(
    tmp_path: Path,
    per_class: int = 2,
    seed: int = 0,
    *,
    name: str = "fer2013.csv",
    icml: bool = False,
    usage: bool = True,
    empty_usage_rows: tuple[int, ...] = (),
    pixel_count_row: int | None = None,
    non_numeric_row: int | None = None,
    label_row: int | None = None,
    label_value: str = "7",
    header: str | None = None,
) -> Path:
    """Write a FER2013-layout CSV (``.gz`` if ``name`` says so) with optional faults.

    Row indices are 0-based data rows; the faults are the ones users actually meet.
    """
    images, labels, splits = make_fer_rows(per_class, seed)
    if icml:
        lines = ["emotion, Usage, pixels"]
    elif header is not None:
        lines = [header]
    else:
        lines = ["emotion,pixels,Usage" if usage else "emotion,pixels"]
    for i, (image, label, split) in enumerate(zip(images, labels, splits, strict=True)):
        pixels = " ".join(map(str, image.ravel().tolist()))
        if i == pixel_count_row:
            pixels = pixels.rsplit(" ", 1)[0]  # 2303 pixels
        if i == non_numeric_row:
            tokens = pixels.split(" ")
            tokens[1] = "abc"  # the second pixel of the row
            pixels = " ".join(tokens)
        label_text = label_value if i == label_row else str(label)
        split_text = "" if i in empty_usage_rows else split
        if icml:
            lines.append(f"{label_text},{split_text},{pixels}")
        elif usage:
            lines.append(f"{label_text},{pixels},{split_text}")
        else:
            lines.append(f"{label_text},{pixels}")
    path = tmp_path / name
    text = "\n".join(lines) + "\n"
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.fixture
def fer_csv(tmp_path: Path) -> Path:
    """A clean fer2013.csv: 14 faces, all three splits."""
    return make_fer_csv(tmp_path)


@pytest.fixture
def lfs_pointer_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fer2013.csv"
    path.write_text(LFS_POINTER)
    return path


@pytest.fixture
def html_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fer2013.csv"
    path.write_text(HTML_PAGE)
    return path


@pytest.fixture
def empty_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fer2013.csv"
    path.write_bytes(b"")
    return path


@pytest.fixture
def header_only_csv(tmp_path: Path) -> Path:
    path = tmp_path / "fer2013.csv"
    path.write_text("emotion,pixels,Usage\n")
    return path


@pytest.fixture
def pixel_count_csv(tmp_path: Path) -> Path:
    """Data row 5 (line 7) has 2303 pixels."""
    return make_fer_csv(tmp_path, pixel_count_row=5)


@pytest.fixture
def non_numeric_csv(tmp_path: Path) -> Path:
    """Data row 3 (line 5) has the pixel 'abc'."""
    return make_fer_csv(tmp_path, non_numeric_row=3)


@pytest.fixture
def bad_label_csv(tmp_path: Path) -> Path:
    """Data row 8 (line 10) has emotion 7."""
    return make_fer_csv(tmp_path, label_row=8)


@pytest.fixture
def wrong_columns_csv(tmp_path: Path) -> Path:
    return make_fer_csv(tmp_path, header="label,image,split")


@pytest.fixture
def shared_data_dir() -> Path:
    """``<repo>/../shared/data`` (CI and dev machines have it); skip when absent
    (fail under CI: tests/requires.py)."""
    return require_shared_data()
