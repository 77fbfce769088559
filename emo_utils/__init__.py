"""emo_utils: the tested helpers behind the emotion-detection notebooks.

``import emo_utils`` loads almost nothing: the names below are imported on first use
(PEP 562), so a prediction pays only for what it runs. No TensorFlow is loaded by any
of them except training (``emo_utils.train.trainer``) and ``engine="tf"``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .labels import EMOTIONS, NUM_CLASSES

# public name -> the module that defines it
_LAZY = {
    "EmotionPredictor": "emo_utils.infer.predictor",
    "load_predictor": "emo_utils.infer.predictor",
    "Prediction": "emo_utils.infer.prediction",
    "predict_folder": "emo_utils.infer.photos",
    "predict_photos": "emo_utils.infer.photos",
    "analyse_video": "emo_utils.over_time.video",
    "DataError": "emo_utils.data",
    "Dataset": "emo_utils.data",
    "load_data_or_demo": "emo_utils.data",
    "load_demo_sample": "emo_utils.data",
    "load_fer2013": "emo_utils.data",
}

__all__ = ["EMOTIONS", "NUM_CLASSES", *_LAZY]

if TYPE_CHECKING:  # for type checkers and editors; at run time see __getattr__
    from .data import DataError as DataError
    from .data import Dataset as Dataset
    from .data import load_data_or_demo as load_data_or_demo
    from .data import load_demo_sample as load_demo_sample
    from .data import load_fer2013 as load_fer2013
    from .infer.photos import predict_folder as predict_folder
    from .infer.photos import predict_photos as predict_photos
    from .infer.prediction import Prediction as Prediction
    from .infer.predictor import EmotionPredictor as EmotionPredictor
    from .infer.predictor import load_predictor as load_predictor
    from .over_time.video import analyse_video as analyse_video


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # imported once
        return value
    try:  # a subpackage or module: `emo_utils.webcam` after `import emo_utils`
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
