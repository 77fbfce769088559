"""Find, load and validate FER2013 in every common format; split it; cache it.

One entry point, :func:`load_fer2013`, so notebooks, CLI and tests read the data the
same way. Accepted: ``fer2013.csv`` (or ``.csv.gz``), Kaggle's ``fer2013.tar.gz``,
``icml_face_data.csv`` (column names with leading spaces), and the image-folder
version (``train/`` and ``test/`` with one folder per emotion, or its ``.tar.gz``).

Cache: the first load writes ``<source name>-<path hash>.fer-cache.npz`` to the
per-user cache folder (:func:`emo_utils.paths.user_cache_dir`: ``$EMO_CACHE_DIR``, else
``$XDG_CACHE_HOME/emo_utils`` or ``~/.cache/emo_utils``), never beside the data, which
may be shared or read-only. Its key is the source's size, mtime and the SHA-256 of its
first MiB (file count, bytes and newest mtime for a folder); the arrays carry their
own SHA-256. A cache whose key or checksum does not match is rebuilt. When that folder
is not writable the data loads without a cache and ``Dataset.note`` says so.

Damaged input of any kind (a cut-short or garbled .gz/.tar.gz, an empty, cut or
unreadable image, a CSV without header or with extra fields) raises one DataError
naming the file (for an image, the image) and the fix; nothing is skipped silently.

One module per concern: ``dataset`` (Dataset, DataError), ``find`` (where the data
is), ``sniff`` (opening bytes, gzip, mix-ups), ``fer_csv`` (the CSV layout),
``folders`` and ``decode`` (the image-folder layout and its images), ``cache`` (the
.npz cache), ``loader`` (:func:`load_fer2013`), ``demo_sample`` (the cartoon stand-in).
This module only re-exports their public names.
"""

from .cache import CACHE_SUFFIX, CACHE_VERSION, cache_path
from .dataset import DataError, DataNotFoundError, Dataset
from .demo_sample import DEMO_NOTE, load_data_or_demo, load_demo_sample
from .fer_csv import NUM_PIXELS, SPLIT_SEED, read_fer_csv
from .find import PREFERRED_FILES, best_in_folder, find_data
from .folders import read_fer_tar, read_image_folder
from .loader import load_fer2013, read_source

__all__ = [
    "CACHE_SUFFIX",
    "CACHE_VERSION",
    "DEMO_NOTE",
    "NUM_PIXELS",
    "PREFERRED_FILES",
    "SPLIT_SEED",
    "DataError",
    "DataNotFoundError",
    "Dataset",
    "best_in_folder",
    "cache_path",
    "find_data",
    "load_data_or_demo",
    "load_demo_sample",
    "load_fer2013",
    "read_fer_csv",
    "read_fer_tar",
    "read_image_folder",
    "read_source",
]
