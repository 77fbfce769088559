"""Metric maths on predictions: accuracy with a CI, per-class scores, confusion, ECE.

Pure functions of labels (N,) and probabilities (N,7): no model, no files, no prose.
``evaluation.evaluate`` stores their results; ``emo_utils.narrate`` puts them in words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

from ..labels import EMOTIONS, NUM_CLASSES

_CLASSES = np.arange(NUM_CLASSES)


def accuracy_ci(correct: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: (low, high).

    Better than the normal approximation near 0 or 1 and for small test sets.
    """
    if total <= 0:
        raise ValueError(
            f"need at least one prediction to compute a CI, got total={total}"
        )
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = correct / total
    denom = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denom
    half = z * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denom
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


@dataclass(frozen=True)
class Reliability:
    """A confidence histogram for a reliability diagram: per equal-width bin of max
    probability, its mean confidence, its accuracy (None when empty) and its count."""

    edges: list[float]
    confidence: list[float | None]
    accuracy: list[float | None]
    count: list[int]

    @property
    def ece(self) -> float:
        """Expected calibration error: the count-weighted mean |accuracy - confidence|.

        0 means the model is right exactly as often as it says it is.
        """
        total = sum(self.count)
        if total == 0:
            raise ValueError("ECE of an empty prediction set is undefined")
        gaps = [n * abs(a - c) for n, a, c in self._filled() if n]
        return float(sum(gaps) / total)

    @property
    def overconfidence(self) -> float:
        """Count-weighted mean (confidence - accuracy): > 0 overconfident, < 0 under."""
        total = max(sum(self.count), 1)
        return float(sum(n * (c - a) for n, a, c in self._filled() if n) / total)

    def _filled(self):
        return zip(self.count, self.accuracy, self.confidence, strict=True)


def reliability_bins(
    labels: npt.ArrayLike, probs: npt.ArrayLike, num_bins: int = 10
) -> Reliability:
    """Bin the predictions by confidence (max probability) into ``num_bins`` equal
    bins; bin i holds (edges[i], edges[i+1]], confidence 0 goes in the first bin."""
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype=np.float64)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, num_bins - 1)
    masks = [idx == b for b in range(num_bins)]
    return Reliability(
        edges=edges.round(6).tolist(),
        confidence=[float(conf[m].mean()) if m.any() else None for m in masks],
        accuracy=[float(correct[m].mean()) if m.any() else None for m in masks],
        count=[int(m.sum()) for m in masks],
    )


@dataclass(frozen=True)
class Scores:
    """Every metric of one set of predictions (N faces)."""

    n: int
    accuracy: float
    accuracy_ci95: tuple[float, float]
    top2_accuracy: float
    macro_f1: float
    ece: float
    per_class: dict[str, dict[str, float]]  # emotion -> precision, recall, f1, support
    confusion: npt.NDArray[np.int64]  # (7,7): rows true, columns predicted
    reliability: Reliability

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["accuracy_ci95"] = list(self.accuracy_ci95)
        out["confusion"] = self.confusion.tolist()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scores:
        return cls(
            n=d["n"],
            accuracy=d["accuracy"],
            accuracy_ci95=tuple(d["accuracy_ci95"]),
            top2_accuracy=d["top2_accuracy"],
            macro_f1=d["macro_f1"],
            ece=d["ece"],
            per_class=d["per_class"],
            confusion=np.asarray(d["confusion"], dtype=np.int64),
            reliability=Reliability(**d["reliability"]),
        )


def _check(labels: npt.ArrayLike, probs: npt.ArrayLike) -> tuple[np.ndarray, ...]:
    labels = np.asarray(labels, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (len(labels), NUM_CLASSES):
        raise ValueError(
            f"probs must be ({len(labels)}, {NUM_CLASSES}), got {probs.shape}"
        )
    return labels, probs


def macro_f1(labels: npt.ArrayLike, pred: npt.ArrayLike) -> float:
    """Unweighted mean F1 over all seven classes (absent classes score 0)."""
    return float(
        f1_score(labels, pred, labels=_CLASSES, average="macro", zero_division=0)
    )


def summarize_predictions(labels: npt.ArrayLike, probs: npt.ArrayLike) -> Scores:
    """All metrics of one set of predictions."""
    labels, probs = _check(labels, probs)
    pred = probs.argmax(axis=1)
    correct = int((pred == labels).sum())
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, pred, labels=_CLASSES, zero_division=0
    )
    reliability = reliability_bins(labels, probs)
    return Scores(
        n=len(labels),
        accuracy=correct / len(labels),
        accuracy_ci95=accuracy_ci(correct, len(labels)),
        top2_accuracy=float(top_k_accuracy_score(labels, probs, k=2, labels=_CLASSES)),
        macro_f1=macro_f1(labels, pred),
        ece=reliability.ece,
        per_class={
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(EMOTIONS)
        },
        confusion=confusion_matrix(labels, pred, labels=_CLASSES),
        reliability=reliability,
    )


@dataclass(frozen=True)
class TTAScore:
    """Accuracy (with its 95% CI) and macro-F1 of one test-time augmentation mode on
    the first ``n`` faces; ``mode`` is one of emo_utils.predict.TTA_MODES. ``ece``:
    the expected calibration error of its averaged probabilities (None in
    evaluations saved before it was recorded)."""

    mode: str | None
    n: int
    accuracy: float
    accuracy_ci95: tuple[float, float]
    macro_f1: float
    ece: float | None = None


