"""Train, save and reload a tiny TFLearn net; run as a subprocess by test_compat.py.

Usage: python tflearn_roundtrip.py OUT_DIR [PATCH_TO_REMOVE]
Exits 0 and prints "ROUNDTRIP OK" when predictions survive the save/load round trip.
"""

import sys

import numpy as np

import emo_utils._compat  # noqa: F401  (the patches under test)

REMOVERS = {
    "nest": lambda: delattr(
        __import__("tensorflow.python.util.nest", fromlist=["nest"]), "is_sequence"
    ),
    "antialias": lambda: delattr(
        __import__("PIL.Image", fromlist=["Image"]), "ANTIALIAS"
    ),
    "pad": lambda: delattr(np.lib, "pad"),
    "bool": lambda: delattr(np, "bool"),
}

out_dir = sys.argv[1]
if len(sys.argv) > 2:
    REMOVERS[sys.argv[2]]()

import tensorflow as tf  # noqa: E402
import tflearn  # noqa: E402
from tflearn.data_utils import string_to_semi_redundant_sequences  # noqa: E402

# The one tflearn helper that needs np.bool: one-hot text sequences.
string_to_semi_redundant_sequences("abcabcabcabc", seq_maxlen=3, redun_step=3)


def build():
    prep = tflearn.ImagePreprocessing()
    prep.add_featurewise_zero_center(mean=0.5)
    aug = tflearn.ImageAugmentation()
    aug.add_random_flip_leftright()
    aug.add_random_rotation(max_angle=10.0)
    aug.add_random_crop((16, 16), padding=2)
    net = tflearn.input_data(
        [None, 16, 16, 1], data_preprocessing=prep, data_augmentation=aug
    )
    net = tflearn.conv_2d(net, 4, 3, activation="relu")
    net = tflearn.fully_connected(net, 3, activation="softmax")
    net = tflearn.regression(net, optimizer="momentum", learning_rate=0.01)
    return tflearn.DNN(net, tensorboard_verbose=0, tensorboard_dir=out_dir)


rng = np.random.default_rng(0)
x = rng.random((32, 16, 16, 1), dtype=np.float32)
y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
with tf.Graph().as_default():
    model = build()
    model.fit(x, y, n_epoch=1, batch_size=8, show_metric=False)
    before = model.predict(x.copy())
    model.save(f"{out_dir}/tiny.ckpt")
with tf.Graph().as_default():
    model = build()
    model.load(f"{out_dir}/tiny.ckpt")
    after = model.predict(x.copy())
assert np.allclose(before, after, atol=1e-6), "predictions changed after reload"
print("ROUNDTRIP OK")
