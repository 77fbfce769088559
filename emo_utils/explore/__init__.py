"""Exploring the data set: notebook 01's facts.

``dataset`` computes class balance, mean faces, pixel statistics and problem
faces; ``ferplus`` reads the FER+ relabelling and compares it with FER2013's
labels.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=["dataset", "ferplus"],
    submod_attrs={
        "dataset": [
            "split_table",
            "Balance",
            "class_balance",
            "sample_faces",
            "MeanFaces",
            "mean_faces",
            "PixelStats",
            "pixel_stats",
            "average_hash",
            "find_near_duplicates",
            "find_blank",
            "face_likeness",
            "find_outliers",
            "Problems",
            "problem_summary",
            "first_rows_dataset",
        ],
    },
)
