"""``emo_utils.photos``: the documented import path of the photo batch, kept on
purpose (it lives in ``emo_utils.infer.photos``) so users' code keeps working."""

from .infer.photos import COLUMNS, BatchResult, predict_folder, predict_photos

__all__ = ["COLUMNS", "BatchResult", "predict_folder", "predict_photos"]
