"""``Prediction``: one face of one picture, from the face finder to every output.

One record carries a face through every step: the finder's cut (``faces.FaceCrop``,
held, not copied), the network's probabilities, the tracker's ids and the smoother's
average. The photo table, the video table, the webcam overlay and the app all read
it, and ``row`` is the one definition of a face's table columns (no TensorFlow here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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
# A face's columns in every table; the photo table puts ``file`` before them, the
# video table ``time_s, frame`` (see ``photos.COLUMNS``, ``video.COLUMNS``).
FACE_COLUMNS = ("face", "x", "y", "w", "h", *EMOTIONS, "label")
PROB_DECIMALS = 4  # probabilities in the tables: enough to sort and plot, short CSV


@dataclass(frozen=True)
class Prediction:
    """One face of a picture (or the picture's "no face"), as every output reads it.

    ``probs`` (7,) float32 in EMOTIONS order (zeros when no face was used; the
    smoothed average for a tracked, smoothed face), ``label`` the top emotion (""
    when none), ``crop`` the face as found and cut (``faces.FaceCrop``; None when
    no face), ``seconds`` for finding and prediction of the whole picture,
    ``message`` plain words for the user. Over time, ``track_key`` tells the
    tracker's tracks apart, ``track_id`` is the person's id once the track is
    confirmed, and ``raw_probs`` keeps the network's own probabilities when
    ``probs`` were smoothed. ``box``, ``n_faces``, ``face``, ``angle`` and
    ``found_by`` read the crop.
    """

    probs: npt.NDArray[np.float32]
    label: str
    crop: FaceCrop | None = None
    seconds: float = 0.0
    message: str = ""
    track_key: int | None = None
    track_id: int | None = None
    raw_probs: npt.NDArray[np.float32] | None = None

    @property
    def found(self) -> bool:
        """True when a face (or the centre crop) was classified."""
        return bool(self.label)

    @property
    def confidence(self) -> float:
        return float(self.probs.max()) if self.found else 0.0

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the face square in the picture's pixels."""
        return self.crop.box if self.crop else None

    @property
    def n_faces(self) -> int:
        """Faces found in the picture (0 for none, or for the centre crop)."""
        return self.crop.n_faces if self.crop else 0

    @property
    def face(self) -> npt.NDArray[np.uint8]:
        """The 48x48 uint8 face as cut (``predict_faces(face)`` gives the network's
        probabilities again); zeros when no face."""
        if self.crop is None:
            return np.zeros((FACE_SIZE, FACE_SIZE), np.uint8)
        return self.crop.face

    @property
    def angle(self) -> float:
        """Degrees the face was turned to come out upright."""
        return self.crop.angle if self.crop else 0.0

    @property
    def found_by(self) -> str:
        """The detector that found it (``faces.FaceFinder``); "" for none/centre."""
        return self.crop.found_by if self.crop else ""

    def smoothed(self, probs: npt.NDArray[np.float32]) -> Prediction:
        """This face with averaged ``probs`` (and their label); the network's own
        stay in ``raw_probs``."""
        return replace(self, probs=probs, label=EMOTIONS[int(probs.argmax())],
                       raw_probs=self.probs if self.raw_probs is None
                       else self.raw_probs)

    def unsmoothed(self) -> Prediction:
        """This face with the network's own probabilities (itself if not smoothed)."""
        if self.raw_probs is None:
            return self
        return replace(self, probs=self.raw_probs, raw_probs=None,
                       label=EMOTIONS[int(self.raw_probs.argmax())])

    def row(self, face: int | None) -> dict:
        """The face's table columns (``FACE_COLUMNS``), ``face`` numbering it (the
        photo's 1, 2... or the video's person id); probabilities rounded."""
        probs = (round(float(p), PROB_DECIMALS) for p in self.probs)
        return dict(zip(FACE_COLUMNS, (face, *self.box, *probs, self.label),
                        strict=True))


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
    return [Prediction(p, EMOTIONS[int(p.argmax())], c, seconds, message)
            for p, c in zip(probs, crops, strict=True)]


def no_face(seconds: float, blank: bool = False) -> Prediction:
    """The result for a picture with no face (``found`` False; ``message`` why)."""
    return Prediction(np.zeros(len(EMOTIONS), np.float32), "", None, seconds,
                      BLANK_MESSAGE if blank else NO_FACE_MESSAGE)
