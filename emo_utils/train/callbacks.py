"""The per-epoch duties of training, one small object each (fastai/d2l callbacks).

Why: ``trainer.fit`` is then a short loop, and each duty (Ctrl-C, keep the
best epoch, commit the epoch, progress, weight averaging) can be read and tested
alone. The trainer calls, in ``order``: ``before_fit`` once its graph is built,
``after_epoch`` after each epoch (its row is ``trainer.row``, already in
``trainer.state.history``), ``after_fit`` when every epoch ran, and ``cleanup``
however the run ends. What a callback reads and sets is the ``Trainer`` protocol;
an epoch is saved by ``commit_epoch``, whoever saves it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ..model.recipes import ModelConfig
    from ..runs.commits import Commit
    from ..runs.rundir import RunDir
    from .holdout import TrainData
    from .precision import Precision
    from .state import HistoryRow, TrainState


class Trainer(Protocol):
    """What a callback sees of one call of ``fit`` (``trainer``'s trainer)."""

    config: ModelConfig
    data: TrainData
    run: RunDir
    precision: Precision
    state: TrainState  # epochs done, history, best epoch: state.json
    commit: Commit | None  # the last epoch saved (None: none yet)
    row: HistoryRow | None  # the epoch just run, last in state.history
    model: Any  # the tflearn.DNN, once built
    variables: list[Any]  # its inference weights (tf.Variable)
    improved: bool  # set by KeepBest: the epoch's weights are the run's best
    stop: bool  # set by a callback: no further epoch
    trained: bool  # whether this call changed the weights

    def metrics(self) -> dict[str, Any]:
        """metrics.json as of now."""
        ...


class TrainingInterrupted(Exception):
    """Ctrl-C (or a kernel interrupt) stopped ``fit``; the saved epochs are kept."""


class Callback:
    """A duty of the training loop; every event does nothing unless overridden."""

    order = 50  # lower runs first at each event

    def before_fit(self, trainer: Trainer) -> None: ...

    def after_epoch(self, trainer: Trainer) -> None: ...

    def after_fit(self, trainer: Trainer) -> None: ...

    def cleanup(self, trainer: Trainer) -> None: ...


# ---------------------------------------------------------------- Ctrl-C


def _python_sigint_handler() -> Callable[..., Any] | None:
    """The Python Ctrl-C handler to wrap, or None: another thread than the main one
    (which alone may set handlers), or SIGINT ignored / not Python's."""
    if threading.current_thread() is not threading.main_thread():
        return None
    handler = signal.getsignal(signal.SIGINT)
    return handler if callable(handler) else None


@contextlib.contextmanager
def interrupts_deferred():
    """Hold Ctrl-C until the block ends, so an epoch being saved is saved whole and
    the message after it counts that epoch (the save is atomic either way)."""
    handler = _python_sigint_handler()
    if handler is None:
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *args: received.append(args))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        handler(*received[0])


class StopOnInterrupt(Callback):
    """Notes every Ctrl-C (it still raises as usual) and stops after an epoch in
    which one was swallowed: TFLearn's fit reopens its summary writer inside a bare
    ``except:`` every epoch, and a Ctrl-C landing there was lost."""

    order = 0  # before the epoch is recorded as best or saved

    def __init__(self):
        self.seen = threading.Event()
        self._previous: Any = None

    def before_fit(self, trainer: Trainer) -> None:
        handler = _python_sigint_handler()
        if handler is None:
            return

        def remember(*args):
            self.seen.set()
            handler(*args)

        self._previous = signal.signal(signal.SIGINT, remember)

    def after_epoch(self, trainer: Trainer) -> None:
        if self.seen.is_set():
            raise KeyboardInterrupt

    def cleanup(self, trainer: Trainer) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    @staticmethod
    def message(saved: int, total: int) -> str:
        """The one line TrainingInterrupted says, ``saved`` epochs of ``total`` done."""
        if saved >= total:
            return (f"interrupted after the last epoch ({total}); all {total} epochs "
                    "are saved; rerun the same command to finish")
        done = {0: "no epoch is saved yet", 1: "epoch 1 is saved"}.get(
            saved, f"epochs 1..{saved} are saved"
        )
        return (f"interrupted in epoch {saved + 1} of {total}; {done}; rerun the same "
                "command to resume")


# ---------------------------------------------------------------- keep the best


class KeepBest(Callback):
    """Marks an epoch ``trainer.improved`` when its held-back accuracy is the run's
    best (or no weights are saved yet), and stops after ``patience`` epochs without."""

    order = 10

    def __init__(self, patience: int | None = None):
        self.patience = patience
        self.stale = 0  # epochs since the best one

    def before_fit(self, trainer: Trainer) -> None:
        state = trainer.state
        self.stale = state.epoch - state.best_epoch if state.history else 0
        trainer.stop = self._out_of_patience()

    def after_epoch(self, trainer: Trainer) -> None:
        state, row = trainer.state, trainer.row
        first = trainer.commit is None or not trainer.commit.weights_path.exists()
        trainer.improved = row.held_back_acc > state.best_held_back_acc or first
        if trainer.improved:
            state.best_held_back_acc, state.best_epoch = row.held_back_acc, row.epoch
            self.stale = 0
        else:
            self.stale += 1
        trainer.stop = self._out_of_patience()

    def _out_of_patience(self) -> bool:
        return self.patience is not None and self.stale >= self.patience


