"""Training's epoch commits in a run directory: each epoch saved at once or not at all.

Training saves each epoch as one commit (``RunDir.commit``): its files are written
into ``state/tmp-epoch-NNN.*/``, that folder is renamed to ``state/epoch-NNN`` and
``state/current.json`` is replaced to name it. That last rename is the commit. Only
then are weights.npz, snapshots/epoch-NNN.npz and metrics.json copied out of it
(staged, then renamed into place back to back) and the previous commit deleted.
A kill at any instant thus loses at most the epoch in progress, once
``RunDir.recover`` (emo_utils.runs.recovery) has cleaned up after it.

``RunFiles`` names the files (``rundir`` documents the layout); ``EpochCommits`` is the
part of ``rundir.RunDir`` that commits.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._files import (
    atomic_write_text,
    fsync_path,
    link_or_copy,
    same_bytes,
    tmp_sibling,
)

FORMAT = 2  # of state/: 1 = one state/ folder swapped per epoch, 2 = commits
KILL_AT_ENV = "EMO_TEST_KILL_AT"  # tests: "<step>" or "<step>@<epoch>"


def _kill_point(step: str, epoch: int) -> None:
    """Tests only: end the process here, like ``kill -9``, when $EMO_TEST_KILL_AT
    names this step of a save (optionally ``step@epoch``)."""
    wanted = os.environ.get(KILL_AT_ENV)
    if wanted and wanted in (step, f"{step}@{epoch}"):
        os._exit(137)


def _read_json_file(path: Path) -> dict[str, Any] | None:
    """A JSON file, or None when it is missing or unreadable (cut short)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _stage(
    target: Path, make: Callable[[Path, Path], None], source: Path
) -> tuple[Path, Path]:
    """``make(source, tmp)`` for a temporary sibling of ``target``: (tmp, target)."""
    tmp = tmp_sibling(target)
    tmp.unlink(missing_ok=True)
    make(source, tmp)
    return tmp, target


def _identity(metrics: dict[str, Any] | None) -> tuple | None:
    """Which training result a metrics dict describes (test results aside)."""
    if not metrics:
        return None
    averaged = metrics.get("averaged") or {}
    return metrics.get("epochs_run"), averaged.get("epochs")


class RunFiles:
    """The names of a run directory's files (the layout is in ``rundir``)."""

    CONFIG = "config.json"
    WEIGHTS = "weights.npz"
    METRICS = "metrics.json"
    CALIBRATION = "calibration.json"
    HELD_BACK = "held_back.json"
    EVALUATION = "evaluation.json"
    FIGURES = "figures"
    STATE = "state"
    EPOCH_WEIGHTS_DIR = "snapshots"  # old on-disk name kept: existing runs resume
    # inside state/
    POINTER = "current.json"
    # inside a commit
    TFLEARN_CHECKPOINT = "model.ckpt"
    STATE_JSON = "state.json"
    EPOCH_WEIGHTS = "snapshot.npz"  # old on-disk name kept, as above


@dataclass(frozen=True)
class Commit:
    """One complete epoch of a training run: a folder in state/ (see the layout)."""

    path: Path
    state: dict[str, Any]

    @property
    def epoch(self) -> int:
        return int(self.state["epoch"])

    @property
    def tflearn_checkpoint(self) -> Path:
        """The TFLearn checkpoint prefix (``train.restore_training_state`` reads it)."""
        return self.path / RunFiles.TFLEARN_CHECKPOINT

    @property
    def weights_path(self) -> Path:
        return self.path / RunFiles.WEIGHTS

    @property
    def epoch_weights_path(self) -> Path:
        return self.path / RunFiles.EPOCH_WEIGHTS

    @property
    def config_path(self) -> Path:
        return self.path / RunFiles.CONFIG

    def read_metrics(self) -> dict[str, Any] | None:
        return _read_json_file(self.path / RunFiles.METRICS)


