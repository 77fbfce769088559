"""What every benchmark records beside its numbers: the machine, how busy it was, and
where the results go (one JSON file each in benchmarks/results/); and how the
engines are compared: each runs in its own process (``engine_runs``, ``run_measured``:
wall time and peak memory of that process alone), side by side with the target
(``side_by_side``)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("tf", "onnx")  # TensorFlow (TFLearn graph) and ONNX Runtime
LOAD_AT_START = os.getloadavg()  # this module loads when a benchmark starts


def machine() -> dict:
    """The machine the numbers were measured on, and its load at the start and end."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "opencv": cv2.__version__, "nice": os.nice(0),
            "load_1min_start": round(LOAD_AT_START[0], 1),
            "load_1min": round(os.getloadavg()[0], 1)}


def load_note() -> str | None:
    """Say so when other processes kept the CPUs busy during the benchmark."""
    load = max(LOAD_AT_START[0], os.getloadavg()[0])
    cpus = os.cpu_count() or 1
    if load >= cpus:
        return (f"other processes kept the CPUs busy during this benchmark (load "
                f"average up to {load:.1f} on {cpus} cores): these times are up to "
                "~2-4x what an idle machine gives")
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


def child_env() -> dict[str, str]:
    """The environment of a measured process: this checkout's emo_utils first (not
    an installed copy)."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


# Runs the command as its own child and writes that child's peak RSS (KiB) and CPU
# seconds to argv[1]. Why: a child started straight from the benchmark (vfork + exec)
# counts the benchmark's own memory at the fork in its ru_maxrss (Linux keeps it
# across exec); forked from this small process, the figure is the command's.
_TRAMPOLINE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status) & 255)
"""


def run_measured(argv: list[str], cwd: Path = ROOT) -> dict:
    """Run a command to its end: wall seconds, CPU seconds and the peak resident
    memory of that process alone (not the largest child so far, as
    ``RUSAGE_CHILDREN`` gives). Raises with the end of stderr when it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        usage = Path(tmp) / "usage"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _TRAMPOLINE, str(usage), *argv],
                              cwd=cwd, env=child_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{tail}")
        maxrss_kib, cpu = usage.read_text().split()
    return {"wall_s": round(wall, 3), "cpu_s": round(float(cpu), 2),
            "peak_rss_mib": round(int(maxrss_kib) / 1024, 1)}


def engine_runs(script: Path, args: list[str] | None = None) -> dict[str, dict]:
    """Run ``script --engine E --out FILE`` once per engine, each in a new process
    (TensorFlow's start-up and memory stay out of the ONNX figures); each engine's
    JSON, with that process's peak memory as ``process_peak_rss_mib``."""
    runs = {}
    for engine in ENGINES:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            usage = run_measured([sys.executable, str(script), "--engine", engine,
                                  "--out", str(out), *(args or [])])
            runs[engine] = {**json.loads(out.read_text()),
                            "process_peak_rss_mib": usage["peak_rss_mib"]}
    return runs


def meets(value: float, target: tuple[str, float]) -> bool:
    """``target`` is ("<=", bound) or (">=", bound)."""
    op, bound = target
    return value <= bound if op == "<=" else value >= bound


def side_by_side(by_engine: dict[str, dict], targets: dict[str, tuple[str, float]]
                 ) -> dict:
    """For each target: its bound, each engine's value and whether it meets it."""
    table = {}
    for key, target in targets.items():
        row = {"target": f"{target[0]} {target[1]:g}"}
        row.update({engine: by_engine[engine][key] for engine in by_engine})
        row["meets_target"] = {engine: meets(by_engine[engine][key], target)
                               for engine in by_engine}
        table[key] = row
    return table
