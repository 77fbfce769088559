"""A tiny training run, in this process or its own: what the kill tests interrupt.

``python tests/train_tiny.py RUN_DIR NUM_EPOCHS`` trains TINY on 32 faces, two
steps an epoch, keeping every epoch's weights; with ``EMO_TEST_KILL_AT=<step>@<epoch>``
(emo_utils.runs.rundir) the process ends like ``kill -9`` at that step of a save.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emo_utils.train.holdout import hold_out
from emo_utils.train.trainer import fit  # noqa: E402
from tests.helpers import TINY, fer_faces  # noqa: E402


def train_tiny(run_dir: str | Path, num_epochs: int) -> dict:
    """The run every kill test makes: same data, same config, same options."""
    images, labels = fer_faces(32)
    data = hold_out(images, labels, fraction=0.25, seed=0)
    return fit(TINY, data, run_dir, num_epochs=num_epochs, progress=False,
               max_steps_per_epoch=2, keep_epochs_from=1)


if __name__ == "__main__":
    train_tiny(sys.argv[1], int(sys.argv[2]))
