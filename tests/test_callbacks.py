"""Each duty of the training loop, alone: a stand-in trainer, no TensorFlow graph."""

import dataclasses
import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from emo_utils.runs.rundir import RunDir
from emo_utils.train.callbacks import (
    AverageWeights,
    CommitEpoch,
    KeepBest,
    Progress,
    StopOnInterrupt,
    Trainer,
    commit_epoch,
)
from emo_utils.train.precision import Precision
from emo_utils.train.state import HistoryRow, TrainState
from emo_utils.train.trainer import _Trainer, default_callbacks

from .helpers import TINY


def _row(epoch: int, held_back_acc: float) -> HistoryRow:
    return HistoryRow(epoch, loss=1.0, acc=0.5, held_back_loss=1.0,
                      held_back_acc=held_back_acc, seconds=2.0, img_per_s=100.0)


def _trainer(tmp_path=None, **overrides):
    """What the callbacks read and set on the real trainer (callbacks.Trainer)."""
    trainer = SimpleNamespace(
        config=TINY, state=TrainState(), commit=None, row=None, improved=False,
        stop=False, trained=False, precision=None,
        run=RunDir(tmp_path) if tmp_path else None,
    )
    trainer.metrics = lambda: {"epochs_run": trainer.state.epoch,
                               "history": trainer.state.history_json()}
    for name, value in overrides.items():
        setattr(trainer, name, value)
    return trainer


def _run_epochs(callback, trainer, accuracies):
    """Feed ``callback`` epochs with these held-back accuracies; what it decided."""
    decided = []
    for epoch, acc in enumerate(accuracies, trainer.state.epoch + 1):
        trainer.row = _row(epoch, acc)
        trainer.state.history.append(trainer.row)
        trainer.state.epoch = epoch
        callback.after_epoch(trainer)
        decided.append((trainer.improved, trainer.stop))
        trainer.commit = SimpleNamespace(weights_path=Path(__file__))  # "saved"
    return decided


def test_keep_best_marks_better_epochs_and_stops_after_patience():
    keep = KeepBest(patience=2)
    trainer = _trainer()
    keep.before_fit(trainer)
    assert trainer.stop is False
    decided = _run_epochs(keep, trainer, [0.3, 0.5, 0.5, 0.4])
    assert decided == [(True, False), (True, False), (False, False), (False, True)]
    assert (trainer.state.best_epoch, trainer.state.best_held_back_acc) == (2, 0.5)


def test_keep_best_counts_patience_on_from_a_resumed_run():
    trainer = _trainer()
    trainer.state = TrainState(epoch=5, history=[_row(e, 0.1) for e in range(1, 6)],
                               best_held_back_acc=0.9, best_epoch=3)
    KeepBest(patience=2).before_fit(trainer)
    assert trainer.stop is True  # two epochs since the best already
    trainer.stop = False
    KeepBest(patience=None).before_fit(trainer)
    assert trainer.stop is False


def test_keep_best_takes_the_first_epoch_whatever_its_accuracy():
    trainer = _trainer()
    trainer.state.best_held_back_acc = 0.99  # e.g. a state whose weights were lost
    assert _run_epochs(KeepBest(), trainer, [0.1]) == [(True, False)]


def test_train_state_keeps_the_stored_keys_of_the_held_back_numbers():
    """state.json files of existing runs say best_val_acc, val_acc and val_loss (and
    older rows have no precision); they still resume, and are written back as read."""
    row = {"epoch": 3, "loss": 1.2, "acc": 0.5, "val_loss": 1.1, "val_acc": 0.42,
           "lr": 0.01, "seconds": 9.5, "img_per_s": 120.0}
    old = {"epoch": 3, "history": [row], "best_val_acc": 0.42, "best_epoch": 3,
           "train_seconds": 9.5}
    state = TrainState.from_json(old)
    assert (state.best_held_back_acc, state.best_epoch) == (0.42, 3)
    assert (state.history[0].held_back_acc, state.history[0].held_back_loss) == (
        0.42, 1.1)
    assert state.to_json() == old
    assert list(state.to_json()["history"][0]) == list(row)  # same key order
    new = HistoryRow.from_json({**row, "precision": "bf16"})
    assert new.to_json() == {**row, "precision": "bf16"}


def test_the_trainer_creates_every_field_callbacks_see_in_init():
    """callbacks.Trainer is what the real trainer has from the start (no attribute
    first appears in a later step)."""
    trainer = _Trainer(TINY, None, RunDir("unused"), seed=0, max_steps_per_epoch=None,
                       progress=False, overwrite=False,
                       precision=Precision("fp32", "fp32", "asked for"), callbacks=[])
    fields = set(Trainer.__annotations__) | {"metrics"}
    assert {name for name in fields if not hasattr(trainer, name)} == set()
    assert (trainer.commit, trainer.row, trainer.stop, trainer.trained) == (
        None, None, False, False)


class _FakeModel:
    """Stands in for tflearn.DNN: a session that returns fixed weights, a save that
    writes the files TFLearn writes."""

    def __init__(self, value: float):
        self.session = SimpleNamespace(
            run=lambda fetches: {name: np.full(3, value, np.float32)
                                 for name in fetches})

    def save(self, prefix: str) -> None:
        for ext in ("index", "data-00000-of-00001", "meta"):
            Path(f"{prefix}.{ext}").write_bytes(ext.encode())
        (Path(prefix).parent / "checkpoint").write_text("x")


