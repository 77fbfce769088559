"""Metric helpers against hand-computed small cases."""

import json

import numpy as np
import pytest

from emo_utils import evaluate
from emo_utils.labels import EMOTIONS


def _onehot(pred, conf=1.0):
    probs = np.full((len(pred), 7), (1 - conf) / 6)
    probs[np.arange(len(pred)), pred] = conf
    return probs


def test_wilson_ci_matches_hand_computation():
    # p=0.5, n=100, z=1.96: centre 0.5, half = 1.96*sqrt(.0025+.000096)/1.0384 = 0.0962
    low, high = evaluate.accuracy_ci(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3)
    assert high == pytest.approx(0.5962, abs=1e-3)


def test_wilson_ci_stays_inside_0_1_when_all_right():
    low, high = evaluate.accuracy_ci(10, 10)
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(0.722, abs=1e-3)


def test_ci_of_nothing_raises():
    with pytest.raises(ValueError, match="at least one"):
        evaluate.accuracy_ci(0, 0)


def test_ece_is_zero_for_a_perfectly_calibrated_toy_model():
    # confidence 0.8 on 10 faces, 8 of them right -> accuracy 0.8 = confidence
    labels = np.zeros(10, dtype=int)
    pred = np.array([0] * 8 + [1] * 2)
    assert evaluate.expected_calibration_error(
        labels, _onehot(pred, 0.8)
    ) == pytest.approx(0.0, abs=1e-9)


def test_ece_of_an_overconfident_model():
    # always 100% sure, right half the time -> gap 0.5
    labels = np.array([0, 1, 2, 3])
    pred = np.array([0, 1, 0, 0])
    assert evaluate.expected_calibration_error(labels, _onehot(pred)) == pytest.approx(
        0.5
    )


def test_reliability_bins_put_confidences_in_the_right_bin():
    labels = np.array([0, 0, 1])
    probs = np.zeros((3, 7))
    probs[0, 0], probs[0, 1] = 0.35, 0.3  # bin (0.3, 0.4]
    probs[1, 0], probs[1, 1] = 0.95, 0.05  # bin (0.9, 1.0]
    probs[2, 0], probs[2, 1] = 0.92, 0.08  # wrong, bin (0.9, 1.0]
    bins = evaluate.reliability_bins(labels, probs)
    assert bins["count"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert bins["accuracy"][9] == pytest.approx(0.5)
    assert bins["confidence"][9] == pytest.approx(0.935)
    assert bins["accuracy"][0] is None


def test_summary_of_a_three_class_case():
    # true:  0 0 0 1 1 2 ; pred: 0 0 1 1 0 2 -> 4/6 right
    labels = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 0, 2])
    probs = _onehot(pred, 0.9)
    s = evaluate.summarize_predictions(labels, probs)
    assert s["accuracy"] == pytest.approx(4 / 6)
    cm = np.array(s["confusion"])
    assert cm[:3, :3].tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 1]]
    assert cm.sum() == 6
    angry = s["per_class"]["angry"]
    assert angry["precision"] == pytest.approx(2 / 3)
    assert angry["recall"] == pytest.approx(2 / 3)
    assert s["per_class"]["disgust"]["f1"] == pytest.approx(0.5)
    # macro over all 7 classes: classes with no support and no prediction score 0
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.5 + 1.0) / 7)
    assert s["most_confused"][0] == {
        "true": "disgust",
        "predicted": "angry",
        "count": 1,
        "rate": 0.5,
    }
    json.dumps(s)  # JSON-serialisable


def test_top2_counts_the_runner_up():
    labels = np.array([0, 1])
    probs = np.zeros((2, 7))
    probs[0, [1, 0]] = [0.6, 0.4]  # wrong, but runner-up right
    probs[1, [2, 3]] = [0.6, 0.4]  # wrong twice
    s = evaluate.summarize_predictions(labels, probs)
    assert s["accuracy"] == 0
    assert s["top2_accuracy"] == pytest.approx(0.5)


def test_all_wrong_and_class_missing_from_predictions():
    labels = np.array([0, 1, 2])
    s = evaluate.summarize_predictions(labels, _onehot(np.array([3, 3, 3])))
    assert s["accuracy"] == 0
    assert s["macro_f1"] == 0
    assert s["per_class"]["happy"]["precision"] == 0


def test_bad_probs_shape_raises():
    with pytest.raises(ValueError, match="probs must be"):
        evaluate.summarize_predictions([0, 1], np.zeros((2, 3)))


def test_most_confused_ranks_by_rate_of_the_true_class():
    cm = np.zeros((7, 7), int)
    cm[0, 0], cm[0, 4] = 90, 10  # angry->sad 10%
    cm[1, 1], cm[1, 0] = 5, 5  # disgust->angry 50%
    pairs = evaluate.most_confused_pairs(cm)
    assert [(p["true"], p["predicted"]) for p in pairs] == [
        ("disgust", "angry"),
        ("angry", "sad"),
    ]


