"""Evaluation: computed once from a checkpoint and a split, saved and loaded through
one path, and the owner of its views."""

import json
from pathlib import Path

import numpy as np
import pytest

from emo_utils import narrate
from emo_utils.data import Dataset
from emo_utils.evaluation import drivers as eval_entry
from emo_utils.evaluation import evaluate, scorecard, temperature
from emo_utils.evaluation.evaluate import Evaluation
from emo_utils.runs.rundir import RunDir

from .test_metrics import onehot

REPO = Path(__file__).resolve().parents[1]


class _FakePredictor:
    """Says 'happy' for bright faces, 'sad' for dark ones; records the TTA modes."""

    temperature = 1.0
    engine = "onnx"

    def __init__(self):
        self.modes = []

    def predict_logits(self, faces, tta=None):
        """One view's logits whose softmax puts 0.9 on the answer."""
        self.modes.append(tta)
        faces = np.asarray(faces)
        bright = faces.reshape(len(faces), -1).mean(axis=1) > 127
        return np.log(onehot(np.where(bright, 3, 4), 0.9))[None]


def _dataset(tmp_path):
    images = np.concatenate([np.full((4, 48, 48), 200), np.full((4, 48, 48), 50)])
    labels = np.array([3, 3, 3, 3, 4, 4, 4, 0])
    usage = np.array(["Training"] * 2 + ["PublicTest"] * 6)
    return Dataset(images.astype(np.uint8), labels, usage, str(tmp_path / "x.csv"))


@pytest.fixture
def computed(tmp_path):
    run = tmp_path / "run"
    RunDir(run).write_metrics({"epochs_run": 3, "best_held_back_acc": 0.5})
    predictor = _FakePredictor()
    ev = Evaluation.from_checkpoint(
        run, _dataset(tmp_path), predictor=predictor, photo_faces=0
    )
    return ev, predictor


def test_from_checkpoint_scores_every_tta_mode_once(computed):
    from emo_utils.predict import TTA_MODES

    ev, predictor = computed
    # PublicTest: labels 3,3,4,4,4,0 ; preds 3,3,4,4,4,4 -> 5/6
    assert ev.split == "PublicTest"
    assert ev.scores.n == 6
    assert ev.scores.accuracy == pytest.approx(5 / 6)
    assert tuple(t.mode for t in ev.tta) == TTA_MODES
    assert predictor.modes == list(TTA_MODES)  # one pass per mode, nothing re-run
    assert ev.tta_score("flip").accuracy == pytest.approx(5 / 6)
    # every answer at 0.9, right 5 times in 6: each mode's ECE is 0.9 - 5/6
    assert ev.tta_score("flip").ece == pytest.approx(0.9 - 5 / 6, abs=1e-6)
    assert ev.test_summary()["ece_flip"] == pytest.approx(0.9 - 5 / 6, abs=1e-6)
    assert "ECE" in ev.tta_table().columns
    assert ev.class_counts["Training"][3] == 2
    assert ev.trained_epochs == 3
    assert ev.holds_predictions
    assert ev.predictions.probs[None].shape == (6, 7)
    assert not ev.ferplus.aligned  # a made-up dataset never lines up with FER+


def test_tta_on_the_first_faces_only(tmp_path):
    ev = Evaluation.from_checkpoint(
        tmp_path, _dataset(tmp_path), max_tta_images=2, predictor=_FakePredictor(),
        photo_faces=0,
    )
    assert ev.scores.n == 6
    assert [t.n for t in ev.tta] == [2, 2, 2]
    assert ev.results_table(anchors=[]).empty  # a subset is not comparable


def test_save_then_load_gives_the_same_numbers_and_no_faces(computed):
    ev, _ = computed
    paths = ev.save()
    names = {p.name for p in paths}
    assert {"evaluation.json", "metrics.json", "confusion.png"} <= names
    assert all(p.stat().st_size > 0 for p in paths)
    loaded = Evaluation.load(ev.run_dir.path)
    assert not loaded.holds_predictions
    assert loaded.scores.accuracy == pytest.approx(5 / 6, abs=1e-5)
    assert loaded.tta == tuple(
        type(t)(t.mode, t.n, round(t.accuracy, 5), tuple(round(x, 5) for x in
                t.accuracy_ci95), round(t.macro_f1, 5), round(t.ece, 5))
        for t in ev.tta
    )
    assert loaded.mistakes() is None
    # which engine ran the network is kept, and notebook 03's headline says it
    assert loaded.engine == "onnx"
    from emo_utils import narrate

    assert narrate.headline(loaded).endswith("The network ran on ONNX Runtime.")
    assert loaded.saliency() is None
    assert loaded.plot_pair_mistakes() is None
    assert [p.name for p in loaded.stored_figures()] == [
        f"{n}.png" for n in evaluate.FIGURES
    ]
    assert ev.stored_figures() == []  # computed here: its figures are drawn live


