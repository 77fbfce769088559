"""Evaluate a checkpoint: accuracy with a CI, TTA, per-class report, confusion, ECE.

Notebook 03, the README and ``python -m emo_utils eval`` all read the numbers computed
here and stored in ``checkpoints/<name>/evaluation.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import stats
from sklearn.metrics import (
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

from ._files import atomic_write_text
from .data import REPO_ROOT
from .labels import EMOTIONS, NUM_CLASSES

ANCHORS_PATH = Path(__file__).resolve().parent / "anchors.json"
EVALUATION_FILE = "evaluation.json"
FIGURES_DIR = "figures"
TTA_VARIANTS = {"none": None, "flip": "flip", "shift": "shift"}
FOCUS_PAIRS = (
    ("disgust", "angry"),
    ("angry", "sad"),
    ("surprise", "fear"),
    ("fear", "sad"),
)


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


def reliability_bins(
    labels: npt.ArrayLike, probs: npt.ArrayLike, num_bins: int = 10
) -> dict[str, list]:
    """Confidence histogram for a reliability diagram: per equal-width bin of max prob.

    Returns lists ``edges`` (num_bins+1), ``confidence``, ``accuracy`` (NaN-free: empty
    bins get None) and ``count``.
    """
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype=np.float64)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    # bin i holds (edges[i], edges[i+1]]; confidence 0 goes in the first bin
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, num_bins - 1)
    out: dict[str, list] = {
        "edges": edges.round(6).tolist(),
        "confidence": [],
        "accuracy": [],
        "count": [],
    }
    for b in range(num_bins):
        mask = idx == b
        n = int(mask.sum())
        out["count"].append(n)
        out["confidence"].append(float(conf[mask].mean()) if n else None)
        out["accuracy"].append(float(correct[mask].mean()) if n else None)
    return out


def expected_calibration_error(
    labels: npt.ArrayLike, probs: npt.ArrayLike, num_bins: int = 10
) -> float:
    """ECE: the count-weighted mean gap |accuracy - confidence| over confidence bins.

    0 means the model is right exactly as often as it says it is.
    """
    bins = reliability_bins(labels, probs, num_bins)
    total = sum(bins["count"])
    if total == 0:
        raise ValueError("ECE of an empty prediction set is undefined")
    return float(
        sum(
            n * abs(a - c)
            for n, a, c in zip(
                bins["count"], bins["accuracy"], bins["confidence"], strict=True
            )
            if n
        )
        / total
    )


def most_confused_pairs(
    cm: npt.ArrayLike, top: int = 8, names: tuple[str, ...] = EMOTIONS
) -> list[dict]:
    """Off-diagonal cells of a count confusion matrix, largest share of the true class
    first.

    Each entry: true, predicted, count, rate (= count / true-class total).
    """
    cm = np.asarray(cm)
    totals = cm.sum(axis=1)
    pairs = []
    for t in range(cm.shape[0]):
        for p in range(cm.shape[1]):
            if t != p and cm[t, p] > 0:
                pairs.append(
                    {
                        "true": names[t],
                        "predicted": names[p],
                        "count": int(cm[t, p]),
                        "rate": float(cm[t, p] / totals[t]),
                    }
                )
    pairs.sort(key=lambda d: (-d["rate"], -d["count"]))
    return pairs[:top]


def summarize_predictions(labels: npt.ArrayLike, probs: npt.ArrayLike) -> dict:
    """All metrics of one set of predictions, as plain JSON-ready Python values."""
    labels = np.asarray(labels, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape != (len(labels), NUM_CLASSES):
        raise ValueError(
            f"probs must be ({len(labels)}, {NUM_CLASSES}), got {probs.shape}"
        )
    pred = probs.argmax(axis=1)
    classes = np.arange(NUM_CLASSES)
    correct = int((pred == labels).sum())
    low, high = accuracy_ci(correct, len(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, pred, labels=classes, zero_division=0
    )
    cm = confusion_matrix(labels, pred, labels=classes)
    return {
        "n": len(labels),
        "accuracy": correct / len(labels),
        "accuracy_ci95": [low, high],
        "top2_accuracy": float(
            top_k_accuracy_score(labels, probs, k=2, labels=classes)
        ),
        "macro_f1": float(
            f1_score(labels, pred, labels=classes, average="macro", zero_division=0)
        ),
        "ece": expected_calibration_error(labels, probs),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(EMOTIONS)
        },
        "confusion": cm.tolist(),
        "most_confused": most_confused_pairs(cm),
        "reliability": reliability_bins(labels, probs),
    }


def choose_test_split(dataset) -> str:
    """PrivateTest when present (the reported split), else PublicTest, else the last
    split."""
    names = dataset.split_names
    for name in ("PrivateTest", "PublicTest"):
        if name in names:
            return name
    return names[-1]


def split_caveat(split: str) -> str:
    """One sentence on how far to trust numbers from ``split``."""
    if split == "PrivateTest":
        return (
            "PrivateTest was never used to train or choose the model: "
            "these numbers are the honest estimate."
        )
    if split == "PublicTest":
        return (
            "There is no PrivateTest split in this data, so we report PublicTest. "
            "PublicTest is also the split the model was chosen on, so the numbers are "
            "somewhat optimistic; put the full fer2013.csv in data/ to get PrivateTest."
        )
    return f"Evaluated on the {split!r} split (not a standard FER2013 test split)."


def predict_variants(
    predictor, images: np.ndarray, variants: dict[str, str | None] | None = None
) -> dict[str, np.ndarray]:
    """Probabilities (N,7) for each TTA variant name -> predictor tta mode."""
    variants = TTA_VARIANTS if variants is None else variants
    return {
        name: predictor.predict_faces(images, tta=mode)
        for name, mode in variants.items()
    }


def evaluate_checkpoint(
    checkpoint_dir: str | os.PathLike,
    dataset,
    split: str | None = None,
    max_tta_images: int | None = None,
    predictor=None,
    return_probs: bool = False,
) -> dict:
    """Evaluate a checkpoint on one split of ``dataset``; a small JSON-ready dict.

    TTA variants run on the first ``max_tta_images`` images only when that is set (smoke
    tests). ``return_probs`` adds the (N,7) arrays under ``"_probs"`` (not for JSON).
    """
    from .predict import EmotionPredictor

    checkpoint_dir = Path(checkpoint_dir)
    split = split or choose_test_split(dataset)
    images, labels = dataset.split(split)
    if len(labels) == 0:
        raise ValueError(
            f"split {split!r} of {dataset.source} is empty; choose one of "
            f"{dataset.split_names}"
        )
    predictor = predictor or EmotionPredictor.from_checkpoint(checkpoint_dir)
    start = time.perf_counter()
    probs = {"none": predictor.predict_faces(images)}
    result = {
        "checkpoint": _relative(checkpoint_dir),
        "data": _relative(Path(dataset.source)),
        "split": split,
        "caveat": split_caveat(split),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_epochs": load_metrics(checkpoint_dir).get("epochs_run"),
        "class_counts_train": _class_counts(dataset, "Training"),
        "class_counts_test": np.bincount(labels, minlength=NUM_CLASSES).tolist(),
        "emotions": list(EMOTIONS),
    }
    result.update(summarize_predictions(labels, probs["none"]))
    tta_n = len(labels) if max_tta_images is None else min(max_tta_images, len(labels))
    result["tta"] = {}
    for name, mode in TTA_VARIANTS.items():
        p = (
            probs["none"][:tta_n]
            if mode is None
            else predictor.predict_faces(images[:tta_n], tta=mode)
        )
        if mode is not None:
            probs[name] = p
        correct = int((p.argmax(1) == labels[:tta_n]).sum())
        result["tta"][name] = {
            "n": tta_n,
            "accuracy": correct / tta_n,
            "accuracy_ci95": list(accuracy_ci(correct, tta_n)),
            "macro_f1": float(
                f1_score(
                    labels[:tta_n],
                    p.argmax(1),
                    labels=np.arange(NUM_CLASSES),
                    average="macro",
                    zero_division=0,
                )
            ),
        }
    result["seconds"] = round(time.perf_counter() - start, 1)
    if return_probs:
        result["_probs"] = probs
        result["_labels"] = labels
        result["_images"] = images
    return result


def write_evaluation(checkpoint_dir: str | os.PathLike, result: dict) -> Path:
    """Write ``result`` (without private ``_`` keys) to
    checkpoint_dir/evaluation.json."""
    path = Path(checkpoint_dir) / EVALUATION_FILE
    clean = _rounded({k: v for k, v in result.items() if not k.startswith("_")})
    atomic_write_text(path, json.dumps(clean, indent=1) + "\n")
    return path


def record_test_summary(checkpoint_dir: str | os.PathLike, result: dict) -> None:
    """Put the headline test numbers into the run's metrics.json (its "test" section).

    "accuracy_tta" is the 10-view "shift" TTA (flips + 2-pixel shifts), fixed in
    advance rather than picked as the best variant afterwards.
    """
    path = Path(checkpoint_dir) / "metrics.json"
    if not path.exists():
        return
    metrics = json.loads(path.read_text())
    tta = result.get("tta", {})
    metrics.setdefault("test", {})[result["split"]] = {
        "n": result["n"],
        "accuracy": result["accuracy"],
        "accuracy_ci95": result["accuracy_ci95"],
        "accuracy_flip": tta.get("flip", {}).get("accuracy"),
        "accuracy_tta": tta.get("shift", {}).get("accuracy"),
        "top2_accuracy": result["top2_accuracy"],
        "macro_f1": result["macro_f1"],
        "per_class_recall": {c: v["recall"] for c, v in result["per_class"].items()},
    }
    atomic_write_text(path, json.dumps(_rounded(metrics), indent=2))


def _rounded(value, digits: int = 5):
    """Floats rounded for a readable, diff-friendly JSON file."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value


