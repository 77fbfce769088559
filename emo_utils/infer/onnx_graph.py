"""A ModelConfig and its weights as an ONNX graph, built without TensorFlow.

The graph computes what ``emo_utils.model.build_network(config, training=False)``
computes: faces (N,48,48,1) float32 in 0-255 (NHWC, equalised) to logits (N,7), with
mean/std and the centre crop inside. Layers run in NCHW (what ONNX Runtime's CPU
kernels want); the feature map goes back to NHWC before the flatten so TFLearn's FC
weights fit unchanged. Export time only: loading a model needs ``onnxruntime``, not
this module or ``onnx``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..labels import FACE_SIZE, NUM_CLASSES
from ..model.recipes import ModelConfig
from .checkpoint import GRAPH_VERSION  # bump it whenever the graph written here changes

OPSET = 17  # onnxruntime 1.32 runs 7-23; 17 also loads in OpenCV's dnn module
BN_EPSILON = 1e-5  # tflearn.batch_normalization's default
# tflearn.local_response_normalization's defaults (passed on to tf.nn.lrn)
LRN_DEPTH_RADIUS, LRN_BIAS, LRN_ALPHA, LRN_BETA = 5, 1.0, 1e-4, 0.75
LEAKY_RELU_ALPHA = 0.1  # tflearn.activations.leaky_relu's default
KNOWN_LAYERS = ("conv", "pool", "lrn", "fc")
# TFLearn activation names (looked up as given, then lower-cased, as TFLearn does)
# to ONNX (op, attributes); "linear" adds no node, "gelu" is written out.
_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("Relu", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "softplus": ("Softplus", {}),
    "softsign": ("Softsign", {}),
    "elu": ("Elu", {"alpha": 1.0}),
    "selu": ("Selu", {}),  # ONNX's default alpha and gamma are tf.nn.selu's
    "leaky_relu": ("LeakyRelu", {"alpha": LEAKY_RELU_ALPHA}),
    "leakyrelu": ("LeakyRelu", {"alpha": LEAKY_RELU_ALPHA}),
    "hard_sigmoid": ("HardSigmoid", {"alpha": 0.2, "beta": 0.5}),
    "softmax": ("Softmax", {"axis": 1}),  # channels: axis 1 in NCHW and in (N,C)
}
KNOWN_ACTIVATIONS = ("linear", "gelu", "relu6", *_ACTIVATIONS)


class UnsupportedLayerError(ValueError):
    """A config holds a layer (or activation) the ONNX export cannot write."""


def _unsupported(index: int, layer: Mapping[str, Any],
                 what: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(
        f"layers[{index}] ({layer.get('type')!r}): {what}. The ONNX export knows the "
        f"layer types {list(KNOWN_LAYERS)} and the activations "
        f"{sorted(KNOWN_ACTIVATIONS)}. Run this model with engine='tf', or add the "
        "layer to emo_utils/infer/onnx_graph.py (with a parity test in "
        "tests/test_onnx_graph.py)."
    )


# ----------------------------------------------------------------- shapes, no graph


@dataclass(frozen=True)
class _Step:
    """One layer of ``config.layers`` with what it sees: its TF scope name and input
    shape (height, width, channels), or (units,) once flattened."""

    index: int
    layer: Mapping[str, Any]
    name: str  # conv1, pool2, fc1: the scope its variables carry
    shape_in: tuple[int, ...]
    shape_out: tuple[int, ...]


def _same_out(size: int, stride: int) -> int:
    return math.ceil(size / stride)  # TF's 'same' padding


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF's 'same' padding of one axis: (before, after), the odd pixel after."""
    total = max((_same_out(size, stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _activation_name(index: int, layer: Mapping[str, Any]) -> str:
    name = layer["activation"]
    if name not in KNOWN_ACTIVATIONS and str(name).lower() in KNOWN_ACTIVATIONS:
        name = name.lower()
    if name not in KNOWN_ACTIVATIONS:
        raise _unsupported(index, layer, f"the export cannot write activation {name!r}")
    return name


def _steps(config: ModelConfig) -> Iterator[_Step]:
    """``config.layers`` in order with their shapes, checked for what ONNX can write."""
    side = config.crop if config.crop and config.crop < FACE_SIZE else FACE_SIZE
    shape: tuple[int, ...] = (side, side, 1)
    counts: dict[str, int] = {}
    for index, layer in enumerate(config.layers):
        kind = layer.get("type")
        if kind not in KNOWN_LAYERS:
            raise _unsupported(index, layer, f"unknown layer type {kind!r}")
        if kind in ("conv", "fc"):
            _activation_name(index, layer)
        if kind != "fc" and len(shape) == 1:
            raise _unsupported(index, layer, "a feature-map layer after an fc layer")
        counts[kind] = counts.get(kind, 0) + 1
        out = _shape_out(kind, layer, shape)
        yield _Step(index, layer, f"{kind}{counts[kind]}", shape, out)
        shape = out


def _shape_out(kind: str, layer: Mapping[str, Any], shape: tuple[int, ...]):
    if kind == "conv":
        stride = layer.get("stride", 1)
        return (*(_same_out(s, stride) for s in shape[:2]), layer["filters"])
    if kind == "pool":
        return (*(_same_out(s, layer["stride"]) for s in shape[:2]), shape[2])
    if kind == "fc":
        return (layer["units"],)
    return shape  # lrn


def _flat_size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape))


def expected_weight_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """``{variable name: shape}`` of the TFLearn graph of ``config`` (what its
    weights.npz holds), from the config alone: checks weights without TensorFlow."""
    shapes: dict[str, tuple[int, ...]] = {}
    last: tuple[int, ...] = ()
    for step in _steps(config):
        layer, name = step.layer, step.name
        if step.layer["type"] == "conv":
            k = layer["kernel"]
            shapes[f"{name}/W:0"] = (k, k, step.shape_in[2], layer["filters"])
        elif step.layer["type"] == "fc":
            shapes[f"{name}/W:0"] = (_flat_size(step.shape_in), layer["units"])
        if step.layer["type"] in ("conv", "fc"):
            shapes.update(_bias_or_bn_shapes(name, layer, step.shape_out[-1]))
        last = step.shape_out
    shapes["logits/W:0"] = (_flat_size(last), NUM_CLASSES)
    shapes["logits/b:0"] = (NUM_CLASSES,)
    return shapes


def _bias_or_bn_shapes(name: str, layer: Mapping[str, Any], width: int):
    if not layer.get("bn"):
        return {f"{name}/b:0": (width,)}
    return {f"{name}_bn/{v}:0": (width,) for v in _BN_VARIABLES}


_BN_VARIABLES = ("beta", "gamma", "moving_mean", "moving_variance")


# ------------------------------------------------------------------------ the graph


class _Graph:
    """Nodes and initialisers as they are added, each name unique."""

    def __init__(self, weights: Mapping[str, np.ndarray]):
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, value, name: str = "const") -> str:
        self._count += 1
        name = f"{name}_{self._count}"
        array = np.asarray(value)
        array = array.astype(np.int64 if array.dtype.kind in "iu" else np.float32)
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, name: str, transform=None) -> str:
        value = np.asarray(self.weights[name], dtype=np.float32)
        value = transform(value) if transform else value
        return self.const(value, name.removesuffix(":0"))

    def op(self, op_type: str, inputs: list[str], output: str | None = None,
           **attrs) -> str:
        self._count += 1
        output = output or f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(
            op_type, inputs, [output], name=f"{op_type}_{self._count}", **attrs))
        return output


