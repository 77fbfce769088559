"""Where a training run stands, as stored: ``TrainState`` (state.json) and one
``HistoryRow`` per epoch (its history, also metrics.json's).

Why one module: the stored files name the held-back slice's numbers after TFLearn's
validation set (``val_loss``, ``val_acc``, ``best_val_acc``). Existing runs resume
from those files, so the keys stay; they are translated here, once, and the code
says held-back everywhere else. No TensorFlow: curves and sentences read it too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# field name -> the key stored in state.json / metrics.json (TFLearn's names)
_STORED = {
    "held_back_loss": "val_loss",
    "held_back_acc": "val_acc",
    "best_held_back_acc": "best_val_acc",
}
_NAN = float("nan")


def _from_stored(cls, obj: dict[str, Any]) -> dict[str, Any]:
    """The dataclass ``cls``'s fields found in the stored dict ``obj``."""
    names = {f.name for f in dataclasses.fields(cls)}
    stored = {_STORED.get(n, n): n for n in names}
    return {stored[k]: v for k, v in obj.items() if k in stored}


def _to_stored(obj: Any, optional: tuple[str, ...]) -> dict[str, Any]:
    """The dataclass ``obj`` under its stored keys, ``optional`` fields left out
    when None (runs written before they existed)."""
    fields = dataclasses.asdict(obj)
    return {_STORED.get(k, k): v for k, v in fields.items()
            if not (k in optional and v is None)}


@dataclass
class HistoryRow:
    """One epoch: the training batches' loss and accuracy, the held-back slice's,
    the learning rate, the time and the precision it ran at."""

    epoch: int
    loss: float = _NAN  # of the training batches (augmented; + L2 penalty)
    acc: float = _NAN
    held_back_loss: float = _NAN
    held_back_acc: float = _NAN
    lr: float = _NAN
    seconds: float = _NAN
    img_per_s: float = _NAN
    precision: str | None = None  # bf16 | fp32; None: a run from before precision

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> HistoryRow:
        return cls(**_from_stored(cls, obj))

    def to_json(self) -> dict[str, Any]:
        return _to_stored(self, optional=("precision",))


def read_history(rows: list[dict[str, Any]]) -> list[HistoryRow]:
    """A stored history (metrics.json's ``history``) as HistoryRows."""
    return [HistoryRow.from_json(row) for row in rows]


@dataclass
class TrainState:
    """Where a run stands: saved as state.json with every epoch, read on resume."""

    epoch: int = 0  # epochs done
    history: list[HistoryRow] = field(default_factory=list)
    best_held_back_acc: float = -1.0
    best_epoch: int = 0
    train_seconds: float = 0.0
    averaged: dict[str, Any] | None = None  # {"epochs": [first, last], ...}
    precision: dict[str, Any] | None = None  # of the last call that trained

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainState:
        found = _from_stored(cls, obj)
        found["history"] = read_history(found.get("history", []))
        return cls(**found)

    def to_json(self) -> dict[str, Any]:
        stored = _to_stored(self, optional=("averaged", "precision"))
        stored["history"] = self.history_json()
        return stored

    def history_json(self) -> list[dict[str, Any]]:
        """The history as stored (metrics.json's ``history``)."""
        return [row.to_json() for row in self.history]
