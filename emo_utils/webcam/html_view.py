"""The app's pictures as cheap HTML: the photo with its overlay, the seven bars, the
running timeline (sparkline) and the message line.

Why HTML: it costs microseconds per frame; a matplotlib figure ~50 ms.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from ..images import to_jpeg
from ..infer.prediction import Prediction
from ..labels import EMOTIONS
from .overlay import FaceMark, overlay

VIEW_WIDTH = 320  # px of the result picture
GROUP_VIEW_WIDTH = 480  # px of the result picture with three faces or more
SPARK_HEIGHT = 64  # px of the timeline's plot area
SPARK_GUTTER = 30  # px left of it for the 100% and 50% labels
# one colour per emotion, in EMOTIONS order: matplotlib's tab10 (as plots.PALETTE)
EMOTION_COLORS = dict(zip(EMOTIONS, ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                     "#9467bd", "#8c564b", "#e377c2"), strict=True))
MESSAGE_COLORS = {"info": ("#333", "#eef4fb"), "warn": ("#7a4b00", "#fff4de"),
                  "error": ("#a00", "#fee")}


def probability_bars_html(probs: npt.ArrayLike | None,
                          labels: Sequence[str] = EMOTIONS,
                          title: str = "Predicted") -> str:
    """A horizontal HTML bar chart of the probabilities, the top one highlighted.

    ``title`` names what the bars are for ("Face 2" in a group).
    """
    probs = None if probs is None else np.asarray(probs, dtype=float)
    top = -1 if probs is None else int(probs.argmax())
    if probs is None:
        head = "<span class='emo-label'></span>No prediction yet."
    else:
        name = html.escape(labels[top])
        head = (f"{html.escape(title)}: <b class='emo-label'>{name}</b> "
                f"({probs[top]:.0%})")
    rows = [f"<div style='margin-bottom:6px;font-size:15px'>{head}</div>"]
    for i, name in enumerate(labels):
        p = 0.0 if probs is None else float(probs[i])
        color, weight = ("#d62728", "bold") if i == top else ("#1f77b4", "normal")
        rows.append(
            f"<div class='emo-row' data-emotion='{html.escape(name)}' "
            f"data-prob='{p:.4f}' style='display:flex;align-items:center;margin:2px 0'>"
            f"<span style='width:70px;font-weight:{weight}'>{html.escape(name)}</span>"
            "<span style='flex:1;background:#eee;height:14px;border-radius:3px'>"
            f"<span style='display:block;width:{100 * p:.1f}%;height:100%;"
            f"background:{color};border-radius:3px'></span></span>"
            f"<span style='width:48px;text-align:right'>{p:.0%}</span></div>")
    return ("<div class='emo-bars' style='font-family:sans-serif;font-size:13px;"
            f"width:{VIEW_WIDTH}px'>{''.join(rows)}</div>")


def _mark_html(mark: FaceMark, size: tuple[int, int]) -> str:
    """One face's box and tag, placed in percent of the photo."""
    w, h = size
    x, y, bw, bh = mark.box
    tx, ty = mark.tag_xy
    line = "dashed" if mark.dashed else "solid"
    turn = f";transform:rotate({mark.angle:g}deg)" if mark.angle else ""
    return (
        f"<div class='emo-box' data-face='{mark.number}' "
        f"data-label='{html.escape(mark.label)}' style='position:absolute;"
        f"box-sizing:border-box;border:{3 if mark.chosen else 2}px {line} {mark.color};"
        f"left:{100 * x / w:.2f}%;top:{100 * y / h:.2f}%;"
        f"width:{100 * bw / w:.2f}%;height:{100 * bh / h:.2f}%{turn}'></div>"
        f"<div class='emo-tag' data-face='{mark.number}' style='position:absolute;"
        f"left:{100 * tx / w:.2f}%;top:{100 * ty / h:.2f}%;"
        f"background:{mark.color};color:white;font:bold 12px/16px sans-serif;"
        f"padding:1px 4px;border-radius:3px;white-space:nowrap'>"
        f"{html.escape(mark.tag)}</div>")


def _network_input_html(face: npt.NDArray[np.uint8], number: str) -> str:
    """The 48x48 face the network saw, enlarged (pixelated) with a caption."""
    png = base64.b64encode(cv2.imencode(".png", face)[1].tobytes()).decode()
    return ("<div style='font-size:11px;color:#555;text-align:center'>"
            f"<img src='data:image/png;base64,{png}' alt='model input' "
            "style='width:96px;height:96px;image-rendering:pixelated;display:block'>"
            f"<div style='line-height:1.2'>{number}network input<br>48×48</div></div>")


def picture_html(data_url: str, size: tuple[int, int],
                 preds: Sequence[Prediction] = (), chosen: int = 0,
                 view_width: int = VIEW_WIDTH) -> str:
    """The photo with every face's box and label tag drawn over it (CSS, no
    re-encoding), and the 48x48 face the network saw for face ``chosen``.

    The overlay is ``overlay.overlay``'s: the chosen face green, the others blue, a
    tilted face's box turned with it, the centre square (no face found) dashed."""
    marks = overlay(preds, size, chosen, px=size[0] / view_width)
    parts = [f"<img src='{data_url}' style='width:100%;display:block' alt='photo'>"]
    parts += [_mark_html(mark, size) for mark in marks]
    out = ("<div style='display:flex;gap:8px;align-items:flex-start'>"
           f"<div class='emo-picture' style='position:relative;overflow:hidden;"
           f"width:{view_width}px;flex:none'>{''.join(parts)}</div>")
    found = [p for p in preds if p.found and p.box is not None]
    if found:
        number = f"face {chosen + 1}: " if len(found) > 1 else ""
        out += _network_input_html(found[min(chosen, len(found) - 1)].face, number)
    return out + "</div>"


