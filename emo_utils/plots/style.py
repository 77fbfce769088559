"""The look every notebook figure shares: style, palette, width, saving.

``set_style`` is what each notebook calls first; the figure modules (``dataset``,
``evaluation``) draw with ``PALETTE`` and ``WIDTH`` and new axes from ``axes_for``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt

from ..labels import EMOTIONS, NUM_CLASSES

WIDTH = 10
PALETTE = dict(zip(EMOTIONS, plt.get_cmap("tab10").colors[:NUM_CLASSES], strict=True))
# seaborn's whitegrid look and notebook sizes, as the style sheets matplotlib ships:
# no seaborn import (70 MB) for a notebook that only draws (04, the app's kernel)
_SHEETS = ("seaborn-v0_8-whitegrid", "seaborn-v0_8-notebook", "seaborn-v0_8-deep")
_FONT_SCALE = 1.05
_FONT_KEYS = ("font.size", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
              "legend.fontsize", "legend.title_fontsize")


def set_style() -> None:
    """Readable defaults at notebook width: font >= 11, light grid, tight layout."""
    plt.style.use(_SHEETS)
    plt.rcParams.update({key: float(plt.rcParams[key]) * _FONT_SCALE
                         for key in _FONT_KEYS
                         if isinstance(plt.rcParams[key], int | float)})
    plt.rcParams.update(
        {
            "figure.figsize": (WIDTH, 4.5),
            "figure.dpi": 90,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "figure.titlesize": 14,
            "axes.titleweight": "bold",
            "figure.titleweight": "bold",
            "figure.constrained_layout.use": True,
        }
    )


def save_figures(makers: dict[str, Callable], folder: str | os.PathLike) -> list[Path]:
    """Draw each figure (name: function returning it), save it as folder/name.png and
    close it; one at a time, so a long list never holds every figure in memory."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    set_style()
    paths = []
    for name, make in makers.items():
        fig = make()
        fig.savefig(folder / f"{name}.png")
        plt.close(fig)
        paths.append(folder / f"{name}.png")
    return paths


def axes_for(ax, figsize):
    """The figure and axes to draw on: ``ax``'s, or a new figure of ``figsize``."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