def test_save_records_the_test_summary_in_metrics(computed):
    ev, _ = computed
    ev.save()
    test = RunDir(ev.run_dir.path).read_metrics()["test"]["PublicTest"]
    assert test["accuracy"] == pytest.approx(5 / 6, abs=1e-5)
    shift = ev.tta_score("shift").accuracy
    assert test["accuracy_tta"] == pytest.approx(shift, abs=1e-5)
    assert test["per_class_recall"]["happy"] == 1.0


def test_saved_file_is_rounded_and_small(computed):
    ev, _ = computed
    ev.save()
    text = ev.run_dir.evaluation_path.read_text()
    assert len(text) < 20_000
    assert "0.83333" in text
    assert "0.833333" not in text


def test_load_missing_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="emo_utils eval"):
        Evaluation.load(tmp_path)


def test_load_of_another_format_says_how_to_remake_it(tmp_path):
    RunDir(tmp_path).write_json("evaluation.json", {"accuracy": 0.5})
    with pytest.raises(ValueError, match="emo_utils eval --checkpoint"):
        Evaluation.load(tmp_path)


@pytest.mark.parametrize("name", ["alexnet48", "seed"])
def test_committed_evaluations_load(name):
    ev = Evaluation.load(REPO / "checkpoints" / name)
    assert ev.scores.confusion.sum() == ev.scores.n == 3589
    assert ev.tta_score(None).accuracy == ev.scores.accuracy
    assert np.trace(ev.scores.confusion) / ev.scores.n == pytest.approx(
        ev.scores.accuracy, abs=1e-5
    )
    assert sum(ev.class_counts[ev.split]) == ev.scores.n


def test_one_path_saves_an_evaluation(computed, monkeypatch, tmp_path, capsys):
    """The CLI and notebook 03 both write through Evaluation.save."""
    ev, _ = computed
    saved = []
    monkeypatch.setattr(Evaluation, "save", lambda self: saved.append(self) or [])
    monkeypatch.setattr(Evaluation, "from_checkpoint", classmethod(lambda *a, **k: ev))
    monkeypatch.setattr("emo_utils.data.load_fer2013", lambda path: None)
    monkeypatch.setattr(
        "emo_utils.data.load_data_or_demo", lambda path: (None, False, "data.")
    )
    assert eval_entry.run_eval(checkpoint=tmp_path, calibrate=False) == 0
    _, message = eval_entry.evaluate_or_load(tmp_path)
    assert saved == [ev, ev]
    assert narrate.split_caveat("PublicTest") in capsys.readouterr().out
    assert message.startswith("data. Wrote ")
    eval_entry.evaluate_or_load(tmp_path, smoke=True)
    assert len(saved) == 2  # smoke runs write nothing


def test_without_fer2013_the_stored_evaluation_is_loaded(monkeypatch):
    monkeypatch.setattr(
        "emo_utils.data.load_data_or_demo", lambda path: (None, True, "demo")
    )
    ev, message = eval_entry.evaluate_or_load(REPO / "checkpoints" / "alexnet48")
    assert not ev.holds_predictions
    assert "STORED evaluation of checkpoints/alexnet48" in message


def test_views(computed):
    ev, _ = computed
    assert ev.tta_table().index.tolist() == list(narrate.TTA_NAMES.values())
    assert ev.per_class_table().loc["happy", "recall"] == 1.0
    assert ev.most_confused(1)[["true", "predicted"]].values.tolist() == [
        ["angry", "sad"]
    ]
    assert ev.train_share["happy"] == pytest.approx(1.0)
    mistakes = ev.pair_mistakes([("angry", "sad")], k=4)
    assert mistakes["index"].tolist() == [5]
    assert mistakes["p_predicted"].iloc[0] == pytest.approx(0.9)


def test_results_table_reads_anchors_from_file(computed):
    ev, _ = computed
    anchors = scorecard.load_anchors()
    assert {a["accuracy"] for a in anchors} >= {0.712, 0.65}
    assert all(a["source"] for a in anchors)
    table = ev.results_table()
    assert table["accuracy"].iloc[0] == pytest.approx(0.833)
    assert "ours: run + 10-view TTA" in table["model"].tolist()
    assert "ours: run, held-back slice of Training" in table["model"].tolist()