def _activate(g: _Graph, x: str, step: _Step) -> str:
    name = _activation_name(step.index, step.layer)
    if name == "linear":
        return x
    if name == "relu6":
        return g.op("Clip", [x, g.const(np.float32(0)), g.const(np.float32(6))])
    if name == "gelu":  # TFLearn's tanh approximation, term by term
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Add", [x, g.op("Mul", [cube, g.const(np.float32(0.044715))])])
        scaled = g.op("Mul", [inner, g.const(np.float32(math.sqrt(2 / math.pi)))])
        one_plus = g.op("Add", [g.op("Tanh", [scaled]), g.const(np.float32(1))])
        return g.op("Mul", [g.op("Mul", [x, g.const(np.float32(0.5))]), one_plus])
    op_type, attrs = _ACTIVATIONS[name]
    return g.op(op_type, [x], **attrs)


def _pads(step: _Step, kernel: int, stride: int) -> list[int]:
    """ONNX pads [top, left, bottom, right] for TF's 'same' (the extra pixel at the
    end, as SAME_UPPER), explicit so no runtime has to work them out."""
    (top, bottom), (left, right) = (
        _same_pads(size, kernel, stride) for size in step.shape_in[:2])
    return [top, left, bottom, right]


def _conv(g: _Graph, x: str, step: _Step) -> str:
    layer, name = step.layer, step.name
    k, stride = layer["kernel"], layer.get("stride", 1)
    inputs = [x, g.weight(f"{name}/W:0", lambda w: w.transpose(3, 2, 0, 1))]
    if not layer.get("bn"):
        inputs.append(g.weight(f"{name}/b:0"))
    x = g.op("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride],
             pads=_pads(step, k, stride))
    if layer.get("bn"):
        bn = [g.weight(f"{name}_bn/{v}:0") for v in ("gamma", "beta", "moving_mean",
                                                      "moving_variance")]
        x = g.op("BatchNormalization", [x, *bn], epsilon=BN_EPSILON)
    return _activate(g, x, step)