class CommitWriter:
    """The files of one commit, written aside into a temporary folder.

    Made by ``RunFiles.commit``; after the ``with`` block, ``.commit`` is the new
    current commit. Each method is one step of the save (see ``_kill_point``).
    """

    def __init__(self, folder: Path, epoch: int):
        self.folder = folder
        self.epoch = epoch
        self.written: set[str] = set()  # what the run directory gets a new copy of
        self.commit: Commit | None = None

    def _step(self, name: str) -> None:
        _kill_point(name, self.epoch)

    def save_tflearn_checkpoint(self, save: Callable[[str], None]) -> None:
        """``save(prefix)`` writes the TFLearn checkpoint, e.g. ``model.save``."""
        save(str(self.folder / RunFiles.TFLEARN_CHECKPOINT))
        (self.folder / "checkpoint").unlink(missing_ok=True)  # names the tmp folder
        self._step("checkpoint")

    def link_tflearn_checkpoint(self, source: Path) -> None:
        """Reuse the unchanged checkpoint files in folder ``source``."""
        files = sorted(source.glob(RunFiles.TFLEARN_CHECKPOINT + ".*"))
        if not any(f.name.endswith(".index") for f in files):
            raise FileNotFoundError(
                f"no TFLearn checkpoint ({RunFiles.TFLEARN_CHECKPOINT}.*) in {source}")
        for file in files:
            link_or_copy(file, self.folder / file.name)
        self._step("checkpoint")

    def write_weights(self, weights: dict[str, np.ndarray]) -> None:
        """The run's new inference weights (a better epoch, or the average)."""
        np.savez(self.folder / RunFiles.WEIGHTS, **weights)
        self.written.add(RunFiles.WEIGHTS)
        self._step("weights")

    def link_weights(self, source: Path, copy: bool = False) -> None:
        """Keep the run's weights: those of file ``source`` (the last commit's; a
        ``copy`` of one outside state/, which someone may edit in place)."""
        target = self.folder / RunFiles.WEIGHTS
        if copy:
            shutil.copyfile(source, target)
        else:
            link_or_copy(source, target)
        self._step("weights")

    def write_epoch_weights(self, weights: dict[str, np.ndarray]) -> None:
        """This epoch's weights, for snapshots/epoch-NNN.npz."""
        np.savez(self.folder / RunFiles.EPOCH_WEIGHTS, **weights)
        self.written.add(RunFiles.EPOCH_WEIGHTS)
        self._step("epoch-weights")

    def write_config(self, config: Any) -> None:
        """The config (anything with ``to_json()``) these epochs ran under."""
        (self.folder / RunFiles.CONFIG).write_text(config.to_json())
        self._step("config")

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        text = json.dumps(metrics, indent=2) + "\n"
        (self.folder / RunFiles.METRICS).write_text(text)
        self.written.add(RunFiles.METRICS)
        self._step("metrics")

    def write_state(self, state: dict[str, Any]) -> None:
        (self.folder / RunFiles.STATE_JSON).write_text(json.dumps(state))
        self._step("state")


