"""ONNX Runtime against TensorFlow on the shipped model: every PublicTest face, as the
predictor sees it (the face and its mirror image, softmax of logits / T averaged).

Why: prediction moves to a graph built without TensorFlow (emo_utils.infer.onnx_graph);
this checks that it gives the same labels, accuracy and calibration as the TFLearn
graph the model was trained in. Writes benchmarks/results/parity.json.

    python benchmarks/parity_onnx.py [--data /work/shared/data] [--batch 512]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import write_results

from emo_utils.data import load_fer2013
from emo_utils.evaluation.metrics import summarize_predictions
from emo_utils.infer import Checkpoint, load_network
from emo_utils.infer.checkpoint import GRAPH_VERSION
from emo_utils.infer.probs import calibrated_probs
from emo_utils.paths import SHARED_DATA
from emo_utils.preprocess import to_model_input

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "parity.json"
CHECKPOINT = ROOT / "checkpoints" / "alexnet48"


def view_logits(logits_fn, x: np.ndarray, batch: int) -> tuple[np.ndarray, float]:
    """Logits (2,N,7) of the faces and their mirror images; seconds it took."""
    start = time.perf_counter()
    views = [np.concatenate([logits_fn(v[i:i + batch])
                             for i in range(0, len(v), batch)])
             for v in (x, np.ascontiguousarray(x[:, :, ::-1]))]
    return np.stack(views), time.perf_counter() - start


def _scores(scores) -> dict:
    return {"accuracy": round(scores.accuracy, 5), "ece": round(scores.ece, 5)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED_DATA))
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args(argv)
    images, labels = load_fer2013(args.data, progress=False).split("PublicTest")
    x = to_model_input(images)
    checkpoint = Checkpoint.load(CHECKPOINT)
    t = checkpoint.temperature
    # the two engines behind the predictor's seam (ONNX: the cached, stamped graph)
    tf_logits, tf_s = view_logits(load_network(checkpoint, "tf").logits, x, args.batch)
    onnx_logits, onnx_s = view_logits(load_network(checkpoint, "onnx").logits, x,
                                      args.batch)
    tf_probs, onnx_probs = (calibrated_probs(v, t) for v in (tf_logits, onnx_logits))
    tf_pred, onnx_pred = tf_probs.argmax(1), onnx_probs.argmax(1)
    tf_scores, onnx_scores = (summarize_predictions(labels, p)
                              for p in (tf_probs, onnx_probs))
    results = {
        "what": ("shipped alexnet48 on every PublicTest face through the TFLearn graph "
                 "(engine tf) and the ONNX graph (engine onnx: the cached model.onnx "
                 "on ONNX Runtime, CPU): flip TTA, softmax(logits / T) averaged, as "
                 "the predictor does"),
        "faces": int(len(labels)),
        "temperature": t,
        "graph_version": GRAPH_VERSION,
        "same_label_share": float(np.mean(tf_pred == onnx_pred)),
        "labels_differing": int(np.sum(tf_pred != onnx_pred)),
        "max_logit_diff": float(np.abs(tf_logits - onnx_logits).max()),
        "max_prob_diff": float(np.abs(tf_probs - onnx_probs).max()),
        "accuracy_diff": onnx_scores.accuracy - tf_scores.accuracy,
        "ece_diff": onnx_scores.ece - tf_scores.ece,
        "tf": {**_scores(tf_scores), "seconds": round(tf_s, 2)},
        "onnx": {**_scores(onnx_scores), "seconds": round(onnx_s, 2)},
    }
    write_results(RESULTS, results, note=(
        "shared machine (2 cores, other engineers' jobs running): the seconds are "
        "indicative only; the parity numbers do not depend on load"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
