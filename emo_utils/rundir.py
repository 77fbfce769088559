"""A run directory (``checkpoints/<name>/``) and the files in it: one owner.

Every module reads and writes a run's files through ``RunDir``; file names live
here and nowhere else. Writes are atomic (a temporary sibling renamed over the
target), so a reader or a crash never sees half a file.

Layout::

    config.json        the ModelConfig (emo_utils.model)
    weights.npz        inference weights of the shipped network
    metrics.json       training history, timings, versions, test summary
    calibration.json   the softmax temperature fitted on the held-back slice
    evaluation.json    a saved Evaluation
    figures/           PNGs drawn from evaluation.json
    state/             resumable training state (git-ignored)
    snapshots/         per-epoch weights for averaging (git-ignored)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ._files import atomic_write_text


class RunDir:
    """The files of one training run or shipped checkpoint."""

    CONFIG = "config.json"
    WEIGHTS = "weights.npz"
    METRICS = "metrics.json"
    CALIBRATION = "calibration.json"
    EVALUATION = "evaluation.json"
    FIGURES = "figures"
    STATE = "state"
    SNAPSHOTS = "snapshots"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ---------------------------------------------------------------- paths
    @property
    def config_path(self) -> Path:
        return self.path / self.CONFIG

    @property
    def weights_path(self) -> Path:
        return self.path / self.WEIGHTS

    @property
    def metrics_path(self) -> Path:
        return self.path / self.METRICS

    @property
    def calibration_path(self) -> Path:
        return self.path / self.CALIBRATION

    @property
    def evaluation_path(self) -> Path:
        return self.path / self.EVALUATION

    @property
    def figures_dir(self) -> Path:
        return self.path / self.FIGURES

    @property
    def snapshots_dir(self) -> Path:
        return self.path / self.SNAPSHOTS

    # ---------------------------------------------------------------- JSON files
    def read_json(self, name: str) -> dict[str, Any] | None:
        """A JSON file of the run, or None when it does not exist."""
        path = self.path / name
        return json.loads(path.read_text()) if path.exists() else None

    def write_json(self, name: str, obj: Any) -> Path:
        """Write a JSON file of the run atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        path = self.path / name
        atomic_write_text(path, json.dumps(obj, indent=2) + "\n")
        return path

    def read_metrics(self) -> dict[str, Any] | None:
        """metrics.json, or None when this run has not been trained here."""
        return self.read_json(self.METRICS)

    def write_metrics(self, metrics: dict[str, Any]) -> Path:
        return self.write_json(self.METRICS, metrics)

    def read_calibration(self) -> dict[str, Any] | None:
        return self.read_json(self.CALIBRATION)

    def write_calibration(self, calibration: dict[str, Any]) -> Path:
        return self.write_json(self.CALIBRATION, calibration)
