"""What one camera frame costs the kernel: decode, detect, crop and network; and a
live frame's stages, drawing and message encoding included."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable

import numpy as np

from ..faces import get_finder
from ..images import read_image
from ..infer.predictor import EmotionPredictor
from .session import read_frame
from .widget import LIVE_FPS

# the app widgets whose value a live frame changes, sent to the browser as JSON
_SENT = ("picture", "bars", "timeline", "info")


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


def _p50_ms(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(1000 * (time.perf_counter() - start))
    return float(np.median(times))


def time_live_frame(app, data_url: str, runs: int = 50,
                    warmup: int = 10) -> dict[str, float]:
    """Median milliseconds of each stage of one live frame in the kernel: the whole
    ``handle_frame``, and apart: decoding the data URL, finding and cutting the faces
    ("live" finder), the network (with the mirror image), drawing the result
    (``_show``) and encoding the changed widget values as JSON.

    Why: the page reported twice the benchmark's time for a live frame; this says
    which stage to cut. ``app`` is an ``EmotionApp``; its session's clock is set to
    tick at ``LIVE_FPS``, so the timeline holds what a live page's does."""
    ticks = itertools.count()  # the session reads its clock twice a frame
    app.session.clock = lambda: next(ticks) / (2 * LIVE_FPS)
    for _ in range(warmup):
        app.handle_frame(data_url, live=True)
    _, image = read_frame(data_url)
    finder = get_finder("live")
    faces = np.stack([c.face for c in finder.crop(image)])
    tta = "flip" if app.flip.value else None
    return {
        "frame_ms": _p50_ms(lambda: app.handle_frame(data_url, live=True), runs),
        "decode_ms": _p50_ms(lambda: read_frame(data_url), runs),
        "finder_ms": _p50_ms(lambda: finder.crop(image), runs),
        "network_ms": _p50_ms(lambda: app.predictor.predict_faces(faces, tta=tta),
                              runs),
        "draw_ms": _p50_ms(app._show, runs),
        "encode_ms": _p50_ms(lambda: [json.dumps({"value": getattr(app, n).value})
                                      for n in _SENT], runs),
        "faces": len(faces), "history_points": len(app.session.history(
            app.session.frame.keys[0])[0]), "runs": runs,
    }
