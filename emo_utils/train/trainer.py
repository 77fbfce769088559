"""Train a config with TFLearn: a progress bar per epoch, live curves, resumable runs.

``fit`` runs a ``_Trainer`` in the steps of d2l's Trainer: ``prepare`` (resolve the
config and precision, resume from the last saved epoch, build the graph), then
``fit_epoch`` for each epoch, with the per-epoch duties done by the callbacks of
emo_utils.train.callbacks (Ctrl-C, keep the best epoch, commit the epoch atomically,
progress, weight averaging), then ``finish`` (write metrics.json). Rerunning ``fit``
after Ctrl-C, a kernel restart or a killed process continues after the last saved
epoch.
"""

from __future__ import annotations

# isort: off
from .. import _compat  # noqa: F401  (patches tflearn: before tensorflow/tflearn load)
# isort: on

import contextlib
import dataclasses
import io
import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tensorflow as tf
import tflearn
from tflearn import callbacks as tf_callbacks
from tqdm.auto import tqdm

from .._files import atomic_save_npz
from ..infer.checkpoint import check_weights_fit, load_weights
from ..infer.tf_network import variable_shapes
from ..labels import NUM_CLASSES
from ..model import ModelConfig, build_network, model_variables
from ..paths import in_repo, relative_to_repo
from ..preprocess import to_model_input
from ..runs.commits import Commit
from ..runs.rundir import RunDir
from .averaging import averaging_window
from .callbacks import (
    AverageWeights,
    Callback,
    CommitEpoch,
    KeepBest,
    Progress,
    StopOnInterrupt,
    TrainingInterrupted,
    commit_epoch,
)
from .holdout import TrainData, training_faces, training_size
from .precision import Precision, choose, use_in_graph
from .resume import check_extends, restore_training_state
from .state import HistoryRow, TrainState

tf1 = tf.compat.v1

__all__ = [
    "fit", "one_hot", "save_weights", "set_seed", "versions",
]


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
    if not len(y):
        return float("nan"), float("nan")
    probs = np.concatenate(
        [model.predict(x[i : i + batch].copy()) for i in range(0, len(x), batch)])
    loss = float(-np.mean(np.log(probs[np.arange(len(y)), y] + 1e-7)))
    return loss, float(np.mean(probs.argmax(1) == y))


@dataclass(frozen=True)
class _Inputs:
    """The arrays one call of ``fit`` trains and checks on (network input)."""

    x_train: np.ndarray  # (N,48,48,1) float32
    y_train: np.ndarray  # (N,7) one-hot
    x_held_back: np.ndarray  # (M,48,48,1) float32; its labels: TrainData's
    n_train: int  # images an epoch: all, or max_steps_per_epoch batches


def _inputs(config: ModelConfig, data: TrainData,
            max_steps_per_epoch: int | None) -> _Inputs:
    images, labels = training_faces(config, data)
    n_train = len(labels)
    if max_steps_per_epoch:
        n_train = min(n_train, max_steps_per_epoch * config.batch_size)
    return _Inputs(to_model_input(images), one_hot(labels),
                   to_model_input(data.held_back_images), n_train)


def _with_statistics(config: ModelConfig, x_train: np.ndarray) -> ModelConfig:
    """A ``normalize`` config with the training faces' mean and std (stored in the
    config and the graph)."""
    if not config.normalize:
        return config
    sample = x_train[:5000]
    return dataclasses.replace(config, mean=round(float(sample.mean()), 3),
                               std=round(float(sample.std()), 3))


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
    keep_epochs_from: int | None = None,
    overwrite: bool = False,
    precision: str = "auto",
) -> dict[str, Any]:
    """Train ``config`` on ``data`` into ``run_dir``; resume if the run was interrupted.

    Returns the metrics dict also written to run_dir/metrics.json. ``num_epochs``
    overrides the config (the LR schedule follows it); ``patience`` stops after that
    many epochs without a better held-back accuracy; ``on_epoch_end(history)`` drives
    live plots; ``progress=False`` drops the per-batch bar (log files get one line
    per epoch); ``keep_epochs_from`` keeps every epoch's weights from that epoch on in
    run_dir/snapshots/ (epoch weights, for averaging, see ``averaging``); a config
    with ``average_last`` keeps them itself and, after its last epoch, exports the
    mean of those epochs' weights as weights.npz. ``precision``: auto, bf16 or fp32
    (emo_utils.train.precision; auto is bf16 where the CPU has AMX).
    A finished or interrupted run can be extended: a rerun may change the
    schedule's future (more epochs, a warm restart after the last epoch run).
    Weights without a training state (e.g. the shipped checkpoint) are not replaced
    unless ``overwrite``. Ctrl-C raises TrainingInterrupted; the epochs saved stay.
    """
    if num_epochs is not None:
        config = dataclasses.replace(config, num_epochs=num_epochs)
    if config.num_epochs < 1:
        raise ValueError(
            f"num_epochs (--epochs) is {config.num_epochs}: nothing would be "
            "trained and no weights written. Give 1 or more, or leave it out to "
            "use the config's."
        )
    trainer = _Trainer(
        config, data, RunDir(run_dir), seed=seed,
        max_steps_per_epoch=max_steps_per_epoch, progress=progress,
        overwrite=overwrite, precision=choose(precision),
        callbacks=default_callbacks(config, patience, on_epoch_end, keep_epochs_from),
    )
    return trainer.fit()


