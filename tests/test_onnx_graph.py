"""The ONNX graph builder against the TFLearn graph: variable shapes from the config
alone, logits within 1e-4 for every layer type and activation a recipe may use, and
the error for a layer it cannot write."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from emo_utils.infer.onnx_graph import (
    GRAPH_VERSION,
    UnsupportedLayerError,
    build_onnx,
    expected_weight_shapes,
)
from emo_utils.infer.probs import softmax
from emo_utils.model.recipes import CONFIGS, ModelConfig
from emo_utils.preprocess import to_model_input

from .helpers import REPO, TINY, fer_faces

TOLERANCE = 1e-4
GAIN = 0.5  # see _lively
SHIPPED = REPO / "checkpoints" / "alexnet48"


def _conv(filters, kernel=3, stride=1, bn=False, activation="relu"):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride,
            "bn": bn, "activation": activation}


def _pool(kernel, stride):
    return {"type": "pool", "kernel": kernel, "stride": stride}


def _fc(units, activation="relu", bn=False, dropout=0.0):
    return {"type": "fc", "units": units, "activation": activation, "bn": bn,
            "dropout": dropout}


LRN = {"type": "lrn"}


def _tiny(name: str, *layers, **fields) -> ModelConfig:
    fields = {"augment": {}, "lr": 0.05, **fields}
    return dataclasses.replace(TINY, name=name, layers=layers, **fields)


# Small stand-ins for each recipe family, covering every layer option and activation
# (TF 'same' padding with odd and even kernels and strides on odd and even sizes).
TINY_CONFIGS = {
    # alexnet48's shape: bn conv and fc (no bias), 2x2 pools, dropout
    "alexnet48": _tiny(
        "alexnet48-tiny", _conv(8, bn=True), _conv(8, bn=True), _pool(2, 2),
        _conv(16, bn=True), _pool(2, 2), _fc(32, bn=True, dropout=0.5),
        _fc(16, bn=True, dropout=0.5)),
    # seed's: 11x11/4 conv, 3/2 pools, LRN, bias, no normalisation. Its tanh FC
    # layers saturate on these un-normalised features (every face the same logits),
    # so ReLU here; tanh is checked after batch norm below.
    "seed": _tiny(
        "seed-tiny", _conv(8, 11, 4), _pool(3, 2), LRN, _conv(16, 5), _pool(3, 2),
        LRN, _conv(16), _conv(16), _pool(3, 2), LRN, _fc(32, dropout=0.5), _fc(32),
        normalize=False, lr=0.01),
    # alexnet40's centre window, with an even strided kernel on a 40 px map
    "crop": _tiny(
        "crop-tiny", _conv(8, 4, 2, bn=True), _pool(3, 2), _conv(8, bn=True),
        _pool(2, 2), _fc(16, bn=True), crop=40),
    # every other activation TFLearn knows by name, after batch norm so each works
    # in its curved range (a saturated one would hide a wrong formula)
    "activations-conv": _tiny(
        "activations-conv-tiny", _conv(4, bn=True, activation="sigmoid"),
        _conv(4, bn=True, activation="elu"), _conv(4, bn=True, activation="selu"),
        _pool(2, 2), _conv(4, bn=True, activation="leaky_relu"),
        _conv(4, bn=True, activation="relu6"), _conv(4, bn=True, activation="softplus"),
        _pool(2, 2), _conv(4, bn=True, activation="linear"),
        _conv(4, bn=True, activation="softmax"), _pool(3, 3),
        _fc(8, "softsign", bn=True)),
    "activations-fc": _tiny(
        "activations-fc-tiny", _conv(4, 5, 3, bn=True, activation="gelu"),
        _pool(2, 2), _fc(16, "gelu", bn=True), _fc(16, "tanh", bn=True),
        _fc(16, "hard_sigmoid", bn=True),
        _fc(16, "LeakyReLU", bn=True), _fc(8, "softmax", bn=True), crop=44),
    # no FC layer: the logits layer flattens the feature map itself
    "no-fc": _tiny("no-fc-tiny", _conv(4, 3, 2), _pool(3, 2), LRN),
}


def _faces(n: int = 64) -> np.ndarray:
    """Real equalised faces and their mirror images, float32 (2n,48,48,1)."""
    x = to_model_input(fer_faces(n)[0])
    return np.concatenate([x, x[:, :, ::-1]])


def _session(model: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(),
                                providers=["CPUExecutionProvider"])


def _onnx_logits(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    return _session(model).run(["logits"], {"faces": x})[0]


def _tf_logits(config: ModelConfig, weights, x: np.ndarray) -> np.ndarray:
    from emo_utils.infer.tf_network import TFNetwork

    network = TFNetwork(config, weights)
    try:
        return network.logits(x)
    finally:
        network.close()


def _train_tiny(config: ModelConfig) -> dict[str, np.ndarray]:
    """``config`` trained 8 steps on 32 real faces (batch norm's moving statistics
    move off their 0/1 start): its weights, named as in weights.npz."""
    import tensorflow as tf
    import tflearn

    from emo_utils.model import build_network, model_variables
    from emo_utils.train.trainer import _quiet_tflearn, one_hot

    images, labels = fer_faces(32)
    with tf.Graph().as_default() as graph:
        tf.compat.v1.set_random_seed(0)
        model = tflearn.DNN(build_network(config, steps_per_epoch=4),
                            tensorboard_verbose=0)
        with _quiet_tflearn():
            model.fit(to_model_input(images), one_hot(labels), n_epoch=10,
                      batch_size=8, show_metric=False)
        variables = model_variables(graph)
        values = model.session.run(variables)
        model.session.close()
    return _lively({v.name: value for v, value in zip(variables, values, strict=True)})


def _lively(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The FC weights of layers without batch norm scaled to a gain of ``GAIN``.

    TFLearn starts FC weights at stddev 0.02, so each such layer shrinks the signal
    ~6x; after a few steps the logits are the biases whatever the face, and a wrong
    conv or pool would go unseen. Parity holds for any weights, so scale them."""
    out = dict(weights)
    for name, value in weights.items():
        if value.ndim == 2 and name.replace("/W:0", "/b:0") in weights:
            out[name] = value / (value.std() * np.sqrt(value.shape[0])) * GAIN
    return out


