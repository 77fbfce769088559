"""Training writes resumable checkpoints and an inference export that loads the same."""

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from emo_utils.model import build_network
from emo_utils.predict import CheckpointError, EmotionPredictor, load_weights
from emo_utils.preprocess import to_model_input
from emo_utils.runs.commits import KILL_AT_ENV
from emo_utils.runs.rundir import RunDir
from emo_utils.train.averaging import averaging_window
from emo_utils.train.callbacks import TrainingInterrupted
from emo_utils.train.holdout import hold_out, training_faces
from emo_utils.train.trainer import fit, save_weights

from .conftest import make_fer_csv
from .helpers import _TF_BANNER, REPO, TINY, fer_faces, run_cli
from .train_tiny import train_tiny

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data():
    images, labels = fer_faces(64)
    return hold_out(images, labels, fraction=0.25, seed=0)


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_and_continues_its_epoch_count(tmp_path, data):
    def stop_after_two(history):
        if len(history) == 2:
            raise Interrupt  # like Ctrl-C or a kernel restart after epoch 2

    with pytest.raises(Interrupt):
        fit(
            TINY,
            data,
            tmp_path,
            num_epochs=4,
            on_epoch_end=stop_after_two,
            progress=False,
        )
    assert RunDir(tmp_path).current_commit().epoch == 2

    metrics = fit(TINY, data, tmp_path, num_epochs=4, progress=False)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4]
    assert metrics["epochs_run"] == 4
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["history"] == metrics["history"]
    assert {"config", "seed", "versions", "train_seconds", "img_per_s"} <= set(saved)

    again = fit(
        TINY, data, tmp_path, num_epochs=4, progress=False
    )  # nothing left to do
    assert len(again["history"]) == 4


