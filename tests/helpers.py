"""Small shared helpers for the model and training tests."""

from pathlib import Path

import numpy as np

from emo_utils.model import ModelConfig
from emo_utils.paths import SHARED_DATA

SHARED = SHARED_DATA

TINY = ModelConfig(
    name="tiny",
    layers=(
        {
            "type": "conv",
            "filters": 8,
            "kernel": 3,
            "stride": 1,
            "bn": True,
            "activation": "relu",
        },
        {"type": "pool", "kernel": 4, "stride": 4},
        {"type": "fc", "units": 32, "activation": "relu", "dropout": 0.0, "bn": False},
    ),
    batch_size=8,
    num_epochs=2,
    lr=0.01,
    augment={"flip": True, "crop_pad": 2},
)


def fer_faces(n: int, seed: int = 0):
    """``n`` real FER2013 faces from the shared first rows, else random faces."""
    path = SHARED / "fer2013-first-rows.csv"
    if path.exists():
        from emo_utils.data import read_fer_csv

        ds = read_fer_csv(path)
        return ds.images[:n].copy(), ds.labels[:n].copy()
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 256, (n, 48, 48), dtype=np.uint8),
        rng.integers(0, 7, n).astype(np.int64),
    )


# ------------------------------------------------- damaged files and CLI subprocesses

REPO = Path(__file__).resolve().parents[1]
# TensorFlow >= 2.19 prints these on import whatever TF_CPP_MIN_LOG_LEVEL says
# (tensorflow/tensorflow#100442); they are not ours, so CLI tests look past them.
_TF_BANNER = (
    "WARNING: All log messages before absl::InitializeLog()",
    "oneDNN custom operations are on",
)


def write_cut_gzip(folder: Path, name: str = "fer2013.csv.gz") -> Path:
    """A real fer2013.csv.gz (140 faces, ~400 KB) cut to half its bytes on disk."""
    from .conftest import make_fer_csv

    whole = make_fer_csv(folder, per_class=20, name=name).read_bytes()
    path = folder / name
    path.write_bytes(whole[: len(whole) // 2])
    return path


def run_cli(*args: str, env: dict[str, str] | None = None):
    """``python -m emo_utils *args`` in a real subprocess: (returncode, stdout, stderr
    lines without TensorFlow's import banner)."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "emo_utils", *map(str, args)],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [
        line
        for line in done.stderr.splitlines()
        if line.strip() and not any(banner in line for banner in _TF_BANNER)
    ]
    return done.returncode, done.stdout, lines
