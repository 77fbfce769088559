"""A checkpoint's temperature: fitted on its held-back slice, written to
calibration.json.

Why apart from ``evaluate``: fitting reads the Training rows ``fit`` held back
and writes a file the predictor reads, while an Evaluation only reads a test split.
The maths (the fit, Brier, NLL, ECE) is emo_utils.evaluation.calibration's.
"""

from __future__ import annotations

import os
from typing import Any

from ..runs.rundir import RunDir
from ..train.holdout import stored_hold_out
from . import evaluate  # its _load_predictor: the one place a predictor is made
from .calibration import Calibration, calibrate


def calibrate_checkpoint(run_dir: str | os.PathLike, dataset,
                         tta: str | None = "flip") -> Calibration:
    """Fit the checkpoint's temperature on the held-back slice of Training (the
    rows ``fit`` held back, from held_back.json) and write calibration.json.

    Never on a test split: the temperature is chosen where the weights were not."""
    run_dir = RunDir(run_dir)
    trained = run_dir.read_metrics() or {}
    if trained.get("refit"):
        return _inherit_calibration(run_dir, trained)
    images, labels = dataset.split("Training")
    if len(labels) == 0:
        raise ValueError(f"{dataset.source} has no Training faces to calibrate on")
    data = stored_hold_out(run_dir, images, labels)  # older runs: rebuilt, and said
    predictor = evaluate._load_predictor(run_dir, calibrated=False)
    try:
        logits = predictor.predict_logits(data.held_back_images, tta=tta)
    finally:
        predictor.close()
    labels = data.held_back_labels
    result = calibrate(logits, labels, tta,
                       f"held-back slice of Training ({len(labels)} faces)")
    run_dir.write_calibration(result.to_dict())
    return result


def _inherit_calibration(run_dir: RunDir, trained: dict[str, Any]) -> Calibration:
    """A refit trained on the held-back slice, so no face is left to fit a
    temperature on: it keeps the one its parent fitted there before the refit."""
    parent = run_dir.parent()
    stored = parent.read_calibration() if parent is not None else None
    if stored is None:
        raise ValueError(
            f"{run_dir.path} was trained on the held-back slice too (a refit), so "
            "its temperature must come from the checkpoint it started from "
            f"({trained.get('init_from') or 'unknown'}), which has no "
            "calibration.json: run `make eval` on that checkpoint first"
        )
    inherited = {**stored, "fitted_on": f"{stored['fitted_on']}, by "
                 f"{parent.path.name} before the refit"}
    run_dir.write_calibration(inherited)
    return Calibration(**inherited)
