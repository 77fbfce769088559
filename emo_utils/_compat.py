"""Patches that let tflearn 0.5.0 (last release, 2020) run on current TF, numpy, Pillow.

Every module that runs the network imports this first, before TensorFlow or tflearn
(``import emo_utils`` alone loads neither). Each patch is only applied when the name it
restores is missing, so on old versions nothing changes. TensorFlow itself is
imported here with its C++ start-up lines (oneDNN, CPU features, absl) filtered out.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import PIL.Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TF's own C++ INFO/WARNING logs

# Printed by TF's C++ runtime straight to file descriptor 2 while it loads, before
# TF_CPP_MIN_LOG_LEVEL is read; no setting hides them without changing the numbers
# (TF_ENABLE_ONEDNN_OPTS=0 would), and a notebook shows fd 2 in the cell's output.
_START_UP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|oneDNN custom operations are on"
    r"|cpu_feature_guard\.cc"
    r"|To enable the following instructions: .* rebuild TensorFlow"
)


@contextmanager
def _without_start_up_noise() -> Iterator[None]:
    """Capture fd 2 while TensorFlow loads; pass on every line but the known ones."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not _START_UP_NOISE.search(line))
            if kept:
                sys.stderr.write(kept)


with _without_start_up_noise():
    import tensorflow as tf
    from tensorflow.python.util import nest

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

tf.get_logger().setLevel("ERROR")
