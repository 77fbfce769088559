"""Training-face augmentation: TFLearn's, plus random erasing, one affine warp and
photo-like degradation, built from a config's ``augment`` dict.

Every augment key is read here, in numpy on the CPU before a batch enters the graph,
so the graph builder only asks for ``make_augmentation(config.augment)``.
"""

from __future__ import annotations

from .. import _compat  # noqa: F401  (patches numpy, PIL and TF before tflearn loads)

# isort: split
from typing import Any

import cv2
import numpy as np
from tflearn.data_augmentation import ImageAugmentation

from ..images import jpeg_roundtrip
from ..labels import FACE_SIZE


class FaceAugmentation(ImageAugmentation):
    """TFLearn's image augmentation plus random erasing (a grey box over the face)."""

    def add_random_erasing(
        self, prob: float = 0.5, area: tuple[float, float] = (0.02, 0.2)
    ):
        self.methods.append(self._random_erasing)
        self.args.append([prob, area])

    @staticmethod
    def _random_erasing(batch, prob, area):
        batch = np.array(batch, copy=True)
        n, h, w = batch.shape[:3]
        for i in np.flatnonzero(np.random.rand(n) < prob):
            frac = np.random.uniform(*area)
            aspect = np.exp(np.random.uniform(np.log(0.3), np.log(3.3)))
            eh = int(min(h, round(np.sqrt(frac * h * w * aspect))))
            ew = int(min(w, round(np.sqrt(frac * h * w / aspect))))
            y, x = np.random.randint(0, h - eh + 1), np.random.randint(0, w - ew + 1)
            batch[i, y : y + eh, x : x + ew] = np.random.uniform(0, 255)
        return batch

    def add_random_affine(
        self, rotate: float, scale: tuple[float, float], shift: float
    ) -> None:
        """Rotation, zoom and shift in one warp per face (edges replicated).

        Matches the face finder's own jitter: its boxes vary in size and position
        by about this much, and heads tilt."""
        self.methods.append(self._random_affine)
        self.args.append([float(rotate), tuple(scale), float(shift)])

    @staticmethod
    def _random_affine(batch, rotate, scale, shift):
        batch = np.array(batch, copy=True)
        n, h, w = batch.shape[:3]
        for i in range(n):
            angle = np.random.uniform(-rotate, rotate)
            zoom = np.random.uniform(*scale)
            dx, dy = np.random.uniform(-shift, shift, size=2) * (w, h)
            matrix = cv2.getRotationMatrix2D((w / 2 - 0.5, h / 2 - 0.5), angle, zoom)
            matrix[:, 2] += (dx, dy)
            batch[i, ..., 0] = cv2.warpAffine(
                batch[i, ..., 0], matrix, (w, h), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
        return batch

    def add_random_degradation(self, prob: float) -> None:
        """What separates webcam and web photos from FER2013, each with ``prob``:
        gamma, blur (or down-and-up sampling), sensor noise, JPEG artefacts.

        Applied to the equalised face, which is then equalised again, as the app
        equalises every face after the camera has degraded it."""
        self.methods.append(self._random_degradation)
        self.args.append([float(prob)])

    @staticmethod
    def _random_degradation(batch, prob):
        batch = np.array(batch, copy=True)
        for i in range(len(batch)):
            batch[i, ..., 0] = degrade_face(batch[i, ..., 0], prob, np.random)
        return batch


def degrade_face(face: np.ndarray, prob: float, rng) -> np.ndarray:
    """One random photographic degradation pass over a float 0-255 (48,48) face."""
    img = np.clip(face, 0, 255)
    changed = False
    if rng.rand() < prob:  # gamma: dark or washed-out exposure
        img = 255.0 * (img / 255.0) ** np.exp(rng.uniform(-0.7, 0.7))
        changed = True
    if rng.rand() < prob:  # soft focus or a small, upscaled face
        if rng.rand() < 0.5:
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.5))
        else:
            small = int(rng.randint(20, 37))
            tiny = cv2.resize(img, (small, small), interpolation=cv2.INTER_AREA)
            img = cv2.resize(tiny, img.shape[::-1], interpolation=cv2.INTER_LINEAR)
        changed = True
    if rng.rand() < prob:  # sensor noise
        img = img + rng.normal(0.0, rng.uniform(3.0, 15.0), img.shape)
        changed = True
    img8 = np.clip(img, 0, 255).astype(np.uint8)
    if rng.rand() < prob:  # JPEG artefacts
        img8 = jpeg_roundtrip(img8, int(rng.randint(15, 60)))
        changed = True
    if not changed:
        return face
    return cv2.equalizeHist(img8).astype(face.dtype)


def make_augmentation(augment: dict[str, Any]) -> FaceAugmentation | None:
    """Turn a config's ``augment`` dict into TFLearn augmentation (None if empty)."""
    if not augment:
        return None
    aug = FaceAugmentation()
    if augment.get("flip"):
        aug.add_random_flip_leftright()
    if augment.get("rotate"):
        aug.add_random_rotation(max_angle=float(augment["rotate"]))
    if augment.get("crop_pad"):
        aug.add_random_crop((FACE_SIZE, FACE_SIZE), padding=int(augment["crop_pad"]))
    if augment.get("affine"):
        affine = augment["affine"]
        aug.add_random_affine(affine["rotate"], affine["scale"], affine["shift"])
    if augment.get("degrade"):
        aug.add_random_degradation(float(augment["degrade"]))
    if augment.get("erase"):
        aug.add_random_erasing(prob=float(augment["erase"]))
    return aug