def test_tta_display_names_cover_the_predictor_modes():
    from emo_utils.predict import TTA_MODES

    assert tuple(narrate.TTA_NAMES) == TTA_MODES


def test_choose_test_split_prefers_private_then_public():
    ds = Dataset(
        np.zeros((3, 48, 48), np.uint8),
        np.zeros(3, int),
        np.array(["Training", "PublicTest", "PrivateTest"]),
        "t",
    )
    assert evaluate.choose_test_split(ds) == "PrivateTest"
    assert evaluate.choose_test_split(
        Dataset(ds.images[:2], ds.labels[:2], ds.usage[:2], "t")
    ) == "PublicTest"


def test_evaluation_json_is_plain_json(computed):
    ev, _ = computed
    stored = json.loads(json.dumps(ev.to_dict()))
    assert stored["tta"][0]["mode"] is None
    assert Evaluation.from_dict(stored).scores.confusion.tolist() == (
        ev.scores.confusion.tolist()
    )


def test_calibrate_checkpoint_fits_on_the_held_back_slice_only(tmp_path, monkeypatch):
    """The temperature comes from Training's held-back faces, never a test split."""
    seen = []

    class Overconfident(_FakePredictor):
        def predict_logits(self, faces, tta=None):
            seen.append(np.asarray(faces).copy())
            return 3 * super().predict_logits(faces, tta)  # too sharp

        def close(self):
            pass

    monkeypatch.setattr(evaluate, "_load_predictor", lambda *a, **k: Overconfident())
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (200, 48, 48)).astype(np.uint8)
    labels = np.where(images.mean(axis=(1, 2)) > 127, 3, 4)
    labels[::4] = 0  # a quarter the fake gets wrong: it should not say 99%
    usage = np.array(["Training"] * 100 + ["PublicTest"] * 100)
    dataset = Dataset(images, labels, usage, str(tmp_path / "x.csv"))
    RunDir(tmp_path).write_metrics({"seed": 0, "train_size": 80, "held_back_size": 20})
    fitted = temperature.calibrate_checkpoint(tmp_path, dataset)
    assert fitted.temperature > 1.5  # softened
    assert fitted.ece_after < fitted.ece_before
    stored = RunDir(tmp_path).read_calibration()
    assert stored["temperature"] == pytest.approx(fitted.temperature, abs=1e-4)
    assert "20 faces" in stored["fitted_on"]
    test_faces = {f.tobytes() for f in images[100:]}
    assert all(f.tobytes() not in test_faces for batch in seen for f in batch)


def test_a_refit_keeps_the_temperature_its_parent_fitted(tmp_path, monkeypatch):
    """A refit trained on the held-back slice: no fit there, the parent's T stays."""
    def no_predictor(*args, **kwargs):
        raise AssertionError("a refit must not be calibrated on faces it trained on")

    monkeypatch.setattr(evaluate, "_load_predictor", no_predictor)
    parent, child = RunDir(tmp_path / "parent"), RunDir(tmp_path / "child")
    child.write_json(child.CONFIG, {"init_from": str(parent.path)})
    child.write_metrics({"seed": 0, "train_size": 100, "held_back_size": 20,
                         "refit": True, "init_from": str(parent.path)})
    dataset = Dataset(np.zeros((4, 48, 48), np.uint8), np.zeros(4, np.int64),
                      np.array(["Training"] * 4), str(tmp_path / "x.csv"))
    with pytest.raises(ValueError, match="make eval"):
        temperature.calibrate_checkpoint(child.path, dataset)
    assert child.read_calibration() is None

    parent.write_calibration({
        "temperature": 1.4, "tta": "flip", "fitted_on": "held-back slice (20 faces)",
        "objective": "brier", "brier_before": 0.5, "brier_after": 0.4,
        "nll_before": 1.0, "nll_after": 0.9, "ece_before": 0.1, "ece_after": 0.03,
    })
    fitted = temperature.calibrate_checkpoint(child.path, dataset)
    assert fitted.temperature == 1.4
    stored = child.read_calibration()
    assert stored["temperature"] == 1.4
    assert "parent before the refit" in stored["fitted_on"]


def test_evaluations_saved_before_tta_ece_still_load(computed):
    ev, _ = computed
    old = ev.to_dict()
    for t in old["tta"]:
        del t["ece"]
    loaded = Evaluation.from_dict(old)
    assert loaded.tta_score("flip").ece is None
    assert loaded.test_summary()["ece_flip"] is None
    assert loaded.tta_table()["ECE"].isna().all()
