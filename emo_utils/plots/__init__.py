"""Every figure the notebooks show, one module per notebook, as ``narrate`` is.

``style`` (set_style, PALETTE, save_figures) and ``common`` (galleries, confusion
matrices) are shared; ``dataset`` draws notebook
01's figures, ``evaluation`` notebook 03's. Each function returns its matplotlib
Figure (None when given None: data the notebook does not have).
"""

from .common import plot_confusion, plot_gallery
from .dataset import (
    plot_class_balance,
    plot_face_grid,
    plot_ferplus_agreement,
    plot_label_disagreement,
    plot_mean_faces,
    plot_pixel_distributions,
    plot_problems,
)
from .evaluation import (
    plot_confused_pairs,
    plot_confusion_pair,
    plot_pair_mistakes,
    plot_per_class,
    plot_reliability,
    plot_reliability_pair,
    plot_saliency,
)
from .style import PALETTE, WIDTH, axes_for, save_figures, set_style

__all__ = [
    "PALETTE",
    "WIDTH",
    "axes_for",
    "plot_class_balance",
    "plot_confused_pairs",
    "plot_confusion",
    "plot_confusion_pair",
    "plot_face_grid",
    "plot_ferplus_agreement",
    "plot_gallery",
    "plot_label_disagreement",
    "plot_mean_faces",
    "plot_pair_mistakes",
    "plot_per_class",
    "plot_pixel_distributions",
    "plot_problems",
    "plot_reliability",
    "plot_reliability_pair",
    "plot_saliency",
    "save_figures",
    "set_style",
]
