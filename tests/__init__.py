"""Tests import emo_utils._compat first: its patches must precede any tflearn import
(test_model imports tflearn itself; ``import emo_utils`` alone loads no TensorFlow)."""

import emo_utils._compat  # noqa: F401
