"""Train a config with TFLearn: a progress bar per epoch, live curves, resumable runs.

A run directory holds ``config.json``, ``metrics.json`` (history, timings, versions),
``weights.npz`` (the best epoch, inference-only) and ``state/`` (the full TFLearn
checkpoint with optimizer slots, rewritten atomically after every epoch, so rerunning
``fit`` after Ctrl-C, a kernel restart or a killed process continues where it stopped).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import platform
import shutil
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

from . import _compat  # noqa: F401
from ._files import atomic_write_text
from .labels import NUM_CLASSES
from .model import ModelConfig, build_network, model_variables
from .preprocess import to_model_input

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
    values = session.run({v.name: v for v in variables})
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **values)
    os.replace(tmp, path)


def _save_state(model: tflearn.DNN, run_dir: Path, state: dict[str, Any]) -> None:
    """Full checkpoint (with optimizer slots) to run_dir/state, swapped atomically."""
    tmp = Path(tempfile.mkdtemp(prefix="state.tmp.", dir=run_dir))
    model.save(str(tmp / "model.ckpt"))
    (tmp / "state.json").write_text(json.dumps(state))
    final, old = run_dir / "state", run_dir / "state.old"
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def _find_state(run_dir: Path) -> Path | None:
    for name in ("state", "state.old"):
        candidate = run_dir / name
        if (candidate / "state.json").exists():
            return candidate
    return None


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
    live plots;
    ``progress=False`` drops the per-batch bar (log files get one line per epoch);
    ``snapshots_from`` keeps every epoch's weights from that epoch on in
    run_dir/snapshots/ (for weight averaging, see emo_utils.averaging); a config
    with ``average_last`` keeps them itself and, after its last epoch, exports the
    mean of those epochs' weights as weights.npz.
    A finished or interrupted run can be extended: a rerun may change the
    schedule's future (more epochs, a warm restart after the last epoch run).
    Weights without a training state (e.g. the shipped checkpoint) are not replaced
    unless ``overwrite``.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if num_epochs is not None:
        config = dataclasses.replace(config, num_epochs=num_epochs)
    x_train = to_model_input(data.train_images)
    if config.normalize:  # dataset statistics, stored in the config and the graph
        sample = x_train[:5000]
        config = dataclasses.replace(
            config,
            mean=round(float(sample.mean()), 3),
            std=round(float(sample.std()), 3),
        )
    config_path = run_dir / "config.json"
    state_dir = _find_state(run_dir)
    if state_dir is None and (run_dir / "weights.npz").exists() and not overwrite:
        raise FileExistsError(
            f"{run_dir} holds trained weights but no training state to resume (the "
            "shipped checkpoint, or a run whose state/ was deleted). Train into "
            "another run directory, or pass --overwrite (make train OVERWRITE=1) to "
            "replace it; `git checkout -- checkpoints/` restores the shipped model."
        )
    if state_dir is not None and config_path.exists():
        done = json.loads((state_dir / "state.json").read_text())["epoch"]
        _check_extends(ModelConfig.load(config_path), config, done, run_dir)
    atomic_write_text(config_path, config.to_json())

    window = averaging_window(config)
    if window:
        snapshots_from = min(snapshots_from or window[0], window[0])
    y_train = one_hot(data.train_labels)
    x_val = to_model_input(data.val_images)
    n_train = len(x_train)
    if max_steps_per_epoch:
        n_train = min(n_train, max_steps_per_epoch * config.batch_size)
    steps_per_epoch = int(np.ceil(n_train / config.batch_size))

    state: dict[str, Any] = {
        "epoch": 0,
        "history": [],
        "best_val_acc": -1.0,
        "best_epoch": 0,
        "train_seconds": 0.0,
    }
    if state_dir is not None:
        state.update(json.loads((state_dir / "state.json").read_text()))

    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(seed)
        np.random.seed(seed + state["epoch"])
        net = build_network(config, training=True, steps_per_epoch=steps_per_epoch)
        model = tflearn.DNN(
            net,
            tensorboard_verbose=0,
            tensorboard_dir=str(Path(tempfile.gettempdir()) / "emo_tflearn"),
        )
        if state_dir is not None:
            model.load(str(state_dir / "model.ckpt"))
        variables = model_variables(graph)
        stale = 0 if not state["history"] else state["epoch"] - state["best_epoch"]
        trained = False
        for epoch in range(state["epoch"] + 1, config.num_epochs + 1):
            if patience is not None and stale >= patience:
                break
            order = np.random.permutation(len(x_train))[:n_train]
            start = time.perf_counter()
            with (
                tqdm(
                    total=n_train,
                    desc=f"epoch {epoch}/{config.num_epochs}",
                    unit="img",
                    leave=False,
                    disable=not progress,
                ) as bar,
                _quiet_tflearn(),
            ):
                tracker = _ProgressBar(bar)
                model.fit(
                    x_train[order],
                    y_train[order],
                    n_epoch=1,
                    shuffle=True,
                    batch_size=config.batch_size,
                    show_metric=True,
                    snapshot_epoch=False,
                    snapshot_step=None,
                    callbacks=[tracker],
                    run_id=config.name,
                )
            seconds = time.perf_counter() - start
            trained = True
            val_loss, val_acc = _evaluate(model, x_val, data.val_labels)
            lr = _current_lr(model, config)
            state["history"].append(
                {
                    "epoch": epoch,
                    "loss": tracker.loss,
                    "acc": tracker.acc,
                    "val_loss": val_loss,
                    "val_acc": val_acc,
                    "lr": lr,
                    "seconds": round(seconds, 2),
                    "img_per_s": round(n_train / seconds, 1),
                }
            )
            state["epoch"] = epoch
            state["train_seconds"] += seconds
            if (
                val_acc > state["best_val_acc"]
                or not (run_dir / "weights.npz").exists()
            ):
                state["best_val_acc"], state["best_epoch"] = val_acc, epoch
                save_weights(model.session, run_dir / "weights.npz", variables)
                stale = 0
            else:
                stale += 1
            if snapshots_from is not None and epoch >= snapshots_from:
                (run_dir / "snapshots").mkdir(exist_ok=True)
                save_weights(
                    model.session,
                    run_dir / "snapshots" / f"epoch-{epoch:03d}.npz",
                    variables,
                )
            _save_state(model, run_dir, state)
            metrics = _metrics(config, state, seed, data)
            atomic_write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2))
            print(
                f"epoch {epoch}/{config.num_epochs}: loss {tracker.loss:.3f} "
                f"acc {tracker.acc:.3f} | held-back acc {val_acc:.3f} | "
                f"{seconds:.0f}s, {n_train / seconds:.0f} img/s",
                flush=True,
            )
            if on_epoch_end is not None:
                on_epoch_end(state["history"])
    if window and state["epoch"] >= config.num_epochs:
        trained |= _export_average(config, data, run_dir, state)
    metrics = _metrics(config, state, seed, data)
    if not trained:  # same weights: their test results still hold
        old = load_metrics(run_dir) or {}
        if "test" in old:
            metrics["test"] = old["test"]
    atomic_write_text(run_dir / "metrics.json", json.dumps(metrics, indent=2))
    return metrics


def averaging_window(config: ModelConfig) -> tuple[int, int] | None:
    """First and last epoch whose weights are averaged, or None (best epoch kept).

    Only a run at least twice as long as the window averages: the mean of a short
    run's first epochs would include weights far from any good solution.
    """
    n = config.average_last
    if n <= 0 or config.num_epochs < 2 * n:
        return None
    return config.num_epochs - n + 1, config.num_epochs


def _export_average(config, data, run_dir: Path, state: dict) -> bool:
    """weights.npz := mean of the last ``average_last`` epochs (once per run).

    Returns whether weights.npz changed."""
    from .averaging import average_snapshots
    from .predict import EmotionPredictor

    first, last = averaging_window(config)
    epochs = [first, last]
    if state.get("averaged", {}).get("epochs") == epochs:
        return False  # done by an earlier call
    weights = average_snapshots(run_dir, first, last)
    probs = EmotionPredictor(config, weights).predict_faces(data.val_images)
    val_acc = float(np.mean(probs.argmax(1) == data.val_labels))
    tmp = run_dir / "weights.tmp.npz"
    np.savez(tmp, **weights)
    os.replace(tmp, run_dir / "weights.npz")
    state["averaged"] = {"epochs": epochs, "held_back_acc": val_acc}
    state_dir = _find_state(run_dir)
    if state_dir is not None:
        atomic_write_text(state_dir / "state.json", json.dumps(state))
    print(
        f"weights.npz: mean of epochs {first}-{last}, held-back acc "
        f"{val_acc:.3f} (best single epoch {state['best_val_acc']:.3f} at "
        f"{state['best_epoch']})",
        flush=True,
    )
    return True


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
    config: ModelConfig, state: dict[str, Any], seed: int, data: TrainData
) -> dict:
    hist = state["history"]
    return {
        "config": config.name,
        "seed": seed,
        "versions": versions(),
        "train_size": int(len(data.train_labels)),
        "held_back_size": int(len(data.val_labels)),
        "epochs_run": state["epoch"],
        "best_epoch": state["best_epoch"],
        "best_held_back_acc": state["best_val_acc"],
        "train_seconds": round(state["train_seconds"], 1),
        "img_per_s": round(float(np.median([h["img_per_s"] for h in hist])), 1)
        if hist
        else None,
        "history": hist,
        **({"averaged": state["averaged"]} if "averaged" in state else {}),
    }


def load_metrics(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """A run's metrics.json, or None when that run has not been trained here."""
    path = Path(run_dir) / "metrics.json"
    return json.loads(path.read_text()) if path.exists() else None