def test_a_different_config_in_the_same_run_dir_is_refused(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    other = dataclasses.replace(TINY, lr=0.5)
    with pytest.raises(ValueError, match="different config"):
        fit(other, data, tmp_path, num_epochs=2, progress=False)


def test_a_finished_run_extends_with_a_warm_restart_but_not_a_changed_past(
    tmp_path, data
):
    cosine = dataclasses.replace(TINY, lr_schedule="cosine")
    fit(cosine, data, tmp_path, num_epochs=2, progress=False)
    longer = dataclasses.replace(
        cosine, num_epochs=4, restarts=(2,), restart_lr_scale=0.5
    )
    metrics = fit(longer, data, tmp_path, progress=False, keep_epochs_from=3)
    assert [h["epoch"] for h in metrics["history"]] == [1, 2, 3, 4]
    assert metrics["history"][2]["lr"] > metrics["history"][1]["lr"]  # restarted
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == [
        "epoch-003.npz",
        "epoch-004.npz",
    ]
    moved = dataclasses.replace(longer, num_epochs=6, restarts=(1,))
    with pytest.raises(ValueError, match="epochs already run"):
        fit(moved, data, tmp_path, progress=False)


def test_weights_without_a_state_are_not_overwritten_by_accident(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    shutil.rmtree(tmp_path / "state")  # like a fresh clone of the shipped checkpoint
    before = (tmp_path / "weights.npz").read_bytes()
    with pytest.raises(FileExistsError, match="--overwrite"):
        fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    assert (tmp_path / "weights.npz").read_bytes() == before
    metrics = fit(TINY, data, tmp_path, num_epochs=1, progress=False, overwrite=True)
    assert metrics["epochs_run"] == 1


def test_early_stopping_stops_on_a_plateau(tmp_path, data):
    frozen = dataclasses.replace(TINY, lr=0.0)  # never improves after epoch 1
    metrics = fit(frozen, data, tmp_path, num_epochs=6, patience=2, progress=False)
    assert metrics["epochs_run"] == 3


def test_exported_weights_predict_like_the_training_graph(tmp_path, data):
    import tensorflow as tf  # after emo_utils, whose _compat patches tflearn
    import tflearn

    config = dataclasses.replace(TINY, normalize=True, mean=120.0, std=60.0)
    faces = data.held_back_images
    with tf.Graph().as_default():
        model = tflearn.DNN(build_network(config), tensorboard_verbose=0)
        expected = np.asarray(model.predict(to_model_input(faces)))
        save_weights(model.session, tmp_path / "weights.npz")
    (tmp_path / "config.json").write_text(config.to_json())
    before = faces.copy()
    got = EmotionPredictor.from_checkpoint(tmp_path).predict_faces(faces, tta=None)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(faces, before)  # input not mutated


def test_bad_checkpoints_get_clear_errors(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    with pytest.raises(CheckpointError, match="no config.json"):
        EmotionPredictor.from_checkpoint(tmp_path / "missing")
    wrong = dataclasses.replace(TINY, layers=TINY.layers[:1] + TINY.layers[2:])
    with pytest.raises(CheckpointError, match="another architecture"):
        EmotionPredictor.from_weights(wrong, load_weights(tmp_path / "weights.npz"))
    raw = (tmp_path / "weights.npz").read_bytes()
    (tmp_path / "weights.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        EmotionPredictor.from_checkpoint(tmp_path)


def test_a_fine_tune_starts_from_its_parent_checkpoints_weights(tmp_path, data):
    fit(TINY, data, tmp_path / "parent", num_epochs=1, progress=False)
    parent = load_weights(tmp_path / "parent" / "weights.npz")
    # lr 0 (weight decay acts through the lr too): the child's weights stay its parent's
    child = dataclasses.replace(TINY, lr=0.0, init_from=str(tmp_path / "parent"))
    fit(child, data, tmp_path / "child", num_epochs=1, progress=False)
    got = load_weights(tmp_path / "child" / "weights.npz")
    kernels = [name for name in parent if name.endswith("W:0")]
    assert kernels
    for name in kernels:
        np.testing.assert_array_equal(got[name], parent[name])
    # and without init_from the same run starts elsewhere
    fit(dataclasses.replace(TINY, lr=0.0), data, tmp_path / "fresh", num_epochs=1,
        progress=False)
    fresh = load_weights(tmp_path / "fresh" / "weights.npz")
    assert not all(np.array_equal(fresh[n], parent[n]) for n in kernels)


def test_a_refit_trains_on_the_held_back_slice_too_and_averages_every_epoch(
    tmp_path, data
):
    fit(TINY, data, tmp_path / "parent", num_epochs=1, progress=False)
    refit = dataclasses.replace(TINY, init_from=str(tmp_path / "parent"), refit=True,
                                num_epochs=2, average_last=2)
    images, labels = training_faces(refit, data)
    assert len(labels) == len(data.train_labels) + len(data.held_back_labels)
    assert {f.tobytes() for f in data.held_back_images} <= {f.tobytes() for f in images}
    assert len(training_faces(TINY, data)[1]) == len(data.train_labels)

    metrics = fit(refit, data, tmp_path / "refit", progress=False)
    assert metrics["refit"] is True
    assert metrics["train_size"] == len(labels)
    assert metrics["averaged"]["epochs"] == [1, 2]  # a fine-tune may average all
    # from scratch, the same window is too long to average
    assert averaging_window(dataclasses.replace(refit, init_from="")) is None


def test_a_fine_tune_from_a_missing_or_different_checkpoint_says_which(tmp_path, data):
    missing = dataclasses.replace(TINY, init_from=str(tmp_path / "nowhere"))
    with pytest.raises(CheckpointError, match="no weights file at .*nowhere"):
        fit(missing, data, tmp_path / "a", num_epochs=1, progress=False)
    assert not (tmp_path / "a" / "config.json").exists()  # nothing written
    fit(TINY, data, tmp_path / "parent", num_epochs=1, progress=False)
    wider = dataclasses.replace(
        TINY, init_from=str(tmp_path / "parent"),
        layers=({**TINY.layers[0], "filters": TINY.layers[0]["filters"] + 1},)
        + TINY.layers[1:],
    )
    with pytest.raises(CheckpointError, match="another architecture"):
        fit(wider, data, tmp_path / "b", num_epochs=1, progress=False)


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True)  # NaN-safe comparison of histories


def _assert_consistent(run_dir, epochs: int, epoch_weights: bool = True) -> None:
    """weights.npz, metrics.json, snapshots/ (epoch weights) and state/ all describe
    ``epochs`` epochs, and nothing an interrupted save wrote is left."""
    run = RunDir(run_dir)
    commit = run.current_commit()
    saved = run.read_metrics()
    assert commit.epoch == saved["epochs_run"] == epochs
    assert [h["epoch"] for h in saved["history"]] == list(range(1, epochs + 1))
    assert _dumps(commit.state["history"]) == _dumps(saved["history"])
    assert _dumps(commit.read_metrics()) == _dumps(saved)
    shipped = load_weights(run.weights_path)
    for name, value in load_weights(commit.weights_path).items():
        np.testing.assert_array_equal(shipped[name], value)
    if epoch_weights:
        assert sorted(run.kept_epochs()) == list(range(1, epochs + 1))
        best = load_weights(run.epoch_weights_path(saved["best_epoch"]))
        for name, value in best.items():  # the weights are the best epoch's
            np.testing.assert_array_equal(shipped[name], value)
    left = [p.name for p in run_dir.rglob("*")
            if "tmp" in p.name or p.name == "state.old"]
    assert left == []
    assert sorted(p.name for p in run.state_dir.iterdir()) == [
        "current.json",
        commit.path.name,
    ]


# ------------------------------------------------------------- bad arguments, Ctrl-C


def test_zero_epochs_is_refused_before_anything_is_written(tmp_path, data, capsys):
    with pytest.raises(ValueError, match=r"num_epochs \(--epochs\) is 0"):
        fit(TINY, data, tmp_path / "run", num_epochs=0, progress=False)
    assert not (tmp_path / "run").exists()

    from emo_utils.cli import main

    csv = make_fer_csv(tmp_path)
    assert main(["train", "--epochs", "0", "--data", str(csv), "--run-dir",
                 str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "--epochs 0" in err
    assert not (tmp_path / "run").exists()


def test_ctrl_c_ends_fit_as_training_interrupted_with_the_epochs_saved(tmp_path, data):
    def ctrl_c_after_two(history):
        if len(history) == 2:
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted) as info:
        fit(TINY, data, tmp_path, num_epochs=4, on_epoch_end=ctrl_c_after_two,
            progress=False)
    assert str(info.value) == (
        "interrupted in epoch 3 of 4; epochs 1..2 are saved; rerun the same "
        "command to resume"
    )
    assert info.value.__suppress_context__  # no KeyboardInterrupt traceback above it
    _assert_consistent(tmp_path, 2, epoch_weights=False)


@pytest.fixture
def python_ctrl_c():
    """Python's own Ctrl-C handler for the test: a shell that starts the suite in the
    background (nohup, `&`, some CI runners) hands it SIGINT ignored."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _sigint_by_default():
    """In a child process: SIGINT back to its default, so Python raises on it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.usefixtures("python_ctrl_c")
def test_ctrl_c_during_a_save_takes_effect_when_the_save_is_done():
    from emo_utils.train.callbacks import interrupts_deferred

    done = []

    def save():
        with interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            done.append("saved")

    with pytest.raises(KeyboardInterrupt):
        save()
    assert done == ["saved"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.usefixtures("python_ctrl_c")
def test_a_ctrl_c_that_tflearn_swallows_still_stops_fit(tmp_path, data, monkeypatch):
    """TFLearn's fit reopens its summary writer inside a bare ``except:`` every epoch;
    a Ctrl-C landing there was lost and the run went on (the likely cause of one CI
    failure of the command test below)."""
    from emo_utils.train import trainer as train

    fit_epoch = train._Trainer.fit_epoch

    def fit_epoch_swallowing_ctrl_c(self, epoch):
        if epoch == 2:
            try:  # as TFLearn does around summ_writer.reopen()
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
            except:  # noqa: E722
                pass
        return fit_epoch(self, epoch)

    monkeypatch.setattr(train._Trainer, "fit_epoch", fit_epoch_swallowing_ctrl_c)
    with pytest.raises(TrainingInterrupted) as info:
        fit(TINY, data, tmp_path, num_epochs=4, progress=False)
    assert str(info.value).startswith("interrupted in epoch 2 of 4; epoch 1 is saved")
    _assert_consistent(tmp_path, 1, epoch_weights=False)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_of_the_training_command_prints_one_line_and_resumes(tmp_path):
    config = tmp_path / "tiny.json"
    config.write_text(TINY.to_json())
    csv = make_fer_csv(tmp_path, per_class=20)
    run = tmp_path / "run"
    args = ["train", "--config", str(config), "--data", str(csv), "--run-dir",
            str(run), "--epochs"]
    env = {**os.environ, "EMO_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "emo_utils", *args, "300"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_sigint_by_default,
    )
    deadline = time.monotonic() + 300
    while not (run / "state" / "current.json").exists():  # epoch 1 is saved
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines()
             if line.strip() and not any(b in line for b in _TF_BANNER)]
    assert proc.returncode == 130, err
    assert len(lines) == 1, lines
    match = re.fullmatch(
        r"error: interrupted in epoch (\d+) of 300; (epoch 1 is|epochs 1\.\.\d+ are) "
        r"saved; rerun the same command to resume",
        lines[0],
    )
    assert match, lines[0]
    saved = int(match.group(1)) - 1
    assert 1 <= saved < 300
    assert RunDir(run).current_commit().epoch == saved
    assert RunDir(run).read_metrics()["epochs_run"] == saved

    code, out, _ = run_cli(*args, str(saved + 1), env={"EMO_CACHE_DIR": env[
        "EMO_CACHE_DIR"]})
    assert code == 0
    assert re.findall(r"^epoch (\d+)/", out, re.M) == [str(saved + 1)]
    _assert_consistent(run, saved + 1, epoch_weights=False)


# ------------------------------------------- a kill at any instant of an epoch's save

# The steps of a save (emo_utils.runs.rundir), in order: files written aside, the folder
# renamed into state/ ...
ASIDE = ("checkpoint", "weights", "epoch-weights", "config", "metrics", "state",
         "folder")
# ... then the commit itself (state/current.json) and the copies out of it.
COMMITTED = ("pointer", "published-weights", "published-epoch-weights", "published")
KILLS = [(step, 2) for step in ASIDE + COMMITTED] + [
    ("weights", 1),  # format 1 left weights.npz without state here: "shipped" refusal
    ("folder", 1),
    ("pointer", 1),
]


@pytest.fixture(scope="module")
def killed_runs(tmp_path_factory):
    """Each case's first run: a real process killed at its step, three at a time."""

    def start(case):
        step, epoch = case
        run_dir = tmp_path_factory.mktemp(f"kill-{step}-{epoch}")
        done = subprocess.run(
            [sys.executable, str(REPO / "tests" / "train_tiny.py"), str(run_dir), "2"],
            env={**os.environ, KILL_AT_ENV: f"{step}@{epoch}"},
            capture_output=True, text=True, timeout=600, check=False,
        )
        return case, (run_dir, done)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(start, KILLS))


@pytest.mark.parametrize(("step", "epoch"), KILLS, ids=[f"{s}@{e}" for s, e in KILLS])
def test_a_kill_during_a_save_loses_at_most_that_epoch(
    killed_runs, step, epoch, capsys
):
    run_dir, first = killed_runs[step, epoch]
    assert first.returncode == 137, first.stderr[-3000:]  # killed at that step
    run = RunDir(run_dir)
    saved = epoch if step in COMMITTED else epoch - 1
    assert (run.current_commit().epoch if saved else run.current_commit()) == (
        saved or None
    )
    if step in ASIDE:  # the run directory shows the last saved epoch, no later
        assert sorted(run.kept_epochs()) == list(range(1, saved + 1))
    if not saved:  # nothing shipped yet, so a rerun is not refused as "shipped"
        assert not run.weights_path.exists()
    elif step in ASIDE:
        assert run.read_metrics()["epochs_run"] == saved
        shipped = load_weights(run.weights_path)
        for name, value in load_weights(run.epoch_weights_path(1)).items():
            np.testing.assert_array_equal(shipped[name], value)

    capsys.readouterr()
    metrics = train_tiny(run_dir, 2)  # the rerun resumes after the last saved epoch
    trained = re.findall(r"^epoch (\d+)/2:", capsys.readouterr().out, re.M)
    assert trained == [str(e) for e in range(saved + 1, 3)]
    assert _dumps(metrics) == _dumps(run.read_metrics())
    _assert_consistent(run_dir, 2)


# ------------------------------------------------- runs saved by the old format (1)


def _to_format1(run_dir, folder: str = "state") -> None:
    """Rewrite a run into the layout ``fit`` wrote before commits (format 1; the pilot
    runs of logs/pilots/ have it): state/{checkpoint, model.ckpt.*, state.json}."""
    commit = RunDir(run_dir).current_commit()
    old = run_dir / "format1"
    old.mkdir()
    for file in commit.path.glob("model.ckpt.*"):
        shutil.copy2(file, old / file.name)
    tmp_ckpt = run_dir / "state.tmp.k2j4fx" / "model.ckpt"
    (old / "checkpoint").write_text(
        f'model_checkpoint_path: "{tmp_ckpt}"\nall_model_checkpoint_paths: '
        f'"{tmp_ckpt}"\n'
    )
    (old / "state.json").write_text(json.dumps(commit.state))
    shutil.rmtree(run_dir / "state")
    old.rename(run_dir / folder)


@pytest.mark.parametrize("folder", ["state", "state.old"])
def test_a_run_saved_in_the_old_format_resumes(tmp_path, data, capsys, folder):
    first = fit(TINY, data, tmp_path, num_epochs=2, progress=False, keep_epochs_from=1)
    _to_format1(tmp_path, folder)
    if folder == "state.old":  # killed mid-swap: the new state half written aside
        (tmp_path / "state.tmp.k2j4fx").mkdir()
        (tmp_path / "state.tmp.k2j4fx" / "model.ckpt.index").write_bytes(b"\0" * 9)
    capsys.readouterr()

    metrics = fit(TINY, data, tmp_path, num_epochs=3, progress=False,
                  keep_epochs_from=1)
    out = capsys.readouterr().out
    assert "converted the training state of epoch 2 to format 2" in out
    assert re.findall(r"^epoch (\d+)/3:", out, re.M) == ["3"]
    assert _dumps(metrics["history"][:2]) == _dumps(first["history"])
    _assert_consistent(tmp_path, 3)


@pytest.mark.parametrize("keep_epochs", [True, False])
def test_old_format_weights_written_after_its_state_are_not_trusted(
    tmp_path, data, keep_epochs
):
    """Format 1 wrote weights.npz before state/: a kill in between left the weights
    of an epoch the state never saw."""
    first = fit(TINY, data, tmp_path, num_epochs=2, progress=False,
                keep_epochs_from=1 if keep_epochs else None)
    _to_format1(tmp_path)
    stray = {k: np.zeros_like(v) for k, v in load_weights(tmp_path / "weights.npz")
             .items()}
    np.savez(tmp_path / "weights.npz", **stray)
    later = (tmp_path / "state" / "state.json").stat().st_mtime + 600
    os.utime(tmp_path / "weights.npz", (later, later))

    metrics = fit(TINY, data, tmp_path, num_epochs=2, progress=False)
    assert _dumps(metrics["history"]) == _dumps(first["history"])
    shipped = load_weights(tmp_path / "weights.npz")
    assert not all(np.array_equal(shipped[k], v) for k, v in stray.items())
    if keep_epochs:  # the best epoch's kept weights stand in
        assert metrics["best_epoch"] == first["best_epoch"]
        _assert_consistent(tmp_path, 2)
    else:  # the checkpoint's own (last) epoch becomes the shipped one
        assert metrics["best_epoch"] == 2
        assert metrics["best_held_back_acc"] == first["history"][1]["val_acc"]
        _assert_consistent(tmp_path, 2, epoch_weights=False)


def _rename_in_checkpoint(prefix, rename):
    """Rewrite a TF checkpoint with its variables renamed by ``rename(name)`` (None:
    drop it): the state an older version of the code saved."""
    import tensorflow as tf

    reader = tf.compat.v1.train.load_checkpoint(str(prefix))
    with tf.Graph().as_default():
        variables = [
            tf.compat.v1.Variable(reader.get_tensor(name), name=rename(name))
            for name in reader.get_variable_to_shape_map() if rename(name)
        ]
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.variables_initializer(variables))
            tf.compat.v1.train.Saver(variables).save(session, str(prefix),
                                                     write_meta_graph=False)


def test_a_state_saved_before_the_loss_was_renamed_resumes(tmp_path, data, capsys):
    """The mixup change renamed the loss op, and with it TFLearn's moving average of
    the loss in the progress line: a state saved before must still resume."""
    fit(TINY, data, tmp_path, num_epochs=2, progress=False)
    prefix = RunDir(tmp_path).current_commit().tflearn_checkpoint
    _rename_in_checkpoint(prefix, lambda name: (
        "Mean/moving_avg" if name.startswith("softmax_cross_entropy_loss/") else name))
    capsys.readouterr()
    metrics = fit(TINY, data, tmp_path, num_epochs=3, progress=False)
    assert metrics["epochs_run"] == 3
    out = capsys.readouterr().out
    assert "the progress line's loss averages (1) start afresh" in out


def test_a_state_without_a_weight_is_refused_with_what_to_do(tmp_path, data):
    fit(TINY, data, tmp_path, num_epochs=1, progress=False)
    prefix = RunDir(tmp_path).current_commit().tflearn_checkpoint
    _rename_in_checkpoint(prefix, lambda name: None if name == "fc1/W" else name)
    with pytest.raises(ValueError, match=r"cannot resume: it lacks fc1/W.*Delete"):
        fit(TINY, data, tmp_path, num_epochs=2, progress=False)


# ------------------------------------------------- precision and the held-back rows


def test_a_tiny_run_records_its_precision_and_its_held_back_rows(tmp_path, data):
    metrics = fit(TINY, data, tmp_path, num_epochs=1, progress=False,
                  precision="fp32")
    saved = RunDir(tmp_path).read_metrics()
    assert saved["precision"] == {"asked": "fp32", "used": "fp32",
                                  "why": "asked for"}
    assert metrics["precision"] == saved["precision"]
    assert saved["history"][0]["precision"] == "fp32"
    assert saved["img_per_s"] > 0
    stored = RunDir(tmp_path).read_held_back()
    assert stored["indices"] == data.held_back_indices.tolist()
    assert stored["training_size"] == (len(data.train_labels)
                                       + len(data.held_back_labels))
    with pytest.raises(ValueError, match="precision 'bogus' is not one of"):
        fit(TINY, data, tmp_path / "other", num_epochs=1, progress=False,
            precision="bogus")
    assert not (tmp_path / "other").exists()
