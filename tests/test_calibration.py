"""Temperature scaling: fitted by NLL, applied per view, labels unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from emo_utils.calibration import calibrate, calibrated_probs, fit_temperature, softmax


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
