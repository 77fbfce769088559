"""What every benchmark records beside its numbers: the machine, how busy it was, and
where the results go (one JSON file each in benchmarks/results/)."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import cv2


def machine() -> dict:
    """The machine the numbers were measured on, and its load at the end."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "opencv": cv2.__version__, "nice": os.nice(0),
            "load_1min": round(os.getloadavg()[0], 1)}


def load_note() -> str | None:
    """Say so when other processes kept the CPUs busy during the benchmark."""
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load >= cpus:
        return (f"other processes kept the CPUs busy during this benchmark (load "
                f"average {load:.1f} on {cpus} cores): these times are up to ~2-4x "
                "what an idle machine gives")
    return None


def write_results(path: Path, results: dict, note: str | None = None) -> None:
    """Add the machine, the date and any load note; write and print the JSON."""
    results = {**results, "machine": machine(),
               "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    note = note or load_note()
    if note:
        results["note"] = note
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
