"""Data-problem finders and summaries on small made-up faces."""

import cv2
import numpy as np
import pytest

from emo_utils import explore
from emo_utils.data import Dataset


def _faces(n, seed=0):
    """Smooth random images (like faces, unlike pixel noise): 6x6 blocks, upscaled."""
    small = np.random.default_rng(seed).integers(0, 256, (n, 6, 6)).astype(np.uint8)
    return np.stack(
        [cv2.resize(s, (48, 48), interpolation=cv2.INTER_LINEAR) for s in small]
    )


def test_near_duplicates_survive_jpeg_like_noise_but_distinct_faces_do_not_group():
    faces = _faces(6)
    noisy = np.clip(
        faces[2].astype(int) + np.random.default_rng(1).integers(-3, 4, (48, 48)),
        0,
        255,
    ).astype(np.uint8)
    images = np.concatenate([faces, noisy[None]])
    groups = explore.find_near_duplicates(images)
    assert [g.tolist() for g in groups] == [[2, 6]]


def test_blank_finder():
    images = _faces(4)
    images[1] = 0
    images[3] = 128
    assert explore.find_blank(images).tolist() == [1, 3]


def test_outlier_is_the_image_least_like_the_mean_face():
    base = np.tile(np.linspace(0, 255, 48), (48, 1))
    images = (
        np.stack(
            [base + np.random.default_rng(i).normal(0, 5, (48, 48)) for i in range(9)]
            + [base.T]
        )
        .clip(0, 255)
        .astype(np.uint8)
    )
    assert explore.find_outliers(images, k=1).tolist() == [9]


def test_mean_faces_and_split_table():
    images = np.stack([np.full((48, 48), v) for v in (10, 30, 100)]).astype(np.uint8)
    labels = np.array([0, 0, 3])
    per_class, overall = explore.mean_faces(images, labels)
    assert per_class[0, 0, 0] == pytest.approx(20)
    assert overall[0, 0] == pytest.approx(140 / 3)
    assert np.isnan(per_class[1]).all()
    ds = Dataset(images, labels, np.array(["Training", "Training", "PublicTest"]), "t")
    table = explore.split_table(ds)
    assert table.loc["angry", "Training"] == 2
    assert table.loc["total", "PublicTest"] == 1
    assert table.loc["happy", "PublicTest %"] == 100.0
    assert "disgust is only 0.0%" in explore.describe_balance(ds)


def test_problem_summary_flags_conflicting_and_cross_split_duplicates():
    faces = _faces(4)
    images = np.concatenate([faces, faces[:1]])
    ds = Dataset(
        images,
        np.array([0, 1, 2, 3, 5]),
        np.array(["Training"] * 4 + ["PublicTest"]),
        "t",
    )
    s = explore.problem_summary(ds)
    assert len(s["duplicate_groups"]) == 1
    assert len(s["conflicting_groups"]) == 1
    assert len(s["cross_split_groups"]) == 1
    assert "1 groups" in explore.describe_problems(s)


def test_describe_balance_on_a_balanced_sample():
    images = _faces(14)
    ds = Dataset(images, np.arange(14) % 7, np.array(["Training"] * 14), "t")
    assert "equally common" in explore.describe_balance(ds)