def score_tta(mode: str | None, labels: npt.ArrayLike, probs: npt.ArrayLike):
    """The TTAScore of ``probs`` predicted with TTA ``mode``."""
    labels, probs = _check(labels, probs)
    pred = probs.argmax(1)
    correct = int((pred == labels).sum())
    return TTAScore(
        mode=mode,
        n=len(labels),
        accuracy=correct / len(labels),
        accuracy_ci95=accuracy_ci(correct, len(labels)),
        macro_f1=macro_f1(labels, pred),
        ece=reliability_bins(labels, probs).ece,
    )


def row_percent(cm: npt.ArrayLike) -> np.ndarray:
    """A confusion matrix as % of each true class (rows sum to 100)."""
    cm = np.asarray(cm, dtype=float)
    return 100 * cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)


def most_confused(cm: npt.ArrayLike, top: int = 8) -> pd.DataFrame:
    """Off-diagonal cells of a count confusion matrix, largest share of the true class
    first: columns true, predicted, count, rate (= count / true-class total)."""
    cm = np.asarray(cm)
    totals = cm.sum(axis=1)
    rows = [
        {
            "true": EMOTIONS[t],
            "predicted": EMOTIONS[p],
            "count": int(cm[t, p]),
            "rate": float(cm[t, p] / totals[t]),
        }
        for t in range(cm.shape[0])
        for p in range(cm.shape[1])
        if t != p and cm[t, p] > 0
    ]
    frame = pd.DataFrame(rows, columns=["true", "predicted", "count", "rate"])
    order = sorted(
        range(len(rows)), key=lambda i: (-rows[i]["rate"], -rows[i]["count"])
    )
    return frame.iloc[order[:top]].reset_index(drop=True)


@dataclass(frozen=True)
class ErrorShare:
    """How much of all errors the top confused pairs account for."""

    pairs: pd.DataFrame  # the top rows of most_confused
    errors: int  # all off-diagonal faces
    share: float  # pairs' count / errors


def error_share(cm: npt.ArrayLike, top: int = 3) -> ErrorShare:
    """The ``top`` most confused pairs and their share of all errors."""
    cm = np.asarray(cm)
    errors = int(cm.sum() - np.trace(cm))
    pairs = most_confused(cm, top)
    return ErrorShare(pairs, errors, int(pairs["count"].sum()) / max(errors, 1))


def pair_rates(
    cm: npt.ArrayLike, train_counts: npt.ArrayLike, pairs
) -> pd.DataFrame:
    """For each (a, b) pair: both directions' error rates and the training counts.

    Columns a, b, count (a called b), support (test a), rate, reverse_rate, train_a,
    train_b, and rarer_to_commoner: the larger rate runs from the class with fewer
    training faces to the one with more.
    """
    cm = np.asarray(cm)
    totals = np.maximum(cm.sum(axis=1), 1)
    train = np.asarray(train_counts)
    rows = []
    for a, b in pairs:
        i, j = EMOTIONS.index(a), EMOTIONS.index(b)
        rate, reverse = cm[i, j] / totals[i], cm[j, i] / totals[j]
        rows.append(
            {
                "a": a,
                "b": b,
                "count": int(cm[i, j]),
                "support": int(cm[i].sum()),
                "rate": float(rate),
                "reverse_rate": float(reverse),
                "train_a": int(train[i]),
                "train_b": int(train[j]),
                "rarer_to_commoner": bool((rate > reverse) == (train[i] < train[j])),
            }
        )
    return pd.DataFrame(rows)


def confident_mistakes(
    labels: np.ndarray, probs: np.ndarray, true: str, predicted: str, k: int = 4
) -> np.ndarray:
    """Indices of the k most confident mistakes true -> predicted (largest
    P(predicted) first)."""
    t, p = EMOTIONS.index(true), EMOTIONS.index(predicted)
    idx = np.flatnonzero((labels == t) & (probs.argmax(1) == p))
    return idx[np.argsort(-probs[idx, p])][:k]


@dataclass(frozen=True)
class Mistakes:
    """What the model thinks of the true class on the faces it gets wrong."""

    count: int  # wrong faces
    mean_p_true: float  # mean probability given to the true class on them
    runner_up_share: float  # share of them whose true class is the second guess


def mistake_summary(labels: npt.ArrayLike, probs: npt.ArrayLike) -> Mistakes:
    """Mistakes of a set of predictions (see :class:`Mistakes`)."""
    labels, probs = _check(labels, probs)
    wrong = probs.argmax(1) != labels
    p_true = probs[wrong, labels[wrong]]
    second = np.argsort(-probs[wrong], axis=1)[:, 1] if wrong.any() else p_true
    return Mistakes(
        count=int(wrong.sum()),
        mean_p_true=float(p_true.mean()) if wrong.any() else 0.0,
        runner_up_share=float(np.mean(second == labels[wrong])) if wrong.any() else 0.0,
    )


def rank_correlation(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Spearman's rank correlation of two sequences."""
    return float(stats.spearmanr(x, y).statistic)
