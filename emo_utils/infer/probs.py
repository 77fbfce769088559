"""Logits to probabilities: the softmax, with the temperature, averaged over views."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def softmax(logits: npt.ArrayLike) -> np.ndarray:
    """Softmax over the last axis, stable for large logits."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def calibrated_probs(view_logits: npt.ArrayLike, temperature: float) -> np.ndarray:
    """Probabilities (N,7) from logits (V,N,7) of V TTA views: softmax of each view's
    logits / T, then the mean over views (what EmotionPredictor.predict_faces does)."""
    return softmax(np.asarray(view_logits) / temperature).mean(axis=0)
