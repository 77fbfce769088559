"""OpenCV's Haar cascades: the fast pass, and the rescue passes for hard photos.

The fast pass finds 58% of PublicTest faces enlarged to 200-350 px (they fill the
picture, as web photos cropped around a face do, and many are tilted or dark).
Rescue passes, run only when the looks before found nothing, bring that to 95.8%
(1000 faces; centre fallback off; ``benchmarks/results/faces.json``): a 30%
replicated border +20.5 points, turned copies (+-15/30/45 degrees, the face then cut
upright) +12.8, CLAHE +2.0, OpenCV's alt2 cascade +1.9, the profile cascade +0.7.
The small-face scan, last, adds nothing there (these faces fill the picture; run
first it found 0.8 points of them, the same faces the others find) and is kept for
the small faces of web and group photos. None of them reports a face on blank,
flat, gradient or noise pictures. On the photo proxy (``photo_proxy``: faces pasted
into textured frames) 81% of faces get a right box, ~10% none and ~9% a box on the
background, mostly from the rescue passes (``docs/model-v3.md``).

Each pass is a ``HaarPass`` detector (``detection.Detector``); ``RESCUE_PASSES``
lists them in the order ``FaceFinder`` tries them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from .detection import Detection, ScanSettings

DETECT_MIN_SIDE = 96  # smaller images are enlarged so the 24 px Haar window fits a face
CASCADE_FILE = "haarcascade_frontalface_default.xml"
SECOND_CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
PROFILE_CASCADE_FILE = "haarcascade_profileface.xml"
# The small-face scan: small faces in large photos (web and group photos).
SMALL_FACE_SCAN = ScanSettings(max_side=1024, min_face=0.03)
PAD_FRACTION = 0.3  # replicated border for faces that fill the frame
ROTATIONS = (-45, -30, -15, 15, 30, 45)  # degrees: in-plane turns, tilted heads
Gray = npt.NDArray[np.uint8]


@functools.cache
def cascade(name: str = CASCADE_FILE) -> cv2.CascadeClassifier:
    """Load one of OpenCV's bundled Haar cascades once, on first use."""
    path = cv2.data.haarcascades + name
    loaded = cv2.CascadeClassifier(path)
    if loaded.empty():
        raise RuntimeError(
            f"could not load the Haar cascade {path}. It ships with "
            "opencv-python-headless 4.x; reinstall it with `make setup`.")
    return loaded


def scan(gray: Gray, settings: ScanSettings, min_neighbors: int = 5,
         cascade_name: str = CASCADE_FILE) -> list[tuple[int, int, int, int]]:
    """One Haar scan on a copy scaled to ``settings.max_side``; boxes in ``gray``'s
    pixels. Tiny images are enlarged so the 24 px window fits a face."""
    h, w = gray.shape
    max_side = settings.max_side
    scale = min(1.0, max_side / max(h, w))
    scale = max(scale, min(DETECT_MIN_SIDE / min(h, w), max_side / max(h, w)))
    small = gray
    if scale != 1.0:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=interp)
    if min(small.shape) < 24:
        return []
    min_size = max(24, round(settings.min_face * min(small.shape)))
    found = cascade(cascade_name).detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=min_neighbors,
        minSize=(min_size, min_size))
    return [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found)]


def _padded(gray: Gray, frac: float) -> tuple[Gray, int]:
    """The image with a replicated border of ``frac`` of its size on every side."""
    pad = round(frac * max(gray.shape))
    return cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_REPLICATE), pad


def _rotated(gray: Gray, angle: float) -> tuple[Gray, np.ndarray]:
    """``gray`` turned by ``angle`` degrees (counter-clockwise) about its centre,
    on a canvas big enough to keep every pixel; and the 2x3 matrix used."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(gray, matrix, (nw, nh), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    return out, matrix


def _fast(gray: Gray, settings: ScanSettings, name: str = "fast") -> list[Detection]:
    """The webcam look: one scan with the finder's settings (~10 ms)."""
    return [Detection(box, 0.0, name) for box in scan(gray, settings)]


