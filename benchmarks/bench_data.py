"""Data-loading benchmark: first load, cached load, peak RAM -> results/data.json.

Why: loading FER2013 sits in front of every notebook; these are the budgets it must
keep (first load <= 15 s, cached <= 1 s, peak <= 1.5 GB). Each measurement runs in a
fresh interpreter so timings include no warm state and ``ru_maxrss`` is its own.

    python benchmarks/bench_data.py [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "data.json"
TARGETS = {"first_load_s": 15.0, "cached_load_s": 1.0, "peak_rss_mb": 1536.0}

# Runs in the child: import first (not timed), then time one load.
CHILD = """
import json, resource, sys, time
import emo_utils.data as data
from emo_utils.data import load_demo_sample
path = sys.argv[1]
import_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if path == "demo":
    dataset = load_demo_sample()
else:
    dataset = data.load_fer2013(path, progress=False)
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, "import_mb": import_mb,
                  "faces": len(dataset), "source": dataset.source}))
"""


def _measure(path: str, cache_dir: str) -> dict:
    env = {
        **os.environ,
        "EMO_CACHE_DIR": cache_dir,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, path],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _default_data() -> str:
    sys.path.insert(0, str(ROOT))
    from emo_utils.data import DataError, find_data

    try:
        return str(find_data())
    except DataError:
        return "demo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="default: what load_fer2013 finds")
    args = parser.parse_args(argv)
    path = args.data or _default_data()
    with tempfile.TemporaryDirectory(prefix="emo-bench-") as cache_dir:
        first = _measure(path, cache_dir)  # parses the source, writes the cache
        cached = _measure(path, cache_dir)
    measured = {
        "first_load_s": round(first["seconds"], 2),
        "cached_load_s": round(cached["seconds"], 3),
        "peak_rss_mb": round(max(first["peak_rss_mb"], cached["peak_rss_mb"]), 1),
    }
    extra = {
        "rss_after_import_mb": round(first["import_mb"], 1),  # emo_utils imports TF
        "first_load_added_mb": round(first["peak_rss_mb"] - first["import_mb"], 1),
        "cached_load_added_mb": round(cached["peak_rss_mb"] - cached["import_mb"], 1),
    }
    result = {
        "benchmark": "data loading (emo_utils.data.load_fer2013)",
        "source": first["source"],
        "faces": first["faces"],
        "measured": measured,
        "memory": extra,
        "targets": TARGETS,
        "pass": {k: measured[k] <= TARGETS[k] for k in TARGETS},
        "notes": "each load in a fresh interpreter (imports not timed); first load "
        "includes writing the cache; peak = ru_maxrss of that process, imports "
        "included; the machine may be busy (see load_avg)",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if all(result["pass"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
