"""Video benchmark: speed of ``python -m emo_utils video`` on a 640x480 25 fps clip with
one face, and the flicker of the labels with and without smoothing.

Why: the issue's bar is >= 10 rows a second of video at >= 1.5x real time on 2 cores,
start-up included; the command is timed as a user runs it (a new process: Python,
TensorFlow and the model load included) on the shipped 10 s sample clip and on a
60 s clip of the same faces. Flicker: on held-expression clips (the sample clip, and
the same with webcam-like noise and light changes), label changes per second with
``ProbabilitySmoother``'s default tau and with tau=0 (no smoothing), and the delay from
each real change (a known segment boundary) to the label showing it.

    python benchmarks/bench_video.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import write_results  # noqa: E402

from emo_utils import timeline, video  # noqa: E402
from emo_utils.sample_clip import (  # noqa: E402
    SAMPLE_CLIP,
    SEGMENTS,
    make_sample_clip,
    segment_table,
)
from emo_utils.smoothing import TAU  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "video.json"
TARGETS = {"rows_per_video_second": 10.0, "realtime_factor_with_startup": 1.5}
NOISE = 8.0  # grey levels of sensor noise (and % of light change) in the noisy clip


def time_command(clip: Path, csv: Path) -> dict:
    """Run the command in a new process; its wall time includes every start-up."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "emo_utils", "video", str(clip), "--csv",
                    str(csv)], cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cap, info = video.open_video(clip)
    cap.release()
    rows = len(pd.read_csv(csv))
    return {"clip_s": round(info.duration_s, 2), "wall_s": round(seconds, 2),
            "cpu_s": round(cpu, 2),  # all cores; less sensitive to other load
            "rows": rows, "rows_per_video_second": round(rows / info.duration_s, 1),
            "realtime_factor_with_startup": round(info.duration_s / seconds, 2)}


def flicker(table: pd.DataFrame) -> dict:
    """Label changes per second and delays after each real change, per tau."""
    changes = [(1, start, label) for _, start, _, label in segment_table(1)[1:]]
    out = {"real_changes_per_second": round(len(changes) / 10.0, 2)}
    for name, tau in (("smoothed", TAU), ("raw", 0.0)):
        delays = timeline.follow_delays(table, changes, tau)
        out[name] = {"tau_s": tau,
                     "label_changes_per_second":
                         round(timeline.label_changes_per_second(table, tau), 2),
                     "delay_s_mean": round(float(np.nanmean(delays)), 3),
                     "delay_s_max": round(float(np.nanmax(delays)), 3)}
    return out



def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        speed = {"sample_clip_10s": time_command(SAMPLE_CLIP, tmp / "a.csv")}
        long_clip = make_sample_clip(tmp / "long.mp4", segments=SEGMENTS * 6)
        speed["clip_60s"] = time_command(long_clip, tmp / "b.csv")
        noisy = make_sample_clip(tmp / "noisy.mp4", noise=NOISE)
        from emo_utils.predict import EmotionPredictor

        predictor = EmotionPredictor.from_checkpoint()
        tables = {"sample_clip": video.analyse_video(SAMPLE_CLIP, predictor,
                                                     progress=False),
                  "noisy_clip": video.analyse_video(noisy, predictor, progress=False)}
    results = {
        "what": "python -m emo_utils video on a 640x480 25 fps mp4v clip with one "
                "face (a new process: start-up, TensorFlow and model load included)",
        "speed": speed,
        "flicker": {name: flicker(table) for name, table in tables.items()},
        "flicker_what": "label changes per second of a face (the clips hold 3 real "
                        "changes in 10 s) and seconds from a real change to the label "
                        f"showing it; noisy_clip adds sensor noise of {NOISE:g} grey "
                        f"levels and a {NOISE:g}% light change to each frame",
        "analysed_fps": video.ANALYSE_FPS,
        "targets": TARGETS,
        "meets_targets": {name: bool(
            run["rows_per_video_second"] >= TARGETS["rows_per_video_second"]
            and run["realtime_factor_with_startup"]
            >= TARGETS["realtime_factor_with_startup"]) for name, run in speed.items()},
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
