"""RunDir owns a run directory's layout; an epoch's save is one atomic commit.

These tests use stand-in files for the TFLearn checkpoint; tests/test_train.py kills
real training runs at every step of a save.
"""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from emo_utils.runs.recovery import RunDirBusy, WeightsWithoutState
from emo_utils.runs.rundir import RunDir


class _Config:
    def to_json(self) -> str:
        return '{"name": "fake"}'


def _fake_checkpoint(prefix: str) -> None:
    """What TFLearn's model.save writes."""
    for ext in ("index", "data-00000-of-00001", "meta"):
        Path(f"{prefix}.{ext}").write_bytes(ext.encode())
    index = Path(prefix).parent / "checkpoint"
    index.write_text(f'model_checkpoint_path: "{prefix}"\n')


def _weights(value: float) -> dict:
    return {"W:0": np.full((2, 3), value, np.float32)}


def _state(epoch: int, best: int) -> dict:
    return {"epoch": epoch, "history": [{"epoch": e} for e in range(1, epoch + 1)],
            "best_val_acc": 0.5, "best_epoch": best, "train_seconds": 1.0}


def _metrics(epoch: int) -> dict:
    return {"epochs_run": epoch, "history": [{"epoch": e} for e in range(1, epoch + 1)]}


def _save_epoch(run: RunDir, epoch: int, best: int, previous=None):
    """An epoch's save as train.fit makes it (new best weights when best == epoch)."""
    with run.commit(epoch) as commit:
        commit.save_tflearn_checkpoint(_fake_checkpoint)
        if best == epoch:
            commit.write_weights(_weights(epoch))
        else:
            commit.link_weights(previous.weights_path)
        commit.write_epoch_weights(_weights(epoch))
        commit.write_config(_Config())
        commit.write_metrics(_metrics(epoch))
        commit.write_state(_state(epoch, best))
    return commit.commit


def _array(path: Path) -> np.ndarray:
    with np.load(path) as npz:
        return npz["W:0"]


def test_an_epoch_becomes_current_whole_and_is_copied_out(tmp_path):
    run = RunDir(tmp_path)
    first = _save_epoch(run, 1, best=1)
    second = _save_epoch(run, 2, best=1, previous=first)
    assert run.current_commit() == second
    assert json.loads((run.state_dir / "current.json").read_text()) == {
        "format": 2, "commit": "epoch-002", "epoch": 2}
    assert sorted(p.name for p in run.state_dir.iterdir()) == [
        "current.json", "epoch-002"]
    assert sorted(p.name for p in second.path.iterdir()) == [
        "config.json", "metrics.json", "model.ckpt.data-00000-of-00001",
        "model.ckpt.index", "model.ckpt.meta", "snapshot.npz", "state.json",
        "weights.npz"]
    assert _array(run.weights_path)[0, 0] == 1.0  # epoch 2 was no better
    assert sorted(run.kept_epochs()) == [1, 2]
    assert _array(run.epoch_weights_path(2))[0, 0] == 2.0
    assert run.read_metrics() == _metrics(2)
    assert run.read_weights()["W:0"].shape == (2, 3)


def test_an_error_while_saving_keeps_the_last_commit(tmp_path):
    run = RunDir(tmp_path)
    first = _save_epoch(run, 1, best=1)

    def save_fails():
        with run.commit(2) as commit:
            commit.write_weights(_weights(2))
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        save_fails()
    assert run.current_commit() == first
    assert sorted(p.name for p in run.state_dir.iterdir()) == [
        "current.json", "epoch-001"]
    assert _array(run.weights_path)[0, 0] == 1.0


def test_recover_deletes_what_interrupted_saves_left_and_copies_the_commit_out(
    tmp_path,
):
    run = RunDir(tmp_path)
    commit = _save_epoch(run, 1, best=1)
    leftovers = [
        run.state_dir / "tmp-epoch-002.x1y2z3" / "weights.npz",  # written aside
        run.state_dir / "epoch-002" / "state.json",  # renamed, never made current
        tmp_path / "state.tmp.abc123" / "model.ckpt.index",  # format 1, mid-save
        tmp_path / "state.old" / "state.json",  # format 1, mid-swap
        tmp_path / "weights.npz.tmp.npz",  # format 1's temporary weights
        tmp_path / f"metrics.json.{os.getpid()}.tmp",
        tmp_path / "snapshots" / "epoch-002.npz",  # an epoch never saved
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    live = tmp_path / f"metrics.json.{os.getppid()}.tmp"  # another process writing
    live.write_bytes(b"busy")
    np.savez(run.weights_path, **_weights(9.0))  # the copy-out was cut short
    run.metrics_path.unlink()

    assert run.recover() == commit
    assert [p for p in leftovers if p.exists()] == []
    assert not (tmp_path / "state.old").exists()
    assert live.exists()
    assert sorted(p.name for p in run.state_dir.iterdir()) == [
        "current.json", "epoch-001"]
    assert _array(run.weights_path)[0, 0] == 1.0
    assert run.read_metrics() == _metrics(1)
    assert sorted(run.kept_epochs()) == [1]


def test_recover_keeps_the_test_results_of_unchanged_weights(tmp_path):
    run = RunDir(tmp_path)
    _save_epoch(run, 1, best=1)
    evaluated = {**_metrics(1), "test": {"PublicTest": {"accuracy": 0.7}}}
    run.write_metrics(evaluated)  # what `emo_utils eval` does
    run.recover()
    assert run.read_metrics() == evaluated


def test_weights_without_a_training_state_are_kept_unless_overwrite(tmp_path):
    run = RunDir(tmp_path)
    run.write_weights(_weights(3.0))  # the shipped checkpoint
    before = run.weights_path.read_bytes()
    with pytest.raises(WeightsWithoutState, match="--overwrite"):
        run.recover()  # the CLI's one error line: test_cli's ..._weights_without_state
    assert run.weights_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]
    assert run.recover(overwrite=True) is None
    assert run.weights_path.read_bytes() == before  # replaced by the first commit


