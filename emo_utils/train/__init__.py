"""Training: a command to a checkpoint (the second path of the README's map).

``trainer.fit`` runs the epochs; its per-epoch duties are the small objects of
``callbacks``; ``state`` holds what an epoch leaves (``TrainState``, ``HistoryRow``);
``holdout`` splits off the held-back slice, ``resume`` continues a run,
``precision`` picks fp32 or bf16, ``averaging`` averages epoch weights and
``curves`` draws the training curves. Names load on first use: the TF-free parts
(curves, holdout, state) never load TensorFlow.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=[
        "averaging",
        "callbacks",
        "curves",
        "holdout",
        "precision",
        "resume",
        "state",
        "trainer",
    ],
    submod_attrs={
        "trainer": ["fit", "set_seed", "TrainingInterrupted"],
        "holdout": ["hold_out", "TrainData", "training_faces", "training_size"],
    },
)