def load_evaluation(checkpoint_dir: str | os.PathLike) -> dict:
    """Read checkpoint_dir/evaluation.json; a clear error when it was never written."""
    path = Path(checkpoint_dir) / EVALUATION_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"no {EVALUATION_FILE} in {checkpoint_dir}: run "
            f"`python -m emo_utils eval --checkpoint {checkpoint_dir}` "
            "with FER2013 in data/ to create it."
        )
    return json.loads(path.read_text())


def load_anchors(path: str | os.PathLike = ANCHORS_PATH) -> list[dict]:
    """Published accuracies with their citations (emo_utils/anchors.json)."""
    return json.loads(Path(path).read_text())["anchors"]


def results_table(
    evaluation: dict, metrics: dict | None = None, anchors: list[dict] | None = None
):
    """A pandas table: our checkpoint (with/without TTA) next to the published
    anchors."""
    import pandas as pd

    anchors = load_anchors() if anchors is None else anchors
    name = Path(evaluation.get("checkpoint", "ours")).name
    rows = []
    for variant, tta in evaluation.get("tta", {}).items():
        if tta["n"] != evaluation["n"]:
            continue  # a smoke-test subset is not comparable
        low, high = tta["accuracy_ci95"]
        rows.append(
            {
                "model": f"ours: {name}"
                + ("" if variant == "none" else f" + {variant} TTA"),
                "accuracy": tta["accuracy"],
                "95% CI": f"{low:.3f}-{high:.3f}",
                "split": f"{evaluation['split']} (n={evaluation['n']})",
                "source": evaluation.get("checkpoint", "") + "/evaluation.json",
            }
        )
    if metrics and "best_held_back_acc" in metrics:
        rows.append(
            {
                "model": f"ours: {name}, held-back slice of Training",
                "accuracy": metrics["best_held_back_acc"],
                "95% CI": "",
                "split": f"Training hold-out (n={metrics.get('held_back_size', '?')})",
                "source": evaluation.get("checkpoint", "") + "/metrics.json",
            }
        )
    for a in anchors:
        pm = a.get("plus_minus")
        rows.append(
            {
                "model": a["name"],
                "accuracy": a["accuracy"],
                "95% CI": f"+/-{pm:.2f}" if pm else "",
                "split": a["split"],
                "source": a.get("cite", a["source"]),
            }
        )
    return (
        pd.DataFrame(rows)
        .round({"accuracy": 3})
        .sort_values("accuracy", ascending=False)
        .reset_index(drop=True)
    )


