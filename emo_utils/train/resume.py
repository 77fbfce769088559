"""Resuming a run: a saved epoch restored into a new graph, a changed recipe refused.

Why: a run continues across Ctrl-C, kernel restarts and code changes, but only as
the recipe it started as (its schedule's future may change, its past may not).
"""

from __future__ import annotations

# isort: off
from .. import _compat  # noqa: F401  (patches tflearn: before tensorflow/tflearn load)
# isort: on

import dataclasses
from pathlib import Path

import tensorflow as tf

from ..model import ModelConfig
from ..paths import relative_to_repo

tf1 = tf.compat.v1


def restore_training_state(session: tf1.Session, checkpoint: Path,
                           run_dir: Path) -> None:
    """Restore a saved epoch into the session's graph, tolerating a changed display.

    TFLearn keeps a moving average of each loss term for its progress line; their
    names follow the loss ops, which change with the code (the mixup loss renamed
    ``Mean/moving_avg``). Those start afresh instead of refusing the run; anything
    else missing from the checkpoint (a weight, an optimizer slot) is an error.
    """
    saved = set(tf1.train.load_checkpoint(str(checkpoint)).get_variable_to_shape_map())
    variables = session.graph.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES)
    missing = [v.op.name for v in variables if v.op.name not in saved]
    needed = [name for name in missing if not name.endswith("/moving_avg")]
    if needed:
        raise ValueError(
            f"{run_dir} holds a training state this version cannot resume: it lacks "
            f"{', '.join(needed[:3])}{' ...' if len(needed) > 3 else ''}. Delete "
            f"{run_dir / 'state'} to train that run again from its start, or use "
            "another run directory.")
    present = [v for v in variables if v.op.name in saved]
    tf1.train.Saver(present).restore(session, str(checkpoint))
    if missing:
        print(f"resuming {relative_to_repo(run_dir)}: the progress line's loss "
              f"averages ({len(missing)}) start afresh (their names changed)",
              flush=True)


# Fields that only shape epochs not yet run: a rerun may change them.
_SCHEDULE_FIELDS = ("num_epochs", "restarts", "restart_lr_scale", "average_last")


def check_extends(
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
