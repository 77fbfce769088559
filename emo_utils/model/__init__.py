"""The network: config and recipes, augmentation, learning-rate schedule and graph.

One import for the callers (train, predict, cli, the notebooks): ``from emo_utils
import model`` then ``model.get_config``, ``model.build_network``; each concern lives
in its own module (``emo_utils.recipes``, ``.augment``, ``.schedule``, ``.network``).
"""

from .. import _compat  # noqa: F401  (patches numpy, PIL and TF before tflearn loads)

# isort: split
from ..recipes import CONFIGS, ModelConfig, get_config
from .augment import FaceAugmentation, degrade_face, make_augmentation
from .network import INPUT_SHAPE, build_network, layer_table, model_variables
from .schedule import ScheduledSGD, cosine_cycles, learning_rate

__all__ = [
    "CONFIGS",
    "INPUT_SHAPE",
    "FaceAugmentation",
    "ModelConfig",
    "ScheduledSGD",
    "build_network",
    "cosine_cycles",
    "degrade_face",
    "get_config",
    "layer_table",
    "learning_rate",
    "make_augmentation",
    "model_variables",
]
