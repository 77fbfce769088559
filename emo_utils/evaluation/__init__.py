"""Evaluation: how good a checkpoint is, on the test split and on photos.

``evaluate.Evaluation`` computes it (its numbers are a ``scorecard.Scorecard``,
the maths in ``metrics``); ``calibration`` and ``temperature`` fit the softmax
temperature on the held-back slice; ``photo_proxy`` scores the app's own path on
photo-like frames, ``saliency`` what the network looks at; ``drivers`` run it from
the command line (``eval``) and notebook 03; ``report`` writes the README table.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=[
        "calibration",
        "drivers",
        "evaluate",
        "metrics",
        "photo_proxy",
        "report",
        "saliency",
        "scorecard",
        "temperature",
    ],
    submod_attrs={
        "drivers": ["evaluate_or_load", "run_eval"],
        "evaluate": ["Evaluation"],
        "scorecard": ["FOCUS_PAIRS", "Scorecard", "load_anchors"],
    },
)
