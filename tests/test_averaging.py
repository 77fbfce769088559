"""Weight averaging: the mean of kept epoch weights, shipped as one network."""

import dataclasses
import json

import numpy as np
import pytest

from emo_utils.predict import CheckpointError, EmotionPredictor, load_weights
from emo_utils.train.averaging import average_epoch_weights
from emo_utils.train.holdout import hold_out
from emo_utils.train.trainer import fit

from .helpers import TINY, fer_faces

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    images, labels = fer_faces(64)
    run_dir = tmp_path_factory.mktemp("swa")
    config = dataclasses.replace(TINY, normalize=True)
    fit(config, hold_out(images, labels, 0.25), run_dir, num_epochs=3,
        progress=False, keep_epochs_from=2)
    return run_dir, images


def test_average_is_the_mean_of_the_chosen_epochs(run):
    run_dir, _ = run
    mean = average_epoch_weights(run_dir, 2, 3)
    two = load_weights(run_dir / "snapshots" / "epoch-002.npz")
    three = load_weights(run_dir / "snapshots" / "epoch-003.npz")
    assert set(mean) == set(two)
    for name in mean:
        np.testing.assert_allclose(mean[name], (two[name] + three[name]) / 2, rtol=1e-6)
    with pytest.raises(CheckpointError, match="--keep-epochs-from 1"):
        average_epoch_weights(run_dir, 1, 3)


def test_a_config_with_average_last_ships_the_average_once(tmp_path):
    images, labels = fer_faces(64)
    data = hold_out(images, labels, 0.25)
    config = dataclasses.replace(TINY, normalize=True, num_epochs=4, average_last=2)
    short = fit(config, data, tmp_path / "short", num_epochs=3, progress=False)
    assert "averaged" not in short  # too short a run to average 2 epochs of
    metrics = fit(config, data, tmp_path, progress=False)
    assert metrics["averaged"]["epochs"] == [3, 4]
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk["averaged"] == metrics["averaged"]  # recorded with the run
    shipped = load_weights(tmp_path / "weights.npz")
    mean = average_epoch_weights(tmp_path, 3, 4)
    assert set(shipped) == set(mean)
    for name in mean:
        np.testing.assert_allclose(shipped[name], mean[name], rtol=1e-6)
    probs = EmotionPredictor.from_checkpoint(tmp_path).predict_faces(
        data.held_back_images, tta=None)
    acc = float(np.mean(probs.argmax(1) == data.held_back_labels))
    assert metrics["averaged"]["held_back_acc"] == pytest.approx(acc)

    # a rerun has nothing left to do: it keeps the weights and their test results
    saved = json.loads((tmp_path / "metrics.json").read_text())
    saved["test"] = {"PublicTest": {"accuracy": 0.5}}
    (tmp_path / "metrics.json").write_text(json.dumps(saved))
    before = (tmp_path / "weights.npz").read_bytes()
    again = fit(config, data, tmp_path, progress=False)
    assert (tmp_path / "weights.npz").read_bytes() == before
    assert again["test"] == {"PublicTest": {"accuracy": 0.5}}
