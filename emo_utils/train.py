"""Train a config with TFLearn: a progress bar per epoch, live curves, resumable runs.

``fit`` runs a ``_Trainer`` in the steps of d2l's Trainer: ``prepare`` (resolve the
config, resume from the last saved epoch, build the graph), ``fit_epoch`` (one pass
over the data), ``checkpoint`` (the epoch saved as one atomic commit in the run
directory, see emo_utils.rundir) and ``finish`` (average the last epochs' weights
when the config asks, write metrics.json). Rerunning ``fit`` after Ctrl-C, a kernel
restart or a killed process continues after the last saved epoch.
"""

from __future__ import annotations

# isort: off
from . import _compat  # noqa: F401  (patches tflearn: before tensorflow/tflearn load)
# isort: on

import contextlib
import dataclasses
import io
import os
import platform
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tensorflow as tf
import tflearn
from tflearn import callbacks as tf_callbacks
from tqdm.auto import tqdm

from ._files import atomic_save_npz
from .labels import NUM_CLASSES
from .model import ModelConfig, build_network, model_variables
from .paths import in_repo, relative_to_repo
from .predict import check_weights_fit, load_weights
from .preprocess import to_model_input
from .rundir import Commit, RunDir

tf1 = tf.compat.v1


@dataclass
class TrainData:
    """Model-ready training data: uint8 faces and int labels, plus a held-back slice."""

    train_images: npt.NDArray[np.uint8]
    train_labels: npt.NDArray[np.int64]
    val_images: npt.NDArray[np.uint8]
    val_labels: npt.NDArray[np.int64]


def hold_out(images, labels, fraction: float = 0.05, seed: int = 0) -> TrainData:
    """Hold back a stratified ``fraction`` of Training for early stopping."""
    rng = np.random.default_rng(seed)
    val_idx = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        take = max(1, round(len(idx) * fraction)) if len(idx) > 1 else 0
        val_idx.extend(rng.choice(idx, size=take, replace=False).tolist())
    mask = np.zeros(len(labels), bool)
    mask[val_idx] = True
    return TrainData(images[~mask], labels[~mask], images[mask], labels[mask])


def training_faces(config, data: TrainData):
    """The faces and labels a config trains on: ``data``'s training part, plus the
    held-back slice for a ``refit`` config."""
    if not config.refit:
        return data.train_images, data.train_labels
    return (np.concatenate([data.train_images, data.val_images]),
            np.concatenate([data.train_labels, data.val_labels]))


def training_size(config, data: TrainData) -> int:
    """How many faces ``training_faces`` gives, without concatenating them."""
    return len(data.train_labels) + (len(data.val_labels) if config.refit else 0)


