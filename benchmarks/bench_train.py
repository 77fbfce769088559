"""Training throughput (img/s) of every config side by side, each with its own recipe.

Writes benchmarks/results/train.json (via `make bench`). Numbers depend on the machine
(this 2-core one varies ~3x between sessions), so the JSON records cores and load.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import emo_utils  # noqa: F401
from emo_utils.model import CONFIGS
from emo_utils.train.holdout import TrainData
from emo_utils.train.trainer import fit, versions

STEPS = int(os.environ.get("BENCH_TRAIN_STEPS", "40"))
OUT = Path(__file__).with_name("results") / "train.json"


def main() -> int:
    rng = np.random.default_rng(0)
    n = 2 * STEPS * 128
    images = rng.integers(0, 256, (n, 48, 48), dtype=np.uint8)  # speed, not accuracy
    labels = rng.integers(0, 7, n).astype(np.int64)
    data = TrainData(images, labels, images[:256], labels[:256])
    results = {}
    for name, config in CONFIGS.items():
        with tempfile.TemporaryDirectory() as run_dir:
            start = time.perf_counter()
            metrics = fit(
                # a fine-tune's speed without its parent's weights, which a fresh
                # clone may not have (alexnet48wf starts from alexnet48w's)
                dataclasses.replace(config, init_from=""),
                data,
                run_dir,
                num_epochs=2,
                progress=False,
                max_steps_per_epoch=STEPS,
            )
            wall = time.perf_counter() - start
        second = metrics["history"][-1]  # epoch 2: graph built, caches warm
        results[name] = {
            "img_per_s": second["img_per_s"],
            "batch_size": config.batch_size,
            "augmentation": sorted(config.augment),
            "seconds_per_fer2013_epoch": round(28709 / second["img_per_s"]),
            "wall_seconds": round(wall, 1),
        }
        print(f"{name}: {second['img_per_s']:.0f} img/s", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": "training throughput, 2 epochs of STEPS batches, epoch 2 timed",
                "steps": STEPS,
                "cpu_count": os.cpu_count(),
                "load_avg_1m": os.getloadavg()[0],
                "machine": platform.machine(),
                "versions": versions(),
                "results": results,
            },
            indent=2,
        )
    )
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
