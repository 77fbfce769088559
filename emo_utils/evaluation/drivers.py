"""The two ways into an evaluation: ``python -m emo_utils eval`` (``run_eval``) and
notebook 03 (``evaluate_or_load``).

Why apart: ``evaluate`` computes an Evaluation and ``temperature`` fits
the temperature; deciding what to load, what to print and what to write belongs to
whoever asks.
"""

from __future__ import annotations

import os

from .. import narrate
from ..paths import SHIPPED_CHECKPOINT
from .evaluate import Evaluation
from .temperature import calibrate_checkpoint


def evaluate_or_load(
    run_dir: str | os.PathLike,
    smoke: bool = False,
    data_path: str | os.PathLike | None = None,
) -> tuple[Evaluation, str]:
    """Notebook 03's entry: evaluate on FER2013 and save, or load the stored
    evaluation without it. Returns the Evaluation and the line saying which.

    Smoke runs (tests) use 300 faces for the augmented views, 100 for the photo
    proxy, and write nothing.
    """
    from ..data import load_data_or_demo

    dataset, is_demo, message = load_data_or_demo(data_path)
    if is_demo:
        evaluation = Evaluation.load(run_dir)
        return evaluation, narrate.stored_evaluation(evaluation)
    evaluation = Evaluation.from_checkpoint(
        run_dir,
        dataset,
        max_tta_images=300 if smoke else None,
        photo_faces=100 if smoke else None,
    )
    if not smoke:
        evaluation.save()
    return evaluation, narrate.evaluated(evaluation, message, saved=not smoke)


def run_eval(
    checkpoint: str | os.PathLike = SHIPPED_CHECKPOINT,
    data: str | os.PathLike | None = None,
    split: str | None = None,
    write: bool = True,
    calibrate: bool = True,
) -> int:
    """``python -m emo_utils eval``: refit the temperature, evaluate, print, save.

    Without ``write`` nothing is written, not even calibration.json; returns the
    exit code (errors are raised for the command line to print).
    """
    from ..data import load_fer2013

    dataset = load_fer2013(data)
    if calibrate and write:
        fitted = calibrate_checkpoint(checkpoint, dataset)
        print(narrate.fitted_temperature(fitted))
    evaluation = Evaluation.from_checkpoint(checkpoint, dataset, split)
    print(narrate.headline(evaluation))
    print(narrate.split_caveat(evaluation.split))
    if write:
        print(narrate.wrote(evaluation, evaluation.save()))
    return 0
