"""Training writes resumable checkpoints and an inference export that loads the same."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
import tensorflow as tf
import tflearn

from emo_utils.model import build_network
from emo_utils.predict import CheckpointError, EmotionPredictor, load_weights
from emo_utils.preprocess import to_model_input
from emo_utils.train import fit, hold_out, save_weights

from .helpers import TINY, fer_faces

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data():
    images, labels = fer_faces(64)
    return hold_out(images, labels, fraction=0.25, seed=0)


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_and_continues_its_epoch_count(tmp_path, data):
    def stop_after_two(history):
        if len(history) == 2:
            raise Interrupt  # like Ctrl-C or a kernel restart after epoch 2

    with pytest.raises(Interrupt):
        fit(
            TINY,
            data,
            tmp_path,
            num_epochs=4,
            on_epoch_end=stop_after_two,
            progress=False,
        )
    assert json.loads((tmp_path / "state" / "state.json").read_text())["epoch"] == 2

    metrics = fit(TINY, data, tmp_path, num_epochs=4, progress=False)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4]
    assert metrics["epochs_run"] == 4
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["history"] == metrics["history"]
    assert {"config", "seed", "versions", "train_seconds", "img_per_s"} <= set(saved)

    again = fit(
        TINY, data, tmp_path, num_epochs=4, progress=False
    )  # nothing left to do
    assert len(again["history"]) == 4


def test_resume_from_the_previous_state_when_the_newest_was_lost(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    (tmp_path / "state").rename(tmp_path / "state.old")  # killed mid-swap
    metrics = fit(TINY, data, tmp_path, num_epochs=2, progress=False)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2]


def test_a_different_config_in_the_same_run_dir_is_refused(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    other = dataclasses.replace(TINY, lr=0.5)
    with pytest.raises(ValueError, match="different config"):
        fit(other, data, tmp_path, num_epochs=2, progress=False)


def test_a_finished_run_extends_with_a_warm_restart_but_not_a_changed_past(
    tmp_path, data
):
    cosine = dataclasses.replace(TINY, lr_schedule="cosine")
    fit(cosine, data, tmp_path, num_epochs=2, progress=False)
    longer = dataclasses.replace(
        cosine, num_epochs=4, restarts=(2,), restart_lr_scale=0.5
    )
    metrics = fit(longer, data, tmp_path, progress=False, snapshots_from=3)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4]
    assert metrics["history"][2]["lr"] > metrics["history"][1]["lr"]  # restarted
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == [
        "epoch-003.npz",
        "epoch-004.npz",
    ]
    moved = dataclasses.replace(longer, num_epochs=6, restarts=(1,))
    with pytest.raises(ValueError, match="epochs already run"):
        fit(moved, data, tmp_path, progress=False)


def test_weights_without_a_state_are_not_overwritten_by_accident(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    shutil.rmtree(tmp_path / "state")  # like a fresh clone of the shipped checkpoint
    before = (tmp_path / "weights.npz").read_bytes()
    with pytest.raises(FileExistsError, match="--overwrite"):
        fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    assert (tmp_path / "weights.npz").read_bytes() == before
    metrics = fit(TINY, data, tmp_path, num_epochs=1, progress=False, overwrite=True)
    assert metrics["epochs_run"] == 1


def test_early_stopping_stops_on_a_plateau(tmp_path, data):
    frozen = dataclasses.replace(TINY, lr=0.0)  # never improves after epoch 1
    metrics = fit(frozen, data, tmp_path, num_epochs=6, patience=2, progress=False)
    assert metrics["epochs_run"] == 3


def test_exported_weights_predict_like_the_training_graph(tmp_path, data):
    config = dataclasses.replace(TINY, normalize=True, mean=120.0, std=60.0)
    faces = data.val_images
    with tf.Graph().as_default():
        model = tflearn.DNN(build_network(config), tensorboard_verbose=0)
        expected = np.asarray(model.predict(to_model_input(faces)))
        save_weights(model.session, tmp_path / "weights.npz")
    (tmp_path / "config.json").write_text(config.to_json())
    before = faces.copy()
    got = EmotionPredictor.from_checkpoint(tmp_path).predict_faces(faces)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(faces, before)  # input not mutated


def test_bad_checkpoints_get_clear_errors(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    with pytest.raises(CheckpointError, match="no config.json"):
        EmotionPredictor.from_checkpoint(tmp_path / "missing")
    wrong = dataclasses.replace(TINY, layers=TINY.layers[:1] + TINY.layers[2:])
    with pytest.raises(CheckpointError, match="another architecture"):
        EmotionPredictor(wrong, load_weights(tmp_path / "weights.npz"))
    raw = (tmp_path / "weights.npz").read_bytes()
    (tmp_path / "weights.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        EmotionPredictor.from_checkpoint(tmp_path)
