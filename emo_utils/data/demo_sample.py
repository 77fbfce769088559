"""A small, clearly labelled stand-in for FER2013: cartoon faces drawn with OpenCV,
and ``load_data_or_demo``, which falls back to them when FER2013 is missing.

Why: every notebook must run end to end without the real data (and fast under
tests). Each emotion has its own brows, eyes and mouth; random pose, size,
contrast, blur and noise make the classes overlap enough that a CNN must learn.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from ..labels import EMOTIONS, FACE_SIZE
from ..paths import relative_to_repo
from .dataset import DataNotFoundError, Dataset
from .loader import load_fer2013

DEMO_NOTE = (
    "DEMO DATA, not FER2013: {n:,} cartoon faces drawn by "
    "emo_utils.data.demo_sample, so numbers and plots here say nothing about real "
    "faces. To use the real data, put fer2013.csv in data/ (see `make data` and "
    "data/README.md)."
)
_SCALE = 4  # draw at 4x, then shrink: smooth (anti-aliased) strokes
_CANVAS = FACE_SIZE * _SCALE

# Per emotion: brow tilt (+ = inner ends down, angry), brow height, eye open
# (height/width), mouth curve (+ = smile), mouth open, mouth width, asymmetry.
_SHAPES = {
    "angry": dict(tilt=0.45, brow=0.0, eye=0.45, curve=-0.25, open=0.0, width=0.8),
    "disgust": dict(
        tilt=0.2, brow=-0.05, eye=0.5, curve=-0.1, open=0.1, width=0.8, skew=0.35
    ),
    "fear": dict(tilt=-0.4, brow=0.12, eye=1.0, curve=-0.1, open=0.35, width=1.0),
    "happy": dict(tilt=0.0, brow=0.05, eye=0.7, curve=0.6, open=0.1, width=1.1),
    "sad": dict(tilt=-0.45, brow=0.02, eye=0.55, curve=-0.55, open=0.0, width=0.85),
    "surprise": dict(tilt=0.0, brow=0.22, eye=1.1, curve=0.0, open=0.9, width=0.55),
    "neutral": dict(tilt=0.0, brow=0.0, eye=0.7, curve=0.0, open=0.0, width=0.8),
}


def _pt(x: float, y: float) -> tuple[int, int]:
    """A canvas point from face coordinates (unit = face half-width, y down)."""
    return int(round(x)), int(round(y))


def _draw_face(rng: np.random.Generator, emotion: str) -> np.ndarray:
    """One 48x48 uint8 cartoon face of ``emotion`` with random pose and noise."""
    shape = {k: v + rng.normal(0, 0.08) for k, v in _SHAPES[emotion].items()}
    skew = shape.get("skew", 0.0) * rng.choice([-1, 1])
    background = rng.integers(20, 120)
    skin = int(np.clip(background + rng.integers(60, 130), 0, 255))
    line = int(np.clip(skin - rng.integers(90, 160), 0, 255))
    canvas = np.full((_CANVAS, _CANVAS), background, np.uint8)
    cx = _CANVAS / 2 + rng.normal(0, 2.5) * _SCALE
    cy = _CANVAS / 2 + rng.normal(0, 2.5) * _SCALE
    r = _CANVAS * rng.uniform(0.34, 0.44)  # face half-width in canvas pixels
    thick = max(1, int(round(r * rng.uniform(0.05, 0.08))))

    cv2.ellipse(canvas, _pt(cx, cy), _pt(r, r * 1.22), 0, 0, 360, skin, -1)
    for side in (-1, 1):  # eyes and brows, mirrored
        ex, ey = cx + side * 0.4 * r, cy - 0.2 * r
        eye_w = 0.17 * r
        eye_h = max(0.05, shape["eye"]) * eye_w * 0.8
        cv2.ellipse(canvas, _pt(ex, ey), _pt(eye_w, eye_h), 0, 0, 360, line, -1)
        by = ey - (0.3 + shape["brow"]) * r
        inner = (ex - side * 0.22 * r, by + shape["tilt"] * 0.25 * r)
        outer = (ex + side * 0.22 * r, by - shape["tilt"] * 0.15 * r)
        cv2.line(canvas, _pt(*inner), _pt(*outer), line, thick)
    # mouth: a parabola y = curve * x^2 (smile up at the corners), maybe open
    mx, my = cx, cy + 0.5 * r
    half = 0.35 * r * shape["width"]
    xs = np.linspace(-1, 1, 21)
    ys = -shape["curve"] * (xs**2 - 0.5) * 0.3 * r + skew * xs * 0.2 * r
    upper = np.stack([mx + xs * half, my + ys], 1)
    if shape["open"] > 0.15:
        lower = upper.copy()
        lower[:, 1] += shape["open"] * 0.35 * r * np.sqrt(1 - xs**2)
        polygon = np.concatenate([upper, lower[::-1]]).round().astype(np.int32)
        cv2.fillPoly(canvas, [polygon], line)
    else:
        cv2.polylines(canvas, [upper.round().astype(np.int32)], False, line, thick)
    if emotion == "disgust":  # wrinkled nose
        for side in (-1, 1):
            nx = cx + side * 0.12 * r
            cv2.line(
                canvas,
                _pt(nx, cy + 0.05 * r),
                _pt(nx + side * 0.08 * r, cy + 0.2 * r),
                line,
                max(1, thick // 2),
            )

    angle = rng.normal(0, 8)
    rotation = cv2.getRotationMatrix2D((_CANVAS / 2, _CANVAS / 2), angle, 1.0)
    canvas = cv2.warpAffine(
        canvas, rotation, (_CANVAS, _CANVAS), borderMode=cv2.BORDER_REPLICATE
    )
    face = cv2.resize(canvas, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.3:
        face = cv2.GaussianBlur(face, (3, 3), rng.uniform(0.3, 1.0))
    noise = rng.normal(0, rng.uniform(4, 14), face.shape)
    return np.clip(face + noise, 0, 255).astype(np.uint8)


def load_demo_sample(
    per_class: int = 200, seed: int = 0, test_fraction: float = 0.2
) -> Dataset:
    """``per_class`` cartoon faces per emotion, split Training/PublicTest 80/20.

    Deterministic for a seed; ~1,400 faces take well under a second.
    """
    rng = np.random.default_rng(seed)
    n = per_class * len(EMOTIONS)
    labels = np.repeat(np.arange(len(EMOTIONS), dtype=np.int64), per_class)
    images = np.stack([_draw_face(rng, EMOTIONS[label]) for label in labels])
    n_test = int(round(per_class * test_fraction))
    usage = np.empty(n, dtype="<U10")
    for label in range(len(EMOTIONS)):
        rows = rng.permutation(np.flatnonzero(labels == label))
        usage[rows[:n_test]] = "PublicTest"
        usage[rows[n_test:]] = "Training"
    order = rng.permutation(n)
    return Dataset(
        images[order], labels[order], usage[order], "demo", DEMO_NOTE.format(n=n)
    )


def load_data_or_demo(path: str | os.PathLike | None = None):
    """FER2013 if it is on disk, else the demo sample: (dataset, is_demo, message).

    Only *missing* data falls back; a damaged file still raises its DataError. The
    message is the one visible line a notebook prints about what it is using.
    """
    try:
        dataset = load_fer2013(path)
    except DataNotFoundError as err:
        dataset = load_demo_sample()
        return dataset, True, (
            f"FER2013 not found ({err}).\nUsing the small DEMO sample "
            f"({len(dataset):,} cartoon faces) so every cell runs; numbers below are "
            "NOT FER2013 results. To use the real data run `make data` (or put "
            "fer2013.csv in data/) and re-run."
        )
    note = f" ({dataset.note})" if dataset.note else ""
    return dataset, False, (
        f"Using FER2013 from {relative_to_repo(dataset.source)}: {len(dataset):,} "
        f"faces{note}."
    )
