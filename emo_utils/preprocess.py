"""The one preprocessing step every face takes, in training and inference alike.

The shared FER2013 copy (and Kaggle's image folders) are histogram-equalised, the
original CSV and webcam frames are not; equalising every face makes them look alike.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt


def equalize_faces(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Histogram-equalise each face: (N,48,48) or (48,48) uint8 in, same shape out."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"faces must be uint8 (0-255), got {images.dtype}")
    if images.ndim == 2:
        return cv2.equalizeHist(images)
    if images.ndim != 3:
        raise ValueError(f"faces must be (N,H,W) or (H,W), got shape {images.shape}")
    out = np.empty_like(images)
    for i, face in enumerate(images):
        out[i] = cv2.equalizeHist(np.ascontiguousarray(face))
    return out


def to_model_input(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Equalise uint8 faces (N,48,48) and return float32 (N,48,48,1) in 0-255.

    Mean/std normalisation happens inside the graph, so this is all a caller does.
    """
    faces = equalize_faces(images)
    if faces.ndim == 2:
        faces = faces[None]
    return faces.astype(np.float32)[..., None]
