"""Webcam-like frames made from the shipped sample faces, and the group photo.

Why: benchmarks, the browser test's fake camera and the notebook need faces without a
camera, FER2013 or photos of real people beyond the shipped samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ..images import read_image
from ..paths import DATA_DIRS, relative_to_repo

ASSETS = Path(__file__).parent.parent / "assets"
SAMPLE_FACES = ("sample_face_happy.png", "sample_face_neutral.png")
FACES_DIRS = tuple(d / "faces" for d in DATA_DIRS)  # where group_photo() looks
GROUP_PHOTO = "oarriaga_test_image.jpg"


def sample_frame(name: str = SAMPLE_FACES[0], size: tuple[int, int] = (640, 480),
                 scale: float = 1.5) -> npt.NDArray[np.uint8]:
    """A webcam-like RGB frame: a shipped sample face in the middle of a blurred
    continuation of its own edges.

    Why: benchmarks, the browser test's fake camera and the notebook need a face
    without a camera or FER2013.
    """
    face = read_image(ASSETS / name)
    face = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    w, h = size
    fh, fw = face.shape[:2]
    if fh > h or fw > w:
        raise ValueError(f"a {fw}x{fh} face does not fit a {w}x{h} frame; lower scale")
    y, x = (h - fh) // 2, (w - fw) // 2
    frame = cv2.copyMakeBorder(face, y, h - fh - y, x, w - fw - x, cv2.BORDER_REPLICATE)
    frame = cv2.GaussianBlur(frame, (0, 0), 25)
    frame[y:y + fh, x:x + fw] = face
    return frame


def group_frame(names: Sequence[str] = (*SAMPLE_FACES, SAMPLE_FACES[0]),
                size: tuple[int, int] = (640, 480),
                scale: float = 1.2) -> npt.NDArray[np.uint8]:
    """A webcam-like RGB frame of several shipped sample faces side by side, evenly
    spaced on a blurred background (the default: three faces in 640x480).

    Why: the group-photo tests, benchmark and notebook cell need faces without a
    camera, FER2013 or a photo of real people beyond the shipped samples."""
    faces = [cv2.resize(read_image(ASSETS / n), None, fx=scale, fy=scale,
                        interpolation=cv2.INTER_LINEAR) for n in names]
    w, h = size
    gap = (w - sum(f.shape[1] for f in faces)) / (len(faces) + 1)
    if gap < 8 or max(f.shape[0] for f in faces) > h:
        raise ValueError(f"{len(faces)} faces at scale {scale} do not fit a {w}x{h} "
                         "frame side by side; lower scale")
    frame = np.full((h, w, 3), int(np.mean([f.mean() for f in faces])), np.uint8)
    spots, x = [], gap
    for face in faces:
        fh, fw = face.shape[:2]
        spots.append((round(x), (h - fh) // 2))
        x += fw + gap
    for face, (x, y) in zip(faces, spots, strict=True):
        frame[y:y + face.shape[0], x:x + face.shape[1]] = face
    frame = cv2.GaussianBlur(frame, (0, 0), 25)
    for face, (x, y) in zip(faces, spots, strict=True):
        frame[y:y + face.shape[0], x:x + face.shape[1]] = face
    return frame


def hard_face_examples() -> dict[str, npt.NDArray[np.uint8]]:
    """Three webcam frames the fast face pass misses, made from the shipped samples:
    a head tilted by 40°, a dark room, a face filling the frame.

    Why: they show the rescue passes of ``faces.haar`` at work (turned copies,
    CLAHE, a replicated border) and the upright crop the network then sees."""
    happy = sample_frame(SAMPLE_FACES[0])
    h, w = happy.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 40, 1.0)  # counter-clockwise
    tilted = cv2.warpAffine(happy, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    dark = (sample_frame(SAMPLE_FACES[1]) * 0.15).astype(np.uint8)
    close = read_image(ASSETS / SAMPLE_FACES[0])[25:-25, 25:-25]  # forehead to chin
    close = cv2.resize(close, (480, 480), interpolation=cv2.INTER_LINEAR)
    return {"tilted": tilted, "dark": dark, "filling the frame": close}


def group_photo() -> tuple[npt.NDArray[np.uint8], str]:
    """A group photo and where it came from: ``oarriaga_test_image.jpg`` from a
    ``faces/`` folder of the data folders when there is one, else ``group_frame()``
    (three shipped sample faces side by side)."""
    for folder in FACES_DIRS:
        path = folder / GROUP_PHOTO
        if path.is_file():
            return read_image(path), relative_to_repo(path)
    return group_frame(), "three sample faces side by side (no group photo on disk)"
