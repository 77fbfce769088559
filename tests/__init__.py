"""Tests import emo_utils first: its patches must precede any tflearn import."""

import emo_utils  # noqa: F401
