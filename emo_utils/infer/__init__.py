"""A face to probabilities, with no TensorFlow: the checkpoint, the network engines,
the predictor, the record of each face (``Prediction``) and the one pipeline every
picture goes through (``analyse_frames``: find, classify, track, smooth).

``load_predictor()`` builds the predictor every path uses (photos, video, webcam, app,
evaluation). Its network runs on ONNX Runtime from a graph built from the checkpoint's
``config.json`` and ``weights.npz`` (``onnx_graph``, cached as ``model.onnx``);
``engine="tf"`` runs the TFLearn graph instead, for checks and training-time code.
"""

from .checkpoint import Checkpoint, CheckpointError, load_config, load_weights
from .load import ENGINES, load_network
from .pipeline import FaceSearch, FrameFaces, analyse_frames
from .prediction import FACE_COLUMNS, Prediction
from .predictor import DEFAULT_TTA, TTA_MODES, EmotionPredictor, load_predictor

__all__ = [
    "DEFAULT_TTA",
    "ENGINES",
    "FACE_COLUMNS",
    "TTA_MODES",
    "Checkpoint",
    "CheckpointError",
    "EmotionPredictor",
    "FaceSearch",
    "FrameFaces",
    "Prediction",
    "analyse_frames",
    "load_config",
    "load_network",
    "load_predictor",
    "load_weights",
]
