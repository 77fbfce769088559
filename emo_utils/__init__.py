"""emo_utils: the tested helpers behind the emotion-detection notebooks.

``import emo_utils`` loads no TensorFlow: only the modules that run the network
(model, train, predict and those that use them) do, each after ``emo_utils._compat``.
"""

import importlib
import importlib.abc
import sys

from .data import DataError, Dataset, load_fer2013
from .demo import load_data_or_demo, load_demo_sample
from .labels import EMOTIONS, NUM_CLASSES

__all__ = [
    "EMOTIONS",
    "NUM_CLASSES",
    "DataError",
    "Dataset",
    "load_data_or_demo",
    "load_demo_sample",
    "load_fer2013",
]


class _CompatFirst(importlib.abc.MetaPathFinder):
    """Apply emo_utils._compat before model, train or predict loads.

    A bridge: those three import tensorflow/tflearn before their own
    ``from . import _compat`` line (tflearn cannot even import unpatched). Delete this
    class and its registration once each imports ``_compat`` first.
    """

    NEEDS_COMPAT = frozenset(f"{__name__}.{m}" for m in ("model", "train", "predict"))

    def find_spec(self, name, path=None, target=None):
        if name in self.NEEDS_COMPAT:
            importlib.import_module(f"{__name__}._compat")
        return None  # the ordinary finders load the module itself


sys.meta_path.insert(0, _CompatFirst())
