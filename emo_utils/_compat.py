"""Patches that let tflearn 0.5.0 (last release, 2020) run on current TF, numpy, Pillow.

Applied once by ``import emo_utils`` before tflearn is imported. Each patch is only
applied when the name it restores is missing, so on old versions nothing changes.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TF's C++ start-up banner

import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
from tensorflow.python.util import nest  # noqa: E402

APPLIED: list[str] = []


def _patch(obj: object, name: str, value: object, why: str) -> None:
    if not hasattr(obj, name):
        setattr(obj, name, value)
        APPLIED.append(f"{getattr(obj, '__name__', obj)}.{name}: {why}")


# tflearn's layers call nest.is_sequence, renamed is_nested in TF 2.x.
_patch(nest, "is_sequence", nest.is_nested, "renamed in TensorFlow 2")
# tflearn.data_utils resizes with Image.ANTIALIAS, removed in Pillow 10.
_patch(PIL.Image, "ANTIALIAS", PIL.Image.LANCZOS, "removed in Pillow 10")
# ImageAugmentation's random crop pads with np.lib.pad; on numpy 2 its feeder
# thread dies on the AttributeError and fit() waits for a batch forever.
_patch(np.lib, "pad", np.pad, "removed in numpy 2 (else fit() hangs)")
# tflearn's data_utils uses np.bool: removed in numpy 1.24, back as numpy's bool in 2.0.
_patch(np, "bool", bool, "removed in numpy 1.24")

import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")
