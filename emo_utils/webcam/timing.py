"""What one camera frame costs the kernel: decode, detect, crop and network."""

from __future__ import annotations

import time

import numpy as np

from ..images import read_image
from ..infer.predictor import EmotionPredictor


def time_snapshot(predictor: EmotionPredictor, jpeg: bytes, runs: int = 100,
                  warmup: int = 3, finder: str | None = None) -> dict[str, float]:
    """Milliseconds from JPEG bytes to probabilities of every face (decode + detect +
    crop + model); ``finder`` as for ``predict_all`` ("live": live mode).

    Returns p50/p95/mean over ``runs`` calls, and the faces found: what one webcam
    snapshot costs the kernel.
    """
    for _ in range(warmup):
        preds = predictor.predict_all(read_image(jpeg), finder=finder)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        preds = predictor.predict_all(read_image(jpeg), finder=finder)
        times.append(1000 * (time.perf_counter() - start))
    return {"p50_ms": float(np.percentile(times, 50)),
            "p95_ms": float(np.percentile(times, 95)),
            "mean_ms": float(np.mean(times)), "runs": runs,
            "faces": preds[0].n_faces}