def describe_run(metrics: dict[str, Any] | None, label: str = "this run") -> str:
    """One sentence on a run, from its metrics: for the Markdown under a figure."""
    if not metrics or not metrics.get("history"):
        return f"{label}: not trained on this machine yet."
    last = metrics["history"][-1]
    text = (
        f"{label}: {metrics['epochs_run']} epoch(s) in "
        f"{metrics['train_seconds'] / 60:.0f} min ({metrics['img_per_s']:.0f} img/s); "
        f"training-batch accuracy {100 * last['acc']:.1f}%, held-back "
        f"{100 * last['val_acc']:.1f}% (best {100 * metrics['best_held_back_acc']:.1f}%"
        f" at epoch {metrics['best_epoch']})"
    )
    if metrics.get("averaged"):
        first, last = metrics["averaged"]["epochs"]
        text += (
            f"; weights averaged over epochs {first}-{last} "
            f"({100 * metrics['averaged']['held_back_acc']:.1f}% held back)"
        )
    for split, test in metrics.get("test", {}).items():
        text += f"; {split} accuracy {100 * test['accuracy']:.1f}%"
        if test.get("accuracy_tta") is not None:
            text += f" ({100 * test['accuracy_tta']:.1f}% with TTA)"
    return text + "."


def describe_gap(metrics: dict[str, Any] | None, label: str = "this run") -> str:
    """From which epoch training-batch accuracy stays above held-back, and the gap."""
    if not metrics or not metrics.get("history"):
        return f"{label}: no history."
    hist = metrics["history"]
    since = None  # the first epoch after which training stays >1 point above held-back
    for h in reversed(hist):
        if h["acc"] <= h["val_acc"] + 0.01:
            break
        since = h["epoch"]
    last = hist[-1]
    gap = 100 * (last["acc"] - last["val_acc"])
    start = (f"training-batch accuracy stays above held-back from epoch {since} on"
             if since else "training-batch accuracy ends level with held-back")
    return (f"{label}: {start}; at the last epoch the gap is {gap:+.1f} points "
            f"({100 * last['acc']:.1f}% vs {100 * last['val_acc']:.1f}%).")
