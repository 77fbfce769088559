"""The learning-rate schedule: linear warm-up, cosine decay, warm restarts (SGDR).

One formula serves the numpy reference (``learning_rate``, for logs and tests) and the
TensorFlow optimizer (``ScheduledSGD``), so the two cannot drift apart.
"""

from __future__ import annotations

from .. import _compat  # noqa: F401  (patches numpy, PIL and TF before tflearn loads)

# isort: split
import numpy as np
import tensorflow as tf
import tflearn

from .recipes import ModelConfig

tf1 = tf.compat.v1


def cosine_cycles(config: ModelConfig) -> list[tuple[int, int, float]]:
    """The cosine cycles of ``config`` as (first epoch, end epoch, peak lr)."""
    inside = [e for e in sorted(config.restarts) if 0 < e < config.num_epochs]
    bounds = [0, *inside, config.num_epochs]
    return [
        (start, end, config.lr * config.restart_lr_scale**i)
        for i, (start, end) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
    ]


def learning_rate(config: ModelConfig, step: float, steps_per_epoch: int) -> float:
    """The learning rate at training ``step`` (numpy reference of ScheduledSGD's)."""
    if config.lr_schedule != "cosine":
        return config.lr
    spe = max(1, steps_per_epoch)
    start, end, peak = cosine_cycles(config)[0]
    for cycle in cosine_cycles(config):
        if step >= cycle[0] * spe:
            start, end, peak = cycle
    local, total = step - start * spe, (end - start) * spe
    warm = max(1.0, config.warmup_epochs * spe)
    return float(_cycle_lr(np, local, total, warm, peak))


def _cycle_lr(xp, local, total, warm: float, peak):
    """Linear warm-up, then cosine decay to 1% of ``peak``, within one cycle.

    ``xp`` is numpy or tensorflow: one formula for the reference and the graph.
    """
    progress = xp.minimum(
        1.0, xp.maximum(0.0, (local - warm) / xp.maximum(1.0, total - warm))
    )
    cosine = 0.5 * (1.0 + xp.cos(np.pi * progress))
    return peak * xp.minimum(1.0, (local + 1.0) / warm) * (0.01 + 0.99 * cosine)


class ScheduledSGD(tflearn.optimizers.Optimizer):
    """SGD with (Nesterov) momentum and a linear-warmup cosine learning rate,
    optionally restarted (SGDR); ``learning_rate()`` is the same formula in numpy."""

    def __init__(self, config: ModelConfig, steps_per_epoch: int):
        super().__init__(config.lr, False, "Momentum")
        self.config = config
        self.steps_per_epoch = max(1, steps_per_epoch)
        self.has_decay = config.lr_schedule != "constant"

    def build(self, step_tensor=None):
        self.built = True
        cfg = self.config
        lr = tf.constant(cfg.lr, tf.float32)
        if cfg.lr_schedule == "cosine":
            spe = self.steps_per_epoch
            step = tf.cast(step_tensor, tf.float32)
            cycles = cosine_cycles(cfg)
            starts = tf.constant([float(c[0] * spe) for c in cycles])
            ends = tf.constant([float(c[1] * spe) for c in cycles])
            peaks = tf.constant([c[2] for c in cycles], tf.float32)
            cycle = tf.reduce_sum(tf.cast(step >= starts[1:], tf.int32))
            local = step - tf.gather(starts, cycle)
            total = tf.gather(ends, cycle) - tf.gather(starts, cycle)
            warm = max(1.0, cfg.warmup_epochs * spe)
            lr = _cycle_lr(tf, local, total, warm, tf.gather(peaks, cycle))
            tf1.add_to_collection(tf1.GraphKeys.LR_VARIABLES, lr)
        self.learning_rate = lr
        self.tensor = tf1.train.MomentumOptimizer(
            learning_rate=lr,
            momentum=cfg.momentum,
            use_nesterov=cfg.optimizer == "nesterov",
            name=self.name,
        )

