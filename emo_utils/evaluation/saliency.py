"""Where the model looks: occlusion saliency (Zeiler & Fergus 2014).

Slide a grey patch over a face and record how much the probability of the predicted
class drops. Model-agnostic: it only needs ``predictor.predict_faces(faces)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..labels import EMOTIONS, FACE_REGIONS
from .metrics import confident_mistakes


def occlusion_map(
    predictor,
    face: npt.NDArray[np.uint8],
    label: int,
    patch: int = 8,
    stride: int = 4,
    fill: int = 128,
) -> np.ndarray:
    """How much P(label) drops when a grey patch hides each part of the face: (48,48).

    Positive = the model looked there.
    """
    face = np.asarray(face, dtype=np.uint8)
    h, w = face.shape
    base = float(predictor.predict_faces(face[None], tta=None)[0, label])
    starts = [
        (y, x)
        for y in range(0, h - patch + 1, stride)
        for x in range(0, w - patch + 1, stride)
    ]
    batch = np.repeat(face[None], len(starts), axis=0)
    for i, (y, x) in enumerate(starts):
        batch[i, y : y + patch, x : x + patch] = fill
    drops = base - predictor.predict_faces(batch, tta=None)[:, label]
    heat = np.zeros((h, w))
    hits = np.zeros((h, w))
    for d, (y, x) in zip(drops, starts, strict=True):
        heat[y : y + patch, x : x + patch] += d
        hits[y : y + patch, x : x + patch] += 1
    return heat / np.maximum(hits, 1)


def region_shares(heats: npt.ArrayLike) -> pd.DataFrame:
    """Share of each map's positive evidence in each of FACE_REGIONS: (K, regions)."""
    positive = np.clip(np.asarray(heats, dtype=float), 0, None)
    total = np.maximum(positive.sum(axis=(1, 2)), 1e-9)
    return pd.DataFrame(
        {name: positive[:, rows].sum(axis=(1, 2)) / total
         for name, rows in FACE_REGIONS.items()}
    )


@dataclass(frozen=True)
class SaliencyMaps:
    """Occlusion maps of a few faces and what they show.

    ``examples`` has one row per face: true (its label), kind ("right" or "wrong")
    and seen (the predicted emotion whose probability the map explains).
    """

    images: npt.NDArray[np.uint8]  # (K,48,48)
    heats: np.ndarray  # (K,48,48)
    examples: pd.DataFrame
    shares: pd.DataFrame  # region_shares(heats)


def _pick(labels, probs, pairs, seed: int) -> list[tuple[int, str, str]]:
    """(index, true, kind): one random right face and the most confident
    ``true -> other`` mistake per pair."""
    pred = probs.argmax(1)
    rng = np.random.default_rng(seed)
    picked = []
    for true, other in pairs:
        t = EMOTIONS.index(true)
        right = np.flatnonzero((labels == t) & (pred == t))
        chosen = rng.choice(right, 1) if len(right) else right
        wrong = confident_mistakes(labels, probs, true, other, 1)
        picked += [(int(i), true, "right") for i in chosen]
        picked += [(int(i), true, "wrong") for i in wrong]
    return picked


def occlusion_examples(
    predictor, images, labels, probs, pairs, seed: int = 0
) -> SaliencyMaps:
    """Occlusion maps of one correct and one wrong face per (true, other) pair."""
    labels, probs = np.asarray(labels), np.asarray(probs)
    picked = _pick(labels, probs, pairs, seed)
    seen = [int(probs[i].argmax()) for i, _, _ in picked]
    heats = np.array(
        [occlusion_map(predictor, images[i], c)
         for (i, _, _), c in zip(picked, seen, strict=True)]
    ).reshape(-1, *np.shape(images)[1:])
    examples = pd.DataFrame(
        {
            "index": [i for i, _, _ in picked],
            "true": [t for _, t, _ in picked],
            "kind": [k for _, _, k in picked],
            "seen": [EMOTIONS[c] for c in seen],
        }
    )
    return SaliencyMaps(
        images=np.asarray(images)[examples["index"].to_numpy(dtype=int)],
        heats=heats,
        examples=examples,
        shares=region_shares(heats),
    )
