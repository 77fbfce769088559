"""Evaluate a checkpoint on a test split: one ``Evaluation``, computed once, saved,
loaded, and the owner of every view of it (tables, figures, examples).

``Evaluation.from_checkpoint`` runs the network once per test-time augmentation mode
and keeps the faces and probabilities (``predictions``); ``Evaluation.load`` reads
the numbers back from ``evaluation.json`` (``predictions`` is None: no faces, no
probabilities). ``save`` is the one way an evaluation is written (evaluation.json,
its figures, the test summary in metrics.json), whether ``python -m emo_utils eval``
(``main``) or notebook 03 (``evaluate_or_load``) asks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
import pandas as pd

from . import metrics, narrate, plots
from .ferplus import FerPlusScore, score_against_majority
from .labels import EMOTIONS, NUM_CLASSES
from .paths import SHIPPED_CHECKPOINT, relative_to_repo
from .photo_proxy import PhotoProxyScore, score_photo_proxy
from .rundir import RunDir
from .saliency import SaliencyMaps, occlusion_examples

ANCHORS_PATH = Path(__file__).resolve().parent / "anchors.json"
FORMAT = 2  # of evaluation.json
# The confused pairs notebook 03 tells the story of (true, predicted).
FOCUS_PAIRS = (
    ("disgust", "angry"),
    ("angry", "sad"),
    ("surprise", "fear"),
    ("fear", "sad"),
)
FIGURES = ("confusion", "per_class", "confused_pairs", "reliability")


@dataclass(frozen=True)
class Predictions:
    """The test faces of an Evaluation and the network's probabilities (N,7) per
    TTA mode; the "flip" and "shift" ones may cover only the first faces."""

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    probs: dict[str | None, np.ndarray]


@dataclass(frozen=True)
class Evaluation:
    """A checkpoint's predictions on one test split and every number read from them.

    ``predictions`` holds the faces and probabilities when the evaluation was computed
    in this process, and is None when it was loaded from evaluation.json: views that
    need faces (mistakes, saliency) then return None.
    """

    checkpoint: str  # the run directory, relative to the repository
    data: str  # the FER2013 source it was computed on
    split: str
    created: str  # ISO time, UTC
    trained_epochs: int | None
    class_counts: dict[str, list[int]]  # Dataset.counts(): per split, per emotion
    scores: metrics.Scores  # single view
    tta: tuple[metrics.TTAScore, ...]  # one per TTA mode
    ferplus: FerPlusScore | None  # None: not computed (older evaluations)
    seconds: float
    # the softmax temperature applied (calibration.json; 1: none) and the single-view
    # reliability the raw network had without it; None in older evaluations
    temperature: float = 1.0
    uncalibrated: metrics.Reliability | None = None
    photo_proxy: PhotoProxyScore | None = None  # the app's path on photo-like frames
    predictions: Predictions | None = field(default=None, repr=False, compare=False)
    run_dir: RunDir | None = field(default=None, repr=False, compare=False)
    predictor: Any = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------ computing
    @classmethod
    def from_checkpoint(
        cls,
        checkpoint_dir: str | os.PathLike,
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
        photo proxy (emo_utils.photo_proxy) to the first faces (0: skip it).
        """
        run_dir = RunDir(checkpoint_dir)
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
            predictions=Predictions(images, labels, probs),
            run_dir=run_dir,
            predictor=predictor,
        )

    @property
    def holds_predictions(self) -> bool:
        """True when the faces and probabilities are here (computed, not loaded)."""
        return self.predictions is not None

    # ------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        """The evaluation.json content (numbers only, no faces or probabilities)."""
        return {
            "format": FORMAT,
            "checkpoint": self.checkpoint,
            "data": self.data,
            "split": self.split,
            "created": self.created,
            "trained_epochs": self.trained_epochs,
            "seconds": self.seconds,
            "emotions": list(EMOTIONS),
            "class_counts": self.class_counts,
            "scores": self.scores.to_dict(),
            "tta": [asdict(t) for t in self.tta],
            "ferplus": asdict(self.ferplus) if self.ferplus else None,
            "temperature": self.temperature,
            "uncalibrated": asdict(self.uncalibrated) if self.uncalibrated else None,
            "photo_proxy": asdict(self.photo_proxy) if self.photo_proxy else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], run_dir: RunDir | None = None) -> Evaluation:
        if d.get("format") != FORMAT or d.get("emotions") != list(EMOTIONS):
            raise ValueError(
                f"{run_dir.evaluation_path if run_dir else 'evaluation'} has format "
                f"{d.get('format')!r}, expected {FORMAT} with the labels {EMOTIONS}; "
                "re-create it with `python -m emo_utils eval --checkpoint <run dir>`."
            )
        return cls(
            checkpoint=d["checkpoint"],
            data=d["data"],
            split=d["split"],
            created=d["created"],
            trained_epochs=d["trained_epochs"],
            class_counts=d["class_counts"],
            scores=metrics.Scores.from_dict(d["scores"]),
            tta=tuple(
                metrics.TTAScore(**{**t, "accuracy_ci95": tuple(t["accuracy_ci95"])})
                for t in d["tta"]
            ),
            ferplus=FerPlusScore(**d["ferplus"]) if d.get("ferplus") else None,
            seconds=d["seconds"],
            temperature=d.get("temperature", 1.0),
            uncalibrated=metrics.Reliability(**d["uncalibrated"])
            if d.get("uncalibrated")
            else None,
            photo_proxy=PhotoProxyScore(**d["photo_proxy"])
            if d.get("photo_proxy")
            else None,
            run_dir=run_dir,
        )

    @classmethod
    def load(cls, checkpoint_dir: str | os.PathLike) -> Evaluation:
        """Read checkpoint_dir/evaluation.json; a clear error when it was never
        written."""
        run_dir = RunDir(checkpoint_dir)
        stored = run_dir.read_json(RunDir.EVALUATION)
        if stored is None:
            raise FileNotFoundError(
                f"no {RunDir.EVALUATION} in {checkpoint_dir}: run "
                f"`python -m emo_utils eval --checkpoint {checkpoint_dir}` "
                "with FER2013 in data/ to create it."
            )
        return cls.from_dict(stored, run_dir)

    def save(self, run_dir: str | os.PathLike | None = None) -> list[Path]:
        """Write the figures, evaluation.json and (when the run has a metrics.json)
        its test summary; returns the paths written."""
        target = RunDir(run_dir) if run_dir is not None else self.run_dir
        paths = self.save_figures(target.figures_dir)
        paths.append(target.write_json(RunDir.EVALUATION, _rounded(self.to_dict())))
        run_metrics = target.read_metrics()
        if run_metrics is not None:
            run_metrics.setdefault("test", {})[self.split] = self.test_summary()
            paths.append(target.write_metrics(_rounded(run_metrics)))
        return paths

    def test_summary(self) -> dict[str, Any]:
        """The headline numbers metrics.json keeps under "test" -> split.

        "accuracy_tta" is the 10-view "shift" mode, fixed in advance rather than
        picked as the best mode afterwards.
        """
        s = self.scores
        return {
            "n": s.n,
            "accuracy": s.accuracy,
            "accuracy_ci95": list(s.accuracy_ci95),
            "accuracy_flip": _accuracy(self.tta_score("flip")),
            "accuracy_tta": _accuracy(self.tta_score("shift")),
            "top2_accuracy": s.top2_accuracy,
            "macro_f1": s.macro_f1,
            "per_class_recall": {c: v["recall"] for c, v in s.per_class.items()},
            "ece": s.ece,
            "ece_flip": _ece(self.tta_score("flip")),
            "ece_uncalibrated": self.uncalibrated.ece if self.uncalibrated else None,
            "temperature": self.temperature,
            **self._photo_summary(),
        }

    def _photo_summary(self) -> dict[str, Any]:
        proxy = self.photo_proxy
        if proxy is None:
            return {}
        return {
            "photo_proxy_accuracy": proxy.photo_accuracy,
            "photo_proxy_gap": proxy.gap,
            "photo_proxy_found": proxy.found_rate,
        }

    # ------------------------------------------------------------ views
    def tta_score(self, mode: str | None) -> metrics.TTAScore | None:
        """The score of one TTA mode (emo_utils.predict.TTA_MODES), if evaluated."""
        return next((t for t in self.tta if t.mode == mode), None)

    @property
    def train_share(self) -> pd.Series:
        """Each emotion's share of the Training split (fraction), by emotion."""
        train = np.asarray(self.class_counts.get("Training", [0] * NUM_CLASSES))
        return pd.Series(train / max(train.sum(), 1), index=list(EMOTIONS))

    def most_confused(self, top: int = 8) -> pd.DataFrame:
        """The ``top`` (true, predicted) mix-ups by share of the true class."""
        return metrics.most_confused(self.scores.confusion, top)

    def error_share(self, top: int = 3) -> metrics.ErrorShare:
        return metrics.error_share(self.scores.confusion, top)

    def pair_rates(self, pairs=FOCUS_PAIRS) -> pd.DataFrame:
        """Both directions' error rates of each pair, with the training counts."""
        train = self.class_counts.get("Training", [0] * NUM_CLASSES)
        return metrics.pair_rates(self.scores.confusion, train, pairs)

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

    def tta_table(self) -> pd.DataFrame:
        """Accuracy, 95% CI, macro-F1 and calibration error per TTA mode."""
        rows = [
            {
                "test-time augmentation": narrate.TTA_NAMES[t.mode],
                "images": t.n,
                "accuracy": round(t.accuracy, 4),
                "95% CI": f"{t.accuracy_ci95[0]:.3f}-{t.accuracy_ci95[1]:.3f}",
                "macro-F1": round(t.macro_f1, 4),
                "ECE": None if t.ece is None else round(t.ece, 4),
            }
            for t in self.tta
        ]
        return pd.DataFrame(rows).set_index("test-time augmentation")

    def per_class_table(self, digits: int | None = 3) -> pd.DataFrame:
        """scikit-learn's per-class report (precision, recall, F1, support)."""
        table = pd.DataFrame(self.scores.per_class).T.rename_axis("emotion")
        table = table if digits is None else table.round(digits)
        return table.astype({"support": int})

    def results_table(self, anchors: list[dict] | None = None) -> pd.DataFrame:
        """Our checkpoint (per TTA mode, and its held-back accuracy from metrics.json)
        next to the published anchors, best first."""
        anchors = load_anchors() if anchors is None else anchors
        rows = [self._result_row(t) for t in self.tta if t.n == self.scores.n]
        run_metrics = self.run_dir.read_metrics() if self.run_dir else None
        if run_metrics and "best_held_back_acc" in run_metrics:
            rows.append(
                {
                    "model": f"ours: {Path(self.checkpoint).name}, held-back slice "
                    "of Training",
                    "accuracy": run_metrics["best_held_back_acc"],
                    "95% CI": "",
                    "split": "Training hold-out "
                    f"(n={run_metrics.get('held_back_size', '?')})",
                    "source": f"{self.checkpoint}/{RunDir.METRICS}",
                }
            )
        rows += [_anchor_row(a) for a in anchors]
        columns = ["model", "accuracy", "95% CI", "split", "source"]
        return (
            pd.DataFrame(rows, columns=columns)
            .round({"accuracy": 3})
            .sort_values("accuracy", ascending=False)
            .reset_index(drop=True)
        )

    def _result_row(self, t: metrics.TTAScore) -> dict[str, Any]:
        low, high = t.accuracy_ci95
        name = f"ours: {Path(self.checkpoint).name}"
        if t.mode is not None:
            name += f" + {narrate.TTA_NAMES[t.mode]}"
        return {
            "model": name,
            "accuracy": t.accuracy,
            "95% CI": f"{low:.3f}-{high:.3f}",
            "split": f"{self.split} (n={self.scores.n})",
            "source": f"{self.checkpoint}/{RunDir.EVALUATION}",
        }

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
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        plots.set_style()
        paths = []
        for name in FIGURES:
            fig = getattr(self, f"plot_{name}")()
            fig.savefig(folder / f"{name}.png")
            plt.close(fig)
            paths.append(folder / f"{name}.png")
        return paths

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


