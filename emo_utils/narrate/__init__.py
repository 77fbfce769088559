"""Every sentence the notebooks show about their results, and every figure's title.

The analysis modules (explore, ferplus, curves, metrics, saliency, scorecard) return
facts; the functions here put facts into words and compute nothing beyond picking
the largest or smallest of what they are given. Figures take their titles from here.
One module per notebook (dataset: 01, training: 02, evaluation: 03); every name is
also here, as ``narrate.<name>``.
"""

from ..labels import TTA_NAMES
from .dataset import (
    balance,
    balance_title,
    face_grid,
    ferplus_agreement,
    ferplus_title,
    label_alignment,
    label_disagreement_title,
    mean_faces,
    mean_faces_title,
    pixels,
    pixels_title,
    problems,
    problems_title,
)
from .evaluation import (
    calibration,
    calibration_titles,
    comparison,
    confused_pairs_title,
    confusion,
    confusion_title,
    evaluated,
    ferplus_score,
    fitted_temperature,
    headline,
    mistakes,
    pairs,
    per_class,
    per_class_title,
    photo_proxy,
    ranked,
    reliability_title,
    saliency,
    split,
    split_caveat,
    stored_evaluation,
    stored_figures,
    temperature_scaling,
    wrote,
)
from .training import (
    training_gap,
    training_run,
)

__all__ = [
    "TTA_NAMES",
    "balance",
    "balance_title",
    "calibration",
    "calibration_titles",
    "comparison",
    "confused_pairs_title",
    "confusion",
    "confusion_title",
    "evaluated",
    "face_grid",
    "ferplus_agreement",
    "ferplus_score",
    "ferplus_title",
    "fitted_temperature",
    "headline",
    "label_alignment",
    "label_disagreement_title",
    "mean_faces",
    "mean_faces_title",
    "mistakes",
    "pairs",
    "per_class",
    "per_class_title",
    "photo_proxy",
    "pixels",
    "pixels_title",
    "problems",
    "problems_title",
    "ranked",
    "reliability_title",
    "saliency",
    "split",
    "split_caveat",
    "stored_evaluation",
    "stored_figures",
    "temperature_scaling",
    "training_gap",
    "training_run",
    "wrote",
]
