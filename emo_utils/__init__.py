"""emo_utils: the tested helpers behind the emotion-detection notebooks."""

from . import _compat  # noqa: F401  (must run before anything imports tflearn)
from .labels import EMOTIONS, NUM_CLASSES

__all__ = ["EMOTIONS", "NUM_CLASSES"]
