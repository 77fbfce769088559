"""Stochastic weight averaging (SWA): one network from the mean of several epochs.

``fit(..., snapshots_from=E)`` keeps each epoch's inference weights in
``run_dir/snapshots/``. Averaging the weights of the last epochs of a cosine cycle
lands nearer the centre of the flat region the optimizer wanders in, which tends to
generalise better than any single epoch (Izmailov et al., 2018). The result is still
one network of the same config; only its batch-norm statistics must be measured
again, because the mean of several epochs' statistics is not the statistics of the
averaged weights.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tensorflow as tf
import tflearn

from . import _compat  # noqa: F401  (patches must precede tflearn)
from .model import ModelConfig, build_network, model_variables
from .predict import CheckpointError, load_weights

tf1 = tf.compat.v1
_SNAPSHOT = re.compile(r"epoch-(\d+)\.npz$")


def snapshot_epochs(run_dir: str | Path) -> dict[int, Path]:
    """The per-epoch weight files of a run, by epoch."""
    folder = Path(run_dir) / "snapshots"
    found = {}
    for path in sorted(folder.glob("epoch-*.npz")):
        match = _SNAPSHOT.search(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def average_snapshots(
    run_dir: str | Path, first: int, last: int
) -> dict[str, npt.NDArray[np.float32]]:
    """Mean of the weights of epochs ``first``..``last`` (inclusive) of a run."""
    available = snapshot_epochs(run_dir)
    wanted = range(first, last + 1)
    missing = [e for e in wanted if e not in available]
    if missing or first > last:
        raise CheckpointError(
            f"{run_dir}/snapshots lacks epochs {missing or [first, last]} "
            f"(it has {sorted(available) or 'none'}). Train with "
            f"`--snapshots-from {first}` to keep them."
        )
    total: dict[str, np.ndarray] = {}
    for epoch in wanted:
        for name, value in load_weights(available[epoch]).items():
            total[name] = total.get(name, 0.0) + value.astype(np.float64)
    return {
        name: (value / len(wanted)).astype(np.float32) for name, value in total.items()
    }


def recalibrate_batch_norm(
    config: ModelConfig,
    weights: dict[str, np.ndarray],
    x: npt.NDArray[np.float32],
    batch_size: int = 512,
) -> dict[str, npt.NDArray[np.float32]]:
    """Re-measure every batch-norm layer's moving mean/variance for ``weights``.

    ``x`` is model input (``preprocess.to_model_input`` of training faces). It runs
    through the network in training mode (batch statistics, which update the moving
    averages, decay 0.9) without touching any weight.
    """
    graph = tf.Graph()
    with graph.as_default():
        output = build_network(config, training=False)
        inputs = graph.get_tensor_by_name("input/X:0")
        variables = model_variables(graph)
        with tf1.Session(graph=graph) as session:
            session.run(tf1.global_variables_initializer())
            for v in variables:
                v.load(weights[v.name], session)
            tflearn.is_training(True, session=session)
            for start in range(0, len(x), batch_size):
                session.run(output, {inputs: x[start : start + batch_size]})
            tflearn.is_training(False, session=session)
            return session.run({v.name: v for v in variables})