# ------------------------------------------------------------------ weight shapes


SHAPE_CASES = {**CONFIGS, **TINY_CONFIGS}  # every recipe, and the parity networks


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_expected_weight_shapes_are_the_tflearn_graphs_variables(name):
    import tensorflow as tf

    from emo_utils.infer.tf_network import variable_shapes
    from emo_utils.model import build_network, model_variables

    config = SHAPE_CASES[name]
    with tf.Graph().as_default() as graph:
        build_network(config, training=False)
        built = variable_shapes(model_variables(graph))
    assert expected_weight_shapes(config) == built


def test_expected_weight_shapes_match_the_shipped_weights():
    from emo_utils.infer import Checkpoint

    checkpoint = Checkpoint.load(SHIPPED, calibrated=False)
    shapes = {name: value.shape for name, value in checkpoint.weights.items()}
    assert expected_weight_shapes(checkpoint.config) == shapes


# ---------------------------------------------------------------------- parity


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(TINY_CONFIGS))
def test_onnx_logits_match_tflearn_for_a_trained_tiny_network(family):
    config = TINY_CONFIGS[family]
    weights = _train_tiny(config)
    assert expected_weight_shapes(config) == {k: v.shape for k, v in weights.items()}
    if any(layer.get("bn") for layer in config.layers):  # statistics moved off 0/1
        means = [v for k, v in weights.items() if k.endswith("moving_mean:0")]
        assert max(float(np.abs(m).max()) for m in means) > 1e-3
    x = _faces()
    expected = _tf_logits(config, weights, x)
    got = _onnx_logits(build_onnx(config, weights), x)
    assert got.shape == (len(x), 7)
    # logits that depend on the face, so a wrong layer shows
    assert float(expected.std(axis=0).mean()) > 100 * TOLERANCE
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)


@pytest.fixture(scope="module")
def shipped():
    from emo_utils.infer import Checkpoint

    return Checkpoint.load(SHIPPED)


@pytest.mark.slow
def test_shipped_model_logits_and_probs_match_tflearn(shipped):
    x = _faces(151)  # every face of the shared first rows, and its mirror image
    model = build_onnx(shipped.config, shipped.weights,
                       temperature=shipped.temperature)
    logits, probs = _session(model).run(["logits", "probs"], {"faces": x})
    expected = _tf_logits(shipped.config, shipped.weights, x)
    np.testing.assert_allclose(logits, expected, rtol=0, atol=TOLERANCE)
    assert (logits.argmax(1) == expected.argmax(1)).all()
    assert shipped.temperature != 1.0
    np.testing.assert_allclose(probs, softmax(logits / shipped.temperature),
                               rtol=0, atol=1e-6)


def test_the_graph_takes_any_batch_size_and_carries_its_metadata(shipped):
    stamp = {"fingerprint": shipped.fingerprint(), "graph_version": "1"}
    model = build_onnx(shipped.config, shipped.weights, metadata=stamp)
    assert {p.key: p.value for p in model.metadata_props} == stamp
    assert [o.name for o in model.graph.output] == ["logits"]  # no temperature
    assert [i.name for i in model.graph.input] == ["faces"]
    assert model.producer_version == str(GRAPH_VERSION)
    session = _session(model)
    x = _faces(3)
    whole = session.run(["logits"], {"faces": x})[0]
    one = session.run(["logits"], {"faces": x[:1]})[0]
    assert whole.shape == (6, 7)
    np.testing.assert_allclose(one, whole[:1], rtol=0, atol=1e-5)
    assert not np.allclose(whole[0], whole[1])  # each face its own logits


# ------------------------------------------------------------------ what it refuses


def test_an_unknown_layer_type_is_explained():
    config = _tiny("odd", _conv(4), {"type": "avgpool", "kernel": 2}, _fc(8))
    weights = {name: np.zeros(shape, np.float32)
               for name, shape in expected_weight_shapes(TINY).items()}
    for call in (lambda: build_onnx(config, weights),
                 lambda: expected_weight_shapes(config)):
        with pytest.raises(UnsupportedLayerError) as err:
            call()
        message = str(err.value)
        assert "layers[1] ('avgpool'): unknown layer type 'avgpool'" in message
        assert "['conv', 'pool', 'lrn', 'fc']" in message
        assert "engine='tf'" in message
        assert "emo_utils/infer/onnx_graph.py" in message
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("activation", ["prelu", "crelu", "swish"])
def test_an_activation_it_cannot_write_is_explained(activation):
    config = _tiny("odd", _conv(4), _fc(8, activation))
    expected = (rf"layers\[1\] \('fc'\): the export cannot write activation "
                rf"'{activation}'.*'gelu'.*engine='tf'")
    with pytest.raises(UnsupportedLayerError, match=expected):
        expected_weight_shapes(config)


def test_building_the_graph_loads_no_tensorflow():
    code = ("import sys, emo_utils.infer.onnx_graph\n"
            "print(sorted(m for m in ('tensorflow', 'tflearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300, cwd=Path(REPO), check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
