"""``Prediction``: what the predictor found in one picture (no TensorFlow here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..faces import FaceCrop
from ..labels import EMOTIONS, FACE_SIZE

# What a caller of the Python API reads when no face was found; the app says it in
# its own words (its checkbox), see webcam.describe.
NO_FACE_MESSAGE = (
    "No face found. Use a picture where the face is visible, upright and well lit, "
    "or pass centre_if_no_face=True to classify the centre of the image."
)
BLANK_MESSAGE = "The image is blank (one flat colour): there is no face to classify."


@dataclass(frozen=True)
class Prediction:
    """What ``EmotionPredictor.predict`` found in one photo.

    ``probs`` (7,) float32 in EMOTIONS order (zeros when no face was used), ``label``
    the top emotion ("" when none), ``box`` (x, y, w, h) of the face square in the
    photo's pixels, ``n_faces`` faces in the photo, ``face`` the 48x48 uint8 face
    as cut (``predict_faces(face)`` gives ``probs`` again), ``seconds`` for finding
    and prediction of the whole photo, ``message`` plain words for the user.
    """

    probs: npt.NDArray[np.float32]
    label: str
    box: tuple[int, int, int, int] | None
    n_faces: int
    face: npt.NDArray[np.uint8]
    seconds: float
    message: str = ""
    angle: float = 0.0  # degrees the face was turned to come out upright
    found_by: str = ""  # the detector that found it (faces.FaceFinder)

    @property
    def found(self) -> bool:
        """True when a face (or the centre crop) was classified."""
        return bool(self.label)

    @property
    def confidence(self) -> float:
        return float(self.probs.max()) if self.found else 0.0


def faces_message(crops: list[FaceCrop]) -> str:
    """What the user reads about the faces found (empty for one plain face)."""
    if crops[0].used_centre:
        return "No face found: predicting on the centre of the image."
    n = len(crops)
    return f"{n} faces found: each is labelled, largest first." if n > 1 else ""


def from_crops(crops: list[FaceCrop], probs: np.ndarray,
               seconds: float) -> list[Prediction]:
    """One Prediction per cut face, with its probabilities (N,7)."""
    message = faces_message(crops)
    return [
        Prediction(p, EMOTIONS[int(p.argmax())], c.box, c.n_faces, c.face,
                   seconds, message, c.angle, c.found_by)
        for p, c in zip(probs, crops, strict=True)
    ]


def no_face(seconds: float, blank: bool = False) -> Prediction:
    """The result for a picture with no face (``found`` False; ``message`` why)."""
    return Prediction(
        np.zeros(len(EMOTIONS), np.float32), "", None, 0,
        np.zeros((FACE_SIZE, FACE_SIZE), np.uint8), seconds,
        BLANK_MESSAGE if blank else NO_FACE_MESSAGE,
    )
