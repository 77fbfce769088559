"""FER+ (Microsoft, MIT): ten annotators' votes per FER2013 image, and what they say.

Barsoum et al. 2016 relabelled every FER2013 image with ten crowd votes. The votes show
how ambiguous the faces are (why no model reaches 100%) and offer cleaner labels.

Majority-vote rule used here (documented once, used everywhere):
  * the class with the most votes wins; a tie between two or more classes -> no label;
  * no label when the winner is ``unknown`` or ``NF`` (not a face);
  * ``contempt`` has no FER2013 class -> no label.
"No label" is -1; those rows are dropped by ``relabel_with_ferplus``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import entropy

from ..evaluation.metrics import row_percent, summarize_predictions
from ..labels import EMOTIONS, NUM_CLASSES
from ..paths import DATA_DIRS

FERPLUS_COLUMNS = (
    "neutral",
    "happiness",
    "surprise",
    "sadness",
    "anger",
    "disgust",
    "fear",
    "contempt",
    "unknown",
    "NF",
)
# FER+ column -> FER2013 label index (contempt, unknown, NF have none)
TO_FER2013 = {
    "anger": 0,
    "disgust": 1,
    "fear": 2,
    "happiness": 3,
    "sadness": 4,
    "surprise": 5,
    "neutral": 6,
}
NO_LABEL = -1
FERPLUS_FILE = "fer2013new.csv"


class FerPlusError(ValueError):
    """FER+ votes are missing, malformed, or do not line up with the FER2013 rows."""


@dataclass(frozen=True)
class FerPlus:
    """FER+ votes (N,10) in FERPLUS_COLUMNS order, the Usage column and the source
    path."""

    votes: npt.NDArray[np.int64]
    usage: npt.NDArray[np.str_]
    source: str

    def __len__(self) -> int:
        return len(self.usage)


def default_ferplus_path() -> Path:
    """data/fer2013new.csv if the user has it, else the shared development copy."""
    for folder in DATA_DIRS:
        if (folder / FERPLUS_FILE).exists():
            return folder / FERPLUS_FILE
    return DATA_DIRS[0] / FERPLUS_FILE


def load_ferplus(path: str | os.PathLike | None = None) -> FerPlus:
    """Read fer2013new.csv (Usage, Image name, ten vote columns)."""
    path = Path(path) if path is not None else default_ferplus_path()
    if not path.exists():
        raise FerPlusError(
            f"no FER+ file at {path}. Download fer2013new.csv from "
            "https://github.com/microsoft/FERPlus and put it in data/."
        )
    frame = pd.read_csv(path)
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in ("Usage", *FERPLUS_COLUMNS) if c not in frame.columns]
    if missing:
        raise FerPlusError(
            f"{path.name}: columns {missing} missing; found "
            f"{list(frame.columns)}. Is this fer2013new.csv from FERPlus?"
        )
    votes = frame[list(FERPLUS_COLUMNS)].fillna(0).to_numpy()
    if (votes < 0).any():
        row = int(np.flatnonzero((votes < 0).any(axis=1))[0])
        raise FerPlusError(f"{path.name} row {row + 2}: negative vote count.")
    return FerPlus(
        votes.astype(np.int64),
        frame["Usage"].str.strip().to_numpy().astype(str),
        str(path),
    )


def load_ferplus_or_none(path: str | os.PathLike | None = None) -> FerPlus | None:
    """load_ferplus, or None after printing why and where to get the file."""
    try:
        return load_ferplus(path)
    except FerPlusError as err:
        print(f"FER+ votes not available: {err}")
        return None


def majority_labels(votes: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """FER2013 label of each row's majority vote, or -1 (tie, unknown, NF, contempt)."""
    votes = np.asarray(votes)
    if votes.ndim != 2 or votes.shape[1] != len(FERPLUS_COLUMNS):
        raise ValueError(f"votes must be (N,{len(FERPLUS_COLUMNS)}), got {votes.shape}")
    top = votes.max(axis=1, keepdims=True)
    winners = (votes == top).sum(axis=1)
    best = votes.argmax(axis=1)
    mapping = np.full(len(FERPLUS_COLUMNS), NO_LABEL)
    for name, idx in TO_FER2013.items():
        mapping[FERPLUS_COLUMNS.index(name)] = idx
    out = mapping[best]
    out[(winners > 1) | (top[:, 0] == 0)] = NO_LABEL
    return out.astype(np.int64)


