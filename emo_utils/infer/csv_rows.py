"""Tables written as they are made: a CSV appended and flushed batch by batch, so an
interrupted run (Ctrl-C, a crash, a clip cut short) keeps every row made before it
stopped. Used by the photo batch (``photos``) and the video analysis (``video``)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from pathlib import Path


class CsvRows:
    """A CSV file with a header of ``columns``, rows appended and flushed by
    ``write``; ``count`` rows written so far."""

    def __init__(self, path: str | os.PathLike, columns: Iterable[str]):
        self.path = Path(path)  # its folder must exist: a wrong path fails at once
        self._file = open(self.path, "w", newline="")  # closed by close()
        self._writer = csv.DictWriter(self._file, fieldnames=list(columns))
        self._writer.writeheader()
        self.count = 0

    def write(self, rows: Iterable[Mapping]) -> None:
        """Append rows (column -> value; missing columns stay empty) and flush."""
        for row in rows:
            self._writer.writerow(row)
            self.count += 1
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