class _Dataset:
    def __init__(self, usage):
        self.usage = np.array(usage)

    @property
    def split_names(self):
        return list(dict.fromkeys(self.usage.tolist()))


def test_private_test_preferred_then_public():
    assert (
        evaluate.choose_test_split(_Dataset(["Training", "PublicTest", "PrivateTest"]))
        == "PrivateTest"
    )
    assert (
        evaluate.choose_test_split(_Dataset(["Training", "PublicTest"])) == "PublicTest"
    )
    assert "optimistic" in evaluate.split_caveat("PublicTest")


class _FakePredictor:
    """Says 'happy' for bright faces, 'sad' for dark ones."""

    def predict_faces(self, faces, tta=None):
        faces = np.asarray(faces)
        bright = faces.reshape(len(faces), -1).mean(axis=1) > 127
        return _onehot(np.where(bright, 3, 4), 0.9).astype(np.float32)


def test_evaluate_checkpoint_and_write(tmp_path):
    from emo_utils.data import Dataset

    images = np.concatenate([np.full((4, 48, 48), 200), np.full((4, 48, 48), 50)])
    labels = np.array([3, 3, 3, 3, 4, 4, 4, 0])
    usage = np.array(["Training"] * 2 + ["PublicTest"] * 6)
    ds = Dataset(images.astype(np.uint8), labels, usage, str(tmp_path / "x.csv"))
    result = evaluate.evaluate_checkpoint(tmp_path, ds, predictor=_FakePredictor())
    # PublicTest: labels 3,3,4,4,4,0 ; preds 3,3,4,4,4,4 -> 5/6
    assert result["split"] == "PublicTest"
    assert result["n"] == 6
    assert result["accuracy"] == pytest.approx(5 / 6)
    assert result["tta"]["flip"]["accuracy"] == pytest.approx(5 / 6)
    assert result["class_counts_train"][3] == 2
    path = evaluate.write_evaluation(tmp_path, result)
    stored = evaluate.load_evaluation(tmp_path)
    assert stored["accuracy"] == pytest.approx(5 / 6, abs=1e-5)
    assert path.stat().st_size < 20_000


def test_load_evaluation_missing_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="emo_utils eval"):
        evaluate.load_evaluation(tmp_path)


def test_results_table_reads_anchors_from_file():
    anchors = evaluate.load_anchors()
    assert {a["accuracy"] for a in anchors} >= {0.712, 0.65}
    assert all(a["source"] for a in anchors)
    result = {
        "checkpoint": "checkpoints/x",
        "split": "PublicTest",
        "n": 10,
        "tta": {
            "none": {
                "n": 10,
                "accuracy": 0.6,
                "accuracy_ci95": [0.3, 0.8],
                "macro_f1": 0.5,
            }
        },
    }
    table = evaluate.results_table(result)
    assert table["accuracy"].iloc[0] == pytest.approx(0.733)
    assert "ours: x" in table["model"].tolist()


def test_occlusion_map_finds_the_informative_region():
    class Predictor:
        # P(happy) = mean brightness of the top-left 8x8 corner
        def predict_faces(self, faces, tta=None):
            faces = np.asarray(faces, dtype=float)
            p = np.zeros((len(faces), 7))
            p[:, 3] = faces[:, :8, :8].mean(axis=(1, 2)) / 255
            return p

    face = np.zeros((48, 48), np.uint8)
    face[:8, :8] = 255
    heat = evaluate.occlusion_map(Predictor(), face, EMOTIONS.index("happy"))
    assert heat[:4, :4].mean() > 0.3
    assert heat[30:, 30:].max() == 0


def test_describe_ranked_counts_share_of_all_errors():
    cm = np.zeros((7, 7), int)
    np.fill_diagonal(cm, 10)
    cm[1, 0], cm[4, 6] = 6, 2  # 8 errors; disgust->angry is 6 of them
    result = {
        "confusion": cm.tolist(),
        "most_confused": evaluate.most_confused_pairs(cm),
    }
    text = evaluate.describe_ranked(result, top=1)
    assert "(disgust -> angry) are 75% of all 8 errors" in text


def test_written_evaluation_is_rounded_and_private_keys_dropped(tmp_path):
    evaluate.write_evaluation(
        tmp_path,
        {"accuracy": 0.123456789, "_probs": [1, 2], "nested": {"x": [0.987654321]}},
    )
    stored = evaluate.load_evaluation(tmp_path)
    assert stored == {"accuracy": 0.12346, "nested": {"x": [0.98765]}}