def default_callbacks(config: ModelConfig, patience: int | None = None,
                      on_epoch_end=None, keep_epochs_from: int | None = None,
                      ) -> list[Callback]:
    """The duties of ``fit``: Ctrl-C, keep-best (and ``patience``), the commit of each
    epoch (keeping epoch weights from ``keep_epochs_from``), progress, and weight
    averaging for a config with ``average_last`` (which needs the epoch weights of
    its window)."""
    window = averaging_window(config)
    if window:
        keep_epochs_from = min(keep_epochs_from or window[0], window[0])
    callbacks = [StopOnInterrupt(), KeepBest(patience), CommitEpoch(keep_epochs_from),
                 Progress(on_epoch_end)]
    if window:
        callbacks.append(AverageWeights(window))
    return sorted(callbacks, key=lambda c: c.order)


class _Trainer:
    """One call of ``fit``: a config, its data, its run directory and its duties
    (its callbacks see it as a ``callbacks.Trainer``)."""

    def __init__(self, config: ModelConfig, data: TrainData, run: RunDir, *, seed,
                 max_steps_per_epoch, progress, overwrite, precision: Precision,
                 callbacks: list[Callback]):
        self.config, self.data, self.run, self.seed = config, data, run, seed
        self.max_steps_per_epoch, self.progress = max_steps_per_epoch, progress
        self.overwrite, self.precision, self.callbacks = overwrite, precision, callbacks
        self.state = TrainState()
        self.commit: Commit | None = None  # the last epoch saved
        self.row: HistoryRow | None = None  # the epoch just run
        self.improved = False  # whether its weights are the run's best
        self.stop = False  # set by a callback: no further epoch
        self.trained = False  # whether this call changed the weights
        # made by prepare, under the run directory's lock
        self.inputs: _Inputs | None = None
        self.init_weights: dict[str, np.ndarray] | None = None  # a fine-tune's start
        self.graph: tf.Graph | None = None
        self.model: tflearn.DNN | None = None
        self.variables: list[tf.Variable] = []  # the inference weights

    def fit(self) -> dict[str, Any]:
        with self.run.lock():
            try:
                self.prepare()
                self._event("before_fit")
                with self.graph.as_default():
                    epoch = self.state.epoch + 1
                    while epoch <= self.config.num_epochs and not self.stop:
                        self.fit_epoch(epoch)
                        self._event("after_epoch")
                        epoch += 1
                self._event("after_fit")
                return self.finish()
            except KeyboardInterrupt:
                saved = self.commit.epoch if self.commit is not None else 0
                raise TrainingInterrupted(
                    StopOnInterrupt.message(saved, self.config.num_epochs)) from None
            finally:
                self._event("cleanup")

    def _event(self, name: str) -> None:
        for callback in self.callbacks:
            getattr(callback, name)(self)

    def metrics(self) -> dict[str, Any]:
        return _metrics(self.config, self.state, self.seed, self.data)

    # ---------------------------------------------------------------- prepare
    def prepare(self) -> None:
        """Resolve the config, find where to resume, store the held-back rows,
        build the graph."""
        self.inputs = _inputs(self.config, self.data, self.max_steps_per_epoch)
        self.config = _with_statistics(self.config, self.inputs.x_train)
        self.commit = self.run.recover(
            overwrite=self.overwrite,
            metrics_for=lambda state: _metrics(
                self.config, TrainState.from_json(state), self.seed, self.data
            ),
        )
        if self.commit is not None:
            if self.commit.config_path.exists():  # the config its epochs ran under
                saved = ModelConfig.load(self.commit.config_path)
                check_extends(saved, self.config, self.commit.epoch, self.run.path)
            self.state = TrainState.from_json(self.commit.state)
        self.init_weights = self._parent_weights()  # before anything is written
        self.run.write_config(self.config)
        held_back = self.data.held_back_record()
        if held_back is not None:
            self.run.write_held_back(held_back)
        self._build_model()

    def _build_model(self) -> None:
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf1.set_random_seed(self.seed)
            np.random.seed(self.seed + self.state.epoch)
            use_in_graph(self.precision.used, self.graph)  # TFLearn's session config
            steps_per_epoch = int(np.ceil(self.inputs.n_train / self.config.batch_size))
            net = build_network(self.config, training=True,
                                steps_per_epoch=steps_per_epoch)
            self.model = tflearn.DNN(
                net,
                tensorboard_verbose=0,
                tensorboard_dir=str(Path(tempfile.gettempdir()) / "emo_tflearn"),
            )
            if self.commit is not None:
                restore_training_state(self.model.session,
                                       self.commit.tflearn_checkpoint, self.run.path)
            self.variables = model_variables(self.graph)
            if self.init_weights is not None:
                check_weights_fit(variable_shapes(self.variables), self.init_weights,
                                  self.config, self.config.init_from)
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
        state.best_held_back_acc = (state.history[-1].held_back_acc if state.history
                                    else -1.0)
        state.averaged = None
        commit_epoch(self, improved=True)
        self.trained = True
        print(f"{self.run.weights_path}: was written after the saved state; it now "
              f"holds epoch {state.epoch}'s weights (held-back acc "
              f"{state.best_held_back_acc:.3f})", flush=True)

    # ---------------------------------------------------------------- one epoch
    def fit_epoch(self, epoch: int) -> HistoryRow:
        """One pass over (a shuffled slice of) the training data, then the held-back
        slice: the epoch's history row, added to the state as ``self.row``."""
        inputs = self.inputs
        order = np.random.permutation(len(inputs.x_train))[: inputs.n_train]
        start = time.perf_counter()
        with (
            tqdm(total=inputs.n_train, desc=f"epoch {epoch}/{self.config.num_epochs}",
                 unit="img", leave=False, disable=not self.progress) as bar,
            _quiet_tflearn(),
        ):
            tracker = _ProgressBar(bar)
            self.model.fit(
                inputs.x_train[order],
                inputs.y_train[order],
                n_epoch=1,
                shuffle=True,
                batch_size=self.config.batch_size,
                show_metric=True,
                snapshot_epoch=False,  # TFLearn's own checkpoints: CommitEpoch saves
                snapshot_step=None,
                callbacks=[tracker],
                run_id=self.config.name,
            )
        seconds = time.perf_counter() - start
        self.trained = True
        held_back_loss, held_back_acc = _evaluate(self.model, inputs.x_held_back,
                                                  self.data.held_back_labels)
        self.row = HistoryRow(
            epoch=epoch, loss=tracker.loss, acc=tracker.acc,
            held_back_loss=held_back_loss, held_back_acc=held_back_acc,
            lr=_current_lr(self.model, self.config), seconds=round(seconds, 2),
            img_per_s=round(inputs.n_train / seconds, 1),
            precision=self.precision.used,
        )
        state = self.state
        state.history.append(self.row)
        state.epoch = epoch
        state.train_seconds += seconds
        state.precision = self.precision.to_json()
        return self.row

    # ---------------------------------------------------------------- finish
    def finish(self) -> dict[str, Any]:
        """Write and return metrics.json (keeping its test results when this call
        left the weights as they were)."""
        metrics = self.metrics()
        if not self.trained:  # same weights: their test results still hold
            old = self.run.read_metrics() or {}
            if "test" in old:
                metrics["test"] = old["test"]
        self.run.write_metrics(metrics)
        return metrics


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
        "held_back_size": int(len(data.held_back_labels)),
        **({"refit": True} if config.refit else {}),
        "epochs_run": state.epoch,
        "best_epoch": state.best_epoch,
        "best_held_back_acc": state.best_held_back_acc,
        "train_seconds": round(state.train_seconds, 1),
        "img_per_s": round(float(np.median([h.img_per_s for h in hist])), 1)
        if hist
        else None,
        "history": state.history_json(),
        **({"averaged": state.averaged} if state.averaged is not None else {}),
        **({"precision": state.precision} if state.precision is not None else {}),
        **({"init_from": config.init_from} if config.init_from else {}),
    }
