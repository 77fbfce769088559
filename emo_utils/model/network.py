"""The graph builder: a ModelConfig as a TFLearn network, its variables, its layers.

One builder for every recipe: a recipe (emo_utils/configs/*.json) only lists layers
and sizes, so ``seed`` (the 2017 AlexNet) and ``alexnet48`` (batch norm) share it.
"""

from __future__ import annotations

from .. import _compat  # noqa: F401  (patches numpy, PIL and TF before tflearn loads)

# isort: split
from typing import Any

import numpy as np
import tensorflow as tf
import tflearn

from ..labels import FACE_SIZE, NUM_CLASSES
from .augment import make_augmentation
from .recipes import ModelConfig
from .schedule import ScheduledSGD

tf1 = tf.compat.v1
INPUT_SHAPE = (FACE_SIZE, FACE_SIZE, 1)  # what the graph takes: (N, *INPUT_SHAPE)


def _weight_layer_args(layer: dict[str, Any], config: ModelConfig) -> dict[str, Any]:
    """Arguments shared by conv and FC layers: L2 decay; with ``bn`` the layer is
    linear and has no bias (batch norm's beta replaces it, then the activation)."""
    return {
        "activation": "linear" if layer.get("bn") else layer["activation"],
        "regularizer": "L2" if config.weight_decay else None,
        "weight_decay": config.weight_decay,
        "bias": not layer.get("bn"),
    }


def _norm_and_activate(net, layer: dict[str, Any], name: str):
    """With ``bn`` the layer itself is linear: batch norm, then its activation."""
    if layer.get("bn"):
        net = tflearn.batch_normalization(net, name=f"{name}_bn")
        net = tflearn.activation(net, layer["activation"])
    return net


def _crop_window(net, size: int):
    """While training, a random ``size`` window of each face; otherwise the centre one.

    TFLearn's training-mode switch picks the branch, so the held-back evaluation during
    training already sees what prediction sees."""
    margin = FACE_SIZE - size
    last = float(FACE_SIZE - 1)

    def random_window():
        n = tf.shape(net)[0]
        corner = tf.cast(tf.random.uniform((n, 2), 0, margin + 1, tf.int32), tf.float32)
        # box corners on pixel centres, so the bilinear sampling copies pixels exactly
        boxes = tf.concat([corner, corner + (size - 1)], axis=1) / last
        return tf.image.crop_and_resize(net, boxes, tf.range(n), (size, size))

    def centre_window():
        lo = margin // 2
        return net[:, lo : lo + size, lo : lo + size, :]

    return tf.cond(tflearn.get_training_mode(), random_window, centre_window)


def build_network(config: ModelConfig, training: bool = True, steps_per_epoch: int = 1):
    """Build the graph for ``config`` in the current default graph.

    Returns the softmax output; with ``training`` it is wrapped in TFLearn's
    regression layer (loss + optimizer) ready for ``tflearn.DNN``.
    """
    net = _input_stage(config, training)
    mix = None
    if training and config.mixup:
        mix = _mixup_pairs(config.mixup, tf.shape(net)[0])
        net = mix(net)
    net = _hidden_layers(net, config)
    logits = tflearn.fully_connected(
        net, NUM_CLASSES, activation="linear", name="logits"
    )
    probs = tf.nn.softmax(logits, name="probs")
    if not training:
        return probs
    return _regression(config, probs, logits, mix, steps_per_epoch)


def _input_stage(config: ModelConfig, training: bool):
    """The 48x48 input (augmented while training), normalised and cropped in-graph."""
    aug = make_augmentation(config.augment) if training else None
    net = tflearn.input_data(
        shape=[None, *INPUT_SHAPE], data_augmentation=aug, name="input"
    )
    if config.normalize:
        net = (net - config.mean) / config.std
    if config.crop and config.crop < FACE_SIZE:
        net = _crop_window(net, config.crop)
    return net


def _hidden_layers(net, config: ModelConfig):
    """``config.layers`` in order, each named by its type and count (conv1, pool2,
    fc1): the names the exported weights carry."""
    counts: dict[str, int] = {}
    flat = False
    for layer in config.layers:
        kind = layer["type"]
        if kind not in _LAYERS:
            raise ValueError(f"config {config.name!r}: unknown layer type {kind!r}")
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "fc" and not flat:
            net = tflearn.flatten(net)
            flat = True
        net = _LAYERS[kind](net, layer, config, f"{kind}{counts[kind]}")
    return net


