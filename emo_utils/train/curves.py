"""Training curves: the live plot shown while training, stored histories, and where
training pulls away from the held-back slice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .state import read_history


def plot_history(
    histories: dict[str, list[dict[str, Any]]], title: str | None = None
) -> Figure:
    """Loss and accuracy per epoch for one or more runs ({label: history as
    metrics.json stores it}).

    Solid lines are the training batches (augmented), dashed the held-back slice.
    """
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    colors = plt.cm.tab10.colors
    for (label, stored), color in zip(histories.items(), colors, strict=False):
        if not stored:
            continue
        hist = read_history(stored)
        epochs = [h.epoch for h in hist]
        style = {"color": color, "marker": "o", "markersize": 3}
        ax_loss.plot(epochs, [h.loss for h in hist], label=f"{label}: training",
                     **style)
        ax_loss.plot(epochs, [h.held_back_loss for h in hist], "--",
                     label=f"{label}: held-back", **style)
        ax_acc.plot(epochs, [100 * h.acc for h in hist], **style)
        ax_acc.plot(epochs, [100 * h.held_back_acc for h in hist], "--", **style)
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (training: + L2 penalty)",
                title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    ax_loss.legend(fontsize=9)
    if title:
        fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig


class LivePlot:
    """Redraw the training curves in place after each epoch (an ``on_epoch_end``)."""

    def __init__(self, label: str = "this run"):
        self.label = label
        self._handle = None

    def __call__(self, history: list[dict[str, Any]]) -> None:
        from IPython.display import display

        (last,) = read_history(history[-1:])
        fig = plot_history(
            {self.label: history},
            title=f"epoch {last.epoch}: held-back accuracy "
            f"{100 * last.held_back_acc:.1f}%",
        )
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)


@dataclass(frozen=True)
class Gap:
    """Training-batch vs held-back accuracy: ``since`` is the first epoch from which
    training stays more than one point above held-back (None when it does not), and
    ``acc``/``held_back_acc`` are the last epoch's."""

    since: int | None
    acc: float
    held_back_acc: float

    @property
    def gap(self) -> float:
        return self.acc - self.held_back_acc


def overfit_gap(metrics: dict[str, Any] | None) -> Gap | None:
    """The Gap of a run's metrics.json; None when it has no history."""
    if not metrics or not metrics.get("history"):
        return None
    hist = read_history(metrics["history"])
    since = None
    for h in reversed(hist):
        if h.acc <= h.held_back_acc + 0.01:
            break
        since = h.epoch
    return Gap(since, hist[-1].acc, hist[-1].held_back_acc)
