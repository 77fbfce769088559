"""Run folders: what a training run leaves on disk and how it is written.

``rundir.RunDir`` owns a run folder's files (config, weights, metrics, held-back
rows, calibration, evaluation); ``commits`` writes each epoch atomically and
``recovery`` holds the lock and repairs a run killed mid-commit.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["commits", "recovery", "rundir"],
    submod_attrs={
        "rundir": ["RunDir"],
        "commits": ["Commit"],
    },
)
