"""The held-back slice of Training: chosen once, stored with the run, read back.

Why: training keeps the best epoch on it and calibration fits the temperature on it;
both must see the same faces, so the run directory stores which Training rows they
are (``RunDir.write_held_back``) with a checksum of the Training labels, and a
different data file is detected instead of silently giving another slice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..runs.rundir import RunDir


@dataclass
class TrainData:
    """Model-ready training data: uint8 faces and int labels, plus a held-back slice
    (``held_back_indices``: its rows in Training, when known; ``labels_sha256``:
    checksum of the Training labels those rows index)."""

    train_images: npt.NDArray[np.uint8]
    train_labels: npt.NDArray[np.int64]
    held_back_images: npt.NDArray[np.uint8]
    held_back_labels: npt.NDArray[np.int64]
    held_back_indices: npt.NDArray[np.int64] | None = None
    labels_sha256: str | None = None

    def held_back_record(self) -> dict[str, Any] | None:
        """What held_back.json stores, or None when the rows are not known."""
        if self.held_back_indices is None or self.labels_sha256 is None:
            return None
        return {
            "format": 1,
            "training_size": len(self.train_labels) + len(self.held_back_labels),
            "training_labels_sha256": self.labels_sha256,
            "indices": [int(i) for i in self.held_back_indices],
        }


def labels_checksum(labels: npt.ArrayLike) -> str:
    """SHA-256 of the labels as int64: a different Training split changes it."""
    return hashlib.sha256(np.asarray(labels, dtype="<i8").tobytes()).hexdigest()


def hold_out(images, labels, fraction: float = 0.05, seed: int = 0) -> TrainData:
    """Hold back a stratified ``fraction`` of Training for early stopping."""
    rng = np.random.default_rng(seed)
    held_back_idx = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        take = max(1, round(len(idx) * fraction)) if len(idx) > 1 else 0
        held_back_idx.extend(rng.choice(idx, size=take, replace=False).tolist())
    mask = np.zeros(len(labels), bool)
    mask[held_back_idx] = True
    return TrainData(images[~mask], labels[~mask], images[mask], labels[mask],
                     held_back_indices=np.flatnonzero(mask),
                     labels_sha256=labels_checksum(labels))


def split_by_indices(images, labels, indices) -> TrainData:
    """Training split into the rows ``indices`` (held back) and the rest."""
    mask = np.zeros(len(labels), bool)
    mask[np.asarray(indices, dtype=np.int64)] = True
    return TrainData(images[~mask], labels[~mask], images[mask], labels[mask],
                     held_back_indices=np.flatnonzero(mask),
                     labels_sha256=labels_checksum(labels))


def stored_hold_out(run: RunDir, images, labels) -> TrainData:
    """The held-back slice ``run`` was trained with, from its held_back.json.

    Runs trained before the file existed get today's rebuild from metrics.json's
    counts and seed (the fraction rounded to two places), and a line saying so.
    """
    stored = run.read_held_back()
    if stored is None:
        trained = run.read_metrics() or {}
        held, rest = trained.get("held_back_size", 0), trained.get("train_size", 0)
        fraction = round(held / max(held + rest, 1), 2) or 0.05
        seed = trained.get("seed", 0)
        print(f"{run.path.name}: no {RunDir.HELD_BACK} (trained before it was "
              f"stored); rebuilding the held-back slice from fraction {fraction:g} "
              f"and seed {seed}", flush=True)
        return hold_out(images, labels, fraction=fraction, seed=seed)
    checksum = labels_checksum(labels)
    if (stored.get("training_size") != len(labels)
            or stored.get("training_labels_sha256") != checksum):
        raise ValueError(
            f"{run.held_back_path} was written for a Training split of "
            f"{stored.get('training_size')} faces with other labels than the "
            f"{len(labels)} given (label checksum {checksum[:12]}, stored "
            f"{str(stored.get('training_labels_sha256'))[:12]}): use the data file "
            "the run was trained on, or retrain it on this one"
        )
    return split_by_indices(images, labels, stored["indices"])


def training_faces(config, data: TrainData):
    """The faces and labels a config trains on: ``data``'s training part, plus the
    held-back slice for a ``refit`` config."""
    if not config.refit:
        return data.train_images, data.train_labels
    return (np.concatenate([data.train_images, data.held_back_images]),
            np.concatenate([data.train_labels, data.held_back_labels]))


def training_size(config, data: TrainData) -> int:
    """How many faces ``training_faces`` gives, without concatenating them."""
    return len(data.train_labels) + (len(data.held_back_labels) if config.refit else 0)
