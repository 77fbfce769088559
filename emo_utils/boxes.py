"""Geometry of (x, y, width, height) boxes: the face finders and the tracker."""

from __future__ import annotations

Box = tuple[int, int, int, int]  # x, y, width, height in pixels


def intersection(a, b) -> float:
    """Area the two boxes share (0 when apart)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih


def iou(a, b) -> float:
    """Intersection over union of two boxes (0 when apart, 1 when the same)."""
    inter = intersection(a, b)
    return inter / max(1, a[2] * a[3] + b[2] * b[3] - inter)