def describe_result(result: dict) -> str:
    """Two sentences reading the headline numbers of an evaluation."""
    low, high = result["accuracy_ci95"]
    tta = result.get("tta", {})
    best = max(tta, key=lambda k: tta[k]["accuracy"]) if tta else "none"
    worst = min(result["per_class"], key=lambda c: result["per_class"][c]["f1"])
    text = (
        f"On {result['n']} {result['split']} images the model is right "
        f"{result['accuracy']:.1%} of the time (95% CI {low:.1%}-{high:.1%}); its "
        "top-2 "
        f"accuracy is {result['top2_accuracy']:.1%} and macro-F1 "
        f"{result['macro_f1']:.3f}. "
        f"The weakest class is {worst} (F1 {result['per_class'][worst]['f1']:.2f})."
    )
    if tta and best != "none":
        gain = tta[best]["accuracy"] - tta["none"]["accuracy"]
        text += (
            f" Test-time augmentation '{best}' changes accuracy by {gain:+.1%} on "
            f"{tta[best]['n']} images."
        )
    return text


def occlusion_map(
    predictor,
    face: np.ndarray,
    label: int,
    patch: int = 8,
    stride: int = 4,
    fill: int = 128,
) -> np.ndarray:
    """How much P(label) drops when a grey patch hides each part of the face: (48,48).

    Model-agnostic saliency (Zeiler & Fergus 2014); positive = the model looked there.
    """
    face = np.asarray(face, dtype=np.uint8)
    h, w = face.shape
    base = float(predictor.predict_faces(face[None])[0, label])
    starts = [
        (y, x)
        for y in range(0, h - patch + 1, stride)
        for x in range(0, w - patch + 1, stride)
    ]
    batch = np.repeat(face[None], len(starts), axis=0)
    for i, (y, x) in enumerate(starts):
        batch[i, y : y + patch, x : x + patch] = fill
    drops = base - predictor.predict_faces(batch)[:, label]
    heat = np.zeros((h, w))
    hits = np.zeros((h, w))
    for d, (y, x) in zip(drops, starts, strict=True):
        heat[y : y + patch, x : x + patch] += d
        hits[y : y + patch, x : x + patch] += 1
    return heat / np.maximum(hits, 1)


