"""The camera widget (anywidget): a preview with Snapshot and Live buttons that sends
JPEG frames to the kernel, and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

LIVE_FPS = 30.0  # live mode's cap; a slower kernel gets fewer, fresh frames
# What webcam.js shows where the front end refuses the camera to widgets.
VSCODE_MESSAGE = (
    "VS Code's notebook view does not give widgets the camera "
    "(microsoft/vscode#119127): upload a photo below, analyse a video file "
    "(`python -m emo_utils video CLIP`, notebook 05), or open this notebook in "
    "JupyterLab (`make lab`).")


class CameraWidget(anywidget.AnyWidget):
    """Camera preview with Snapshot and Live buttons; frames arrive in ``frame``.

    The browser sets ``frame`` (a JPEG data URL) and bumps ``frame_id``; the kernel
    calls ``on_frame(frame)``, clears ``frame`` and sets ``ack_id = frame_id``. Live
    mode sends the next frame only after that ack (and at most ``fps`` a second), so
    frames never queue up: a slow kernel gets fewer, fresh frames. ``host`` is set by
    the browser to "vscode" inside VS Code's notebook view, where the camera is
    refused; ``error`` then holds ``vscode_message``.
    """

    _esm = Path(__file__).with_name("webcam.js")
    _css = Path(__file__).with_name("webcam.css")

    frame = traitlets.Unicode("").tag(sync=True)
    frame_id = traitlets.Int(0).tag(sync=True)
    ack_id = traitlets.Int(0).tag(sync=True)
    live = traitlets.Bool(False).tag(sync=True)
    fps = traitlets.Float(LIVE_FPS).tag(sync=True)  # live; stale frames are dropped
    width = traitlets.Int(640).tag(sync=True)  # snapshots
    live_width = traitlets.Int(480).tag(sync=True)  # live frames: 1.8x fewer pixels
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.85).tag(sync=True)
    live_quality = traitlets.Float(0.7).tag(sync=True)
    autostart = traitlets.Bool(True).tag(sync=True)
    camera_on = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    round_trip_ms = traitlets.Float(0.0).tag(sync=True)
    host = traitlets.Unicode("").tag(sync=True)  # "vscode" when webcam.js sees it
    vscode_message = traitlets.Unicode(VSCODE_MESSAGE).tag(sync=True)

    def __init__(self, on_frame: Callable[[str], object] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.on_frame = on_frame
        self.observe(self._frame_arrived, names="frame_id")

    def _frame_arrived(self, change: dict) -> None:
        try:
            if self.frame and self.on_frame is not None:
                self.on_frame(self.frame)
        finally:
            with self.hold_sync():  # one message back to the browser, not two
                self.frame = ""  # keep no copy in the widget state
                self.ack_id = change["new"]
