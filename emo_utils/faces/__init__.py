"""Faces: find them in a picture and cut them to the model's 48x48 square.

One direction: a picture (``images.load_image``) -> a ``FaceFinder`` (detector
plug-ins behind ``detection.Detector``: ``blazeface``, then ``haar``'s passes; presets
"webcam", "live", "upload") -> ``Detection`` boxes -> ``crop`` -> ``FaceCrop``
48x48 squares, which ``predict.EmotionPredictor`` equalises and classifies.
"""

from .crop import MARGIN, FaceCrop, cut_square, is_blank, square_around
from .detection import Detection, Detector, ScanSettings, merge_detections
from .finder import (
    BEFORE_FRAMING,
    HAAR_ONLY,
    PRESETS,
    FaceFinder,
    crop_faces,
    find_faces,
    get_finder,
)

__all__ = [
    "BEFORE_FRAMING",
    "HAAR_ONLY",
    "MARGIN",
    "PRESETS",
    "Detection",
    "Detector",
    "FaceCrop",
    "FaceFinder",
    "ScanSettings",
    "crop_faces",
    "cut_square",
    "find_faces",
    "get_finder",
    "is_blank",
    "merge_detections",
    "square_around",
]
