"""Temperature scaling: probabilities that mean what they say.

A network trained to low loss is overconfident: alexnet48 says "88%" where it is
right about 70% of the time. Dividing its logits by one number T > 1, fitted on the
held-back slice (never on a test split), fixes most of that without changing a
single label (Guo et al., 2017). T is stored in the checkpoint's calibration.json and
``EmotionPredictor`` applies it to every TTA view before averaging.

T minimises the Brier score, not the NLL. Both are proper scores and agree on a
network trained on hard labels (alexnet48: T 1.72 either way). They part on one
trained with label smoothing: its confidence tops out near 0.9 on ordinary faces and
only a few odd inputs get extreme logits. The NLL, unbounded per face, raises T to
tame those few and flattens everything else (alexnet48r: T 1.43, held-back ECE
0.075 -> 0.087, worse); the Brier score, at most 2 per face, fits the bulk (T 1.20,
ECE 0.047; PublicTest with flips 0.080 against 0.038).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

from ..infer.probs import calibrated_probs
from .metrics import reliability_bins


def nll(labels: npt.ArrayLike, probs: npt.ArrayLike) -> float:
    """Mean negative log-likelihood of the true labels."""
    probs = np.asarray(probs)
    labels = np.asarray(labels)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))


def brier(labels: npt.ArrayLike, probs: npt.ArrayLike) -> float:
    """Mean squared distance between the probabilities and the one-hot labels (0-2)."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    one_hot = np.zeros_like(probs)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return float(np.mean(np.sum((probs - one_hot) ** 2, axis=1)))


OBJECTIVES = {"brier": brier, "nll": nll}


def fit_temperature(view_logits: npt.ArrayLike, labels: npt.ArrayLike,
                    objective: str = "brier") -> float:
    """The T in [0.05, 20] that minimises the ``objective`` ("brier" or "nll") of
    ``labels`` (1-D search); see the module docstring for why Brier."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, "
                         f"got {objective!r}")
    score = OBJECTIVES[objective]
    view_logits = np.asarray(view_logits, dtype=np.float64)
    labels = np.asarray(labels)
    if view_logits.ndim == 2:
        view_logits = view_logits[None]
    if len(labels) == 0:
        raise ValueError("fitting a temperature needs at least one labelled face")
    result = minimize_scalar(
        lambda log_t: score(labels, calibrated_probs(view_logits, np.exp(log_t))),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(result.x))


@dataclass(frozen=True)
class Calibration:
    """A fitted temperature and what it did on the data it was fitted on."""

    temperature: float
    tta: str | None  # the TTA mode the logits were averaged over when fitting
    fitted_on: str  # e.g. "held-back slice of Training (1437 faces)"
    objective: str  # what T minimised there: "brier" or "nll"
    brier_before: float
    brier_after: float
    nll_before: float
    nll_after: float
    ece_before: float
    ece_after: float

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v)
                for k, v in asdict(self).items()}


def calibrate(view_logits: npt.ArrayLike, labels: npt.ArrayLike, tta: str | None,
              fitted_on: str, objective: str = "brier") -> Calibration:
    """Fit T on these logits and labels; measure Brier, NLL and ECE before and after."""
    t = fit_temperature(view_logits, labels, objective)
    before = calibrated_probs(view_logits, 1.0)
    after = calibrated_probs(view_logits, t)
    return Calibration(
        temperature=t, tta=tta, fitted_on=fitted_on, objective=objective,
        brier_before=brier(labels, before), brier_after=brier(labels, after),
        nll_before=nll(labels, before), nll_after=nll(labels, after),
        ece_before=reliability_bins(labels, before).ece,
        ece_after=reliability_bins(labels, after).ece,
    )