def set_seed(seed: int = 0) -> None:
    """Seed numpy, Python and TF (graph-level seeds are set per graph in ``fit``)."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    tf1.set_random_seed(seed)


def one_hot(labels: npt.NDArray[np.integer]) -> npt.NDArray[np.float32]:
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


class _Silent(tf_callbacks.Callback):
    """Stands in for TFLearn's TermLogger, which prints ~900 lines an epoch."""

    def __init__(self, *args, **kwargs):
        self.data = []

    def add(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def _quiet_tflearn():
    original = tf_callbacks.TermLogger
    tf_callbacks.TermLogger = _Silent
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        tf_callbacks.TermLogger = original


class _ProgressBar(tf_callbacks.Callback):
    def __init__(self, bar: tqdm):
        self.bar = bar
        self.loss = self.acc = float("nan")

    def on_batch_end(self, training_state, snapshot=False):
        self.loss = float(training_state.global_loss or np.nan)
        self.acc = float(training_state.acc_value or np.nan)
        self.bar.update(training_state.current_iter - self.bar.n)  # counts images
        self.bar.set_postfix(
            loss=f"{self.loss:.3f}", acc=f"{self.acc:.3f}", refresh=False
        )


def _python_sigint_handler() -> Callable[..., Any] | None:
    """The Python Ctrl-C handler to wrap, or None: another thread than the main one
    (which alone may set handlers), or SIGINT ignored / not Python's."""
    if threading.current_thread() is not threading.main_thread():
        return None
    handler = signal.getsignal(signal.SIGINT)
    return handler if callable(handler) else None


@contextlib.contextmanager
def _sigint_handled_by(replacement: Callable[..., Any]):
    """``replacement`` handles Ctrl-C while the block runs, the old handler after."""
    previous = signal.signal(signal.SIGINT, replacement)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold Ctrl-C until the block ends, so an epoch being saved is saved whole and
    the message after it counts that epoch (the save is atomic either way)."""
    handler = _python_sigint_handler()
    if handler is None:
        yield
        return
    received = []
    with _sigint_handled_by(lambda *args: received.append(args)):
        yield
    if received:
        handler(*received[0])


@contextlib.contextmanager
def _interrupts_remembered():
    """Note every Ctrl-C while the block runs (it still raises as usual), so one that
    TFLearn swallows can be raised again: its fit reopens the summary writer inside a
    bare ``except:`` every epoch, and a Ctrl-C landing there was lost."""
    seen = threading.Event()
    handler = _python_sigint_handler()
    if handler is None:
        yield seen
        return

    def remember(*args):
        seen.set()
        handler(*args)

    with _sigint_handled_by(remember):
        yield seen


def versions() -> dict[str, str]:
    import cv2

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tflearn": tflearn.__version__ if hasattr(tflearn, "__version__") else "0.5.0",
        "numpy": np.__version__,
        "opencv": cv2.__version__,
    }


def save_weights(session, path: Path, variables=None) -> None:
    """Write the inference weights (no optimizer slots) to an .npz, atomically."""
    variables = variables if variables is not None else model_variables()
    atomic_save_npz(Path(path), session.run({v.name: v for v in variables}))


def _evaluate(model: tflearn.DNN, x: np.ndarray, y: np.ndarray, batch: int = 512):
    probs = (
        np.concatenate(
            [model.predict(x[i : i + batch].copy()) for i in range(0, len(x), batch)]
        )
        if len(x)
        else np.zeros((0, 7))
    )
    if not len(y):
        return float("nan"), float("nan")
    loss = float(-np.mean(np.log(probs[np.arange(len(y)), y] + 1e-7)))
    return loss, float(np.mean(probs.argmax(1) == y))


class TrainingInterrupted(Exception):
    """Ctrl-C (or a kernel interrupt) stopped ``fit``; the saved epochs are kept."""


@dataclass
class TrainState:
    """Where a run stands: saved as state.json with every epoch, read on resume."""

    epoch: int = 0  # epochs done
    history: list[dict[str, Any]] = field(default_factory=list)
    best_val_acc: float = -1.0
    best_epoch: int = 0
    train_seconds: float = 0.0
    averaged: dict[str, Any] | None = None  # {"epochs": [first, last], ...}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainState:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in obj.items() if k in names})

    def to_json(self) -> dict[str, Any]:
        obj = dataclasses.asdict(self)
        if obj["averaged"] is None:
            del obj["averaged"]
        return obj


def fit(
    config: ModelConfig,
    data: TrainData,
    run_dir: str | os.PathLike,
    num_epochs: int | None = None,
    patience: int | None = None,
    seed: int = 0,
    on_epoch_end: Callable[[list[dict[str, Any]]], None] | None = None,
    max_steps_per_epoch: int | None = None,
    progress: bool = True,
    snapshots_from: int | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train ``config`` on ``data`` into ``run_dir``; resume if the run was interrupted.

    Returns the metrics dict also written to run_dir/metrics.json. ``num_epochs``
    overrides the config (the LR schedule follows it); ``patience`` stops after that
    many epochs without a better held-back accuracy; ``on_epoch_end(history)`` drives
    live plots; ``progress=False`` drops the per-batch bar (log files get one line
    per epoch); ``snapshots_from`` keeps every epoch's weights from that epoch on in
    run_dir/snapshots/ (for weight averaging, see emo_utils.averaging); a config
    with ``average_last`` keeps them itself and, after its last epoch, exports the
    mean of those epochs' weights as weights.npz.
    A finished or interrupted run can be extended: a rerun may change the
    schedule's future (more epochs, a warm restart after the last epoch run).
    Weights without a training state (e.g. the shipped checkpoint) are not replaced
    unless ``overwrite``. Ctrl-C raises TrainingInterrupted; the epochs saved stay.
    """
    trainer = _Trainer(
        config,
        data,
        RunDir(run_dir),
        num_epochs=num_epochs,
        patience=patience,
        seed=seed,
        on_epoch_end=on_epoch_end,
        max_steps_per_epoch=max_steps_per_epoch,
        progress=progress,
        snapshots_from=snapshots_from,
        overwrite=overwrite,
    )
    return trainer.fit()


class _Trainer:
    """One call of ``fit``: a config, its data and its run directory."""

    def __init__(self, config: ModelConfig, data: TrainData, run: RunDir, *,
                 num_epochs, patience, seed, on_epoch_end, max_steps_per_epoch,
                 progress, snapshots_from, overwrite):
        if num_epochs is not None:
            config = dataclasses.replace(config, num_epochs=num_epochs)
        if config.num_epochs < 1:
            raise ValueError(
                f"num_epochs (--epochs) is {config.num_epochs}: nothing would be "
                "trained and no weights written. Give 1 or more, or leave it out to "
                "use the config's."
            )
        self.config, self.data, self.run = config, data, run
        self.patience, self.seed, self.on_epoch_end = patience, seed, on_epoch_end
        self.max_steps_per_epoch, self.progress = max_steps_per_epoch, progress
        self.snapshots_from, self.overwrite = snapshots_from, overwrite
        self.state = TrainState()
        self.commit: Commit | None = None  # the last epoch saved
        self.trained = False  # whether this call changed the weights

    def fit(self) -> dict[str, Any]:
        with self.run.lock(), _interrupts_remembered() as ctrl_c:
            try:
                self.prepare()
                with self.graph.as_default():
                    for epoch in self._epochs_to_run():
                        row, seconds = self.fit_epoch(epoch)
                        if ctrl_c.is_set():  # one TFLearn swallowed: stop all the same
                            raise KeyboardInterrupt
                        improved = self._record(row, seconds)
                        self.checkpoint(improved, snapshot=self._keeps_snapshot(epoch))
                        self._report(row)
                        if self.on_epoch_end is not None:
                            self.on_epoch_end(self.state.history)
                return self.finish()
            except KeyboardInterrupt:
                raise TrainingInterrupted(self._interrupted()) from None

    # ---------------------------------------------------------------- prepare
    def prepare(self) -> None:
        """Resolve the config, find where to resume, build the graph."""
        self.train_images, self.train_labels = training_faces(self.config, self.data)
        self.x_train = to_model_input(self.train_images)
        if self.config.normalize:  # dataset statistics, stored in config and graph
            sample = self.x_train[:5000]
            self.config = dataclasses.replace(
                self.config,
                mean=round(float(sample.mean()), 3),
                std=round(float(sample.std()), 3),
            )
        self.commit = self.run.recover(
            overwrite=self.overwrite,
            metrics_for=lambda state: _metrics(
                self.config, TrainState.from_json(state), self.seed, self.data
            ),
        )
        if self.commit is not None:
            if self.commit.config_path.exists():  # the config its epochs ran under
                saved = ModelConfig.load(self.commit.config_path)
                _check_extends(saved, self.config, self.commit.epoch, self.run.path)
            self.state = TrainState.from_json(self.commit.state)
        self.init_weights = self._parent_weights()  # before anything is written
        self.run.write_config(self.config)
        self.stale = (  # epochs since the best one
            self.state.epoch - self.state.best_epoch if self.state.history else 0
        )
        self.window = averaging_window(self.config)
        if self.window:
            self.snapshots_from = min(self.snapshots_from or self.window[0],
                                      self.window[0])
        self.y_train = one_hot(self.train_labels)
        self.x_val = to_model_input(self.data.val_images)
        self.n_train = len(self.x_train)
        if self.max_steps_per_epoch:
            self.n_train = min(self.n_train,
                               self.max_steps_per_epoch * self.config.batch_size)
        self._build_model()

    def _build_model(self) -> None:
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf1.set_random_seed(self.seed)
            np.random.seed(self.seed + self.state.epoch)
            steps_per_epoch = int(np.ceil(self.n_train / self.config.batch_size))
            net = build_network(self.config, training=True,
                                steps_per_epoch=steps_per_epoch)
            self.model = tflearn.DNN(
                net,
                tensorboard_verbose=0,
                tensorboard_dir=str(Path(tempfile.gettempdir()) / "emo_tflearn"),
            )
            if self.commit is not None:
                restore_training_state(self.model.session, self.commit.checkpoint,
                                       self.run.path)
            self.variables = model_variables(self.graph)
            if self.init_weights is not None:
                check_weights_fit(self.variables, self.init_weights, self.config,
                                  self.config.init_from)
                for v in self.variables:
                    v.load(self.init_weights[v.name], self.model.session)
            if self.commit is not None and not self.commit.weights_path.exists():
                self._adopt_checkpoint_weights()

    def _parent_weights(self) -> dict[str, np.ndarray] | None:
        """Fine-tuning (``init_from``): the weights a new run starts from."""
        if self.commit is not None or not self.config.init_from:
            return None
        path = in_repo(self.config.init_from)
        weights = load_weights(path / RunDir.WEIGHTS)  # CheckpointError says what to do
        print(f"starting from the weights of {relative_to_repo(path)}", flush=True)
        return weights

    def _adopt_checkpoint_weights(self) -> None:
        """A format-1 run cut short in a save lost its best weights: ship the last
        saved epoch's instead, and say so."""
        state = self.state
        state.best_epoch = state.epoch
        state.best_val_acc = state.history[-1]["val_acc"] if state.history else -1.0
        state.averaged = None
        self.stale = 0
        self.checkpoint(improved=True)
        self.trained = True
        print(f"{self.run.weights_path}: was written after the saved state; it now "
              f"holds epoch {state.epoch}'s weights (held-back acc "
              f"{state.best_val_acc:.3f})", flush=True)

    # ---------------------------------------------------------------- one epoch
    def _epochs_to_run(self):
        """The epochs after the last one saved, until the end or ``patience``."""
        for epoch in range(self.state.epoch + 1, self.config.num_epochs + 1):
            if self.patience is not None and self.stale >= self.patience:
                return
            yield epoch

    def fit_epoch(self, epoch: int) -> tuple[dict[str, Any], float]:
        """One pass over (a shuffled slice of) the training data, then the held-back
        slice: the epoch's history row and its training seconds."""
        order = np.random.permutation(len(self.x_train))[: self.n_train]
        start = time.perf_counter()
        with (
            tqdm(
                total=self.n_train,
                desc=f"epoch {epoch}/{self.config.num_epochs}",
                unit="img",
                leave=False,
                disable=not self.progress,
            ) as bar,
            _quiet_tflearn(),
        ):
            tracker = _ProgressBar(bar)
            self.model.fit(
                self.x_train[order],
                self.y_train[order],
                n_epoch=1,
                shuffle=True,
                batch_size=self.config.batch_size,
                show_metric=True,
                snapshot_epoch=False,
                snapshot_step=None,
                callbacks=[tracker],
                run_id=self.config.name,
            )
        seconds = time.perf_counter() - start
        self.trained = True
        val_loss, val_acc = _evaluate(self.model, self.x_val, self.data.val_labels)
        row = {
            "epoch": epoch,
            "loss": tracker.loss,
            "acc": tracker.acc,
            "val_loss": val_loss,
            "val_acc": val_acc,
            "lr": _current_lr(self.model, self.config),
            "seconds": round(seconds, 2),
            "img_per_s": round(self.n_train / seconds, 1),
        }
        return row, seconds

    def _record(self, row: dict[str, Any], seconds: float) -> bool:
        """Add an epoch to the state; whether its weights are the run's new best."""
        state = self.state
        state.history.append(row)
        state.epoch = row["epoch"]
        state.train_seconds += seconds
        first = self.commit is None or not self.commit.weights_path.exists()
        improved = row["val_acc"] > state.best_val_acc or first
        if improved:
            state.best_val_acc, state.best_epoch = row["val_acc"], row["epoch"]
            self.stale = 0
        else:
            self.stale += 1
        return improved

    def _keeps_snapshot(self, epoch: int) -> bool:
        return self.snapshots_from is not None and epoch >= self.snapshots_from

    def _report(self, row: dict[str, Any]) -> None:
        print(
            f"epoch {row['epoch']}/{self.config.num_epochs}: loss {row['loss']:.3f} "
            f"acc {row['acc']:.3f} | held-back acc {row['val_acc']:.3f} | "
            f"{row['seconds']:.0f}s, {row['img_per_s']:.0f} img/s",
            flush=True,
        )

    # ---------------------------------------------------------------- checkpoint
    def checkpoint(self, improved: bool, snapshot: bool = False) -> None:
        """Save the epoch just run as one commit: TFLearn checkpoint, weights (new
        if ``improved``, else the last commit's), snapshot, config, metrics, state."""
        values = (
            self.model.session.run({v.name: v for v in self.variables})
            if improved or snapshot
            else None
        )
        with _interrupts_deferred():
            with self.run.commit(self.state.epoch) as commit:
                commit.save_checkpoint(self.model.save)
                if improved:
                    commit.write_weights(values)
                else:
                    commit.link_weights(self.commit.weights_path)
                if snapshot:
                    commit.write_snapshot(values)
                commit.write_config(self.config)
                commit.write_metrics(_metrics(self.config, self.state, self.seed,
                                              self.data))
                commit.write_state(self.state.to_json())
            self.commit = commit.commit

    # ---------------------------------------------------------------- finish
    def finish(self) -> dict[str, Any]:
        """Average the last epochs' weights (configs with ``average_last``), then
        write and return metrics.json."""
        if self.window and self.state.epoch >= self.config.num_epochs:
            self.trained |= self._average()
        metrics = _metrics(self.config, self.state, self.seed, self.data)
        if not self.trained:  # same weights: their test results still hold
            old = self.run.read_metrics() or {}
            if "test" in old:
                metrics["test"] = old["test"]
        self.run.write_metrics(metrics)
        return metrics

    def _average(self) -> bool:
        """weights.npz := mean of the last ``average_last`` epochs (once per run),
        saved as a commit of the last epoch. Returns whether weights.npz changed."""
        from .averaging import average_snapshots
        from .predict import EmotionPredictor

        first, last = self.window
        epochs = [first, last]
        if (self.state.averaged or {}).get("epochs") == epochs:
            return False  # done by an earlier call
        weights = average_snapshots(self.run, first, last)
        predictor = EmotionPredictor(self.config, weights)
        # one view, like every epoch's held-back accuracy it is compared with
        probs = predictor.predict_faces(self.data.val_images, tta=None)
        val_acc = float(np.mean(probs.argmax(1) == self.data.val_labels))
        self.state.averaged = {"epochs": epochs, "held_back_acc": val_acc}
        with _interrupts_deferred():
            with self.run.commit(self.state.epoch) as commit:
                commit.link_checkpoint(self.commit.path)
                commit.write_weights(weights)
                commit.write_config(self.config)
                commit.write_metrics(_metrics(self.config, self.state, self.seed,
                                              self.data))
                commit.write_state(self.state.to_json())
            self.commit = commit.commit
        print(
            f"weights.npz: mean of epochs {first}-{last}, held-back acc "
            f"{val_acc:.3f} (best single epoch {self.state.best_val_acc:.3f} at "
            f"{self.state.best_epoch})",
            flush=True,
        )
        return True

    def _interrupted(self) -> str:
        """The one line TrainingInterrupted says."""
        done = self.commit.epoch if self.commit is not None else 0
        total = self.config.num_epochs
        if done >= total:
            return (f"interrupted after the last epoch ({total}); all {total} epochs "
                    "are saved; rerun the same command to finish")
        saved = {0: "no epoch is saved yet", 1: "epoch 1 is saved"}.get(
            done, f"epochs 1..{done} are saved"
        )
        return (f"interrupted in epoch {done + 1} of {total}; {saved}; rerun the same "
                "command to resume")


def restore_training_state(session: tf1.Session, checkpoint: Path,
                           run_dir: Path) -> None:
    """Restore a saved epoch into the session's graph, tolerating a changed display.

    TFLearn keeps a moving average of each loss term for its progress line; their
    names follow the loss ops, which change with the code (the mixup loss renamed
    ``Mean/moving_avg``). Those start afresh instead of refusing the run; anything
    else missing from the checkpoint (a weight, an optimizer slot) is an error.
    """
    saved = set(tf1.train.load_checkpoint(str(checkpoint)).get_variable_to_shape_map())
    variables = session.graph.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES)
    missing = [v.op.name for v in variables if v.op.name not in saved]
    needed = [name for name in missing if not name.endswith("/moving_avg")]
    if needed:
        raise ValueError(
            f"{run_dir} holds a training state this version cannot resume: it lacks "
            f"{', '.join(needed[:3])}{' ...' if len(needed) > 3 else ''}. Delete "
            f"{run_dir / 'state'} to train that run again from its start, or use "
            "another run directory.")
    present = [v for v in variables if v.op.name in saved]
    tf1.train.Saver(present).restore(session, str(checkpoint))
    if missing:
        print(f"resuming {relative_to_repo(run_dir)}: the progress line's loss "
              f"averages ({len(missing)}) start afresh (their names changed)",
              flush=True)


