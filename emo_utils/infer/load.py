"""Which engine runs a checkpoint's network: ``load_network(checkpoint, engine)``."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..labels import ENGINE_NAMES
from .checkpoint import Checkpoint

ENGINES = tuple(ENGINE_NAMES)  # ("onnx", "tf")


class Network(Protocol):
    """What the predictor needs of an engine: logits (N,7) of equalised float32
    faces (N,48,48,1) in 0-255, and ``close()``."""

    name: str

    def logits(self, x: np.ndarray) -> np.ndarray: ...

    def close(self) -> None: ...


def load_network(checkpoint: Checkpoint, engine: str = "onnx",
                 threads: int | None = None) -> Network:
    """``checkpoint``'s network on ONNX Runtime ("onnx", the default; no TensorFlow)
    or as the TFLearn graph ("tf": imports TensorFlow)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "tf":
        from .tf_network import TFNetwork  # TensorFlow loads only here

        return TFNetwork(checkpoint.config, checkpoint.weights, checkpoint.source)
    from .onnx_network import network_for

    return network_for(checkpoint, threads)
