"""Read a video's emotion table: smoothed labels, a summary, a timeline figure, flicker.

Why: a per-frame table is too much to read; one figure per person (probabilities
over time, the dominant emotion as coloured bands) and a share-of-time table are
what a user reads at a glance. The figure smooths each face's probabilities with
``smoothing.ProbabilitySmoother``, as the live view does, so a held expression reads
as one band; smoothing lags (a sudden change crosses over after ``tau * ln 2``,
0.17 s, and settles after ~3 ``tau``, 0.75 s), so the summary counts each frame's own
label instead, as the table has it: a clip cut in half is summarised 50/50.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import pandas as pd

from ..labels import EMOTIONS
from .smoothing import TAU, ProbabilitySmoother

# matplotlib and .plots (seaborn, scipy.stats) load in the plotting functions only:
# importing them took 2-3 s of a 10 s clip's `video` command that draws nothing.

GAP_S = 0.5  # a face unseen this long: its lines break instead of bridging the gap


def smooth_table(table: pd.DataFrame, tau: float = TAU) -> pd.DataFrame:
    """The table with each face's probabilities exponentially averaged over time
    (``tau`` seconds; 0: unchanged) and ``label`` their argmax."""
    out = table.sort_values(["face", "time_s"], kind="stable").copy()
    smoother = ProbabilitySmoother(tau)
    probs = out[list(EMOTIONS)].to_numpy(np.float64)
    smoothed = np.array([smoother.update(face, p, t) for face, p, t in
                         zip(out["face"], probs, out["time_s"], strict=True)])
    if len(out):
        out[list(EMOTIONS)] = smoothed
        out["label"] = np.array(EMOTIONS)[smoothed.argmax(axis=1)]
    return out.sort_index()


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Share of time per emotion per person (rows: face ids; columns: ``seconds``
    seen, then the seven emotions as fractions of the face's rows).

    Counted from each row's own ``label`` (the argmax of its unsmoothed
    probabilities), so it can be checked against the CSV; smoothed labels would
    give each change ~0.17 s late (52/48 for a clip cut in half).
    """
    columns = ["seconds", *EMOTIONS]
    if table.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="face"))
    share = pd.crosstab(table["face"], table["label"], normalize="index")
    share = share.reindex(columns=list(EMOTIONS), fill_value=0.0)
    seconds = table.groupby("face")["time_s"].agg(lambda t: t.max() - t.min())
    step = _step(table)
    share.insert(0, "seconds", (seconds + step).round(1))
    share.columns.name = None
    return share


def format_summary(summary: pd.DataFrame) -> str:
    """The summary as a plain-text table with percentages (the command prints it)."""
    if summary.empty:
        return "(no face)"
    shown = summary.copy()
    for name in EMOTIONS:
        shown[name] = (100 * shown[name]).map(lambda v: f"{v:.0f}%")
    return shown.to_string()


def _step(table: pd.DataFrame) -> float:
    """Seconds between analysed frames (the median gap of the first face)."""
    times = np.unique(table["time_s"].to_numpy())
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.0


def _bands(times: np.ndarray, labels: np.ndarray, step: float):
    """Runs of one label as (start, width, label), each row lasting one ``step``."""
    runs, start = [], 0
    for i in range(1, len(labels) + 1):
        gap = i < len(labels) and times[i] - times[i - 1] > GAP_S
        if i == len(labels) or labels[i] != labels[start] or gap:
            end = times[i - 1] + step
            runs.append((times[start], end - times[start], labels[start]))
            start = i
    return runs


def plot_timeline(table: pd.DataFrame, tau: float = TAU, title: str | None = None):
    """One row per person: probabilities over time smoothed over ``tau`` seconds, the
    dominant smoothed emotion as a coloured band above them; the title gives the
    summary's shares (each frame's own label). The figure says so under its title.
    Returns the Figure (None for an empty table)."""
    if table.empty:
        return None
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ..plots import PALETTE, WIDTH

    smoothed = smooth_table(table, tau)
    faces = sorted(smoothed["face"].unique())
    step = _step(table)
    fig, axes = plt.subplots(
        2 * len(faces), 1, sharex=True, squeeze=False,
        figsize=(WIDTH, 0.6 + 2.6 * len(faces)),
        gridspec_kw={"height_ratios": [0.22, 1] * len(faces)})
    for i, face in enumerate(faces):
        rows = smoothed[smoothed["face"] == face].sort_values("time_s")
        _draw_face(axes[2 * i, 0], axes[2 * i + 1, 0], rows, face, step)
    axes[-1, 0].set_xlabel("time in the clip (s)")
    axes[-1, 0].set_xlim(0, smoothed["time_s"].max() + step)
    handles = [Patch(color=PALETTE[e], label=e) for e in EMOTIONS]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    fig.suptitle(title or _title(summarise(table), faces))
    axes[0, 0].set_title(what_is_drawn(tau), fontsize=10, fontweight="normal",
                         color="0.3")
    return fig


