"""The webcam app: camera widget -> session (faces, tracks, smoothing) -> drawing.

A newcomer can follow a camera frame in one direction: ``widget.CameraWidget`` sends
it, ``session.LiveSession`` decodes, predicts, tracks and smooths it, ``overlay``
describes what to draw, ``html_view`` (the app) and ``figures`` (the notebook) draw
it, ``describe`` says it in words. ``frames`` makes webcam-like test frames from the
shipped samples, ``timing`` measures one frame's cost.
"""

from ..images import to_jpeg
from .app import EmotionApp
from .describe import (
    LIVE_HINT,
    count_faces,
    describe_hard_faces,
    describe_prediction,
    describe_predictions,
    faces_note,
)
from .figures import draw_overlay, plot_hard_faces, plot_prediction, plot_predictions
from .frames import (
    ASSETS,
    FACES_DIRS,
    GROUP_PHOTO,
    SAMPLE_FACES,
    group_frame,
    group_photo,
    hard_face_examples,
    sample_frame,
)
from .html_view import (
    EMOTION_COLORS,
    GROUP_VIEW_WIDTH,
    VIEW_WIDTH,
    picture_html,
    probability_bars_html,
    sparkline_html,
)
from .overlay import CHOSEN_COLOR, OTHER_COLOR, FaceMark, face_tags, overlay, place_tags
from .session import (
    HISTORY_S,
    Frame,
    FrameError,
    LiveSession,
)
from .timing import time_live_frame, time_snapshot
from .widget import LIVE_FPS, VSCODE_MESSAGE, CameraWidget

__all__ = [
    "ASSETS", "CHOSEN_COLOR", "EMOTION_COLORS", "FACES_DIRS", "GROUP_PHOTO",
    "GROUP_VIEW_WIDTH", "HISTORY_S", "LIVE_FPS", "LIVE_HINT",
    "OTHER_COLOR", "SAMPLE_FACES", "VIEW_WIDTH", "VSCODE_MESSAGE",
    "CameraWidget", "EmotionApp", "FaceMark", "Frame", "FrameError", "LiveSession",
    "count_faces", "describe_hard_faces", "describe_prediction",
    "describe_predictions", "draw_overlay", "face_tags", "faces_note", "group_frame",
    "group_photo", "hard_face_examples", "overlay", "picture_html", "place_tags",
    "plot_hard_faces", "plot_prediction", "plot_predictions", "probability_bars_html",
    "sample_frame", "sparkline_html", "time_live_frame", "time_snapshot",
    "to_jpeg",
]
