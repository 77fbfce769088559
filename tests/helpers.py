"""Small shared helpers for the model and training tests."""

from pathlib import Path

import numpy as np

from emo_utils.model import ModelConfig

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

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