def _pool(g: _Graph, x: str, step: _Step) -> str:
    k, stride = step.layer["kernel"], step.layer["stride"]
    return g.op("MaxPool", [x], kernel_shape=[k, k], strides=[stride, stride],
                pads=_pads(step, k, stride))


def _lrn(g: _Graph, x: str, step: _Step) -> str:
    # tf.nn.lrn sums squares over 2r+1 channels and scales by alpha; ONNX's LRN
    # divides alpha by its window size, so it gets alpha * size.
    size = 2 * LRN_DEPTH_RADIUS + 1
    return g.op("LRN", [x], size=size, alpha=LRN_ALPHA * size, beta=LRN_BETA,
                bias=LRN_BIAS)


def _flatten(g: _Graph, x: str) -> str:
    """NCHW back to NHWC, then (N, H*W*C): the order TFLearn's FC weights expect."""
    return g.op("Flatten", [g.op("Transpose", [x], perm=[0, 2, 3, 1])], axis=1)


def _fc(g: _Graph, x: str, step: _Step) -> str:
    name = step.name
    if len(step.shape_in) == 3:
        x = _flatten(g, x)
    x = g.op("MatMul", [x, g.weight(f"{name}/W:0")])
    if step.layer.get("bn"):  # tf.nn.batch_normalization's own x * inv + shift
        x = _folded_batch_norm(g, x, name)
    else:
        x = g.op("Add", [x, g.weight(f"{name}/b:0")])
    return _activate(g, x, step)  # dropout is the identity outside training


def _folded_batch_norm(g: _Graph, x: str, name: str) -> str:
    w = {v: np.asarray(g.weights[f"{name}_bn/{v}:0"], np.float32)
         for v in _BN_VARIABLES}
    inv = (1.0 / np.sqrt(w["moving_variance"] + np.float32(BN_EPSILON))) * w["gamma"]
    shift = w["beta"] - w["moving_mean"] * inv
    x = g.op("Mul", [x, g.const(inv.astype(np.float32), f"{name}_bn/scale")])
    return g.op("Add", [x, g.const(shift.astype(np.float32), f"{name}_bn/shift")])


_BUILDERS = {"conv": _conv, "pool": _pool, "lrn": _lrn, "fc": _fc}


def _input_stage(g: _Graph, config: ModelConfig) -> str:
    """NHWC faces to NCHW, normalised, cropped to the centre window."""
    x = g.op("Transpose", ["faces"], perm=[0, 3, 1, 2])
    if config.normalize:
        x = g.op("Sub", [x, g.const(np.float32(config.mean), "mean")])
        x = g.op("Div", [x, g.const(np.float32(config.std), "std")])
    if config.crop and config.crop < FACE_SIZE:
        lo = (FACE_SIZE - config.crop) // 2
        x = g.op("Slice", [x, g.const([lo, lo], "crop_starts"),
                           g.const([lo + config.crop] * 2, "crop_ends"),
                           g.const([2, 3], "crop_axes")])
    return x


def build_onnx(
    config: ModelConfig,
    weights: Mapping[str, np.ndarray],
    *,
    temperature: float | None = None,
    metadata: Mapping[str, str] | None = None,
) -> onnx.ModelProto:
    """The ONNX model of ``config`` with ``weights`` (named as in weights.npz).

    Input ``faces`` (N,48,48,1) float32, output ``logits`` (N,7); with
    ``temperature`` also ``probs`` = softmax(logits / temperature). ``metadata`` goes
    into ``metadata_props`` (e.g. the checkpoint's fingerprint). Raises
    UnsupportedLayerError for a layer or activation it cannot write.
    """
    steps = list(_steps(config))  # checks every layer before any weight is read
    g = _Graph(weights)
    x = _input_stage(g, config)
    for step in steps:
        x = _BUILDERS[step.layer["type"]](g, x, step)
    if not steps or len(steps[-1].shape_out) == 3:
        x = _flatten(g, x)
    x = g.op("MatMul", [x, g.weight("logits/W:0")])
    g.op("Add", [x, g.weight("logits/b:0")], output="logits")
    outputs = [_tensor("logits", ["N", NUM_CLASSES])]
    if temperature is not None:
        t = g.const(np.float32(temperature), "temperature")
        scaled = g.op("Div", ["logits", t])
        g.op("Softmax", [scaled], output="probs", axis=-1)
        outputs.append(_tensor("probs", ["N", NUM_CLASSES]))
    graph = helper.make_graph(
        g.nodes, f"emo_utils_{config.name}",
        [_tensor("faces", ["N", FACE_SIZE, FACE_SIZE, 1])], outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="emo_utils.infer.onnx_graph",
                              producer_version=str(GRAPH_VERSION))
    model.ir_version = 8  # what opset 17 came with; older runtimes read it too
    helper.set_model_props(model, dict(metadata or {}))
    onnx.checker.check_model(model, full_check=True)
    return model


def _tensor(name: str, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