def test_a_damaged_or_newer_pointer_is_a_clear_error(tmp_path):
    run = RunDir(tmp_path)
    _save_epoch(run, 1, best=1)
    pointer = run.state_dir / "current.json"
    pointer.write_text(json.dumps({"format": 3, "commit": "epoch-001"}))
    with pytest.raises(ValueError, match="format 3; this emo_utils reads format 2"):
        run.current_commit()
    pointer.write_text(json.dumps({"format": 2, "commit": "epoch-009"}))
    with pytest.raises(ValueError, match="names epoch-009, which is missing"):
        run.recover()


def test_one_training_process_at_a_time(tmp_path):
    run = RunDir(tmp_path)
    with run.lock():
        with pytest.raises(RunDirBusy, match="another process is training"):
            with RunDir(tmp_path).lock():
                pass
    with run.lock():  # released
        pass


# ------------------------------------------------------------------ format 1


def _format1_run(tmp_path: Path, epoch: int = 2) -> RunDir:
    """A run as fit wrote it before commits (the pilot runs of logs/pilots/)."""
    run = RunDir(tmp_path)
    run.write_weights(_weights(1.0))
    run.epoch_weights_dir.mkdir()
    np.savez(run.epoch_weights_path(1), **_weights(1.0))
    state = run.state_dir
    state.mkdir()
    _fake_checkpoint(str(state / "model.ckpt"))
    (state / "state.json").write_text(json.dumps(_state(epoch, best=1)))
    (tmp_path / "config.json").write_text(_Config().to_json())
    run.write_metrics({**_metrics(epoch), "test": {"PublicTest": {"accuracy": 0.6}}})
    return run


def test_a_format1_state_becomes_the_current_commit(tmp_path, capsys):
    run = _format1_run(tmp_path)
    weights = run.weights_path.read_bytes()
    commit = run.recover()
    assert "converted the training state of epoch 2 to format 2" in (
        capsys.readouterr().out
    )
    assert commit == run.current_commit()
    assert commit.epoch == 2
    assert commit.state == _state(2, best=1)
    assert sorted(p.name for p in run.state_dir.iterdir()) == [
        "current.json", "epoch-002"]
    assert sorted(p.name for p in commit.path.iterdir()) == [
        "config.json", "metrics.json", "model.ckpt.data-00000-of-00001",
        "model.ckpt.index", "model.ckpt.meta", "state.json", "weights.npz"]
    assert commit.weights_path.read_bytes() == run.weights_path.read_bytes() == weights
    assert run.read_metrics()["test"] == {"PublicTest": {"accuracy": 0.6}}
    assert not os.path.samefile(commit.weights_path, run.weights_path)


def test_format1_weights_written_well_after_the_state_give_way_to_the_kept_epoch(
    tmp_path,
):
    run = _format1_run(tmp_path)
    run.write_weights(_weights(2.0))  # epoch 3 was cut short after writing these
    later = time.time() + 600
    os.utime(run.weights_path, (later, later))
    commit = run.recover()
    assert _array(commit.weights_path)[0, 0] == 1.0  # the best epoch's kept weights
    assert _array(run.weights_path)[0, 0] == 1.0


def test_a_format1_first_epoch_cut_short_is_not_taken_for_a_shipped_model(tmp_path):
    run = RunDir(tmp_path)
    (tmp_path / "config.json").write_text(_Config().to_json())
    run.write_weights(_weights(1.0))  # format 1 wrote these before any state ...
    (tmp_path / "state.tmp.q8w7e6").mkdir()  # ... and was killed saving the state
    assert run.recover() is None  # no WeightsWithoutState: training starts afresh
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_a_fine_tunes_epochs_are_numbered_on_from_its_parents(tmp_path):
    def run(name, epochs, **config):
        rd = RunDir(tmp_path / name)
        rd.write_metrics({"history": [{"epoch": e, "val_acc": 0.5} for e in epochs]})
        rd.write_json(RunDir.CONFIG, {"name": name, **config})
        return rd

    parent = run("parent", [1, 2, 3])
    child = run("child", [1, 2], init_from=str(tmp_path / "parent"))
    assert child.parent().path == parent.path
    assert [h["epoch"] for h in child.history()] == [4, 5]
    grandchild = run("grandchild", [1], init_from=str(tmp_path / "child"))
    assert [h["epoch"] for h in grandchild.history()] == [6]
    names = [r.path.name for r in grandchild.lineage()]
    assert names == ["parent", "child", "grandchild"]
    assert [h["epoch"] for h in parent.history()] == [1, 2, 3]
    assert parent.parent() is None
    looped = run("looped", [1], init_from=str(tmp_path / "looped"))
    assert looped.parent() is None
    assert [h["epoch"] for h in looped.history()] == [1]


def test_held_back_rows_are_stored_and_read_back(tmp_path):
    run = RunDir(tmp_path / "run")
    assert run.read_held_back() is None  # a run trained before the file existed
    record = {"format": 1, "training_size": 10, "training_labels_sha256": "ab",
              "indices": [1, 4, 7]}
    path = run.write_held_back(record)
    assert path == run.held_back_path == tmp_path / "run" / "held_back.json"
    assert run.read_held_back() == record
    assert [p.name for p in run.path.iterdir()] == ["held_back.json"]  # no tmp left