class EpochCommits(RunFiles):
    """Committing the epochs of a training run; mixed into ``rundir.RunDir`` (through
    ``run_recovery.RecoverableCommits``), whose paths it uses."""

    path: Path

    def current_commit(self) -> Commit | None:
        """The last complete epoch saved here, or None (format 1 is not read)."""
        pointer = self.state_dir / self.POINTER
        if not pointer.exists():
            return None
        info = _read_json_file(pointer) or {}
        if info.get("format") != FORMAT:
            raise ValueError(
                f"{pointer} is of format {info.get('format')!r}; this emo_utils reads "
                f"format {FORMAT}. Update emo_utils, or delete {self.state_dir} to "
                "start training over."
            )
        folder = self.state_dir / str(info.get("commit"))
        state = _read_json_file(folder / self.STATE_JSON)
        if state is None:
            raise ValueError(
                f"{pointer} names {folder.name}, which is missing or incomplete; the "
                f"training state was changed by hand. Delete {self.state_dir} to start "
                "training over."
            )
        return Commit(folder, state)

    @contextlib.contextmanager
    def commit(self, epoch: int, compare: bool = False) -> Iterator[CommitWriter]:
        """Save one epoch atomically: files written into the yielded writer become
        current together when the block ends, or not at all. Then the weights,
        epoch weights and metrics it wrote (``compare``: those that differ) are copied
        into the run directory."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"tmp-epoch-{epoch:03d}.",
                                       dir=self.state_dir))
        writer = CommitWriter(folder, epoch)
        try:
            yield writer
            if not (folder / self.STATE_JSON).exists():
                raise RuntimeError(f"commit of epoch {epoch} has no {self.STATE_JSON}")
            writer.commit = self._make_current(folder, epoch)
        except BaseException:
            _remove(folder)
            raise
        self._publish(writer.commit, None if compare else writer.written)
        self._prune(writer.commit)

    def _make_current(self, folder: Path, epoch: int) -> Commit:
        for file in folder.iterdir():
            fsync_path(file)
        fsync_path(folder)
        name = f"epoch-{epoch:03d}"
        for i in range(1, 1000):  # a second commit of an epoch (the averaged weights)
            if not (self.state_dir / name).exists():
                break
            name = f"epoch-{epoch:03d}.{i}"
        final = self.state_dir / name
        os.replace(folder, final)
        fsync_path(self.state_dir)
        _kill_point("folder", epoch)
        pointer = json.dumps({"format": FORMAT, "commit": name, "epoch": epoch})
        atomic_write_text(self.state_dir / self.POINTER, pointer, durable=True)
        _kill_point("pointer", epoch)
        return Commit(final, json.loads((final / self.STATE_JSON).read_text()))

    def _publish(self, commit: Commit, written: set[str] | None) -> None:
        """Copy the commit's weights, epoch weights and metrics into the run directory:
        what ``written`` names, or (``None``) whatever differs from the commit.

        All three are staged first, then renamed into place one right after the
        other, so readers see old weights with new metrics for microseconds only.
        """

        def due(name: str, source: Path, target: Path) -> bool:
            if written is not None:
                return name in written
            return source.exists() and not same_bytes(source, target)

        epoch = commit.epoch
        staged: list[tuple[Path, Path] | None] = [None, None, None]
        if due(self.WEIGHTS, commit.weights_path, self.weights_path):
            staged[0] = _stage(self.weights_path, shutil.copyfile, commit.weights_path)
        kept = self.epoch_weights_path(epoch)
        if due(self.EPOCH_WEIGHTS, commit.epoch_weights_path, kept):
            self.epoch_weights_dir.mkdir(exist_ok=True)  # a link: the commit goes next
            staged[1] = _stage(kept, link_or_copy,
                               commit.epoch_weights_path)
        metrics = commit.read_metrics()
        if metrics is not None and (
            self.METRICS in written
            if written is not None
            else _identity(self.read_metrics()) != _identity(metrics)
        ):
            staged[2] = _stage(self.metrics_path, shutil.copyfile,
                               commit.path / self.METRICS)
        steps = ("published-weights", "published-epoch-weights", "published")
        for pair, step in zip(staged, steps, strict=True):
            if pair is not None:
                os.replace(*pair)
            _kill_point(step, epoch)

    def _prune(self, commit: Commit | None) -> None:
        """Delete everything in state/ but the current commit and its pointer."""
        if not self.state_dir.is_dir():
            return
        keep = {self.POINTER, commit.path.name} if commit else set()
        for child in self.state_dir.iterdir():
            if child.name not in keep:
                _remove(child)
        if commit is None:
            with contextlib.suppress(OSError):
                self.state_dir.rmdir()
