"""Showing results in a notebook: a sentence under its figure, stored images.

Plain ``print`` outside Jupyter, so the same code runs in a terminal and in tests.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt


def say(text: str) -> None:
    """Show computed text as Markdown under a figure (plain print outside Jupyter)."""
    if "inline" in plt.get_backend():
        plt.show()  # figures first, so the sentence sits under the figure it reads
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        print(text)


def show_images(paths: Sequence[str | os.PathLike], width: int = 800) -> None:
    """Display stored PNG files (the no-data fallback of notebook 03)."""
    from IPython.display import Image, display

    for path in paths:
        display(Image(filename=str(path), width=width))
