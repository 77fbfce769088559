"""A stand-in for real photos: FER2013 faces put back into photo-like frames.

The shipped model is judged on webcam and web photos, through the whole app path
(find the face, cut it, classify). Those photo sets are not in the repository, so
this builds a proxy from PublicTest: each face is enlarged and pasted into a larger
frame at a random place and size, on a textured background, then the frame is given
a random exposure (gain, gamma), blur, sensor noise and JPEG compression. The app's
own ``EmotionPredictor.predict`` must then find and classify it; a face not found
counts as wrong. The gap between this and plain PublicTest accuracy is the part of
the real-photo gap that comes from finding, framing and picture quality.

``upscaled`` is the face finder's own proxy: a face enlarged to 200-350 px that fills
the whole picture, as in web photos cropped around a face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from ..boxes import Box
from ..images import jpeg_roundtrip
from ..labels import EMOTIONS
from .metrics import reliability_bins

FRAME_SIZES = ((640, 480), (480, 640), (800, 600), (960, 540))  # (width, height)
FACE_FRACTION = (0.25, 0.7)  # face side / frame's short side


def upscaled(face: npt.NDArray[np.uint8], side: int) -> npt.NDArray[np.uint8]:
    """A 48x48 face enlarged to ``side`` px (bicubic), filling the picture."""
    return cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)


def _background(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A smooth random scene: blurred noise plus a light gradient."""
    noise = rng.normal(0, 1, (h // 16 + 2, w // 16 + 2))
    scene = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    scene = (scene - scene.min()) / max(np.ptp(scene), 1e-6)
    ramp = np.linspace(rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), w)[None]
    return np.clip(255 * (0.25 + 0.5 * scene + ramp), 0, 255)


def paste_in_frame(
    face: npt.NDArray[np.uint8], rng: np.random.Generator
) -> tuple[npt.NDArray[np.uint8], Box]:
    """One photo-like grey frame holding ``face``, and the face square's box."""
    w, h = FRAME_SIZES[rng.integers(len(FRAME_SIZES))]
    side = int(rng.uniform(*FACE_FRACTION) * min(w, h))
    x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
    frame = _background(rng, w, h)
    frame[y : y + side, x : x + side] = upscaled(face, side)
    # exposure: gain and gamma (dark rooms, bright windows)
    frame = 255 * (np.clip(frame * rng.uniform(0.45, 1.25), 0, 255) / 255) ** np.exp(
        rng.uniform(-0.5, 0.5)
    )
    if rng.random() < 0.5:  # focus
        frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.5, 2.5))
    frame = frame + rng.normal(0, rng.uniform(0, 8), frame.shape)  # sensor noise
    frame8 = np.clip(frame, 0, 255).astype(np.uint8)
    frame8 = jpeg_roundtrip(frame8, int(rng.integers(40, 91)))
    return frame8, (x, y, side, side)


@dataclass(frozen=True)
class PhotoProxyScore:
    """Accuracy on the photo proxy next to plain accuracy on the same faces."""

    split: str
    n: int
    seed: int
    plain_accuracy: float  # the 48x48 faces themselves, single view
    photo_accuracy: float  # found and cut by the app from the frames (none: wrong)
    found_rate: float  # frames where the app found a face
    # expected calibration error of the app's probabilities on the faces it found:
    # do the bars still mean what they say on photo-like pictures? (None: not measured)
    photo_ece: float | None = None

    @property
    def gap(self) -> float:
        """Points lost to finding, framing and picture quality (positive: worse)."""
        return self.plain_accuracy - self.photo_accuracy


def score_photo_proxy(predictor, images: npt.NDArray[np.uint8],
                      labels: npt.NDArray[np.int64], split: str = "PublicTest",
                      n: int | None = None, seed: int = 0) -> PhotoProxyScore:
    """Run the app's path (``predictor.predict``) on a frame per face (first ``n``)."""
    n = len(labels) if n is None else min(n, len(labels))
    rng = np.random.default_rng(seed)
    # one view on both sides: the gap is finding, framing and picture quality
    plain = predictor.predict_faces(images[:n], tta=None).argmax(1) == labels[:n]
    right = found = 0
    probs, seen = [], []  # of the faces found
    for face, label in zip(images[:n], labels[:n], strict=True):
        frame, _ = paste_in_frame(face, rng)
        pred = predictor.predict(frame, tta=None)
        found += pred.found
        right += pred.found and pred.label == EMOTIONS[int(label)]
        if pred.found:
            probs.append(pred.probs)
            seen.append(int(label))
    ece = reliability_bins(seen, np.array(probs)).ece if seen else None
    return PhotoProxyScore(split, n, seed, float(plain.mean()), right / max(n, 1),
                           found / max(n, 1), ece)

