"""Bring your own clip into the notebook: an upload button, saved to a temporary file.

Why: OpenCV reads videos from files, and a notebook user's clip is on their own
computer; the upload goes to this kernel's temporary folder only (removed when the
kernel ends), never into the repository.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

VIDEO_TYPES = ".mp4,.avi,.mov,.webm,.mkv,video/*"


class ClipUpload:
    """A FileUpload button; ``path`` is the uploaded clip once one is chosen.

    Display the object in a notebook cell to show the button."""

    def __init__(self):
        import ipywidgets as widgets

        self.button = widgets.FileUpload(accept=VIDEO_TYPES, multiple=False,
                                         description="Choose a clip")
        self._folder: Path | None = None

    def _ipython_display_(self):
        from IPython.display import display

        display(self.button)

    @property
    def path(self) -> Path | None:
        """The uploaded clip as a temporary file (None before an upload)."""
        if not self.button.value:
            return None
        upload = self.button.value[0]
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="emo_clip_"))
            atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
        path = self._folder / Path(upload["name"]).name
        path.write_bytes(bytes(upload["content"]))
        return path