def agreement_stats(ferplus: FerPlus) -> pd.DataFrame:
    """Per majority class: images, mean share of votes for the winner, mean vote
    entropy.

    Entropy is in bits over all ten columns: 0 = unanimous, log2(10) = 3.3 = uniform.
    """
    votes = ferplus.votes.astype(float)
    totals = votes.sum(axis=1)
    keep = totals > 0
    share = votes.max(axis=1)[keep] / totals[keep]
    ent = entropy(votes[keep].T, base=2)
    majority = majority_labels(ferplus.votes)[keep]
    rows = []
    for i, name in enumerate(EMOTIONS):
        mask = majority == i
        rows.append(
            {
                "class": name,
                "images": int(mask.sum()),
                "winner_share": float(share[mask].mean()) if mask.any() else np.nan,
                "unanimous": float((share[mask] == 1).mean()) if mask.any() else np.nan,
                "entropy_bits": float(ent[mask].mean()) if mask.any() else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("class")


@dataclass(frozen=True)
class Agreement:
    """How the ten annotators vote, per FER+ majority class: ``stats`` from
    agreement_stats, ``votes`` from vote_distribution."""

    stats: pd.DataFrame
    votes: pd.DataFrame

    @property
    def clearest(self) -> str:
        """The class whose faces the annotators agree on most (lowest entropy)."""
        return str(self.stats["entropy_bits"].idxmin())

    @property
    def most_split(self) -> str:
        """The class whose faces split the annotators most (highest entropy)."""
        return str(self.stats["entropy_bits"].idxmax())


def agreement(ferplus: FerPlus | None) -> Agreement | None:
    """Agreement of the FER+ annotators; None without FER+ votes."""
    if ferplus is None:
        return None
    return Agreement(agreement_stats(ferplus), vote_distribution(ferplus))


def vote_distribution(ferplus: FerPlus) -> pd.DataFrame:
    """Mean share of each FER+ column's votes, per FER+ majority class (rows sum to
    1)."""
    votes = ferplus.votes.astype(float)
    totals = votes.sum(axis=1, keepdims=True)
    shares = np.divide(votes, totals, out=np.zeros_like(votes), where=totals > 0)
    majority = majority_labels(ferplus.votes)
    data = [
        shares[majority == i].mean(axis=0)
        if (majority == i).any()
        else np.full(len(FERPLUS_COLUMNS), np.nan)
        for i in range(NUM_CLASSES)
    ]
    return pd.DataFrame(data, index=list(EMOTIONS), columns=list(FERPLUS_COLUMNS))


@dataclass(frozen=True)
class Alignment:
    """Whether FER+ rows line up with a FER2013 dataset, and the evidence."""

    aligned: bool
    rows_compared: int
    usage_match: float
    label_agreement: float
    reason: str


def rows_align(dataset, ferplus: FerPlus, min_agreement: float = 0.5) -> Alignment:
    """Do FER+ row i and dataset row i describe the same image?

    FER+ is row-aligned with the original fer2013.csv only. Evidence: the Usage columns
    match row for row, and the FER+ majority agrees with the FER2013 label on most rows
    (about 70-80% when aligned, about the chance rate ~20% when shuffled).
    """
    n = min(len(dataset), len(ferplus))
    if n == 0:
        return Alignment(False, 0, 0.0, 0.0, "no rows to compare")
    usage_match = float(np.mean(np.asarray(dataset.usage[:n]) == ferplus.usage[:n]))
    majority = majority_labels(ferplus.votes[:n])
    known = majority != NO_LABEL
    agree = (
        float(np.mean(majority[known] == np.asarray(dataset.labels[:n])[known]))
        if known.any()
        else 0.0
    )
    same_length = len(dataset) == len(ferplus)
    aligned = usage_match == 1.0 and agree >= min_agreement
    if aligned:
        reason = (
            f"rows line up: the first {n} rows share their Usage, and the FER+ "
            f"majority matches the FER2013 label on {agree:.0%} of them"
        )
        if not same_length:
            reason += f" (the data has {len(dataset)} rows, FER+ {len(ferplus)})"
    else:
        reason = (
            f"rows do NOT line up ({n} rows compared: Usage matches on "
            f"{usage_match:.0%}, FER+ majority = FER2013 label on only {agree:.0%}, "
            "about what shuffled rows give). FER+ is row-aligned with the original "
            "Kaggle fer2013.csv only; this copy's rows are in another order, so no "
            "per-image comparison is shown"
        )
    return Alignment(aligned, n, usage_match, agree, reason)


def label_disagreement(dataset, ferplus: FerPlus) -> npt.NDArray[np.int64]:
    """Counts (7,7): rows = FER2013 label, columns = FER+ majority (aligned rows
    only)."""
    check = rows_align(dataset, ferplus)
    if not check.aligned:
        raise FerPlusError(
            f"{Path(ferplus.source).name} vs {dataset.source}: {check.reason}."
        )
    n = check.rows_compared
    majority = majority_labels(ferplus.votes[:n])
    keep = majority != NO_LABEL
    cm = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(cm, (np.asarray(dataset.labels[:n])[keep], majority[keep]), 1)
    return cm


def relabel_with_ferplus(dataset, ferplus: FerPlus):
    """The same images with FER+ majority labels; rows without a majority are dropped.

    Raises FerPlusError when the rows do not line up (a shuffled or partial copy).
    """
    check = rows_align(dataset, ferplus)
    if not check.aligned:
        raise FerPlusError(
            f"cannot relabel {dataset.source} with "
            f"{Path(ferplus.source).name}: {check.reason}. Use the original "
            "Kaggle fer2013.csv."
        )
    n = check.rows_compared
    majority = majority_labels(ferplus.votes[:n])
    keep = np.flatnonzero(majority != NO_LABEL)
    return replace(
        dataset,
        images=dataset.images[keep],
        labels=majority[keep],
        usage=np.asarray(dataset.usage)[keep],
        source=f"{dataset.source} relabelled with FER+ majority votes",
    )


@dataclass(frozen=True)
class LabelComparison:
    """FER2013 labels against FER+ majorities for one FER2013 file (``source``: its
    name); ``confusion`` (rows FER2013, columns FER+) only when the rows line up."""

    source: str
    alignment: Alignment
    confusion: npt.NDArray[np.int64] | None

    @property
    def disagreement(self) -> float:
        """Share of compared faces whose FER+ majority differs from their label."""
        cm = self.confusion
        return 1 - np.trace(cm) / max(cm.sum(), 1)

    @property
    def percent(self) -> np.ndarray:
        """``confusion`` as % of each FER2013 label (rows sum to 100)."""
        return row_percent(self.confusion)


def compare_labels(dataset, ferplus: FerPlus | None) -> LabelComparison | None:
    """LabelComparison of a dataset and the FER+ votes; None when either is missing."""
    if ferplus is None or dataset is None:
        return None
    check = rows_align(dataset, ferplus)
    cm = label_disagreement(dataset, ferplus) if check.aligned else None
    return LabelComparison(Path(dataset.source).name, check, cm)


@dataclass(frozen=True)
class FerPlusScore:
    """Test predictions scored against FER+ majority labels, when the rows line up;
    else only ``aligned=False`` and the ``reason``."""

    aligned: bool
    reason: str
    n: int = 0  # test faces with a FER+ majority
    accuracy: float | None = None
    accuracy_ci95: tuple[float, float] | None = None
    macro_f1: float | None = None
    confusion: list[list[int]] | None = None  # rows FER+ majority, columns predicted
    label_changed: float | None = None  # share whose FER+ label differs from FER2013's


def score_against_majority(
    dataset, split: str, probs: np.ndarray, ferplus: FerPlus | None = None
) -> FerPlusScore:
    """Score a split's predictions (N,7), in dataset order, against FER+ majorities."""
    if ferplus is None:
        try:
            ferplus = load_ferplus()
        except FerPlusError as err:
            return FerPlusScore(False, str(err))
    check = rows_align(dataset, ferplus)
    if not check.aligned:
        return FerPlusScore(False, check.reason)
    rows = np.flatnonzero(np.asarray(dataset.usage)[: check.rows_compared] == split)
    majority = majority_labels(ferplus.votes[rows])
    keep = majority != NO_LABEL
    if not keep.any():
        return FerPlusScore(False, "no test row has a FER+ majority label")
    scores = summarize_predictions(majority[keep], probs[: len(rows)][keep])
    original = np.asarray(dataset.labels)[rows][keep]
    return FerPlusScore(
        aligned=True,
        reason=check.reason,
        n=int(keep.sum()),
        accuracy=scores.accuracy,
        accuracy_ci95=scores.accuracy_ci95,
        macro_f1=scores.macro_f1,
        confusion=scores.confusion.tolist(),
        label_changed=float(np.mean(original != majority[keep])),
    )
