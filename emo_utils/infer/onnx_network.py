"""ONNX Runtime as the network engine (the default): a session over the graph that
``onnx_graph`` builds from a checkpoint, with no TensorFlow anywhere.

A run folder caches the graph as ``model.onnx``, stamped with the fingerprint of the
config and weights it was built from (``checkpoint.fingerprint``). A file whose stamp
does not match is stale: it is rebuilt (needs the ``onnx`` package) and never trusted.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from .._files import atomic_write_bytes
from .._onnxruntime import session_options
from .checkpoint import (
    GRAPH_VERSION,
    Checkpoint,
    CheckpointError,
    MissingEngine,
    check_weights_fit,
)

MODEL_FILE = "model.onnx"  # the cached graph in a run folder
FINGERPRINT_KEY = "emo_utils.fingerprint"
VERSION_KEY = "emo_utils.graph_version"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


def import_onnxruntime():
    try:
        import onnxruntime
    except ImportError as err:
        raise MissingEngine(
            f"onnxruntime is not installed ({err}): predictions run on it. Install "
            "it with `pip install onnxruntime` (or `make setup`), or pass "
            "engine='tf' if you have TensorFlow."
        ) from err
    return onnxruntime


def providers() -> list[str]:
    """CUDA first when onnxruntime-gpu is installed and sees a GPU, then the CPU."""
    available = import_onnxruntime().get_available_providers()
    return [CUDA, CPU] if CUDA in available else [CPU]


class OnnxNetwork:
    """An ONNX Runtime session: ``logits(x)`` takes equalised float32 faces
    (N,48,48,1) in 0-255 and returns logits (N,7). ``metadata`` is the model's
    metadata (what ``export`` stamps: emotions, layout, temperature...)."""

    name = "onnx"

    def __init__(self, model: bytes | str | os.PathLike, source: str = "",
                 threads: int | None = None):
        ort = import_onnxruntime()
        options = session_options(ort, threads)
        # No memory arena: it keeps the largest batch's buffers for good (a process
        # that ran 256 faces peaked at 462 MB, 272 MB without), while one face with
        # its mirror image costs the same 1.5 ms; a batch of 256 is 25% slower.
        options.enable_cpu_mem_arena = False
        where = source or (str(model) if not isinstance(model, bytes) else "model")
        try:
            if isinstance(model, bytes):
                self._session = ort.InferenceSession(model, options, providers())
            else:
                self._session = ort.InferenceSession(os.fspath(model), options,
                                                     providers())
        except Exception as err:  # onnxruntime raises its own, untyped errors
            raise CheckpointError(
                f"{where} is not a readable ONNX model ({str(err).splitlines()[0]}). "
                "Delete it to rebuild it from weights.npz, or write it again with "
                "`python -m emo_utils export`."
            ) from err
        self._input = self._session.get_inputs()[0].name
        self.metadata = dict(self._session.get_modelmeta().custom_metadata_map)
        self.provider = self._session.get_providers()[0]
        self._lock = threading.Lock()

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        with self._lock:
            return self._session.run(["logits"], {self._input: x})[0]

    def close(self) -> None:
        self._session = None


def build_model_bytes(checkpoint: Checkpoint, fingerprint: str,
                      temperature: float | None = None,
                      metadata: dict[str, str] | None = None) -> bytes:
    """The checkpoint's graph, serialised (imports ``onnx``: export time only)."""
    try:
        from .onnx_graph import build_onnx, expected_weight_shapes
    except ImportError as err:
        raise MissingEngine(
            f"building the ONNX graph needs the `onnx` package ({err}): install it "
            "with `pip install onnx` (or `make setup`)."
        ) from err
    check_weights_fit(expected_weight_shapes(checkpoint.config), checkpoint.weights,
                      checkpoint.config, checkpoint.source)
    stamp = {FINGERPRINT_KEY: fingerprint, VERSION_KEY: str(GRAPH_VERSION)}
    model = build_onnx(checkpoint.config, checkpoint.weights, temperature=temperature,
                       metadata={**(metadata or {}), **stamp})
    return model.SerializeToString()


def network_for(checkpoint: Checkpoint, threads: int | None = None) -> OnnxNetwork:
    """The checkpoint's network on ONNX Runtime: its cached ``model.onnx`` when the
    stamp matches, else built now and cached (when the folder is writable)."""
    fingerprint = checkpoint.fingerprint()
    path = checkpoint.run.path / MODEL_FILE
    if path.exists():
        try:
            network = OnnxNetwork(path, checkpoint.source, threads)
        except CheckpointError:
            network = None  # damaged: rebuilt below
        if network is not None and (
            network.metadata.get(FINGERPRINT_KEY) == fingerprint
            and network.metadata.get(VERSION_KEY) == str(GRAPH_VERSION)
        ):
            return network
    model = build_model_bytes(checkpoint, fingerprint)
    try:
        atomic_write_bytes(path, model)
    except OSError:
        pass  # a read-only checkpoint: the graph lives in memory only
    return OnnxNetwork(model, checkpoint.source, threads)
