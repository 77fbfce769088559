"""Evaluate a checkpoint on a test split: one ``Evaluation``, computed once, saved,
loaded, and the owner of every view of it (tables, figures, examples).

``Evaluation.from_checkpoint`` runs the network once per test-time augmentation mode
and keeps the faces and probabilities (``predictions``); ``Evaluation.load`` reads
the numbers back from ``evaluation.json`` (``predictions`` is None: no faces, no
probabilities). The numbers, their JSON and their tables are an
``scorecard.Scorecard``, which an Evaluation is. ``save`` is the one way an
evaluation is written (evaluation.json, its figures, the test summary in
metrics.json), whether ``python -m emo_utils eval`` or notebook 03 asks (both
through ``drivers``). Fitting the temperature: ``temperature``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import narrate, plots
from ..explore.ferplus import score_against_majority
from ..labels import EMOTIONS
from ..paths import relative_to_repo
from ..runs.rundir import RunDir
from . import metrics
from .photo_proxy import score_photo_proxy
from .saliency import SaliencyMaps, occlusion_examples
from .scorecard import FOCUS_PAIRS, Scorecard

FIGURES = ("confusion", "per_class", "confused_pairs", "reliability")


@dataclass(frozen=True)
class Predictions:
    """The test faces of an Evaluation and the network's probabilities (N,7) per
    TTA mode; the "flip" and "shift" ones may cover only the first faces."""

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    probs: dict[str | None, np.ndarray]


@dataclass(frozen=True)
class Evaluation(Scorecard):
    """A checkpoint's predictions on one test split and every number read from them.

    ``predictions`` holds the faces and probabilities when the evaluation was computed
    in this process, and is None when it was loaded from evaluation.json: views that
    need faces (mistakes, saliency) then return None.
    """

    predictions: Predictions | None = field(default=None, repr=False, compare=False)
    predictor: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------ computing
    @classmethod
    def from_checkpoint(
        cls,
        run_dir: str | os.PathLike,
        dataset,
        split: str | None = None,
        max_tta_images: int | None = None,
        predictor=None,
        ferplus=None,
        photo_faces: int | None = None,
    ) -> Evaluation:
        """Run the checkpoint on one split of ``dataset`` (default: choose_test_split).

        The augmented views run on the first ``max_tta_images`` faces only when that
        is set (smoke tests). ``predictor`` and ``ferplus`` replace the checkpoint's
        network and the default FER+ votes (tests). ``photo_faces`` limits the
        photo proxy (emo_utils.evaluation.photo_proxy) to the first faces (0: skip it).
        """
        run_dir = RunDir(run_dir)
        split = split or choose_test_split(dataset)
        images, labels = dataset.split(split)
        if len(labels) == 0:
            raise ValueError(
                f"split {split!r} of {dataset.source} is empty; choose one of "
                f"{dataset.split_names}"
            )
        if predictor is None:
            predictor = _load_predictor(run_dir)
        start = time.perf_counter()
        probs, raw = _predict(predictor, images, max_tta_images)
        scores = metrics.summarize_predictions(labels, probs[None])
        proxy = None
        if photo_faces != 0:
            proxy = score_photo_proxy(predictor, images, labels, split, photo_faces)
        n = min(len(p) for p in probs.values())  # every mode on the same faces
        tta = tuple(metrics.score_tta(m, labels[:n], p[:n]) for m, p in probs.items())
        seconds = round(time.perf_counter() - start, 1)
        return cls(
            checkpoint=relative_to_repo(run_dir.path),
            data=relative_to_repo(dataset.source),
            split=split,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            trained_epochs=(run_dir.read_metrics() or {}).get("epochs_run"),
            class_counts=dataset.counts(),
            scores=scores,
            tta=tta,
            ferplus=score_against_majority(dataset, split, probs[None], ferplus),
            seconds=seconds,
            temperature=predictor.temperature,
            uncalibrated=metrics.reliability_bins(labels, raw),
            photo_proxy=proxy,
            engine=getattr(predictor, "engine", ""),
            predictions=Predictions(images, labels, probs),
            run_dir=run_dir,
            predictor=predictor,
        )

    @property
    def holds_predictions(self) -> bool:
        """True when the faces and probabilities are here (computed, not loaded)."""
        return self.predictions is not None

    def save(self, run_dir: str | os.PathLike | None = None) -> list[Path]:
        """Write the figures, evaluation.json and (when the run has a metrics.json)
        its test summary; returns the paths written."""
        target = RunDir(run_dir) if run_dir is not None else self.run_dir
        return self.save_figures(target.figures_dir) + self.write(target)

    # ------------------------------------------------------------ views of the faces
    def mistakes(self) -> metrics.Mistakes | None:
        """How wrong the wrong answers are; None without predictions."""
        if not self.holds_predictions:
            return None
        return metrics.mistake_summary(
            self.predictions.labels, self.predictions.probs[None]
        )

    def pair_mistakes(self, pairs=FOCUS_PAIRS, k: int = 4) -> pd.DataFrame | None:
        """The k most confident mistakes per (true, predicted) pair: index, true,
        predicted, p_predicted, p_true. None without predictions."""
        if not self.holds_predictions:
            return None
        labels, probs = self.predictions.labels, self.predictions.probs[None]
        rows = [
            {
                "index": int(i),
                "true": true,
                "predicted": pred,
                "p_predicted": float(probs[i, EMOTIONS.index(pred)]),
                "p_true": float(probs[i, EMOTIONS.index(true)]),
            }
            for true, pred in pairs
            for i in metrics.confident_mistakes(labels, probs, true, pred, k)
        ]
        columns = ["index", "true", "predicted", "p_predicted", "p_true"]
        return pd.DataFrame(rows, columns=columns)

    def saliency(
        self, pairs=FOCUS_PAIRS, max_images: int | None = None, seed: int = 0
    ) -> SaliencyMaps | None:
        """Occlusion maps of a right and a wrong face per pair, chosen among the first
        ``max_images`` faces; runs the network. None without predictions."""
        if not self.holds_predictions:
            return None
        p = self.predictions
        n = len(p.labels) if max_images is None else max_images
        predictor = self.predictor
        if predictor is None:
            predictor = _load_predictor(self.run_dir)
        return occlusion_examples(
            predictor, p.images[:n], p.labels[:n], p.probs[None][:n], pairs, seed
        )

    # ------------------------------------------------------------ figures
    def plot_confusion(self):
        """Counts (left) and % of each true class (right), titled by the worst pair."""
        cm = self.scores.confusion
        return plots.plot_confusion_pair(
            cm, metrics.row_percent(cm), narrate.confusion_title(self)
        )

    def plot_per_class(self):
        per = self.per_class_table(digits=None)
        spearman = metrics.rank_correlation(self.train_share, per["recall"])
        return plots.plot_per_class(
            per, self.train_share, spearman, narrate.per_class_title(self)
        )

    def plot_confused_pairs(self):
        return plots.plot_confused_pairs(self.most_confused())

    def plot_reliability(self):
        """The reliability diagram; with a fitted temperature, before and after."""
        if self.uncalibrated is None or self.temperature == 1.0:
            return plots.plot_reliability(
                self.scores.reliability, title=narrate.reliability_title(self)
            )
        return plots.plot_reliability_pair(
            self.uncalibrated,
            self.scores.reliability,
            narrate.calibration_titles(self),
        )

    def plot_pair_mistakes(self, pairs=FOCUS_PAIRS, k: int = 4):
        """The most confident mistakes per pair; None without predictions."""
        mistakes = self.pair_mistakes(pairs, k)
        if mistakes is None:
            return None
        cols = 2 * k if len(pairs) > 1 else k
        return plots.plot_pair_mistakes(self.predictions.images, mistakes, cols)

    def save_figures(self, folder: str | os.PathLike) -> list[Path]:
        """Save the figures the no-data fallback of notebook 03 shows."""
        makers = {name: getattr(self, f"plot_{name}") for name in FIGURES}
        return plots.save_figures(makers, folder)

    def stored_figures(self) -> list[Path]:
        """The saved figures to show instead of recomputing: none when this evaluation
        holds its predictions (its figures are drawn above)."""
        if self.holds_predictions or self.run_dir is None:
            return []
        return [self.run_dir.figures_dir / f"{name}.png" for name in FIGURES]


def choose_test_split(dataset) -> str:
    """PrivateTest when present (the reported split), else PublicTest, else the last
    split."""
    names = dataset.split_names
    for name in ("PrivateTest", "PublicTest"):
        if name in names:
            return name
    return names[-1]


# ---------------------------------------------------------------- helpers
def _load_predictor(run_dir: RunDir, calibrated: bool = True, engine: str = "onnx"):
    """The checkpoint's EmotionPredictor (on ONNX Runtime unless ``engine="tf"``);
    also emo_utils.evaluation.temperature's, uncalibrated."""
    from ..infer.predictor import load_predictor

    return load_predictor(run_dir.path, calibrated=calibrated, engine=engine)


def _predict(predictor, images, max_tta_images: int | None):
    """Probabilities per TTA mode (with the predictor's temperature): all faces
    single view, the first ``max_tta_images`` (default all) with each augmentation;
    and the single-view probabilities without the temperature."""
    from ..infer.predictor import TTA_MODES
    from ..infer.probs import calibrated_probs

    n = len(images) if max_tta_images is None else min(max_tta_images, len(images))
    probs, raw = {}, None
    for mode in TTA_MODES:
        logits = predictor.predict_logits(images if mode is None else images[:n], mode)
        probs[mode] = calibrated_probs(logits, predictor.temperature)
        if mode is None:
            raw = calibrated_probs(logits, 1.0)
    return probs, raw
