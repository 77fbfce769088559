"""Model configs build, train a step, and give valid probabilities."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tflearn

from emo_utils.model import (
    CONFIGS,
    ModelConfig,
    build_network,
    get_config,
    layer_table,
    model_variables,
)
from emo_utils.train.trainer import _quiet_tflearn, one_hot

from .helpers import TINY, fer_faces


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_config_builds_and_trains_one_step(name):
    images, labels = fer_faces(16)
    x = images.astype(np.float32)[..., None]
    for _ in range(2):  # building twice in one process must work (fresh graphs)
        with tf.Graph().as_default():
            model = tflearn.DNN(
                build_network(get_config(name), steps_per_epoch=2),
                tensorboard_verbose=0,
            )
            model.fit(x, one_hot(labels), n_epoch=1, batch_size=8, show_metric=False)
            probs = np.asarray(model.predict(x.copy()))
    assert probs.shape == (16, 7)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_forty_steps_on_sixteen_faces_lower_the_loss():
    images, labels = fer_faces(16)
    x = images.astype(np.float32)[..., None]
    y = one_hot(labels)
    # No batch norm: its moving averages lag behind, and predict() uses them.
    layers = ({**TINY.layers[0], "bn": False}, *TINY.layers[1:])
    config = dataclasses.replace(TINY, layers=layers, lr=0.02, augment={})
    with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(0)
        model = tflearn.DNN(build_network(config), tensorboard_verbose=0)

        def loss():
            p = np.asarray(model.predict(x.copy()))
            return -np.mean(np.log(p[np.arange(16), labels] + 1e-7))

        before = loss()
        with _quiet_tflearn():
            model.fit(x, y, n_epoch=40, batch_size=16, show_metric=False)
        assert loss() < 0.5 * before


def test_config_round_trips_through_json():
    config = get_config("alexnet48")
    assert ModelConfig.from_dict(__import__("json").loads(config.to_json())) == config


def test_unknown_config_and_keys_are_explained():
    with pytest.raises(ValueError, match="choose one of"):
        get_config("resnet")
    with pytest.raises(ValueError, match="unknown keys"):
        ModelConfig.from_dict({"name": "x", "layers": [], "dropout_rate": 1})


def test_alexnet48_shape_is_stacked_conv_pool_then_two_fc():
    table = layer_table(get_config("alexnet48"))
    names = [row["layer"] for row in table]
    assert [n for n in names if n.startswith("fc")] == [
        "fc1",
        "fc1_bn",
        "fc2",
        "fc2_bn",
    ]
    assert table[-1]["output"] == (7,)
    assert sum(row["params"] for row in table) < 7_500_000  # exported weights <= 30 MB


def test_alexnet48_has_the_variables_its_shipped_weights_were_saved_from():
    """The graph the JSON recipe builds is the one the Python config built: every
    variable of checkpoints/alexnet48/weights.npz (trained before the move), by name
    and shape, and no other."""
    weights = Path(__file__).resolve().parents[1] / "checkpoints/alexnet48/weights.npz"
    with np.load(weights, allow_pickle=False) as npz:
        saved = {name: npz[name].shape for name in npz.files}
    with tf.Graph().as_default() as graph:
        build_network(get_config("alexnet48"), training=False)
        built = {v.name: tuple(v.shape.as_list()) for v in model_variables(graph)}
    assert built == saved
    assert len(built) == 52


def test_tf_learning_rate_follows_the_numpy_schedule_across_a_warm_restart():
    import dataclasses

    import tensorflow as tf

    from emo_utils.model import ScheduledSGD, learning_rate

    config = dataclasses.replace(
        get_config("alexnet48"), num_epochs=10, restarts=(6,), restart_lr_scale=0.4
    )
    spe = 20
    with tf.Graph().as_default():
        step = tf.compat.v1.placeholder(tf.int64, [])
        opt = ScheduledSGD(config, steps_per_epoch=spe)
        opt.build(step)
        with tf.compat.v1.Session() as session:
            for s in (0, 10, 20, 60, 119, 120, 130, 140, 170, 199):
                got = session.run(opt.learning_rate, {step: s})
                assert got == pytest.approx(learning_rate(config, s, spe), rel=1e-5)
    # the restart lifts the rate again, to 0.4 of the first peak
    assert learning_rate(config, 119, spe) < 0.002
    assert learning_rate(config, 140, spe) == pytest.approx(0.02, rel=0.02)
    assert learning_rate(config, 20, spe) == pytest.approx(0.05, rel=0.02)


def test_mixup_blends_faces_and_targets_alike_and_only_in_training():
    from emo_utils.model.network import _mixup_pairs

    rows = np.eye(6, dtype=np.float32)  # row i says "I am face i"
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 6])
        y = tf.compat.v1.placeholder(tf.float32, [None, 6])
        mix = _mixup_pairs(0.4, tf.shape(x)[0])
        mixed_x, mixed_y = mix(x), mix(y)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            feed = {x: rows, y: rows}
            tflearn.is_training(True, session=sess)
            seen = [sess.run([mixed_x, mixed_y], feed) for _ in range(20)]
            tflearn.is_training(False, session=sess)
            plain_x, plain_y = sess.run([mixed_x, mixed_y], feed)
    for fx, fy in seen:
        np.testing.assert_allclose(fx, fy)  # the same weight and partners for both
        np.testing.assert_allclose(fx.sum(1), 1.0, atol=1e-6)  # convex blends
        own = np.diag(fx)  # each face's own share: one weight for the whole batch
        paired = own[own < 1 - 1e-6]  # rows not paired with themselves
        assert len(paired) == 0 or np.ptp(paired) < 1e-6
        assert (np.count_nonzero(fx > 1e-6, axis=1) <= 2).all()  # one partner each
    assert any(np.count_nonzero(fx > 1e-6) > 6 for fx, _ in seen)  # some mixing
    np.testing.assert_array_equal(plain_x, rows)  # predict/evaluation: untouched
    np.testing.assert_array_equal(plain_y, rows)


def test_a_negative_mixup_is_explained():
    raw = __import__("json").loads(get_config("alexnet48m").to_json())
    with pytest.raises(ValueError, match="'mixup' is -0.2; expected 0 .off. or a Beta"):
        ModelConfig.from_dict({**raw, "mixup": -0.2})


@pytest.mark.slow
def test_a_mixup_config_trains_and_predicts_deterministically():
    images, labels = fer_faces(16)
    x = images.astype(np.float32)[..., None]
    config = dataclasses.replace(TINY, mixup=0.3)
    assert ModelConfig.from_dict(__import__("json").loads(config.to_json())) == config
    with tf.Graph().as_default():
        model = tflearn.DNN(build_network(config, steps_per_epoch=2),
                            tensorboard_verbose=0)
        with _quiet_tflearn():
            model.fit(x, one_hot(labels), n_epoch=1, batch_size=8, show_metric=False)
        first = np.asarray(model.predict(x.copy()))
        second = np.asarray(model.predict(x.copy()))
    np.testing.assert_allclose(first.sum(1), 1.0, atol=1e-4)
    np.testing.assert_array_equal(first, second)


def test_crop_window_is_random_in_training_and_central_otherwise():
    from emo_utils.labels import FACE_SIZE
    from emo_utils.model.network import _crop_window

    # each pixel holds its own (row, column), so a window tells where it was cut
    rows, cols = np.mgrid[0:FACE_SIZE, 0:FACE_SIZE].astype(np.float32)
    faces = np.repeat((rows * 100 + cols)[None, ..., None], 64, axis=0)
    with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, FACE_SIZE, FACE_SIZE, 1])
        window = _crop_window(x, 40)
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            tflearn.is_training(True, session=sess)
            seen = sess.run(window, {x: faces})
            tflearn.is_training(False, session=sess)
            centre = sess.run(window, {x: faces[:2]})
    assert seen.shape == (64, 40, 40, 1)
    corner = np.round(seen[:, 0, 0, 0]).astype(int)
    top, left = corner // 100, corner % 100
    assert set(top) <= set(range(9))  # a shift of 0-8 px: never past the border
    assert set(left) <= set(range(9))
    assert len(set(zip(top, left, strict=True))) > 10  # windows differ between faces
    # each window is an exact copy of the face's pixels there (no resampling blur)
    for face, t, le in zip(seen, top, left, strict=True):
        np.testing.assert_allclose(face, faces[0, t : t + 40, le : le + 40], atol=0.01)
    np.testing.assert_array_equal(centre[0], faces[0, 4:44, 4:44])


def test_a_crop_larger_than_the_face_is_explained():
    raw = json.loads(get_config("alexnet40").to_json())
    assert ModelConfig.from_dict(raw) == get_config("alexnet40")
    with pytest.raises(ValueError, match="'crop' is 56; expected 0 .the whole face."):
        ModelConfig.from_dict({**raw, "crop": 56})


@pytest.mark.slow
def test_a_crop_config_trains_and_predicts_48px_faces_deterministically():
    images, labels = fer_faces(16)
    x = images.astype(np.float32)[..., None]
    config = dataclasses.replace(TINY, crop=40)
    with tf.Graph().as_default():
        model = tflearn.DNN(build_network(config, steps_per_epoch=2),
                            tensorboard_verbose=0)
        with _quiet_tflearn():
            model.fit(x, one_hot(labels), n_epoch=1, batch_size=8, show_metric=False,
                      validation_set=(x, one_hot(labels)))
        first = np.asarray(model.predict(x.copy()))
        second = np.asarray(model.predict(x.copy()))
    assert first.shape == (16, 7)
    np.testing.assert_array_equal(first, second)