def what_is_drawn(tau: float = TAU) -> str:
    """The figure's subtitle: what the lines, the band and the title's shares are."""
    if not tau:
        return ("lines: each frame's probabilities (unsmoothed); band: their top "
                "emotion; shares: per-frame labels")
    lag = tau * math.log(2)  # a sudden change between two confident classes
    return (f"lines: probabilities smoothed over {tau:g} s; band: their top emotion "
            f"(~{lag:.1f} s late at a change); shares: per-frame labels")


def _draw_face(band_ax, ax, rows: pd.DataFrame, face: int, step: float) -> None:
    from ..plots import PALETTE

    times = rows["time_s"].to_numpy()
    for start, width, label in _bands(times, rows["label"].to_numpy(), step):
        band_ax.broken_barh([(start, width)], (0, 1), color=PALETTE[label])
        if width >= 0.08 * (times[-1] - times[0] + step):
            band_ax.text(start + width / 2, 0.5, label, ha="center", va="center",
                         fontsize=10, color="white", fontweight="bold")
    band_ax.set_yticks([])
    band_ax.set_ylim(0, 1)
    band_ax.grid(False)
    band_ax.set_ylabel(f"person {face}", rotation=0, ha="right", va="center",
                       fontweight="bold")
    breaks = np.r_[False, np.diff(times) > GAP_S]
    for name in EMOTIONS:
        values = rows[name].to_numpy().copy()
        values[breaks] = np.nan  # a gap in the track breaks the line
        ax.plot(times, values, color=PALETTE[name], lw=2 if name in set(
            rows["label"]) else 1, alpha=0.95)
    ax.set_ylim(0, 1)
    ax.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
    ax.set_ylabel("probability")


def _title(summary: pd.DataFrame, faces: Sequence[int]) -> str:
    """'Emotion over time · person 1: neutral 50%, happy 50% · person 2: ...'."""
    shares = summary[list(EMOTIONS)]
    parts = [f"person {f}: " + ", ".join(
        f"{label} {v:.0%}" for label, v in
        shares.loc[f].sort_values(ascending=False, kind="stable").items() if v >= 0.2)
             for f in faces[:3]]
    more = [f"+{len(faces) - 3} more"] if len(faces) > 3 else []
    return " · ".join(["Emotion over time", *parts, *more])


def describe_timeline(table: pd.DataFrame) -> str:
    """One sentence per person: how long seen, the main emotions and their share
    (``summarise``: each frame's own label)."""
    if table.empty:
        return table.attrs.get("note", "No face found.")
    summary = summarise(table)
    parts = []
    for face, row in summary.iterrows():
        shares = row[list(EMOTIONS)].sort_values(ascending=False)
        main = ", ".join(f"**{name}** {share:.0%}" for name, share in shares.items()
                         if share >= 0.1)
        parts.append(f"Person {face} is seen for {row['seconds']:.1f} s: {main} of "
                     "the time.")
    return " ".join(parts)


def plot_clip_frames(path, times: Sequence[float] = (1.0, 3.5, 6.0, 8.5)):
    """A strip of the clip's frames at ``times`` (seconds), to see what was analysed."""
    import matplotlib.pyplot as plt

    from ..plots import WIDTH
    from .video_source import open_video

    cap, info = open_video(path)
    fig, axes = plt.subplots(1, len(times), figsize=(WIDTH, 2.2), squeeze=False)
    for ax, t in zip(axes[0], times, strict=True):
        cap.set(cv2.CAP_PROP_POS_FRAMES, round(t * info.fps))
        ok, frame = cap.read()
        if ok:
            ax.imshow(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ax.set_title(f"{t:g} s", fontsize=11)
        ax.axis("off")
    cap.release()
    return fig


def label_changes_per_second(table: pd.DataFrame, tau: float = TAU) -> float:
    """How often a face's (smoothed) label changes, per second of its track:
    flicker, where a held expression should give almost none."""
    smoothed = smooth_table(table, tau).sort_values(["face", "time_s"])
    changes, seconds = 0, 0.0
    for _, rows in smoothed.groupby("face"):
        labels = rows["label"].to_numpy()
        changes += int((labels[1:] != labels[:-1]).sum())
        seconds += rows["time_s"].max() - rows["time_s"].min()
    return changes / seconds if seconds else 0.0


def follow_delays(table: pd.DataFrame, changes: Sequence[tuple[int, float, str]],
                  tau: float = TAU) -> list[float]:
    """Seconds from each real change (face, time_s, new label) until the face's
    smoothed label first shows the new label (nan if it never does before the
    next change)."""
    smoothed = smooth_table(table, tau)
    delays = []
    for face, start, label in changes:
        rows = smoothed[(smoothed["face"] == face) & (smoothed["time_s"] >= start)]
        later = [t for f, t, _ in changes if f == face and t > start]
        if later:
            rows = rows[rows["time_s"] < min(later)]
        hit = rows[rows["label"] == label]["time_s"]
        delays.append(float(hit.min() - start) if len(hit) else float("nan"))
    return delays
