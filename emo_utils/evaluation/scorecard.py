"""An evaluation's numbers, as evaluation.json holds them: read, written, and read
off as tables.

Why a module of its own: the sentences (narrate), the figures' titles and the README
table need the numbers only; keeping them below the network, the faces and the
figures (``evaluate``) lets those modules use them without a loop of imports.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..explore.ferplus import FerPlusScore
from ..labels import EMOTIONS, NUM_CLASSES, TTA_NAMES
from ..paths import PACKAGE_DIR
from ..runs.rundir import RunDir
from . import metrics
from .photo_proxy import PhotoProxyScore

ANCHORS_PATH = PACKAGE_DIR / "anchors.json"
FORMAT = 2  # of evaluation.json
# The confused pairs notebook 03 tells the story of (true, predicted).
FOCUS_PAIRS = (
    ("disgust", "angry"),
    ("angry", "sad"),
    ("surprise", "fear"),
    ("fear", "sad"),
)


@dataclass(frozen=True)
class Scorecard:
    """A checkpoint's numbers on one test split, without faces or probabilities.

    ``evaluate.Evaluation`` is a Scorecard that also holds the faces,
    the probabilities and the network they came from.
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
    # what ran the network: "onnx" (ONNX Runtime) or "tf"; "" in older evaluations
    engine: str = ""
    run_dir: RunDir | None = field(default=None, repr=False, compare=False)

    @property
    def holds_predictions(self) -> bool:
        """False: a scorecard keeps numbers only (an Evaluation may say True)."""
        return False

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
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], run_dir: RunDir | None = None):
        """The scorecard (of the calling class) an evaluation.json content holds."""
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
            engine=d.get("engine", ""),
            run_dir=run_dir,
        )

    @classmethod
    def load(cls, run_dir: str | os.PathLike):
        """Read run_dir/evaluation.json; a clear error when it was never
        written."""
        run = RunDir(run_dir)
        stored = run.read_json(RunDir.EVALUATION)
        if stored is None:
            raise FileNotFoundError(
                f"no {RunDir.EVALUATION} in {run_dir}: run "
                f"`python -m emo_utils eval --checkpoint {run_dir}` "
                "with FER2013 in data/ to create it."
            )
        return cls.from_dict(stored, run)

    def write(self, target: RunDir) -> list[Path]:
        """Write evaluation.json and (when the run has a metrics.json) its test
        summary; returns the paths written."""
        paths = [target.write_json(RunDir.EVALUATION, _rounded(self.to_dict()))]
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

    def tta_table(self) -> pd.DataFrame:
        """Accuracy, 95% CI, macro-F1 and calibration error per TTA mode."""
        rows = [
            {
                "test-time augmentation": TTA_NAMES[t.mode],
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
            name += f" + {TTA_NAMES[t.mode]}"
        return {
            "model": name,
            "accuracy": t.accuracy,
            "95% CI": f"{low:.3f}-{high:.3f}",
            "split": f"{self.split} (n={self.scores.n})",
            "source": f"{self.checkpoint}/{RunDir.EVALUATION}",
        }


def load_anchors(path: str | os.PathLike = ANCHORS_PATH) -> list[dict]:
    """Published accuracies with their citations (emo_utils/anchors.json)."""
    return json.loads(Path(path).read_text())["anchors"]


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
