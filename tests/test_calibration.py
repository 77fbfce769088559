"""Temperature scaling: fitted by Brier score, applied per view, labels unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from emo_utils.evaluation.calibration import calibrate, fit_temperature
from emo_utils.infer.probs import calibrated_probs, softmax


def _overconfident(n=2000, temperature=2.5, seed=0):
    """Logits of a model whose honest probabilities need T = ``temperature``."""
    rng = np.random.default_rng(seed)
    honest = rng.normal(0, 1.5, (n, 7))
    labels = np.array([rng.choice(7, p=p) for p in softmax(honest)])
    return honest * temperature, labels


def test_fit_recovers_a_known_temperature():
    logits, labels = _overconfident(temperature=2.5)
    assert fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.1)


def test_calibration_lowers_ece_and_keeps_labels():
    logits, labels = _overconfident()
    result = calibrate(logits[None], labels, None, "test")
    assert result.ece_after < 0.05 < 0.2 < result.ece_before  # 0.05: sampling noise
    assert result.nll_after < result.nll_before
    before, after = calibrated_probs(logits[None], 1.0), calibrated_probs(
        logits[None], result.temperature)
    np.testing.assert_array_equal(before.argmax(1), after.argmax(1))


def test_views_are_softened_then_averaged():
    views = np.array([[[2.0, 0, 0, 0, 0, 0, 0]], [[0, 2.0, 0, 0, 0, 0, 0]]])
    expected = (softmax(views[0] / 2) + softmax(views[1] / 2)) / 2
    np.testing.assert_allclose(calibrated_probs(views, 2.0), expected)


def test_no_faces_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        fit_temperature(np.zeros((0, 7)), np.zeros(0, int))


def _label_smoothed(n=3000, odd=0.03, seed=1):
    """Logits like a label-smoothed network's: honest but capped confidence on most
    faces (needs T = 1.3), and a few odd faces with extreme logits on a wrong class."""
    logits, labels = _overconfident(n, temperature=1.3, seed=seed)
    rng = np.random.default_rng(seed)
    for i in rng.choice(n, int(odd * n), replace=False):
        wrong = (labels[i] + rng.integers(1, 7)) % 7
        logits[i] = 0.0
        logits[i, wrong] = 25.0
    return logits, labels


def test_brier_fit_is_not_dragged_by_a_few_extreme_logits():
    logits, labels = _label_smoothed()
    by_nll = calibrate(logits[None], labels, None, "test", objective="nll")
    by_brier = calibrate(logits[None], labels, None, "test")
    assert by_brier.objective == "brier"
    assert by_nll.temperature > 2.0  # the odd faces pull the NLL's T far up
    assert by_brier.temperature == pytest.approx(1.3, rel=0.15)
    assert by_brier.ece_after < by_nll.ece_after
    assert by_brier.brier_after < by_brier.brier_before


def test_both_fits_agree_without_outliers():
    logits, labels = _overconfident(temperature=2.5)
    assert fit_temperature(logits, labels, "nll") == pytest.approx(
        fit_temperature(logits, labels, "brier"), rel=0.1)


def test_unknown_objective_is_an_error():
    with pytest.raises(ValueError, match="brier"):
        fit_temperature(np.zeros((3, 7)), np.zeros(3, int), objective="ece")


# ------------------------------------------------- the held-back rows, stored


def _training(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 48, 48), dtype=np.uint8), rng.integers(0, 7, n)


def test_calibration_reads_the_held_back_rows_the_run_stored(tmp_path, capsys):
    from emo_utils.runs.rundir import RunDir
    from emo_utils.train.holdout import hold_out, stored_hold_out

    images, labels = _training()
    trained = hold_out(images, labels, fraction=0.1, seed=3)
    run = RunDir(tmp_path)
    run.write_held_back(trained.held_back_record())
    # counts that would rebuild another slice: the stored rows win
    run.write_metrics({"seed": 0, "train_size": 60, "held_back_size": 60})
    again = stored_hold_out(run, images, labels)
    np.testing.assert_array_equal(again.held_back_indices, trained.held_back_indices)
    np.testing.assert_array_equal(again.held_back_images, trained.held_back_images)
    np.testing.assert_array_equal(again.train_labels, trained.train_labels)
    assert capsys.readouterr().out == ""

    other = labels.copy()
    other[0] = (other[0] + 1) % 7  # another data file, same size
    with pytest.raises(ValueError, match="use the data file the run was trained on"):
        stored_hold_out(run, images, other)
    with pytest.raises(ValueError, match="120 faces with other labels than the 119"):
        stored_hold_out(run, images[1:], labels[1:])


def test_a_run_without_stored_rows_rebuilds_them_and_says_so(tmp_path, capsys):
    from emo_utils.runs.rundir import RunDir
    from emo_utils.train.holdout import hold_out, stored_hold_out

    images, labels = _training()
    run = RunDir(tmp_path / "alexnet48")
    run.write_metrics({"seed": 2, "train_size": 108, "held_back_size": 12})
    rebuilt = stored_hold_out(run, images, labels)
    expected = hold_out(images, labels, fraction=0.1, seed=2)
    np.testing.assert_array_equal(rebuilt.held_back_indices, expected.held_back_indices)
    out = capsys.readouterr().out.splitlines()
    assert out == ["alexnet48: no held_back.json (trained before it was stored); "
                   "rebuilding the held-back slice from fraction 0.1 and seed 2"]