def averaging_window(config: ModelConfig) -> tuple[int, int] | None:
    """First and last epoch whose weights are averaged, or None (best epoch kept).

    A run from scratch averages only if it is at least twice as long as the window:
    the mean of its first epochs would include weights far from any good solution.
    A fine-tune (``init_from``) starts at one, so it may average all its epochs.
    """
    n = config.average_last
    shortest = n if config.init_from else 2 * n
    if n <= 0 or config.num_epochs < shortest:
        return None
    return config.num_epochs - n + 1, config.num_epochs


# Fields that only shape epochs not yet run: a rerun may change them.
_SCHEDULE_FIELDS = ("num_epochs", "restarts", "restart_lr_scale", "average_last")


def _check_extends(
    saved: ModelConfig, config: ModelConfig, done: int, run_dir: Path
) -> None:
    """Refuse to resume ``saved`` (``done`` epochs run) as a different recipe."""
    same_rest = dataclasses.replace(
        saved, **{f: getattr(config, f) for f in _SCHEDULE_FIELDS}
    ) == config
    past_restarts = {e for e in saved.restarts if e < done}
    same_past = (
        past_restarts == {e for e in config.restarts if e < done}
        and (not past_restarts or saved.restart_lr_scale == config.restart_lr_scale)
    )
    if not (same_rest and same_past):
        raise ValueError(
            f"{run_dir} holds a run ({done} epochs done) of a different config or "
            "of a schedule that differs in epochs already run. Use another run "
            "directory, or delete this one to start over."
        )


def _current_lr(model: tflearn.DNN, config: ModelConfig) -> float:
    tensors = tf1.get_collection(tf1.GraphKeys.LR_VARIABLES)
    return float(model.session.run(tensors[0])) if tensors else config.lr


def _metrics(
    config: ModelConfig, state: TrainState, seed: int, data: TrainData
) -> dict:
    hist = state.history
    return {
        "config": config.name,
        "seed": seed,
        "versions": versions(),
        "train_size": training_size(config, data),
        "held_back_size": int(len(data.val_labels)),
        **({"refit": True} if config.refit else {}),
        "epochs_run": state.epoch,
        "best_epoch": state.best_epoch,
        "best_held_back_acc": state.best_val_acc,
        "train_seconds": round(state.train_seconds, 1),
        "img_per_s": round(float(np.median([h["img_per_s"] for h in hist])), 1)
        if hist
        else None,
        "history": hist,
        **({"averaged": state.averaged} if state.averaged is not None else {}),
        **({"init_from": config.init_from} if config.init_from else {}),
    }
