"""emo_utils: the tested helpers behind the emotion-detection notebooks.

``import emo_utils`` applies the TFLearn compatibility patches first; the heavier
names (which build TFLearn graphs) are imported on first use.
"""

from importlib import import_module

from . import _compat  # noqa: F401  (must run before anything imports tflearn)
from .data import DataError, Dataset, load_data_or_demo, load_fer2013
from .labels import EMOTIONS, NUM_CLASSES

_LAZY = {
    "EmotionPredictor": "predict",
    "CheckpointError": "predict",
    "crop_face": "face",
    "EmotionApp": "webcam",
    "fit": "train",
    "get_config": "model",
    "load_demo_sample": "demo",
}

__all__ = ["EMOTIONS", "NUM_CLASSES", "DataError", "Dataset", "load_data_or_demo",
           "load_fer2013", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'emo_utils' has no attribute {name!r}")
