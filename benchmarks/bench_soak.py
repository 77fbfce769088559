"""Live soak: the app's kernel work for many minutes at 30 frames a second; its memory
must stay flat (issue 34: a 10-minute soak with flat kernel memory).

Why in-process: a live frame's kernel work is ``EmotionApp.handle_frame(url,
live=True)`` (decode, find, network, track, smooth, history, drawing); this runs it
on a webcam-like frame at the live cap and samples the process's memory every 10 s.
The browser and ipykernel's messaging are left out (the browser test covers them).

    python benchmarks/bench_soak.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import psutil  # noqa: E402  (an ipykernel dependency)
from _common import write_results  # noqa: E402

from emo_utils.webcam.app import EmotionApp  # noqa: E402
from emo_utils.webcam.frames import sample_frame  # noqa: E402
from emo_utils.webcam.widget import LIVE_FPS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "soak.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args(argv)
    ok, jpeg = cv2.imencode(".jpg", sample_frame()[..., ::-1])
    url = "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode()
    app = EmotionApp(autostart=False)
    process = psutil.Process()
    start = time.monotonic()
    samples, frames, next_sample = [], 0, start
    while time.monotonic() - start < 60 * args.minutes:
        tick = time.monotonic()
        app.handle_frame(url, live=True)
        frames += 1
        if tick >= next_sample:
            samples.append((round(tick - start, 1), process.memory_info().rss / 2**20))
            next_sample += 10.0
        time.sleep(max(0.0, 1 / LIVE_FPS - (time.monotonic() - tick)))
    seconds = time.monotonic() - start
    settled = [mb for t, mb in samples if t >= 60]  # after the first minute
    growth = round(settled[-1] - settled[0], 1) if settled else None
    write_results(RESULTS, {
        "what": "EmotionApp.handle_frame(live=True) on a 640x480 one-face frame at the "
                f"live cap ({LIVE_FPS:g} frames/s) for {args.minutes:g} min; RSS every "
                "10 s",
        "minutes": args.minutes,
        "frames": frames,
        "frames_per_s": round(frames / seconds, 1),
        "label": app.label,
        "rss_mb_first": round(samples[0][1], 1),
        "rss_mb_after_1_min": round(settled[0], 1) if settled else None,
        "rss_mb_last": round(samples[-1][1], 1),
        "rss_mb_max": round(max(mb for _, mb in samples), 1),
        "growth_mb_after_1_min": growth,
        "target": "flat: under 5 MB growth after the first minute",
        "meets_target": growth is not None and growth < 5,
        "rss_mb": [[t, round(mb, 1)] for t, mb in samples],
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