def _conv(net, layer: dict[str, Any], config: ModelConfig, name: str):
    net = tflearn.conv_2d(
        net,
        layer["filters"],
        layer["kernel"],
        strides=layer.get("stride", 1),
        name=name,
        **_weight_layer_args(layer, config),
    )
    return _norm_and_activate(net, layer, name)


def _pool(net, layer: dict[str, Any], config: ModelConfig, name: str):
    return tflearn.max_pool_2d(net, layer["kernel"], strides=layer["stride"], name=name)


def _lrn(net, layer: dict[str, Any], config: ModelConfig, name: str):
    return tflearn.local_response_normalization(net)  # TFLearn's own name, as ever


def _fc(net, layer: dict[str, Any], config: ModelConfig, name: str):
    net = tflearn.fully_connected(
        net, layer["units"], name=name, **_weight_layer_args(layer, config)
    )
    net = _norm_and_activate(net, layer, name)
    if layer.get("dropout"):
        net = tflearn.dropout(net, 1.0 - layer["dropout"])
    return net


_LAYERS = {"conv": _conv, "pool": _pool, "lrn": _lrn, "fc": _fc}


def _regression(config: ModelConfig, probs, logits, mix, steps_per_epoch: int):
    """TFLearn's training head: cross-entropy on the logits (smoothed, and on mixed
    targets under mixup) minimised by ``ScheduledSGD``."""
    opt = ScheduledSGD(config, steps_per_epoch)

    def loss_fn(y_pred, y_true):
        if mix is not None:  # the targets blended as the faces were
            y_true = mix(y_true)
        return tf1.losses.softmax_cross_entropy(
            y_true, logits, label_smoothing=config.label_smoothing
        )

    return tflearn.regression(probs, optimizer=opt, loss=loss_fn, name="target")


def _mixup_pairs(alpha: float, batch_size):
    """A function blending a batch tensor with its partner rows, ``lam * t + (1 - lam)
    * t[perm]``: one Beta(alpha, alpha) weight and one permutation of ``batch_size``
    rows per training step, shared by every tensor it is applied to (faces and
    targets). Outside training (TFLearn's predict and its held-back evaluation)
    ``lam`` is 1: nothing is mixed."""
    if not alpha > 0:
        raise ValueError(f"mixup alpha must be > 0, got {alpha!r}")
    a = tf.random.gamma([], alpha)
    b = tf.random.gamma([], alpha)
    lam = tf1.cond(tflearn.get_training_mode(),
                   lambda: tf.math.divide_no_nan(a, a + b),
                   lambda: tf.constant(1.0))
    perm = tf.random.shuffle(tf.range(batch_size))

    def mix(t):
        weight = tf.cast(lam, t.dtype)
        return weight * t + (1.0 - weight) * tf.gather(t, perm)

    return mix


def model_variables(graph: tf.Graph | None = None) -> list[tf.Variable]:
    """The variables an inference checkpoint needs: weights and batch-norm stats."""
    graph = graph or tf1.get_default_graph()
    skip = (
        "Momentum",
        "Training_step",
        "is_training",
        "Global_Step",
        "moving_avg",
        "ExponentialMovingAverage",
        "val_loss",  # TFLearn's own variables for the held-back evaluation
        "val_acc",
        "Accuracy",
        "Loss",
    )
    return [
        v
        for v in graph.get_collection(tf1.GraphKeys.GLOBAL_VARIABLES)
        if not any(s in v.name for s in skip)
    ]


def layer_table(config: ModelConfig) -> list[dict[str, Any]]:
    """Per-layer output shape and parameter count, for the notebook's model summary."""
    rows = []
    with tf.Graph().as_default():
        build_network(config, training=False)
        graph = tf1.get_default_graph()
        variables = model_variables(graph)
        seen = {}
        for v in variables:
            scope = v.name.split("/")[0]
            seen.setdefault(scope, 0)
            if "moving" not in v.name:
                seen[scope] += int(np.prod(v.shape))
        for scope, params in seen.items():
            out = graph.get_tensor_by_name(f"{scope}/{_last_op_name(graph, scope)}:0")
            rows.append(
                {
                    "layer": scope,
                    "output": tuple(out.shape.as_list()[1:]),
                    "params": params,
                }
            )
    return rows


def _last_op_name(graph: tf.Graph, scope: str) -> str:
    ops = [op.name for op in graph.get_operations() if op.name.startswith(scope + "/")]
    return ops[-1].split("/", 1)[1]