def pair_examples(
    labels: np.ndarray, probs: np.ndarray, true: str, predicted: str, k: int = 4
) -> np.ndarray:
    """Indices of the k most confident mistakes true -> predicted (largest
    P(predicted))."""
    t, p = EMOTIONS.index(true), EMOTIONS.index(predicted)
    idx = np.flatnonzero((labels == t) & (probs.argmax(1) == p))
    return idx[np.argsort(-probs[idx, p])][:k]


def _class_counts(dataset, split: str) -> list[int]:
    _, labels = dataset.split(split)
    return np.bincount(labels, minlength=NUM_CLASSES).tolist()


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return Path(path).name


def main(argv: list[str] | None = None) -> int:
    """``python -m emo_utils eval --checkpoint DIR [--data PATH] [--split NAME]``."""
    from .data import load_fer2013

    parser = argparse.ArgumentParser(prog="python -m emo_utils eval")
    parser.add_argument("--checkpoint", default="checkpoints/alexnet48")
    parser.add_argument("--data", default=None, help="FER2013 file or folder")
    parser.add_argument(
        "--split", default=None, help="default: PrivateTest, else PublicTest"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    dataset = load_fer2013(args.data)
    result = evaluate_checkpoint(
        args.checkpoint, dataset, args.split, return_probs=True
    )
    print(describe_result(result))
    print(result["caveat"])
    if not args.no_write:
        from . import plots

        saved = plots.save_evaluation_figures(result, args.checkpoint)
        path = write_evaluation(args.checkpoint, result)
        record_test_summary(args.checkpoint, result)
        print(
            f"wrote {path} and {len(saved)} figures in "
            f"{Path(args.checkpoint) / FIGURES_DIR}"
        )
    return 0


def ferplus_evaluation(dataset, result: dict, ferplus=None) -> dict:
    """Score the test predictions against FER+ majority labels, when the rows line up.

    Returns {"aligned": False, "reason": ...} otherwise, so the notebook can say why.
    """
    from . import ferplus as fp

    try:
        ferplus = ferplus or fp.load_ferplus()
    except fp.FerPlusError as err:
        return {"aligned": False, "reason": str(err)}
    check = fp.rows_align(dataset, ferplus)
    if not check.aligned:
        return {"aligned": False, "reason": check.reason}
    rows = np.flatnonzero(
        np.asarray(dataset.usage)[: check.rows_compared] == result["split"]
    )
    probs = result["_probs"]["none"][: len(rows)]
    majority = fp.majority_labels(ferplus.votes[rows])
    keep = majority != fp.NO_LABEL
    if not keep.any():
        return {"aligned": False, "reason": "no test row has a FER+ majority label"}
    summary = summarize_predictions(majority[keep], probs[keep])
    original = np.asarray(dataset.labels)[rows][keep]
    return {
        "aligned": True,
        "reason": check.reason,
        "n": int(keep.sum()),
        "accuracy": summary["accuracy"],
        "accuracy_ci95": summary["accuracy_ci95"],
        "macro_f1": summary["macro_f1"],
        "confusion": summary["confusion"],
        "label_changed": float(np.mean(original != majority[keep])),
    }


def run_or_load(
    checkpoint_dir: str | os.PathLike,
    smoke: bool = False,
    data_path: str | os.PathLike | None = None,
):
    """Notebook 03's entry: evaluate on FER2013, or show the stored evaluation without
    it.

    Returns (result, dataset or None, message). A full run (not smoke, not demo) writes
    evaluation.json and the figures; smoke runs use 300 images for TTA and write
    nothing.
    """
    from .data import load_data_or_demo

    dataset, is_demo, message = load_data_or_demo(data_path)
    if is_demo:
        result = load_evaluation(checkpoint_dir)
        return (
            result,
            None,
            (
                "FER2013 is not on disk, so this notebook shows the STORED "
                "evaluation of "
                f"{result['checkpoint']} ({result['split']}, n={result['n']}, computed "
                f"{result['created']}); cells that need the images are skipped. "
                "Run `make data`, then re-run to evaluate for yourself."
            ),
        )
    result = evaluate_checkpoint(
        checkpoint_dir,
        dataset,
        max_tta_images=300 if smoke else None,
        return_probs=True,
    )
    result["ferplus"] = ferplus_evaluation(dataset, result)
    if not smoke:
        from . import plots

        plots.save_evaluation_figures(result, checkpoint_dir)
        write_evaluation(checkpoint_dir, result)
        message += f" Wrote {Path(checkpoint_dir) / EVALUATION_FILE} and its figures."
    return result, dataset, message + f" Evaluated in {result['seconds']} s."


def tta_table(result: dict):
    """Accuracy, 95% CI and macro-F1 per TTA variant, as a pandas table."""
    import pandas as pd

    rows = []
    for name, t in result.get("tta", {}).items():
        low, high = t["accuracy_ci95"]
        rows.append(
            {
                "test-time augmentation": name,
                "images": t["n"],
                "accuracy": round(t["accuracy"], 4),
                "95% CI": f"{low:.3f}-{high:.3f}",
                "macro-F1": round(t["macro_f1"], 4),
            }
        )
    return pd.DataFrame(rows).set_index("test-time augmentation")


def per_class_table(result: dict):
    """scikit-learn's per-class report (precision, recall, F1, support) as a table."""
    import pandas as pd

    return (
        pd.DataFrame(result["per_class"])
        .T.round(3)
        .astype({"support": int})
        .rename_axis("emotion")
    )


def describe_per_class(result: dict) -> str:
    """Which class is found most and least often, and its share of training."""
    per = result["per_class"]
    train = np.asarray(result["class_counts_train"], dtype=float)
    share = train / max(train.sum(), 1)
    best = max(per, key=lambda c: per[c]["recall"])
    worst = min(per, key=lambda c: per[c]["recall"])
    return (
        f"Recall is highest for {best} ({per[best]['recall']:.0%}, "
        f"{share[EMOTIONS.index(best)]:.1%} of training) and lowest for {worst} "
        f"({per[worst]['recall']:.0%}, {share[EMOTIONS.index(worst)]:.1%} of "
        f"training). Macro-F1, the unweighted mean over classes, is "
        f"{result['macro_f1']:.3f} against {result['accuracy']:.3f} accuracy: the gap "
        "is "
        "what the rare classes cost."
    )


def describe_confusion(result: dict) -> str:
    """The top mix-ups of the confusion matrix in words."""
    pairs = result["most_confused"][:3]
    if not pairs:
        return "No off-diagonal cells: every test face was classified correctly."
    parts = [
        f"{p['rate']:.0%} of {p['true']} faces are called {p['predicted']} "
        f"({p['count']})"
        for p in pairs
    ]
    cm = np.asarray(result["confusion"])
    diag = np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
    return (
        f"The biggest mix-ups: {'; '.join(parts)}. The diagonal of the right-hand "
        f"matrix (per-class recall) runs from {diag.min():.0%} "
        f"({EMOTIONS[diag.argmin()]}) "
        f"to {diag.max():.0%} ({EMOTIONS[diag.argmax()]})."
    )


def describe_pairs(result: dict, pairs) -> str:
    """For each (a, b) pair: both directions' error rates and the classes' training
    counts."""
    cm = np.asarray(result["confusion"])
    totals = np.maximum(cm.sum(axis=1), 1)
    train = result["class_counts_train"]
    lines = []
    for a, b in pairs:
        i, j = EMOTIONS.index(a), EMOTIONS.index(b)
        lines.append(
            f"- **{a} -> {b}**: {cm[i, j] / totals[i]:.0%} of test {a} faces "
            f"({cm[i, j]} of {cm[i].sum()}); {b} -> {a}: "
            f"{cm[j, i] / totals[j]:.0%}. Training has {train[i]} {a} and "
            f"{train[j]} {b} faces ({train[j] / max(train[i], 1):.1f}x)."
        )
    idx = [(EMOTIONS.index(a), EMOTIONS.index(b)) for a, b in pairs]
    follows = sum(
        (cm[i, j] / totals[i] > cm[j, i] / totals[j]) == (train[i] < train[j])
        for i, j in idx
    )
    return (
        f"In {follows} of these {len(pairs)} pairs the larger error rate runs from "
        "the rarer training class to the commoner one.\n\n" + "\n".join(lines)
    )


def describe_ferplus_evaluation(result: dict) -> str:
    """What changes when the test faces are scored against FER+ majority labels."""
    fer = result.get("ferplus")
    if not fer:
        return (
            "*Not computed in this evaluation (needs FER2013 rows that line up with "
            "fer2013new.csv).*"
        )
    if not fer["aligned"]:
        return (
            f"*Not shown: {fer['reason']}.* With the original Kaggle fer2013.csv "
            "this cell scores the same predictions against the ten-annotator majority."
        )
    low, high = fer["accuracy_ci95"]
    return (
        f"Against FER+ majority labels ({fer['n']} test faces that have one; FER+ "
        f"changes {fer['label_changed']:.0%} of their labels) the same predictions "
        f"score {fer['accuracy']:.1%} (95% CI {low:.1%}-{high:.1%}) instead of "
        f"{result['accuracy']:.1%}, macro-F1 {fer['macro_f1']:.3f}: part of what "
        "looked like model error is label noise."
    )


def load_metrics(checkpoint_dir: str | os.PathLike) -> dict:
    """checkpoint_dir/metrics.json written by training, or {} when there is none."""
    path = Path(checkpoint_dir) / "metrics.json"
    return json.loads(path.read_text()) if path.exists() else {}


def describe_comparison(result: dict, anchors: list[dict] | None = None) -> str:
    """Our accuracy against each published anchor, in points."""
    anchors = load_anchors() if anchors is None else anchors
    ours = result["accuracy"]
    parts = [
        f"{(ours - a['accuracy']) * 100:+.1f} points vs {a['name']} "
        f"({a['accuracy']:.1%})"
        for a in anchors
    ]
    return (
        f"Our {result['split']} accuracy {ours:.1%} is " + "; ".join(parts) + ". "
        "Anchors are quoted from their papers (emo_utils/anchors.json), mostly on "
        "PrivateTest, so compare with care."
    )


def describe_ranked(result: dict, top: int = 3) -> str:
    """How much of all the errors the top few confused pairs account for."""
    cm = np.asarray(result["confusion"])
    errors = cm.sum() - np.trace(cm)
    pairs = result["most_confused"][:top]
    share = sum(p["count"] for p in pairs) / max(errors, 1)
    names = ", ".join(f"{p['true']} -> {p['predicted']}" for p in pairs)
    return (
        f"Ranked by the share of the true class, the top {len(pairs)} pairs ({names}) "
        f"are {share:.0%} of all {errors} errors: a rare class can top this list "
        "with few faces, which is why both the rate and the count are shown."
    )