def load_anchors(path: str | os.PathLike = ANCHORS_PATH) -> list[dict]:
    """Published accuracies with their citations (emo_utils/anchors.json)."""
    return json.loads(Path(path).read_text())["anchors"]


def evaluate_or_load(
    checkpoint_dir: str | os.PathLike,
    smoke: bool = False,
    data_path: str | os.PathLike | None = None,
) -> tuple[Evaluation, str]:
    """Notebook 03's entry: evaluate on FER2013 and save, or load the stored
    evaluation without it. Returns the Evaluation and the line saying which.

    Smoke runs (tests) use 300 faces for the augmented views, 100 for the photo
    proxy, and write nothing.
    """
    from .demo import load_data_or_demo

    dataset, is_demo, message = load_data_or_demo(data_path)
    if is_demo:
        evaluation = Evaluation.load(checkpoint_dir)
        return evaluation, narrate.stored_evaluation(evaluation)
    evaluation = Evaluation.from_checkpoint(
        checkpoint_dir,
        dataset,
        max_tta_images=300 if smoke else None,
        photo_faces=100 if smoke else None,
    )
    if not smoke:
        evaluation.save()
    return evaluation, narrate.evaluated(evaluation, message, saved=not smoke)


def calibrate_checkpoint(checkpoint_dir: str | os.PathLike, dataset,
                         tta: str | None = "flip"):
    """Fit the checkpoint's temperature on the held-back slice of Training (the
    rows ``fit`` held back, from held_back.json) and write calibration.json.

    Never on a test split: the temperature is chosen where the weights were not."""
    from .calibration import calibrate
    from .holdout import stored_hold_out

    run_dir = RunDir(checkpoint_dir)
    trained = run_dir.read_metrics() or {}
    if trained.get("refit"):
        return _inherit_calibration(run_dir, trained)
    images, labels = dataset.split("Training")
    if len(labels) == 0:
        raise ValueError(f"{dataset.source} has no Training faces to calibrate on")
    data = stored_hold_out(run_dir, images, labels)  # older runs: rebuilt, and said
    predictor = _load_predictor(run_dir, calibrated=False)
    try:
        logits = predictor.predict_logits(data.val_images, tta=tta)
    finally:
        predictor.close()
    result = calibrate(logits, data.val_labels, tta,
                       f"held-back slice of Training ({len(data.val_labels)} faces)")
    run_dir.write_calibration(result.to_dict())
    return result


