"""Before training writes into a run directory: hold it (``lock``) and make it whole
again (``recover``), whatever interrupted the last save.

Why apart from emo_utils.runs.commits, which writes the commits: this is the other
half of "a kill at any instant loses at most the epoch in progress". ``recover``
(the start of every training run, under ``lock``) deletes what an interrupted save
left behind (temporary folders and files, other commits, epoch weights of
uncommitted epochs) and copies the current commit out again. Runs saved before
commits existed (format 1: ``state/{model.ckpt.*,state.json}``, with ``state.old/``
and ``state.tmp.*/`` during a save) become a commit here.

``RecoverableCommits`` is the part of ``rundir.RunDir`` that locks and recovers.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .commits import FORMAT, Commit, EpochCommits, _identity, _read_json_file, _remove

_TMP_FILE = re.compile(r"\.(\d+)\.tmp$")  # a temporary file's writer: its pid


class RunDirBusy(FileExistsError):
    """Another process is training into this run directory right now."""


class WeightsWithoutState(FileExistsError):
    """Trained weights with no training state: replacing them needs ``overwrite``."""


def _pid_alive(pid: int) -> bool:
    if os.name == "nt" or pid == os.getpid():
        return False  # os.kill(pid, 0) would end the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RecoverableCommits(EpochCommits):
    """Locking and recovering the epoch commits of a training run; mixed into
    ``rundir.RunDir``, whose paths it uses."""

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run directory for one training process (POSIX; released when
        the process ends, however it ends)."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            yield
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunDirBusy(
                    f"another process is training into {self.path} right now; wait "
                    "for it to finish, or train into another run directory."
                ) from None
            yield
        finally:
            os.close(fd)


    def recover(
        self,
        overwrite: bool = False,
        metrics_for: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> Commit | None:
        """Make the run directory whole again after any interruption, before
        training resumes; return the commit to resume from (None: start afresh).

        Converts a format-1 state (``metrics_for(state)`` makes its metrics when
        metrics.json does not match it), deletes what an interrupted save left
        (temporary folders and files, other commits, epoch weights of uncommitted
        epochs) and copies the commit's files out again where they differ.
        Refuses (WeightsWithoutState) to go on where weights.npz has no training
        state, e.g. the shipped checkpoint, unless ``overwrite``.
        """
        commit = self.current_commit() or self._convert_format1(metrics_for)
        if commit is None:
            self._forget_interrupted_first_epoch()
            if self.weights_path.exists() and not overwrite:
                raise WeightsWithoutState(
                    f"{self.path} holds trained weights but no training state to "
                    "resume (the shipped checkpoint, or a run whose state/ was "
                    "deleted). Train into another run directory, or pass --overwrite "
                    "(make train OVERWRITE=1) to replace it; `git checkout -- "
                    "checkpoints/` restores the shipped model."
                )
        self._prune(commit)
        self._remove_leftovers(commit.epoch if commit else 0)
        if commit is not None:
            self._publish(commit, written=None)
        return commit

    def _remove_leftovers(self, epoch: int) -> None:
        """Temporary files and folders of interrupted saves (format 1 and 2), and
        epoch weights of epochs after ``epoch``, the last one saved."""
        for folder in (self.path / "state.old", *self.path.glob("state.tmp.*")):
            _remove(folder)
        tmp_files = [self.path / "weights.tmp.npz"]
        for name in (self.CONFIG, self.WEIGHTS, self.METRICS, self.HELD_BACK):
            tmp_files += self.path.glob(f"{name}.*tmp*")
        tmp_files += self.epoch_weights_dir.glob("*.tmp*")
        for tmp in tmp_files:
            pid = _TMP_FILE.search(tmp.name)
            if not (pid and _pid_alive(int(pid.group(1)))):  # not another writer's
                tmp.unlink(missing_ok=True)
        for kept_epoch, path in self.kept_epochs().items():
            if kept_epoch > epoch:
                path.unlink()

    # ---------------------------------------------------------------- format 1
    def _format1_state(self) -> tuple[Path, dict[str, Any]] | None:
        """The folder and state.json of a format-1 training state, if any."""
        for folder in (self.state_dir, self.path / "state.old"):
            state = _read_json_file(folder / self.STATE_JSON)
            if state is not None and "epoch" in state:
                return folder, state
        return None

    def _convert_format1(
        self, metrics_for: Callable[[dict[str, Any]], dict[str, Any]] | None
    ) -> Commit | None:
        """Make a format-1 training state the current commit (None if there is
        none); ``metrics_for(state)`` makes its metrics if metrics.json is older."""
        found = self._format1_state()
        if found is None:
            return None
        folder, state = found
        metrics = self.read_metrics()
        if _identity(metrics) != _identity(
            {"epochs_run": state["epoch"], "averaged": state.get("averaged")}
        ):
            metrics = metrics_for(state) if metrics_for else None
        weights = self._format1_weights(folder / self.STATE_JSON, state)
        with self.commit(int(state["epoch"]), compare=True) as writer:
            writer.link_tflearn_checkpoint(folder)
            if weights is not None:
                writer.link_weights(weights, copy=True)
            if self.config_path.exists():
                (writer.folder / self.CONFIG).write_bytes(self.config_path.read_bytes())
            if metrics is not None:
                writer.write_metrics(metrics)
            writer.write_state(state)
        print(f"{self.path}: converted the training state of epoch {state['epoch']} "
              f"to format {FORMAT}", flush=True)
        return writer.commit

    def _format1_weights(self, state_json: Path, state: dict[str, Any]) -> Path | None:
        """The file holding a format-1 run's weights as of its state, or None.

        Format 1 wrote weights.npz before state.json: a weights.npz written well
        after it (half an epoch or more) comes from a save cut short, and the best
        epoch's kept weights (never rewritten once its state was saved) stands in.
        None: neither is left (the trainer then exports the checkpoint's).
        """
        history = state.get("history") or [{}]
        slack_ns = 0.5 * history[-1].get("seconds", 0.0) * 1e9
        saved_at = state_json.stat().st_mtime_ns
        if (
            self.weights_path.exists()
            and self.weights_path.stat().st_mtime_ns - saved_at <= slack_ns
        ):
            return self.weights_path
        best = self.epoch_weights_path(int(state.get("best_epoch", 0)))
        if best.exists() and not state.get("averaged"):
            return best
        return None

    def _forget_interrupted_first_epoch(self) -> None:
        """Format 1 wrote weights.npz before the state of epoch 1: weights with
        no metrics.json beside a half-written state.tmp.* are a first epoch cut
        short, not a finished model."""
        if (
            self.weights_path.exists()
            and not self.metrics_path.exists()
            and any(self.path.glob("state.tmp.*"))
        ):
            self.weights_path.unlink()
