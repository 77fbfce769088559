"""float32 vs the bfloat16 rewrite: alexnet48 training and prediction img/s, and
whether TensorFlow ran the rewrite at all on this CPU.

Writes one entry per CPU into benchmarks/results/precision.json (via `make bench`):
a run replaces the entry of its own CPU model and bfloat16 flags and keeps the
others, since the answer depends on the CPU (``--precision auto`` follows it:
emo_utils.train.precision). bf16 is forced on here whatever the CPU, so each entry also
says if the optimised graph holds any bfloat16 op. Runs one after the other in this
process, same batch, in ROUNDS rounds whose order alternates (fp32 first, then bf16
first: a machine shared with other jobs slows both alike); ~2 minutes a round on 2
cores (BENCH_PRECISION_STEPS sets the training batches per epoch,
BENCH_PRECISION_ROUNDS the rounds).
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
from emo_utils.model import ModelConfig, build_network, get_config, model_variables
from emo_utils.paths import SHIPPED_CHECKPOINT
from emo_utils.predict import load_weights
from emo_utils.preprocess import to_model_input
from emo_utils.train.holdout import TrainData
from emo_utils.train.precision import BF16_FLAGS, choose, cpu_flags, session_config
from emo_utils.train.trainer import fit, versions

STEPS = int(os.environ.get("BENCH_PRECISION_STEPS", "12"))
PREDICT_BATCH, PREDICT_FACES = 256, 2048
OUT = Path(__file__).with_name("results") / "precision.json"
WHAT = ("alexnet48 fp32 vs bf16 rewrite forced on, one entry per CPU: training (2 "
        "epochs of STEPS batches, epoch 2 timed), prediction of the shipped checkpoint")
PRECISIONS = ("fp32", "bf16")
ROUNDS = int(os.environ.get("BENCH_PRECISION_ROUNDS", "2"))


def training_speed(used: str) -> dict:
    """alexnet48's img/s over epoch 2 of 2 (graph built, caches warm)."""
    config = dataclasses.replace(get_config("alexnet48"), init_from="")
    rng = np.random.default_rng(0)
    n = STEPS * config.batch_size
    images = rng.integers(0, 256, (n, 48, 48), dtype=np.uint8)  # speed, not accuracy
    labels = rng.integers(0, 7, n).astype(np.int64)
    data = TrainData(images, labels, images[:256], labels[:256])
    with tempfile.TemporaryDirectory() as run_dir:
        metrics = fit(config, data, run_dir, num_epochs=2, progress=False,
                      max_steps_per_epoch=STEPS, precision=used)
    second = metrics["history"][-1]
    return {"img_per_s": second["img_per_s"], "batch_size": config.batch_size,
            "seconds": second["seconds"]}


def prediction(used: str, faces: np.ndarray) -> dict:
    """The shipped checkpoint's img/s in batches of PREDICT_BATCH, its outputs, and
    how many ops of the graph TensorFlow actually ran in bfloat16."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    config = ModelConfig.load(SHIPPED_CHECKPOINT / "config.json")
    weights = load_weights(SHIPPED_CHECKPOINT / "weights.npz")
    graph = tf.Graph()
    with graph.as_default():
        probs = build_network(config, training=False)
        x = graph.get_tensor_by_name("input/X:0")
        session = tf1.Session(graph=graph, config=session_config(used))
        session.run(tf1.global_variables_initializer())
        for v in model_variables(graph):
            v.load(weights[v.name], session)
    batches = [faces[i:i + PREDICT_BATCH] for i in range(0, len(faces), PREDICT_BATCH)]
    metadata = tf1.RunMetadata()
    session.run(probs, {x: batches[0]}, run_metadata=metadata,
                options=tf1.RunOptions(output_partition_graphs=True))
    bf16_ops = sum("DT_BFLOAT16" in str(node.attr)
                   for part in metadata.partition_graphs for node in part.node)
    start = time.perf_counter()
    out = np.concatenate([session.run(probs, {x: b}) for b in batches])
    seconds = time.perf_counter() - start
    session.close()
    return {"img_per_s": round(len(faces) / seconds, 1), "bfloat16_ops": bf16_ops,
            "probs": out}


def main() -> int:
    rng = np.random.default_rng(1)
    faces = to_model_input(rng.integers(0, 256, (PREDICT_FACES, 48, 48), np.uint8))
    runs = {used: {"training": [], "prediction": []} for used in PRECISIONS}
    predict = {}
    for round_ in range(ROUNDS):
        for used in PRECISIONS[:: 1 if round_ % 2 == 0 else -1]:
            trained = training_speed(used)
            predict[used] = prediction(used, faces)
            runs[used]["training"].append(trained["img_per_s"])
            batch_size = trained["batch_size"]
            runs[used]["prediction"].append(predict[used]["img_per_s"])
            print(f"{used}: training {trained['img_per_s']:.0f} img/s, prediction "
                  f"{predict[used]['img_per_s']:.0f} img/s, "
                  f"{predict[used]['bfloat16_ops']} bfloat16 ops", flush=True)
    diff = float(np.abs(predict["bf16"].pop("probs") - predict["fp32"].pop("probs"))
                 .max())
    train = {used: {"img_per_s": _mean(r["training"]), "runs": r["training"],
                    "batch_size": batch_size} for used, r in runs.items()}
    for used, r in runs.items():
        predict[used] = {**predict[used], "img_per_s": _mean(r["prediction"]),
                         "runs": r["prediction"]}
    flags = cpu_flags()
    ran = predict["bf16"]["bfloat16_ops"] > 0
    entry = {
        "cpu": _cpu_model(),
        "cpu_bf16_flags": sorted(set(BF16_FLAGS) & flags),
        "auto_chooses": choose("auto").used,
        "steps": STEPS,
        "rounds": ROUNDS,
        "cpu_count": os.cpu_count(),
        "load_avg_1m": os.getloadavg()[0],
        "machine": platform.machine(),
        "versions": versions(),
        "training": train,
        "training_ratio": round(train["bf16"]["img_per_s"]
                                / train["fp32"]["img_per_s"], 2),
        "prediction": {**predict, "batch": PREDICT_BATCH, "faces": PREDICT_FACES,
                       "max_abs_prob_diff": diff},
        "rewrite_ran": ran,
        "note": "bfloat16 ops in the optimised prediction graph: 0 means TensorFlow "
                "skipped the rewrite on this CPU (both runs are float32)" if not ran
                else "the optimised graph holds bfloat16 ops: the rewrite ran",
    }
    OUT.parent.mkdir(exist_ok=True)
    results = {"what": WHAT, "cpus": _merge(_read_cpus(OUT), entry)}
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")
    return 0


def _mean(values: list[float]) -> float:
    return round(float(np.mean(values)), 1)


def _read_cpus(path: Path) -> list[dict]:
    """The entries already written (a single-entry file of before is one entry)."""
    if not path.exists():
        return []
    old = json.loads(path.read_text())
    if "cpus" in old:
        return old["cpus"]
    old.pop("what", None)
    return [old]


def _merge(cpus: list[dict], entry: dict) -> list[dict]:
    """``cpus`` with ``entry`` in place of the one of the same CPU and flags."""
    same = [c for c in cpus if (c["cpu"], c["cpu_bf16_flags"])
            == (entry["cpu"], entry["cpu_bf16_flags"])]
    return [entry if c in same else c for c in cpus] if same else [*cpus, entry]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    sys.exit(main())
