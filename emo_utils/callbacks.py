"""The per-epoch duties of training, one small object each (fastai/d2l callbacks).

Why: ``emo_utils.train.fit`` is then a short loop, and each duty (Ctrl-C, keep the
best epoch, commit the epoch, progress, weight averaging) can be read and tested
alone. The trainer calls, in ``order``: ``before_fit`` once its graph is built,
``after_epoch`` after each epoch (its row is ``trainer.row``, already in
``trainer.state.history``), ``after_fit`` when every epoch ran, and ``cleanup``
however the run ends. What a callback reads or sets on the trainer: ``config``,
``run`` (RunDir), ``state`` (TrainState), ``commit`` (last commit), ``row``,
``improved``, ``stop``, ``trained``, ``model``, ``variables``, ``data``,
``precision`` and ``metrics()``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable
from typing import Any

import numpy as np


class TrainingInterrupted(Exception):
    """Ctrl-C (or a kernel interrupt) stopped ``fit``; the saved epochs are kept."""


class Callback:
    """A duty of the training loop; every event does nothing unless overridden."""

    order = 50  # lower runs first at each event

    def before_fit(self, trainer) -> None: ...

    def after_epoch(self, trainer) -> None: ...

    def after_fit(self, trainer) -> None: ...

    def cleanup(self, trainer) -> None: ...


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

    def before_fit(self, trainer) -> None:
        handler = _python_sigint_handler()
        if handler is None:
            return

        def remember(*args):
            self.seen.set()
            handler(*args)

        self._previous = signal.signal(signal.SIGINT, remember)

    def after_epoch(self, trainer) -> None:
        if self.seen.is_set():
            raise KeyboardInterrupt

    def cleanup(self, trainer) -> None:
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

    def before_fit(self, trainer) -> None:
        state = trainer.state
        self.stale = state.epoch - state.best_epoch if state.history else 0
        trainer.stop = self._out_of_patience()

    def after_epoch(self, trainer) -> None:
        state, row = trainer.state, trainer.row
        first = trainer.commit is None or not trainer.commit.weights_path.exists()
        held_back_acc = row["val_acc"]  # the held-back slice's (TFLearn's name)
        trainer.improved = held_back_acc > state.best_held_back_acc or first
        if trainer.improved:
            state.best_held_back_acc, state.best_epoch = held_back_acc, row["epoch"]
            self.stale = 0
        else:
            self.stale += 1
        trainer.stop = self._out_of_patience()

    def _out_of_patience(self) -> bool:
        return self.patience is not None and self.stale >= self.patience


# ---------------------------------------------------------------- commit


class CommitEpoch(Callback):
    """Saves each epoch as one atomic commit of the run directory (RunDir.commit):
    TFLearn checkpoint, weights (new if improved, else the last commit's), the
    epoch's weights kept from ``keep_epochs_from`` on, config, metrics and state."""

    order = 20

    def __init__(self, keep_epochs_from: int | None = None):
        self.keep_epochs_from = keep_epochs_from

    def after_epoch(self, trainer) -> None:
        epoch = trainer.row["epoch"]
        keep = self.keep_epochs_from is not None and epoch >= self.keep_epochs_from
        self.save(trainer, trainer.improved, keep)

    @staticmethod
    def save(trainer, improved: bool, keep_epoch: bool = False) -> None:
        """Commit ``trainer.state``'s last epoch; ``trainer.commit`` becomes it."""
        session = trainer.model.session
        values = (session.run({v.name: v for v in trainer.variables})
                  if improved or keep_epoch else None)
        with interrupts_deferred():  # trainer.commit is set before a Ctrl-C acts
            with trainer.run.commit(trainer.state.epoch) as commit:
                commit.save_tflearn_checkpoint(trainer.model.save)
                if improved:
                    commit.write_weights(values)
                else:
                    commit.link_weights(trainer.commit.weights_path)
                if keep_epoch:
                    commit.write_epoch_weights(values)
                commit.write_config(trainer.config)
                commit.write_metrics(trainer.metrics())
                commit.write_state(trainer.state.to_json())
            trainer.commit = commit.commit


# ---------------------------------------------------------------- progress


class Progress(Callback):
    """Says the precision at the start and one line per epoch (what log files keep),
    and hands the history to ``on_epoch_end`` (live curves in a notebook)."""

    order = 30

    def __init__(self, on_epoch_end: Callable[[list], None] | None = None):
        self.on_epoch_end = on_epoch_end

    def before_fit(self, trainer) -> None:
        if trainer.precision is not None:
            print(trainer.precision.describe(), flush=True)

    def after_epoch(self, trainer) -> None:
        row = trainer.row
        print(
            f"epoch {row['epoch']}/{trainer.config.num_epochs}: loss {row['loss']:.3f} "
            f"acc {row['acc']:.3f} | held-back acc {row['val_acc']:.3f} | "
            f"{row['seconds']:.0f}s, {row['img_per_s']:.0f} img/s",
            flush=True,
        )
        if self.on_epoch_end is not None:
            self.on_epoch_end(trainer.state.history)


# ---------------------------------------------------------------- averaging


class AverageWeights(Callback):
    """After the last epoch, ships the mean of the weights of epochs ``window``
    (first, last) as weights.npz, once per run, as a second commit of that epoch
    (emo_utils.averaging); CommitEpoch must keep their weights."""

    order = 40

    def __init__(self, window: tuple[int, int]):
        self.window = window

    def after_fit(self, trainer) -> None:
        if trainer.state.epoch < trainer.config.num_epochs:
            return
        if (trainer.state.averaged or {}).get("epochs") == list(self.window):
            return  # done by an earlier call
        self.average(trainer)
        trainer.trained = True

    def average(self, trainer) -> None:
        from .averaging import average_epoch_weights
        from .infer.predictor import EmotionPredictor

        first, last = self.window
        state, data = trainer.state, trainer.data
        weights = average_epoch_weights(trainer.run, first, last)
        predictor = EmotionPredictor.from_weights(trainer.config, weights, engine="tf")
        # one view, like every epoch's held-back accuracy it is compared with
        probs = predictor.predict_faces(data.held_back_images, tta=None)
        held_back_acc = float(np.mean(probs.argmax(1) == data.held_back_labels))
        state.averaged = {"epochs": [first, last], "held_back_acc": held_back_acc}
        with interrupts_deferred():
            with trainer.run.commit(state.epoch) as commit:
                commit.link_tflearn_checkpoint(trainer.commit.path)
                commit.write_weights(weights)
                commit.write_config(trainer.config)
                commit.write_metrics(trainer.metrics())
                commit.write_state(state.to_json())
            trainer.commit = commit.commit
        print(f"weights.npz: mean of epochs {first}-{last}, held-back acc "
              f"{held_back_acc:.3f} (best single epoch "
              f"{state.best_held_back_acc:.3f} at {state.best_epoch})", flush=True)
