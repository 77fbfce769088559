"""Every figure the notebooks show, one module per notebook, as ``narrate`` is.

``style`` (set_style, PALETTE, save_figures) and ``common`` (galleries, confusion
matrices) are shared; ``dataset`` draws notebook 01's figures, ``evaluation``
notebook 03's. Each function returns its matplotlib Figure (None when given None:
data the notebook does not have). Names load on first use (lazy_loader), so a
notebook that only sets the style (04, the app) pays for no seaborn or pandas.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submod_attrs={
        "style": ["PALETTE", "WIDTH", "axes_for", "save_figures", "set_style"],
        "common": ["plot_gallery", "plot_confusion"],
        "dataset": [
            "plot_class_balance",
            "plot_face_grid",
            "plot_mean_faces",
            "plot_pixel_distributions",
            "plot_problems",
            "plot_ferplus_agreement",
            "plot_label_disagreement",
        ],
        "evaluation": [
            "plot_confusion_pair",
            "plot_confused_pairs",
            "plot_per_class",
            "plot_reliability",
            "plot_reliability_pair",
            "plot_pair_mistakes",
            "plot_saliency",
        ],
    },
)
