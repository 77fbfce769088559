"""Notebook 02's sentences: one line per training run, and its overfitting gap.

Why words apart from the analysis: metrics.json and curves hold the numbers; the
sentences read them the same way in the notebook and the docs.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from ..labels import TTA_NAMES
from ..train.state import HistoryRow

if TYPE_CHECKING:
    from ..train.curves import Gap


def training_run(metrics: dict[str, Any] | None, label: str = "this run") -> str:
    """One sentence on a run, from its metrics.json."""
    if not metrics or not metrics.get("history"):
        return f"{label}: not trained on this machine yet."
    last = HistoryRow.from_json(metrics["history"][-1])
    parent = PurePath(metrics.get("init_from") or "").name
    text = (
        f"{label}: {metrics['epochs_run']} epoch(s)"
        f"{' from the weights of ' + parent if parent else ''} in "
        f"{metrics['train_seconds'] / 60:.0f} min ({metrics['img_per_s']:.0f} img/s); "
        f"training-batch accuracy {100 * last.acc:.1f}%, held-back "
        f"{100 * last.held_back_acc:.1f}% (best "
        f"{100 * metrics['best_held_back_acc']:.1f}% at epoch {metrics['best_epoch']})"
    )
    if metrics.get("averaged"):
        first, final = metrics["averaged"]["epochs"]
        text += (
            f"; weights averaged over epochs {first}-{final} "
            f"({100 * metrics['averaged']['held_back_acc']:.1f}% held back)"
        )
    for split, test in metrics.get("test", {}).items():
        text += f"; {split} accuracy {100 * test['accuracy']:.1f}%"
        if test.get("accuracy_tta") is not None:
            text += f" ({100 * test['accuracy_tta']:.1f}% with {TTA_NAMES['shift']})"
    return text + "."


def training_gap(gap: Gap | None, label: str = "this run") -> str:
    """From which epoch training-batch accuracy stays above held-back, and the gap."""
    if gap is None:
        return f"{label}: no history."
    start = (
        f"training-batch accuracy stays above held-back from epoch {gap.since} on"
        if gap.since
        else "training-batch accuracy ends level with held-back"
    )
    return (
        f"{label}: {start}; at the last epoch the gap is {100 * gap.gap:+.1f} points "
        f"({100 * gap.acc:.1f}% vs {100 * gap.held_back_acc:.1f}%)."
    )
