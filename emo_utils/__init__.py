"""emo_utils: the tested helpers behind the emotion-detection notebooks.

``import emo_utils`` loads no TensorFlow: only the modules that run the network
(model, train, predict and those that use them) do, each after ``emo_utils._compat``.
"""

from .data import (
    DataError,
    Dataset,
    load_data_or_demo,
    load_demo_sample,
    load_fer2013,
)
from .labels import EMOTIONS, NUM_CLASSES

__all__ = [
    "EMOTIONS",
    "NUM_CLASSES",
    "DataError",
    "Dataset",
    "load_data_or_demo",
    "load_demo_sample",
    "load_fer2013",
]

