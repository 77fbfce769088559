"""emo_utils.data.demo_sample: the labelled stand-in for FER2013 is deterministic
and learnable."""

from __future__ import annotations

import numpy as np
import pytest

from emo_utils import paths
from emo_utils.data import DataError, Dataset, load_data_or_demo, load_demo_sample
from emo_utils.data import demo_sample as demo
from emo_utils.labels import EMOTIONS


def test_shapes_splits_and_labels():
    dataset = load_demo_sample(per_class=20, seed=0)
    assert dataset.images.shape == (140, 48, 48)
    assert dataset.images.dtype == np.uint8
    assert dataset.labels.dtype == np.int64
    assert dataset.source == "demo"
    assert dataset.counts() == {"Training": [16] * 7, "PublicTest": [4] * 7}
    assert 0 < dataset.images.std()  # not blank
    assert dataset.images.min() < 40 < 200 < dataset.images.max()


def test_note_says_loudly_it_is_not_fer2013():
    note = load_demo_sample(per_class=1).note
    assert note.startswith("DEMO DATA, not FER2013")
    assert "fer2013.csv in data/" in note
    assert "make data" in note


def test_deterministic_for_a_seed():
    a, b = load_demo_sample(per_class=5, seed=3), load_demo_sample(per_class=5, seed=3)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.usage, b.usage)
    c = load_demo_sample(per_class=5, seed=4)
    assert not np.array_equal(a.images, c.images)


def test_default_sample_has_200_faces_per_class():
    # Its speed is measured in benchmarks/bench_data.py, never asserted in a test.
    dataset = load_demo_sample()
    assert len(dataset) == 200 * len(EMOTIONS)


def _mean_mouth(images: np.ndarray) -> np.ndarray:
    """Mean of each face's rows 28-44, centred on its own brightness."""
    faces = images.astype(float)
    faces -= faces.mean(axis=(1, 2), keepdims=True)
    return faces[:, 28:44, 14:34].mean(0)


def test_classes_differ_but_are_not_trivial():
    dataset = load_demo_sample(per_class=100, seed=0)
    happy = _mean_mouth(dataset.images[dataset.labels == EMOTIONS.index("happy")])
    sad = _mean_mouth(dataset.images[dataset.labels == EMOTIONS.index("sad")])
    assert np.abs(happy - sad).max() > 10  # smile vs frown shows in the class means
    # nearest class mean on raw pixels is barely above chance (1/7): pose, size,
    # contrast and noise vary, so a model has to learn the shapes
    x = dataset.images.reshape(len(dataset), -1).astype(float)
    x -= x.mean(1, keepdims=True)
    train = dataset.usage == "Training"
    means = np.stack([x[train & (dataset.labels == k)].mean(0) for k in range(7)])
    dist = ((x[~train, None, :] - means[None]) ** 2).sum(-1)
    accuracy = (dist.argmin(1) == dataset.labels[~train]).mean()
    assert 1 / 7 < accuracy < 0.6


def test_missing_data_falls_back_to_the_labelled_demo_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("EMO_DATA", str(tmp_path / "nowhere.csv"))
    dataset, is_demo, message = load_data_or_demo()
    assert is_demo
    assert dataset.source == "demo"
    assert "DEMO sample" in message
    assert "make data" in message


def test_a_damaged_file_is_reported_not_replaced_by_demo_data(tmp_path):
    bad = tmp_path / "fer2013.csv"
    bad.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\n")
    with pytest.raises(DataError, match="LFS"):
        load_data_or_demo(bad)


def test_the_data_line_names_the_file_relative_to_the_repository(monkeypatch):
    fake = Dataset(
        np.zeros((1, 48, 48), np.uint8),
        np.zeros(1, np.int64),
        np.array(["Training"]),
        str(paths.REPO_ROOT.parent / "shared" / "data" / "fer2013.csv.gz"),
    )
    monkeypatch.setattr(demo, "load_fer2013", lambda path: fake)
    _, is_demo, message = demo.load_data_or_demo()
    assert not is_demo
    assert message == "Using FER2013 from ../shared/data/fer2013.csv.gz: 1 faces."