# ---------------------------------------------------------------- commit


def commit_epoch(trainer: Trainer, improved: bool = False, keep_epoch: bool = False,
                 weights: dict[str, np.ndarray] | None = None) -> None:
    """Save ``trainer.state``'s last epoch as one atomic commit (RunDir.commit):
    TFLearn checkpoint, weights.npz, config, metrics and state; ``trainer.commit``
    becomes it.

    A trained epoch's weights become weights.npz when ``improved`` (else the last
    commit's stay) and its epoch weights when ``keep_epoch``. ``weights`` (the
    average of AverageWeights) replace weights.npz in a second commit of the same
    epoch, whose TFLearn checkpoint is the last commit's.
    """
    averaged = weights is not None
    if not averaged and (improved or keep_epoch):
        weights = trainer.model.session.run({v.name: v for v in trainer.variables})
    with interrupts_deferred():  # trainer.commit is set before a Ctrl-C acts
        with trainer.run.commit(trainer.state.epoch) as commit:
            if averaged:  # no epoch ran since the last commit: same checkpoint
                commit.link_tflearn_checkpoint(trainer.commit.path)
            else:
                commit.save_tflearn_checkpoint(trainer.model.save)
            if averaged or improved:
                commit.write_weights(weights)
            else:
                commit.link_weights(trainer.commit.weights_path)
            if keep_epoch:
                commit.write_epoch_weights(weights)
            commit.write_config(trainer.config)
            commit.write_metrics(trainer.metrics())
            commit.write_state(trainer.state.to_json())
        trainer.commit = commit.commit


class CommitEpoch(Callback):
    """Saves each epoch (``commit_epoch``): new weights if improved, the epoch's
    weights kept from ``keep_epochs_from`` on."""

    order = 20

    def __init__(self, keep_epochs_from: int | None = None):
        self.keep_epochs_from = keep_epochs_from

    def after_epoch(self, trainer: Trainer) -> None:
        epoch = trainer.row.epoch
        keep = self.keep_epochs_from is not None and epoch >= self.keep_epochs_from
        commit_epoch(trainer, trainer.improved, keep)


# ---------------------------------------------------------------- progress


class Progress(Callback):
    """Says the precision at the start and one line per epoch (what log files keep),
    and hands the history to ``on_epoch_end`` (live curves in a notebook)."""

    order = 30

    def __init__(self, on_epoch_end: Callable[[list[dict[str, Any]]], None]
                 | None = None):
        self.on_epoch_end = on_epoch_end  # gets the history as metrics.json stores it

    def before_fit(self, trainer: Trainer) -> None:
        if trainer.precision is not None:
            print(trainer.precision.describe(), flush=True)

    def after_epoch(self, trainer: Trainer) -> None:
        row = trainer.row
        print(
            f"epoch {row.epoch}/{trainer.config.num_epochs}: loss {row.loss:.3f} "
            f"acc {row.acc:.3f} | held-back acc {row.held_back_acc:.3f} | "
            f"{row.seconds:.0f}s, {row.img_per_s:.0f} img/s",
            flush=True,
        )
        if self.on_epoch_end is not None:
            self.on_epoch_end(trainer.state.history_json())


# ---------------------------------------------------------------- averaging


class AverageWeights(Callback):
    """After the last epoch, ships the mean of the weights of epochs ``window``
    (first, last) as weights.npz, once per run, as a second commit of that epoch
    (``commit_epoch``, ``averaging``); CommitEpoch must keep their weights."""

    order = 40

    def __init__(self, window: tuple[int, int]):
        self.window = window

    def after_fit(self, trainer: Trainer) -> None:
        if trainer.state.epoch < trainer.config.num_epochs:
            return
        if (trainer.state.averaged or {}).get("epochs") == list(self.window):
            return  # done by an earlier call
        self.average(trainer)
        trainer.trained = True

    def average(self, trainer: Trainer) -> None:
        from ..infer.predictor import EmotionPredictor
        from .averaging import average_epoch_weights

        first, last = self.window
        state, data = trainer.state, trainer.data
        weights = average_epoch_weights(trainer.run, first, last)
        predictor = EmotionPredictor.from_weights(trainer.config, weights, engine="tf")
        # one view, like every epoch's held-back accuracy it is compared with
        probs = predictor.predict_faces(data.held_back_images, tta=None)
        held_back_acc = float(np.mean(probs.argmax(1) == data.held_back_labels))
        state.averaged = {"epochs": [first, last], "held_back_acc": held_back_acc}
        commit_epoch(trainer, weights=weights)
        print(f"weights.npz: mean of epochs {first}-{last}, held-back acc "
              f"{held_back_acc:.3f} (best single epoch "
              f"{state.best_held_back_acc:.3f} at {state.best_epoch})", flush=True)
