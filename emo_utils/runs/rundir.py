"""A run directory (``checkpoints/<name>/``) and the files in it: one owner.

Every module reads and writes a run's files through ``RunDir``; file names live
here and nowhere else. Writes are atomic (a temporary sibling renamed over the
target), so a reader or a crash never sees half a file.

Layout::

    config.json        the ModelConfig (emo_utils.model.recipes)
    weights.npz        inference weights of the shipped network
    metrics.json       training history, timings, versions, test summary
    calibration.json   the softmax temperature fitted on the held-back slice
    held_back.json     which Training rows were held back (emo_utils.train.holdout)
    evaluation.json    a saved Evaluation
    figures/           PNGs drawn from evaluation.json
    snapshots/         epoch-NNN.npz, epoch weights kept for averaging (git-ignored)
    state/             resumable training state (git-ignored)
      current.json       the commit: {"format": 2, "commit": "epoch-007", "epoch": 7}
      epoch-007/         the last complete epoch (epoch-007.1: its averaged weights)
        model.ckpt.*       the TFLearn checkpoint, optimizer slots included
        state.json         epoch, history, best epoch, time (emo_utils.train.state)
        config.json        the config those epochs ran under
        weights.npz        the run's weights.npz as of this epoch (best or averaged)
        snapshot.npz       this epoch's weights, when epoch weights are kept
        metrics.json       the run's metrics.json as of this epoch

The training side calls the per-epoch weights "epoch weights" (a snapshot is a
camera frame in the webcam app); the on-disk names ``snapshots/`` and
``snapshot.npz`` stay, so existing run directories resume and average unchanged.

The epoch commits of training are ``run_commits``'s (``commit``) and
``run_recovery``'s (``lock``, ``recover``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_save_npz, atomic_write_text
from ..paths import in_repo
from .recovery import RecoverableCommits

_EPOCH_WEIGHTS_FILE = re.compile(r"epoch-(\d+)\.npz$")


class RunDir(RecoverableCommits):
    """The files of one training run or shipped checkpoint (names: ``RunFiles``)."""

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
    def held_back_path(self) -> Path:
        return self.path / self.HELD_BACK

    @property
    def evaluation_path(self) -> Path:
        return self.path / self.EVALUATION

    @property
    def figures_dir(self) -> Path:
        return self.path / self.FIGURES

    @property
    def epoch_weights_dir(self) -> Path:
        return self.path / self.EPOCH_WEIGHTS_DIR

    @property
    def state_dir(self) -> Path:
        return self.path / self.STATE

    def epoch_weights_path(self, epoch: int) -> Path:
        return self.epoch_weights_dir / f"epoch-{epoch:03d}.npz"

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

    def parent(self) -> RunDir | None:
        """The checkpoint this run started from (config.json's ``init_from``)."""
        init_from = (self.read_json(self.CONFIG) or {}).get("init_from")
        if not init_from:
            return None
        parent = RunDir(in_repo(init_from))
        return None if parent.path.resolve() == self.path.resolve() else parent

    def lineage(self) -> list[RunDir]:
        """This run and the checkpoints it started from, the first-trained first."""
        runs = [self]
        while (parent := runs[-1].parent()) is not None and len(runs) < 10:
            runs.append(parent)
        return runs[::-1]

    def history(self) -> list[dict[str, Any]]:
        """metrics.json's epochs, a fine-tune's numbered on from its parent's last
        epoch (so the two plot as one story)."""
        rows = (self.read_metrics() or {}).get("history", [])
        parent = self.parent()
        before = parent.history() if parent else []
        offset = before[-1]["epoch"] if before else 0
        return [{**row, "epoch": row["epoch"] + offset} for row in rows]

    def read_calibration(self) -> dict[str, Any] | None:
        return self.read_json(self.CALIBRATION)

    def write_calibration(self, calibration: dict[str, Any]) -> Path:
        return self.write_json(self.CALIBRATION, calibration)

    def read_held_back(self) -> dict[str, Any] | None:
        """held_back.json (train.holdout), or None for runs trained before it."""
        return self.read_json(self.HELD_BACK)

    def write_held_back(self, record: dict[str, Any]) -> Path:
        """held_back.json, compact (about 8 KB for FER2013's 1,437 rows), atomically."""
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.held_back_path, json.dumps(record) + "\n")
        return self.held_back_path

    def write_config(self, config: Any) -> Path:
        """config.json from anything with ``to_json()`` (a ModelConfig)."""
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.config_path, config.to_json())
        return self.config_path

    # ---------------------------------------------------------------- weights
    def read_weights(self) -> dict[str, np.ndarray]:
        """weights.npz as a dict of arrays (emo_utils.predict.load_weights explains
        a missing or damaged file)."""
        with np.load(self.weights_path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}

    def write_weights(self, weights: dict[str, np.ndarray]) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_save_npz(self.weights_path, weights)
        return self.weights_path

    def kept_epochs(self) -> dict[int, Path]:
        """The epoch weights the run kept (for averaging): their files, by epoch."""
        found = {}
        for path in sorted(self.epoch_weights_dir.glob("epoch-*.npz")):
            match = _EPOCH_WEIGHTS_FILE.search(path.name)
            if match:
                found[int(match.group(1))] = path
        return found
