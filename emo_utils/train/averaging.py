"""Stochastic weight averaging (SWA): one network from the mean of several epochs.

``fit(..., keep_epochs_from=E)`` keeps each epoch's inference weights (the epoch
weights) in ``run_dir/snapshots/``. Averaging the weights of the last epochs of a
cosine cycle lands nearer the centre of the flat region the optimizer wanders in,
which tends to generalise better than any single epoch (Izmailov et al., 2018). The
result is still one network of the same config.

Batch-norm statistics are averaged like the weights. The SWA paper re-measures them
on training data instead; for alexnet48 that scored lower on the held-back slice
(67.8% re-measured on plain faces, 68.1% on augmented ones, 68.4% averaged; see the
model card), so the simpler average stays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..infer.checkpoint import CheckpointError, load_weights
from ..model import ModelConfig
from ..runs.rundir import RunDir


def kept_epochs(run_dir: str | Path) -> dict[int, Path]:
    """The epoch weights a run kept: their files, by epoch."""
    return RunDir(run_dir).kept_epochs()


def average_epoch_weights(
    run_dir: str | Path, first: int, last: int
) -> dict[str, npt.NDArray[np.float32]]:
    """Mean of the weights of epochs ``first``..``last`` (inclusive) of a run."""
    run = RunDir(run_dir)
    available = run.kept_epochs()
    wanted = range(first, last + 1)
    missing = [e for e in wanted if e not in available]
    if missing or first > last:
        raise CheckpointError(
            f"{run.epoch_weights_dir} lacks epochs {missing or [first, last]} "
            f"(it has {sorted(available) or 'none'}). Train with "
            f"`--keep-epochs-from {first}` to keep them."
        )
    total: dict[str, np.ndarray] = {}
    for epoch in wanted:
        for name, value in load_weights(available[epoch]).items():
            total[name] = total.get(name, 0.0) + value.astype(np.float64)
    return {
        name: (value / len(wanted)).astype(np.float32) for name, value in total.items()
    }


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
