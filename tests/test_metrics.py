"""Metric maths against hand-computed small cases."""

import json

import numpy as np
import pytest

from emo_utils.evaluation import metrics
from emo_utils.labels import EMOTIONS


def onehot(pred, conf=1.0):
    """Probabilities (N,7) that put ``conf`` on ``pred`` and spread the rest."""
    probs = np.full((len(pred), 7), (1 - conf) / 6)
    probs[np.arange(len(pred)), pred] = conf
    return probs


def test_wilson_ci_matches_hand_computation():
    # p=0.5, n=100, z=1.96: centre 0.5, half = 1.96*sqrt(.0025+.000096)/1.0384 = 0.0962
    low, high = metrics.accuracy_ci(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3)
    assert high == pytest.approx(0.5962, abs=1e-3)


def test_wilson_ci_stays_inside_0_1_when_all_right():
    low, high = metrics.accuracy_ci(10, 10)
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(0.722, abs=1e-3)


def test_ci_of_nothing_raises():
    with pytest.raises(ValueError, match="at least one"):
        metrics.accuracy_ci(0, 0)


def test_ece_is_zero_for_a_perfectly_calibrated_toy_model():
    # confidence 0.8 on 10 faces, 8 of them right -> accuracy 0.8 = confidence
    labels = np.zeros(10, dtype=int)
    pred = np.array([0] * 8 + [1] * 2)
    ece = metrics.reliability_bins(labels, onehot(pred, 0.8)).ece
    assert ece == pytest.approx(0.0, abs=1e-9)


def test_ece_and_overconfidence_of_an_overconfident_model():
    # always 100% sure, right half the time -> gap 0.5
    labels = np.array([0, 1, 2, 3])
    bins = metrics.reliability_bins(labels, onehot(np.array([0, 1, 0, 0])))
    assert bins.ece == pytest.approx(0.5)
    assert bins.overconfidence == pytest.approx(0.5)


def test_reliability_bins_put_confidences_in_the_right_bin():
    labels = np.array([0, 0, 1])
    probs = np.zeros((3, 7))
    probs[0, 0], probs[0, 1] = 0.35, 0.3  # bin (0.3, 0.4]
    probs[1, 0], probs[1, 1] = 0.95, 0.05  # bin (0.9, 1.0]
    probs[2, 0], probs[2, 1] = 0.92, 0.08  # wrong, bin (0.9, 1.0]
    bins = metrics.reliability_bins(labels, probs)
    assert bins.count == [0, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert bins.accuracy[9] == pytest.approx(0.5)
    assert bins.confidence[9] == pytest.approx(0.935)
    assert bins.accuracy[0] is None


def test_scores_of_a_three_class_case():
    # true:  0 0 0 1 1 2 ; pred: 0 0 1 1 0 2 -> 4/6 right
    labels = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 0, 2])
    s = metrics.summarize_predictions(labels, onehot(pred, 0.9))
    assert s.accuracy == pytest.approx(4 / 6)
    assert s.confusion[:3, :3].tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 1]]
    assert s.confusion.sum() == 6
    angry = s.per_class["angry"]
    assert angry["precision"] == pytest.approx(2 / 3)
    assert angry["recall"] == pytest.approx(2 / 3)
    assert s.per_class["disgust"]["f1"] == pytest.approx(0.5)
    # macro over all 7 classes: classes with no support and no prediction score 0
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.5 + 1.0) / 7)
    stored = json.loads(json.dumps(s.to_dict()))  # JSON-serialisable ...
    assert metrics.Scores.from_dict(stored).to_dict() == s.to_dict()  # ... and back


def test_top2_counts_the_runner_up():
    labels = np.array([0, 1])
    probs = np.zeros((2, 7))
    probs[0, [1, 0]] = [0.6, 0.4]  # wrong, but runner-up right
    probs[1, [2, 3]] = [0.6, 0.4]  # wrong twice
    s = metrics.summarize_predictions(labels, probs)
    assert s.accuracy == 0
    assert s.top2_accuracy == pytest.approx(0.5)


def test_all_wrong_and_class_missing_from_predictions():
    s = metrics.summarize_predictions(np.array([0, 1, 2]), onehot(np.array([3, 3, 3])))
    assert s.accuracy == 0
    assert s.macro_f1 == 0
    assert s.per_class["happy"]["precision"] == 0


def test_bad_probs_shape_raises():
    with pytest.raises(ValueError, match="probs must be"):
        metrics.summarize_predictions([0, 1], np.zeros((2, 3)))


def test_tta_score_of_the_first_faces():
    labels = np.array([0, 1, 2, 3])
    t = metrics.score_tta("flip", labels, onehot(np.array([0, 1, 2, 0])))
    assert (t.mode, t.n, t.accuracy) == ("flip", 4, 0.75)
    assert t.accuracy_ci95[0] < 0.75 < t.accuracy_ci95[1]


def _cm():
    cm = np.zeros((7, 7), int)
    np.fill_diagonal(cm, 10)
    cm[0, 0], cm[0, 4] = 90, 10  # angry->sad 10% (of 100)
    cm[1, 1], cm[1, 0] = 5, 5  # disgust->angry 50% (of 10)
    return cm


def test_most_confused_ranks_by_rate_of_the_true_class():
    pairs = metrics.most_confused(_cm())
    assert list(zip(pairs["true"], pairs["predicted"], strict=True)) == [
        ("disgust", "angry"),
        ("angry", "sad"),
    ]
    assert pairs["rate"].tolist() == [0.5, 0.1]
    assert metrics.most_confused(np.eye(7, dtype=int)).empty


def test_error_share_of_the_top_pairs():
    share = metrics.error_share(_cm(), top=1)
    assert share.errors == 15
    assert share.share == pytest.approx(5 / 15)
    assert share.pairs["true"].tolist() == ["disgust"]


def test_pair_rates_both_directions_and_the_rarer_class():
    cm = _cm()
    cm[0, 1] = 2  # angry -> disgust: 2 of 102
    train = [400, 40, 100, 100, 100, 100, 100]
    rates = metrics.pair_rates(cm, train, [("disgust", "angry"), ("angry", "sad")])
    first = rates.iloc[0]
    assert (first["count"], first["support"]) == (5, 10)
    assert first["rate"] == pytest.approx(0.5)
    assert first["reverse_rate"] == pytest.approx(2 / 102)
    # disgust (40 in training) errs more towards angry (400): rarer -> commoner
    assert bool(first["rarer_to_commoner"])
    # angry (400) errs more towards sad (100): the commoner class errs more
    assert not bool(rates.iloc[1]["rarer_to_commoner"])


def test_confident_mistakes_and_their_summary():
    labels = np.array([1, 1, 1, 0])
    probs = onehot(np.array([0, 0, 1, 0]), 0.6)
    probs[1, 0], probs[1, 3] = 0.9, 0.2  # most confident mistake; runner-up happy
    idx = metrics.confident_mistakes(labels, probs, "disgust", "angry", k=4)
    assert idx.tolist() == [1, 0]
    m = metrics.mistake_summary(labels, probs)
    assert m.count == 2
    assert m.mean_p_true == pytest.approx(probs[[0, 1], 1].mean())
    assert m.runner_up_share == pytest.approx(0.5)  # only row 0's runner-up is right


def test_rank_correlation():
    assert metrics.rank_correlation([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert metrics.rank_correlation([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_row_percent_rows_sum_to_100():
    pct = metrics.row_percent(_cm())
    assert pct.sum(axis=1) == pytest.approx(np.full(7, 100.0))
    assert pct[EMOTIONS.index("disgust"), 0] == pytest.approx(50)