def _inherit_calibration(run_dir: RunDir, trained: dict[str, Any]):
    """A refit trained on the held-back slice, so no face is left to fit a
    temperature on: it keeps the one its parent fitted there before the refit."""
    from .calibration import Calibration

    parent = run_dir.parent()
    stored = parent.read_calibration() if parent is not None else None
    if stored is None:
        raise ValueError(
            f"{run_dir.path} was trained on the held-back slice too (a refit), so "
            "its temperature must come from the checkpoint it started from "
            f"({trained.get('init_from') or 'unknown'}), which has no "
            "calibration.json: run `make eval` on that checkpoint first"
        )
    inherited = {**stored, "fitted_on": f"{stored['fitted_on']}, by "
                 f"{parent.path.name} before the refit"}
    run_dir.write_calibration(inherited)
    return Calibration(**inherited)


def main(argv: list[str] | None = None) -> int:
    """``python -m emo_utils eval --checkpoint DIR [--data PATH] [--split NAME]``."""
    from .data import load_fer2013

    parser = argparse.ArgumentParser(prog="python -m emo_utils eval")
    parser.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT),
                        help="default: the shipped checkpoint")
    parser.add_argument("--data", default=None, help="FER2013 file or folder")
    parser.add_argument(
        "--split", default=None, help="default: PrivateTest, else PublicTest"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--no-calibrate", action="store_true",
        help="keep calibration.json (default: refit the temperature first)",
    )
    args = parser.parse_args(argv)
    dataset = load_fer2013(args.data)
    if not (args.no_calibrate or args.no_write):
        fitted = calibrate_checkpoint(args.checkpoint, dataset)
        print(narrate.fitted_temperature(fitted))
    evaluation = Evaluation.from_checkpoint(args.checkpoint, dataset, args.split)
    print(narrate.headline(evaluation))
    print(narrate.split_caveat(evaluation.split))
    if not args.no_write:
        print(narrate.wrote(evaluation, evaluation.save()))
    return 0


