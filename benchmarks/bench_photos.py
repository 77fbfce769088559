"""Photo batch benchmark: `python -m emo_utils predict FOLDER` speed, in photos per
second, on a folder of webcam-sized (640x480) JPEGs with one sample face each.

Why: labelling a folder of photos is the predictor's front door from the shell; this
says how long a folder takes. Timed twice, with each engine in its own process: the
batch alone (predictor loaded; target >= 20 photos/s, issue 34) and the command with
start-up (imports and model load, as the command pays it).

    python benchmarks/bench_photos.py [--photos 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from _common import ENGINES, engine_runs, run_measured, side_by_side, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "photos.json"
TARGETS = {"photos_per_s": (">=", 20.0)}
ASSETS = ROOT / "emo_utils" / "assets"


def make_folder(folder: Path, n: int, seed: int = 0) -> None:
    """``n`` 640x480 JPEGs, each a sample face of 120-220 px at a random place."""
    rng = np.random.default_rng(seed)
    faces = [cv2.imread(str(ASSETS / name)) for name in
             ("sample_face_happy.png", "sample_face_neutral.png")]
    for i in range(n):
        frame = rng.normal(110, 25, (480, 640, 3)).clip(0, 255).astype(np.uint8)
        frame = cv2.GaussianBlur(frame, (0, 0), 5)
        side = int(rng.integers(120, 221))
        x, y = int(rng.integers(0, 640 - side)), int(rng.integers(0, 480 - side))
        frame[y:y + side, x:x + side] = cv2.resize(faces[i % 2], (side, side))
        cv2.imwrite(str(folder / f"photo_{i:03d}.jpg"), frame,
                    [cv2.IMWRITE_JPEG_QUALITY, 85])


def batch_speed(folder: Path, n: int, engine: str) -> dict:
    """Photos per second of ``predict_photos`` with the predictor loaded."""
    from emo_utils.infer.photos import predict_photos
    from emo_utils.infer.predictor import load_predictor

    predictor = load_predictor(engine=engine)
    predict_photos([folder / "photo_000.jpg"], predictor=predictor, progress=False)
    start = time.perf_counter()
    result = predict_photos([folder], predictor=predictor, progress=False)
    batch = time.perf_counter() - start
    return {"faces_found": int(result.table["face"].notna().sum()),
            "photos_per_s": round(n / batch, 2),
            "ms_per_photo": round(1000 * batch / n, 1),
            "find_ms_per_photo": find_times(folder)}


def find_times(folder: Path) -> dict[str, float]:
    """Median ms of finding the faces of one photo with each preset, photo by photo
    in turn: "upload" (what the command uses) also runs the Haar group passes when
    BlazeFace found the face."""
    from emo_utils.faces import get_finder
    from emo_utils.images import read_image

    grays = [read_image(path, gray=True) for path in sorted(folder.glob("*.jpg"))]
    times: dict[str, list[float]] = {"upload": [], "webcam": []}
    for gray in grays:
        for preset, found in times.items():
            start = time.perf_counter()
            get_finder(preset).find(gray)
            found.append(1000 * (time.perf_counter() - start))
    return {preset: round(float(np.median(t)), 1) for preset, t in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--engine", choices=ENGINES, help="(one engine's worker)")
    parser.add_argument("--out", type=Path, help="(the worker's JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_folder(folder, args.photos)
        if args.engine:  # a worker: one engine, this process
            args.out.write_text(json.dumps(batch_speed(folder, args.photos,
                                                       args.engine)))
            return 0
        by_engine = engine_runs(Path(__file__), ["--photos", str(args.photos)])
        for engine, run in by_engine.items():
            command = run_measured([sys.executable, "-m", "emo_utils", "predict",
                                    str(folder), "--csv", str(folder / "out.csv"),
                                    "--engine", engine])
            run["command_s_with_startup"] = round(command["wall_s"], 2)
            run["command_photos_per_s_with_startup"] = round(
                args.photos / command["wall_s"], 2)
            run["command_peak_rss_mib"] = command["peak_rss_mib"]
    results = {
        "what": "photos per second: predict_photos on a folder of 640x480 JPEGs with "
                "one face each (finder preset 'upload', flip TTA), each engine in its "
                "own process; and the predict command on the folder, start-up included",
        "photos": args.photos,
        "side_by_side": side_by_side(by_engine, TARGETS),
        "engines": by_engine,
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
