"""``emo_utils.video``: the documented import path of the video analysis, kept on
purpose (it lives in ``emo_utils.over_time.video``) so users' code keeps working."""

from .over_time.video import COLUMNS, analyse_video

__all__ = ["COLUMNS", "analyse_video"]