def _commit_epoch(commit: CommitEpoch, trainer, epoch: int, improved: bool):
    trainer.model = _FakeModel(float(epoch))
    trainer.variables = [SimpleNamespace(name="W:0")]
    trainer.row = _row(epoch, 0.5)
    trainer.state.history.append(trainer.row)
    trainer.state.epoch = epoch
    trainer.improved = improved
    commit.after_epoch(trainer)


def test_commit_epoch_saves_weights_only_when_improved_and_keeps_epochs_from_one(
    tmp_path,
):
    trainer = _trainer(tmp_path)
    commit = CommitEpoch(keep_epochs_from=2)
    _commit_epoch(commit, trainer, 1, improved=True)
    _commit_epoch(commit, trainer, 2, improved=False)
    run = RunDir(tmp_path)
    assert trainer.commit.epoch == run.current_commit().epoch == 2
    assert run.read_weights()["W:0"].tolist() == [1.0] * 3  # epoch 1's, kept
    assert sorted(run.kept_epochs()) == [2]
    with np.load(run.epoch_weights_path(2)) as npz:
        assert npz["W:0"].tolist() == [2.0] * 3
    assert run.read_metrics()["epochs_run"] == 2
    assert "\"tiny\"" in trainer.commit.config_path.read_text()  # the config, in it


def test_an_averaged_commit_replaces_the_weights_and_keeps_the_checkpoint(tmp_path):
    """commit_epoch: the same function saves a trained epoch and the average."""
    trainer = _trainer(tmp_path)
    _commit_epoch(CommitEpoch(), trainer, 1, improved=True)
    first = trainer.commit
    trainer.state.averaged = {"epochs": [1, 1], "held_back_acc": 0.6}
    commit_epoch(trainer, weights={"W:0": np.full(3, 7.0, np.float32)})
    run = RunDir(tmp_path)
    assert trainer.commit.path.name == "epoch-001.1"  # a second commit of epoch 1
    assert run.current_commit().state["averaged"]["epochs"] == [1, 1]
    assert run.read_weights()["W:0"].tolist() == [7.0] * 3
    checkpoint = "model.ckpt.index"
    assert (trainer.commit.path / checkpoint).read_bytes() == b"index"
    assert not first.path.exists()  # pruned: only the current commit stays


def test_progress_prints_one_line_an_epoch_and_feeds_live_curves(capsys):
    seen = []
    progress = Progress(on_epoch_end=seen.append)
    trainer = _trainer(precision=Precision("auto", "fp32", "auto: no bf16 here"))
    progress.before_fit(trainer)
    trainer.row = _row(1, 0.25)
    trainer.state.history.append(trainer.row)
    progress.after_epoch(trainer)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "precision: fp32 (auto: no bf16 here)",
        f"epoch 1/{TINY.num_epochs}: loss 1.000 acc 0.500 | held-back acc 0.250 | "
        "2s, 100 img/s",
    ]
    assert seen == [[trainer.row.to_json()]]  # as metrics.json stores it


@pytest.fixture
def python_ctrl_c():
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("python_ctrl_c")
def test_stop_on_interrupt_stops_after_an_epoch_that_swallowed_ctrl_c():
    stop = StopOnInterrupt()
    trainer = _trainer()
    stop.before_fit(trainer)
    stop.after_epoch(trainer)  # no Ctrl-C: goes on
    try:  # as TFLearn's bare except does
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    except:  # noqa: E722
        pass
    with pytest.raises(KeyboardInterrupt):
        stop.after_epoch(trainer)
    stop.cleanup(trainer)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stop_on_interrupt_says_what_is_saved():
    assert StopOnInterrupt.message(0, 4) == (
        "interrupted in epoch 1 of 4; no epoch is saved yet; rerun the same command "
        "to resume")
    assert "epochs 1..2 are saved" in StopOnInterrupt.message(2, 4)
    assert StopOnInterrupt.message(4, 4).startswith("interrupted after the last epoch")


def test_average_weights_waits_for_the_last_epoch_and_averages_once(monkeypatch):
    average = AverageWeights((3, 4))
    done = []
    monkeypatch.setattr(average, "average", done.append)
    trainer = _trainer(config=dataclasses.replace(TINY, num_epochs=4))
    trainer.state.epoch = 3  # stopped early (patience) or cut short: nothing yet
    average.after_fit(trainer)
    assert done == []
    assert not trainer.trained
    trainer.state.epoch = 4
    average.after_fit(trainer)
    assert done == [trainer]
    assert trainer.trained
    trainer.state.averaged = {"epochs": [3, 4]}  # what average() records
    average.after_fit(trainer)
    assert len(done) == 1


def test_default_callbacks_run_in_order_and_average_only_when_configured():
    names = [type(c).__name__ for c in default_callbacks(TINY)]
    assert names == ["StopOnInterrupt", "KeepBest", "CommitEpoch", "Progress"]
    averaged = dataclasses.replace(TINY, num_epochs=4, average_last=2)
    callbacks = default_callbacks(averaged, keep_epochs_from=None)
    assert type(callbacks[-1]).__name__ == "AverageWeights"
    assert callbacks[2].keep_epochs_from == 3  # the window's epoch weights are kept
