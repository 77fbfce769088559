"""Photo batch benchmark: `python -m emo_utils predict FOLDER` speed, in photos per
second, on a folder of webcam-sized (640x480) JPEGs with one sample face each.

Why: labelling a folder of photos is the predictor's front door from the shell; this
says how long a folder takes. Timed twice: the batch alone (predictor loaded) and
with start-up (TensorFlow import and model load, as the command pays it).

    python benchmarks/bench_photos.py [--photos 40]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from _common import write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "photos.json"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    args = parser.parse_args(argv)
    from emo_utils.photos import predict_photos
    from emo_utils.predict import EmotionPredictor

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_folder(folder, args.photos)
        predictor = EmotionPredictor.from_checkpoint()
        predict_photos([folder / "photo_000.jpg"], predictor=predictor, progress=False)
        start = time.perf_counter()
        result = predict_photos([folder], predictor=predictor, progress=False)
        batch = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "emo_utils", "predict", str(folder),
                        "--csv", str(folder / "out.csv")], check=True,
                       capture_output=True)
        command = time.perf_counter() - start
    found = int(result.table["face"].notna().sum())
    results = {
        "what": "photos per second: predict_photos on a folder of 640x480 JPEGs with "
                "one face each (finder preset 'upload', flip TTA)",
        "photos": args.photos,
        "faces_found": found,
        "photos_per_s": round(args.photos / batch, 2),
        "ms_per_photo": round(1000 * batch / args.photos, 1),
        "command_s_with_startup": round(command, 1),
        "command_photos_per_s_with_startup": round(args.photos / command, 2),
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
