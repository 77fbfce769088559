"""Start-up benchmark: ``python -m emo_utils predict one.jpg`` (a 640x480 photo with one
face), start to end, wall time and peak memory, with each engine.

Why: one photo from the shell is where a user feels start-up most: before the ONNX
engine it was 6.6 s and 746 MB, most of it importing TensorFlow. Target (issue 34):
<= 1.5 s and <= 300 MB on the 2-core machine. Each run is a new process; the engines
take turns so that a change in the machine's load hits both. Also records where the
ONNX command's imports go (``python -X importtime``).

    python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ENGINES, ROOT, child_env, run_measured, side_by_side, write_results
from bench_photos import make_folder

RESULTS = ROOT / "benchmarks" / "results" / "startup.json"
TARGETS = {"wall_s": ("<=", 1.5), "peak_rss_mib": ("<=", 300.0)}


def command(photo: Path, engine: str) -> list[str]:
    return [sys.executable, "-m", "emo_utils", "predict", str(photo),
            "--engine", engine]


def import_times(photo: Path, top: int = 8) -> dict[str, float]:
    """Milliseconds of the slowest top-level imports of the ONNX command."""
    argv = [sys.executable, "-X", "importtime", *command(photo, "onnx")[1:]]
    done = subprocess.run(argv, cwd=ROOT, env=child_env(), capture_output=True,
                          text=True, check=True)
    total, modules = 0, {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match[2].startswith(" "):  # top level: no indent
            total += int(match[1])
            modules[match[2]] = int(match[1]) / 1000
    slowest = sorted(modules.items(), key=lambda kv: -kv[1])[:top]
    return {"all_imports_ms": round(total / 1000), **{k: round(v) for k, v in slowest}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
    with tempfile.TemporaryDirectory() as tmp:
        make_folder(Path(tmp), 1)
        photo = Path(tmp) / "photo_000.jpg"
        for engine in ENGINES:  # warm the disk cache and the cached model.onnx
            run_measured(command(photo, engine))
        for _ in range(args.runs):
            for engine in ENGINES:
                runs[engine].append(run_measured(command(photo, engine)))
        imports = import_times(photo)
    by_engine = {engine: {
        "wall_s": round(statistics.median(r["wall_s"] for r in rs), 2),
        "wall_s_min": round(min(r["wall_s"] for r in rs), 2),
        "cpu_s": round(statistics.median(r["cpu_s"] for r in rs), 2),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in rs),
    } for engine, rs in runs.items()}
    results = {
        "what": "python -m emo_utils predict one.jpg --engine E: a new process, from "
                "start to the table printed, on a 640x480 JPEG with one face; median "
                "wall time and the largest peak RSS over the runs",
        "runs": args.runs,
        "side_by_side": side_by_side(by_engine, TARGETS),
        "engines": by_engine,
        "onnx_import_ms": imports,
    }
    write_results(RESULTS, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