def sparkline_html(times: npt.ArrayLike, probs: npt.ArrayLike, now: float,
                   span_s: float = 10.0, title: str = "") -> str:
    """The last ``span_s`` seconds of one face's probabilities (``times`` (T,) in
    seconds, ``probs`` (T,7)) as an inline SVG: a line per emotion in its colour, the
    top emotion as a coloured band underneath. Empty for fewer than two points.

    The 100% and 50% labels sit in a gutter left of the plot, where no line crosses
    them."""
    times, probs = np.asarray(times, float), np.asarray(probs, float)
    if len(times) < 2:
        return ""
    w, h, band, left = VIEW_WIDTH, SPARK_HEIGHT, 8, SPARK_GUTTER
    xs = w - (now - times) / span_s * (w - left)
    keep = _one_per_pixels(xs)
    xs, probs = xs[keep], probs[keep]
    lines = [f"<rect x='{left}' y='0' width='{w - left}' height='{h + 2}' "
             "fill='#fafafa' stroke='#ddd'/>",
             f"<line x1='{left}' x2='{w}' y1='{h / 2 + 1:.1f}' y2='{h / 2 + 1:.1f}' "
             "stroke='#ddd' stroke-dasharray='3 3'/>"]  # 50%
    lines += [f"<text class='emo-spark-axis' x='{left - 3}' y='{y:.0f}' "
              "font-size='9' fill='#777' text-anchor='end' "
              f"dominant-baseline='middle'>{text}</text>"
              for y, text in ((5, "100%"), (h / 2 + 1, "50%"))]
    top = probs.argmax(axis=1)
    lines += _spark_lines(xs, probs, h, top[-1])
    lines += _spark_bands(xs, top, h + 2, band, left)
    legend = " ".join(
        f"<span style='color:{EMOTION_COLORS[n]};font-weight:"
        f"{'bold' if i == top[-1] else 'normal'}'>{n}</span>"
        for i, n in enumerate(EMOTIONS))
    head = html.escape(title + ": " if title else "") + f"the last {span_s:g} seconds"
    return ("<div class='emo-spark' style='font-family:sans-serif;font-size:11px;"
            f"color:#555;width:{w}px;margin-top:8px'><div>{head}</div>"
            f"<svg width='{w}' height='{h + band + 2}' viewBox='0 0 {w} {h + band + 2}'"
            f" role='img' aria-label='emotions over the last {span_s:g} s'"
            f" style='display:block'>{''.join(lines)}</svg>"
            "<div style='display:flex;justify-content:space-between;color:#999;"
            f"padding-left:{left}px'>"
            f"<span>−{span_s:g} s</span><span>now</span></div>"
            f"<div style='line-height:1.3'>{legend}</div></div>")


def _one_per_pixels(xs: np.ndarray, px: float = 2.0) -> np.ndarray:
    """Indices of the points to draw: the last of each ``px``-wide column of x, so a
    line has at most one point every ``px`` pixels (the newest always kept).

    Why: at 30 frames/s ten seconds are 300 points on 290 pixels; half of them are
    the same to the eye and cost the browser a redraw on every frame."""
    column = np.floor(np.asarray(xs) / px)
    return np.flatnonzero(np.append(np.diff(column) != 0, True))


def _spark_lines(xs: np.ndarray, probs: np.ndarray, h: int, top: int) -> list[str]:
    """One SVG polyline per emotion, ``top`` drawn bolder; whole pixels.

    Why one string join over all points: at 30 frames/s a face has 300 points of
    history, redrawn on every frame."""
    ys = np.rint(h * (1 - probs) + 1).astype(int)
    xs = np.rint(xs).astype(int).astype(str)
    out = []
    for i, name in enumerate(EMOTIONS):
        points = " ".join(np.char.add(np.char.add(xs, ","), ys[:, i].astype(str)))
        out.append(f"<polyline class='emo-spark-line' data-emotion='{name}' "
                   f"points='{points}' fill='none' stroke='{EMOTION_COLORS[name]}' "
                   f"stroke-width='{2.2 if i == top else 1.2}' "
                   "stroke-linejoin='round'/>")
    return out


def _spark_bands(xs: np.ndarray, top: np.ndarray, y: int, band: int,
                 left: float = 0.0) -> list[str]:
    """The top emotion over time as coloured SVG bands, one per unbroken run; each
    point's colour lasts until the next point (the last one's until now); nothing
    left of ``left`` (the labels' gutter)."""
    change = np.flatnonzero(np.diff(top)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(xs)]])
    edges = np.append(xs, VIEW_WIDTH)
    out = []
    for a, b in zip(starts, ends, strict=True):
        x0, x1 = max(left, edges[a]), edges[b]
        if x1 > x0:
            out.append(f"<rect x='{x0:.1f}' y='{y}' width='{x1 - x0:.1f}' "
                       f"height='{band}' fill='{EMOTION_COLORS[EMOTIONS[top[a]]]}'/>")
    return out


def jpeg_data_url(image: npt.NDArray[np.uint8], max_side: int = 640) -> str:
    """A small JPEG data URL of an RGB or grey image, for display only."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_AREA)
    return "data:image/jpeg;base64," + base64.b64encode(to_jpeg(image, 85)).decode()


def message_html(text: str, kind: str = "info") -> str:
    """The message line under the result; ``kind`` "info", "warn" or "error"."""
    if not text:
        return ""
    color = MESSAGE_COLORS[kind]
    return (f"<div class='emo-message' style='color:{color[0]};background:{color[1]};"
            f"padding:6px;border-radius:4px;max-width:460px'>{html.escape(text)}</div>")