# ---------------------------------------------------------------- helpers
def _load_predictor(run_dir: RunDir, calibrated: bool = True):
    """The checkpoint's EmotionPredictor (TensorFlow loads here, patches first)."""
    from . import _compat  # noqa: F401
    from .predict import EmotionPredictor

    return EmotionPredictor.from_checkpoint(run_dir.path, calibrated=calibrated)


def _predict(predictor, images, max_tta_images: int | None):
    """Probabilities per TTA mode (with the predictor's temperature): all faces
    single view, the first ``max_tta_images`` (default all) with each augmentation;
    and the single-view probabilities without the temperature."""
    from .calibration import calibrated_probs
    from .predict import TTA_MODES

    n = len(images) if max_tta_images is None else min(max_tta_images, len(images))
    probs, raw = {}, None
    for mode in TTA_MODES:
        logits = predictor.predict_logits(images if mode is None else images[:n], mode)
        probs[mode] = calibrated_probs(logits, predictor.temperature)
        if mode is None:
            raw = calibrated_probs(logits, 1.0)
    return probs, raw


def _accuracy(score: metrics.TTAScore | None) -> float | None:
    return None if score is None else score.accuracy


def _ece(score: metrics.TTAScore | None) -> float | None:
    return None if score is None else score.ece


def _anchor_row(a: dict) -> dict[str, Any]:
    pm = a.get("plus_minus")
    return {
        "model": a["name"],
        "accuracy": a["accuracy"],
        "95% CI": f"+/-{pm:.2f}" if pm else "",
        "split": a["split"],
        "source": a.get("cite", a["source"]),
    }


def _rounded(value, digits: int = 5):
    """Floats rounded for a readable, diff-friendly JSON file."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value

