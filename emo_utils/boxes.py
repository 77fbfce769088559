"""Geometry of (x, y, width, height) boxes, shared by the face finders."""

from __future__ import annotations


def intersection(a, b) -> float:
    """Area the two boxes share (0 when apart)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih
