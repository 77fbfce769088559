"""``emo_utils.predict``: the documented import path of the predictor, kept on purpose.

The predictor lives in ``emo_utils.infer`` (checkpoint, engines, predictor, record);
this alias keeps ``from emo_utils.predict import EmotionPredictor`` working for
users' code. It loads no TensorFlow.
"""

from .infer.checkpoint import CheckpointError, load_weights
from .infer.prediction import Prediction
from .infer.predictor import DEFAULT_TTA, TTA_MODES, EmotionPredictor, load_predictor
from .paths import SHIPPED_CHECKPOINT

__all__ = [
    "DEFAULT_TTA",
    "SHIPPED_CHECKPOINT",
    "TTA_MODES",
    "CheckpointError",
    "EmotionPredictor",
    "Prediction",
    "load_predictor",
    "load_weights",
]
