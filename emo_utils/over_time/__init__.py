"""Emotion over time: a clip or the live camera, frame after frame.

``video_source`` reads a clip's frames with their times, ``tracking`` keeps each
person's id, ``smoothing`` steadies their probabilities, ``video`` turns a clip
into a table (``analyse_video``) and ``timeline`` draws and summarises it;
``sample_clip`` makes the shipped clip, ``clip_upload`` is notebook 05's upload.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach(
    __name__,
    submodules=[
        "clip_upload",
        "sample_clip",
        "smoothing",
        "timeline",
        "tracking",
        "video",
        "video_source",
    ],
    submod_attrs={
        "video": ["analyse_video"],
        "tracking": ["FaceTracker"],
        "smoothing": ["ProbabilitySmoother"],
    },
)
