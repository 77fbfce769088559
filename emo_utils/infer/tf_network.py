"""The TFLearn graph as a network engine (``engine="tf"``): for checks and for
training-time code. Imports TensorFlow; nothing on the prediction path does."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from ..model.recipes import ModelConfig
from .checkpoint import MissingEngine, check_weights_fit


def _import_tensorflow():
    try:
        import tensorflow as tf

        from .. import _compat  # noqa: F401  (patches numpy, PIL and TF first)
        from ..model import build_network, model_variables
    except ImportError as err:
        raise MissingEngine(
            f"engine='tf' needs TensorFlow and TFLearn, which are not installed "
            f"({err}). Install them with `pip install -e '.[train]'` (or `make "
            "setup`), or predict with the default engine='onnx'."
        ) from err
    return tf, build_network, model_variables


def variable_shapes(variables) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of TensorFlow variables (what ``check_weights_fit`` takes)."""
    return {v.name: tuple(v.shape.as_list()) for v in variables}


class TFNetwork:
    """``config``'s inference graph in its own ``tf.Graph`` with ``weights`` loaded.

    ``logits(x)``: equalised float32 faces (N,48,48,1) in 0-255 to logits (N,7).
    Thread-safe (a lock guards the session)."""

    name = "tf"

    def __init__(self, config: ModelConfig, weights: Mapping[str, np.ndarray],
                 source: str = ""):
        tf, build_network, model_variables = _import_tensorflow()
        tf1 = tf.compat.v1
        self._lock = threading.Lock()
        self._graph = tf.Graph()
        with self._graph.as_default():
            probs = build_network(config, training=False)
            self._logits = probs.op.inputs[0]  # softmax's input
            self._input = self._graph.get_tensor_by_name("input/X:0")
            variables = model_variables(self._graph)
            check_weights_fit(variable_shapes(variables), weights, config, source)
            self._session = tf1.Session(graph=self._graph)
            self._session.run(tf1.global_variables_initializer())
            for v in variables:
                v.load(weights[v.name], self._session)
        self._graph.finalize()

    def logits(self, x: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._session.run(self._logits, {self._input: x})

    def close(self) -> None:
        self._session.close()