def _padded_look(gray: Gray, settings: ScanSettings,
                 name: str = "padded") -> list[Detection]:
    """Faces that fill the frame: the cascade needs some background around them."""
    big, pad = _padded(gray, PAD_FRACTION)
    return [Detection((x - pad, y - pad, w, h), 0.0, name)
            for x, y, w, h in scan(big, settings)]


def _contrast(gray: Gray, settings: ScanSettings) -> list[Detection]:
    """Dark or washed-out frames: local contrast normalisation (CLAHE), then the
    padded look."""
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)
    return _padded_look(clahe, settings, "contrast")


def _turned(gray: Gray, settings: ScanSettings, cascade_name: str = CASCADE_FILE,
            angles=ROTATIONS, name: str = "rotated") -> list[Detection]:
    """Tilted heads: look on copies turned by each of ``angles`` degrees."""
    big, pad = _padded(gray, PAD_FRACTION)
    found = []
    for angle in angles:
        turned, matrix = _rotated(big, angle)
        inverse = cv2.invertAffineTransform(matrix)
        for x, y, w, h in scan(turned, settings, 3, cascade_name):
            cx, cy = inverse @ np.array([x + w / 2, y + h / 2, 1.0])
            box = (round(cx - pad - w / 2), round(cy - pad - h / 2), w, h)
            found.append(Detection(box, float(angle), name))
    return found


def _second_cascade(gray: Gray, settings: ScanSettings) -> list[Detection]:
    """OpenCV's other frontal cascade (alt2) finds some faces the default misses."""
    return _turned(gray, settings, SECOND_CASCADE_FILE, (0, *ROTATIONS),
                   "second cascade")


def _small(gray: Gray, settings: ScanSettings) -> list[Detection]:
    """Small faces in large photos: a finer, slower scan (group and web photos)."""
    return [Detection(box, 0.0, "small")
            for box in scan(gray, SMALL_FACE_SCAN, min_neighbors=6)]


def _profile(gray: Gray, settings: ScanSettings) -> list[Detection]:
    """Heads turned sideways: OpenCV's profile cascade, on the image and its mirror
    (the cascade knows one side only)."""
    big, pad = _padded(gray, PAD_FRACTION)
    found = []
    for mirrored in (False, True):
        view = np.ascontiguousarray(big[:, ::-1]) if mirrored else big
        for x, y, w, h in scan(view, settings, 4, PROFILE_CASCADE_FILE):
            if mirrored:
                x = view.shape[1] - x - w
            found.append(Detection((x - pad, y - pad, w, h), 0.0, "profile"))
    return found


@dataclass(frozen=True)
class HaarPass:
    """One Haar look as a ``Detector``: its name and the function that looks."""

    name: str
    look: Callable[[Gray, ScanSettings], list[Detection]]

    def detect(self, gray: Gray, scan: ScanSettings) -> list[Detection]:
        return self.look(gray, scan)


FAST = HaarPass("fast", _fast)
# The looks that rescue hard photos, in order; each runs only when the ones before
# found nothing (``FaceFinder``). "small" comes last: its fine scan of a whole photo
# finds texture as often as faces (photo proxy, 77 frames the fast pass missed: 5
# right boxes, 12 wrong), and a wrong box stops the passes after it. Last, it still
# finds the small face of a web photo.
RESCUE_PASSES = (
    HaarPass("padded", _padded_look), HaarPass("contrast", _contrast),
    HaarPass("rotated", _turned), HaarPass("second cascade", _second_cascade),
    HaarPass("profile", _profile), HaarPass("small", _small),
)
# For group photos these run even when faces were found: the others (turned copies,
# looser cascades) would add false boxes to a crowd.
GROUP_PASSES = ("small", "padded", "contrast")
