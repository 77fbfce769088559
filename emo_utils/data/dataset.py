"""What every FER2013 reader returns (Dataset) and raises (DataError).

Why: the readers, the cache and the demo sample share one result type and one error,
so callers catch and use them the same way whichever format the data came in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..labels import NUM_CLASSES, SPLITS

FIX = "Re-download the file (see data/README.md, or run `make data`)."


class DataError(ValueError):
    """A data file is missing or malformed; the message names file, row and fix."""


class DataNotFoundError(DataError):
    """No FER2013 where we looked: the only error notebooks answer with demo data."""


@dataclass(frozen=True)
class Dataset:
    """FER2013 faces: uint8 images (N,48,48), int labels (N,), split names (N,).

    ``note`` says in plain words anything the loader decided for you (a split it
    made, a folder it mapped); empty when the file was used as is.
    """

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64]
    usage: npt.NDArray[np.str_]
    source: str
    note: str = ""

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, name: str) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """Images and labels of one split ('Training', 'PublicTest', 'PrivateTest')."""
        mask = self.usage == name
        return self.images[mask], self.labels[mask]

    @property
    def split_names(self) -> list[str]:
        present = set(self.usage.tolist())
        return [s for s in SPLITS if s in present] + sorted(present - set(SPLITS))

    def counts(self) -> dict[str, list[int]]:
        """Per split, the number of faces of each emotion (FER2013 label order)."""
        return {
            name: np.bincount(self.split(name)[1], minlength=NUM_CLASSES).tolist()
            for name in self.split_names
        }

    def summary(self) -> str:
        """One line per split: 'Training: 28,709 faces'; then the note, if any."""
        lines = [f"{self.source}: {len(self):,} faces"]
        lines += [f"  {n}: {int((self.usage == n).sum()):,}" for n in self.split_names]
        if self.note:
            lines.append(f"  note: {self.note}")
        return "\n".join(lines)
