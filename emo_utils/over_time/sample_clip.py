"""A sample video made from the shipped sample faces: held expressions, known changes.

Why: the notebook's video section, the tests and the flicker benchmark need a clip
with faces and known expression segments, without a download or third-party footage.
The two sample photos (``assets/LICENSE.md``) are enlarged onto a textured 640x480
background and drift slowly; each segment holds one of them (neutral, happy, ...),
so a segment boundary is a real change at a known time. The two photos are of two
different men at the same place in the picture: a tracker keeps one id across the
cut, as it would for one person changing expression.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ..images import read_image
from ..paths import ASSETS

SAMPLE_CLIP = ASSETS / "sample_clip.mp4"
FACE_FILES = {"happy": "sample_face_happy.png", "neutral": "sample_face_neutral.png"}
# (expression, seconds): four held segments, ~10 s in all
SEGMENTS: tuple[tuple[str, float], ...] = (
    ("neutral", 2.5), ("happy", 2.5), ("neutral", 2.5), ("happy", 2.5))
OTHER = {"happy": "neutral", "neutral": "happy"}  # the second person's expression
FPS = 25.0
SIZE = (640, 480)  # width, height
CODECS = {".mp4": "mp4v", ".avi": "MJPG", ".mov": "mp4v", ".mkv": "MJPG"}


def segment_table(people: int = 1, segments: Sequence[tuple[str, float]] = SEGMENTS
                  ) -> list[tuple[int, float, float, str]]:
    """(person, start_s, end_s, expression) of each held segment of the sample clip;
    person 1 is the left face (the only one when ``people=1``)."""
    rows, start = [], 0.0
    for label, seconds in segments:
        rows.append((1, start, start + seconds, label))
        if people == 2:
            rows.append((2, start, start + seconds, OTHER[label]))
        start += seconds
    return rows


def _background(size: tuple[int, int], seed: int = 7) -> npt.NDArray[np.uint8]:
    """A fixed, softly textured colour background (like a wall and a shelf)."""
    w, h = size
    rng = np.random.default_rng(seed)
    coarse = rng.random((h // 40 + 1, w // 40 + 1, 3)).astype(np.float32)
    coarse = 0.7 * coarse.mean(axis=2, keepdims=True) + 0.3 * coarse  # muted colour
    texture = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 1.5)
    ramp = np.linspace(0.8, 1.1, w, dtype=np.float32)[None, :, None]
    base = np.array([150, 135, 120], np.float32)  # warm grey, RGB
    image = base * ramp * (0.75 + 0.35 * texture) + 60 * (fine[..., None] - 0.5)
    return np.clip(image, 0, 255).astype(np.uint8)


def _faces(scale: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each expression's face, enlarged, as RGB, with a feathered oval mask."""
    out = {}
    for label, name in FACE_FILES.items():
        face = read_image(ASSETS / name)
        face = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        h, w = face.shape[:2]
        mask = np.zeros((h, w), np.float32)
        cv2.ellipse(mask, (w // 2, h // 2), (int(w * 0.47), int(h * 0.49)), 0, 0, 360,
                    1.0, -1)
        mask = cv2.GaussianBlur(mask, (0, 0), w * 0.03)[..., None]
        out[label] = (face.astype(np.float32), mask)
    return out


def sample_frames(people: int = 1, fps: float = FPS, size: tuple[int, int] = SIZE,
                  segments: Sequence[tuple[str, float]] = SEGMENTS, noise: float = 0.0):
    """Yield the clip's RGB frames (uint8 H,W,3), one per 1/fps second.

    ``noise``: a webcam's frame-to-frame changes, the standard deviation (grey levels)
    of fresh sensor noise in each frame, with the light varying by as much in %."""
    rng = np.random.default_rng(0)
    if people not in (1, 2):
        raise ValueError(f"people must be 1 or 2, got {people}")
    w, h = size
    scale = 1.4 if people == 1 else 1.1
    faces, background = _faces(scale), _background(size)
    fh, fw = faces["happy"][0].shape[:2]
    centres = [w / 2] if people == 1 else [w * 0.27, w * 0.73]
    ends = np.cumsum([seconds for _, seconds in segments])
    for i in range(round(ends[-1] * fps)):
        t = i / fps
        label = segments[int(np.searchsorted(ends, t, side="right"))][0]
        frame = background.astype(np.float32)
        for person, cx in enumerate(centres):
            expression = label if person == 0 else OTHER[label]
            face, mask = faces[expression]
            # a slow drift: +-30 px sideways over ~8 s, +-12 px up and down
            x = int(round(cx - fw / 2 + 30 * np.sin(2 * np.pi * t / 8 + person)))
            y = int(round((h - fh) / 2 + 12 * np.sin(2 * np.pi * t / 5 + person)))
            patch = frame[y:y + fh, x:x + fw]
            patch[:] = patch * (1 - mask) + face * mask
        if noise:
            frame *= 1 + noise / 100 * np.sin(2 * np.pi * t / 1.7)
            frame += rng.normal(0, noise, frame.shape[:2])[..., None]
        yield np.clip(frame, 0, 255).astype(np.uint8)


def make_sample_clip(path: str | Path, people: int = 1, fps: float = FPS,
                     size: tuple[int, int] = SIZE,
                     segments: Sequence[tuple[str, float]] = SEGMENTS,
                     noise: float = 0.0) -> Path:
    """Write the sample clip (``.mp4``: mp4v, ``.avi``: MJPG) and return its path.

    ``people=2``: two faces side by side, the right one with the opposite expression
    in each segment (``segment_table(2)``); ``noise`` as for ``sample_frames``."""
    path = Path(path)
    codec = CODECS.get(path.suffix.lower())
    if codec is None:
        raise ValueError(f"{path.name}: give a name ending in one of {sorted(CODECS)}")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), fps, size)
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {path} with the {codec} codec")
    try:
        for frame in sample_frames(people, fps, size, segments, noise):
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path
