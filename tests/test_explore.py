"""Data-problem finders and data facts on small made-up faces."""

import cv2
import numpy as np
import pytest

from emo_utils.data import Dataset
from emo_utils.explore import dataset as explore
from emo_utils.labels import FACE_REGIONS


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
    mf = explore.mean_faces(images, labels)
    assert mf.per_class[0, 0, 0] == pytest.approx(20)
    assert mf.overall[0, 0] == pytest.approx(140 / 3)
    assert np.isnan(mf.per_class[1]).all()
    assert mf.difference.loc["happy", "overall"] == pytest.approx(100 - 140 / 3)
    ds = Dataset(images, labels, np.array(["Training", "Training", "PublicTest"]), "t")
    table = explore.split_table(ds)
    assert table.loc["angry", "Training"] == 2
    assert table.loc["total", "PublicTest"] == 1
    assert table.loc["happy", "PublicTest %"] == 100.0


def test_mean_face_difference_by_region():
    images = np.zeros((2, 48, 48), np.uint8)
    images[1, FACE_REGIONS["mouth"]] = 200  # the happy face differs at the mouth
    diff = explore.mean_faces(images, np.array([0, 3])).difference
    assert diff.loc["happy", "mouth"] == pytest.approx(100)
    assert diff.loc["happy", "eyes"] == 0


def test_class_balance_names_the_rarest_class():
    labels = np.array([0] * 10 + [1] * 2 + [3] * 8)
    ds = Dataset(_faces(20), labels, np.array(["Training"] * 20), "t")
    b = explore.class_balance(ds)
    assert b.split == "Training"
    assert b.counts.loc["angry", "Training"] == 10
    # classes with no face at all are the rarest (0%): the first of them in label order
    assert b.rarest == "fear"
    assert b.commonest == "angry"
    assert not b.equal


def test_class_balance_of_a_balanced_sample():
    ds = Dataset(_faces(14), np.arange(14) % 7, np.array(["Training"] * 14), "t")
    assert explore.class_balance(ds).equal


def test_sample_faces_pads_classes_with_few_faces():
    picks = explore.sample_faces(np.array([0, 0, 0, 3]), per_class=2, seed=0)
    assert picks.shape == (7, 2)
    assert set(picks[0]) <= {0, 1, 2}
    assert picks[3].tolist() == [3, -1]
    assert (picks[1] == -1).all()


def test_pixel_stats():
    images = np.stack([np.full((48, 48), 50), np.full((48, 48), 200)]).astype(np.uint8)
    stats = explore.pixel_stats(images, np.array([0, 3]))
    assert stats.brightness.to_dict() == {"angry": 50.0, "happy": 200.0}
    assert stats.max_gap == pytest.approx(0.5)  # each class: half of all pixels
    assert list(stats.histograms.columns) == ["angry", "happy"]
    assert stats.contrast_range == (0.0, 0.0)


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
    assert len(s.duplicate_groups) == 1
    assert len(s.conflicting_groups) == 1
    assert len(s.cross_split_groups) == 1
    assert s.duplicate_images == 2
    shown = s.examples
    assert shown["index"].tolist()[:2] == [0, 4]
    assert shown["kind"].tolist()[:2] == ["duplicate", "duplicate"]
    assert shown["split"].tolist()[:2] == ["Training", "PublicTest"]
