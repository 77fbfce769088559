"""emo_utils.data and emo_utils.data.fetch: formats, splits, errors, cache, real files.

Patches hit the module that looks a name up: ``find._search_dirs`` (used by
find_data), ``loader.read_source`` (used by load_fer2013)."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from emo_utils import data, paths
from emo_utils.data import (
    DataError,
    Dataset,
    fetch,
    find,
    find_data,
    load_fer2013,
    loader,
    read_fer_csv,
)
from emo_utils.labels import EMOTIONS

from .conftest import LFS_POINTER, make_fer_csv, make_fer_rows
from .helpers import write_cut_gzip

TRAINING_COUNTS = [3995, 436, 4097, 7215, 4830, 3171, 4965]


_REAL_SEARCH_DIRS = find._search_dirs


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path_factory, tmp_path):
    """No user settings leak in; the default search finds nothing unless a test says;
    caches go to a fresh folder outside tmp_path (never ~/.cache)."""
    monkeypatch.delenv("EMO_DATA", raising=False)
    monkeypatch.setenv("EMO_CACHE_DIR", str(tmp_path_factory.mktemp("user-cache")))
    monkeypatch.setattr(find, "_search_dirs", lambda: [tmp_path / "nowhere"])


def _assert_same(dataset: Dataset, per_class: int = 2, seed: int = 0) -> None:
    images, labels, usage = make_fer_rows(per_class, seed)
    assert dataset.images.dtype == np.uint8
    assert dataset.images.shape == (7 * per_class, 48, 48)
    assert dataset.labels.dtype == np.int64
    np.testing.assert_array_equal(dataset.images, images)
    np.testing.assert_array_equal(dataset.labels, labels)
    np.testing.assert_array_equal(dataset.usage, usage)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------- formats


def test_reads_csv_values_exactly(fer_csv):
    dataset = read_fer_csv(fer_csv)
    _assert_same(dataset)
    assert dataset.note == ""
    assert dataset.split_names == ["Training", "PublicTest", "PrivateTest"]
    images, labels = dataset.split("PublicTest")
    assert len(images) == len(labels) == 3  # rows 2, 6, 10 of 14
    assert sum(dataset.counts()["Training"]) == 8


def test_reads_gzipped_csv(tmp_path):
    _assert_same(load_fer2013(make_fer_csv(tmp_path, name="fer2013.csv.gz")))


def test_reads_icml_layout_with_spaced_column_names(tmp_path):
    path = make_fer_csv(tmp_path, name="icml_face_data.csv", icml=True)
    assert path.read_text().startswith("emotion, Usage, pixels")
    _assert_same(load_fer2013(path))


def test_reads_kaggle_tar_gz(tmp_path):
    csv = make_fer_csv(tmp_path / "src" if (tmp_path / "src").mkdir() else tmp_path)
    archive = tmp_path / "fer2013.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        readme = io.BytesIO(b"FER2013\n")
        info = tarfile.TarInfo("fer2013/README")
        info.size = len(readme.getvalue())
        tar.addfile(info, readme)
        tar.add(csv, arcname="fer2013/fer2013.csv")
    _assert_same(load_fer2013(archive))


def test_missing_usage_column_gets_stratified_80_10_10_split(tmp_path):
    path = make_fer_csv(tmp_path, per_class=10, usage=False)
    dataset = load_fer2013(path)
    counts = dataset.counts()
    assert counts["Training"] == [8] * 7
    assert counts["PublicTest"] == [1] * 7
    assert counts["PrivateTest"] == [1] * 7
    assert "80/10/10" in dataset.note
    assert "seed 0" in dataset.note
    again = load_fer2013(path, cache=False)
    np.testing.assert_array_equal(dataset.usage, again.usage)  # fixed seed


def test_empty_usage_values_are_split_and_reported(tmp_path):
    path = make_fer_csv(tmp_path, per_class=10, empty_usage_rows=tuple(range(0, 70, 2)))
    dataset = load_fer2013(path)
    _, _, original = make_fer_rows(10)
    assert not (dataset.usage == "").any()
    odd = np.arange(1, 70, 2)
    np.testing.assert_array_equal(dataset.usage[odd], original[odd])  # kept as given
    assert "35 rows" in dataset.note
    assert "80/10/10" in dataset.note


def _write_image_folder(root: Path, private: bool = False) -> tuple[np.ndarray, ...]:
    """train/<emotion>/Training_i.png and test/<emotion>/PublicTest_i.png (lossless)."""
    images, labels, _ = make_fer_rows(2)
    usage = []
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        split_dir = "train" if i % 2 == 0 else "test"
        prefix = "Training" if split_dir == "train" else "PublicTest"
        if private and i == 1:
            prefix = "PrivateTest"
        usage.append({"Training": "Training"}.get(prefix, prefix))
        folder = root / split_dir / EMOTIONS[label]
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{prefix}_{i:03d}.png"), image)
    (root / "train" / ".DS_Store").write_bytes(b"junk")
    return images, labels, np.array(usage)


def _sorted_by_image(dataset: Dataset):
    order = np.lexsort(dataset.images.reshape(len(dataset), -1).T)
    return dataset.images[order], dataset.labels[order], dataset.usage[order]


def test_reads_image_folder_and_says_test_is_publictest(tmp_path):
    images, labels, usage = _write_image_folder(tmp_path / "fer", private=True)
    dataset = load_fer2013(tmp_path / "fer")
    assert "test/ used as PublicTest" in dataset.note
    got = _sorted_by_image(dataset)
    order = np.lexsort(images.reshape(len(images), -1).T)
    np.testing.assert_array_equal(got[0], images[order])
    np.testing.assert_array_equal(got[1], labels[order])
    np.testing.assert_array_equal(got[2], usage[order])
    assert (dataset.usage == "PrivateTest").sum() == 1  # from the file-name prefix
    assert "files named PrivateTest_* used as PrivateTest" in dataset.note


def test_reads_image_folder_tar_gz(tmp_path):
    images, labels, _ = _write_image_folder(tmp_path / "src")
    archive = tmp_path / "fer2013-images.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src", arcname="fer2013")
    dataset = load_fer2013(archive)
    assert len(dataset) == 14
    assert "image-folder layout" in dataset.note
    assert sorted(dataset.labels.tolist()) == sorted(labels.tolist())


def test_folder_picks_best_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    _write_image_folder(folder)
    assert find_data(folder) == folder
    (folder / "other.tar.gz").write_bytes(b"")
    assert find_data(folder) == folder / "other.tar.gz"
    make_fer_csv(folder, name="icml_face_data.csv", icml=True)
    assert find_data(folder) == folder / "icml_face_data.csv"
    make_fer_csv(folder, name="fer2013.csv.gz")
    assert find_data(folder) == folder / "fer2013.csv.gz"
    make_fer_csv(folder, name="fer2013.csv")
    assert find_data(folder) == folder / "fer2013.csv"


def test_search_order_path_then_env_then_default_dirs(tmp_path, monkeypatch):
    explicit = make_fer_csv(tmp_path / "a" if (tmp_path / "a").mkdir() else tmp_path)
    env_dir, repo_data, shared = (tmp_path / n for n in ("env", "repo", "shared"))
    for folder in (env_dir, repo_data, shared):
        folder.mkdir()
    make_fer_csv(shared, name="fer2013.csv.gz")
    monkeypatch.setattr(find, "_search_dirs", lambda: [repo_data, shared])
    assert find_data() == shared / "fer2013.csv.gz"
    make_fer_csv(repo_data)
    assert find_data() == repo_data / "fer2013.csv"
    make_fer_csv(env_dir, name="icml_face_data.csv", icml=True)
    monkeypatch.setenv("EMO_DATA", str(env_dir))
    assert find_data() == env_dir / "icml_face_data.csv"
    assert find_data(explicit) == explicit


def test_default_search_dirs_are_paths_data_dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(find, "_search_dirs", _REAL_SEARCH_DIRS)
    assert find._search_dirs() == list(paths.DATA_DIRS)
    assert paths.DATA_DIRS[0] == paths.REPO_ROOT / "data"
    first, second = tmp_path / "first", tmp_path / "second"
    second.mkdir()
    make_fer_csv(second, name="fer2013.csv.gz")
    monkeypatch.setattr(paths, "DATA_DIRS", (first, second))
    assert find_data() == second / "fer2013.csv.gz"
    with pytest.raises(DataError, match=f"Put FER2013 at {first}/fer2013.csv"):
        find_data(tmp_path / "absent.csv")
    (second / "fer2013.csv.gz").unlink()
    with pytest.raises(DataError, match=f"in {first}/ or set EMO_DATA"):
        find_data()


# -------------------------------------------------------------------------- errors


def test_nothing_found_says_where_to_put_it(tmp_path):
    with pytest.raises(DataError, match=r"data/ or set EMO_DATA.*`make data`") as err:
        load_fer2013()
    assert "fer2013.csv" in str(err.value)
    assert str(tmp_path / "nowhere") in str(err.value)


def test_zip_is_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(find, "_search_dirs", lambda: [tmp_path])
    with zipfile.ZipFile(tmp_path / "fer2013.zip", "w") as z:
        z.writestr("train/happy/Training_1.jpg", b"")
    with pytest.raises(DataError, match=r"fer2013\.zip: unzip it first"):
        load_fer2013()
    shutil.copy(tmp_path / "fer2013.zip", tmp_path / "fer2013.csv")
    with pytest.raises(DataError, match=r"fer2013\.csv is a zip archive.*Unzip it"):
        load_fer2013()


def test_missing_explicit_file_names_it(tmp_path):
    with pytest.raises(
        DataError, match=r"missing\.csv does not exist.*data/fer2013\.csv"
    ):
        load_fer2013(tmp_path / "missing.csv")


def test_missing_env_file_says_it_came_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("EMO_DATA", str(tmp_path / "gone.csv"))
    with pytest.raises(
        DataError, match=r"gone\.csv \(from \$EMO_DATA\) does not exist"
    ):
        load_fer2013()


def test_folder_without_data_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="folder without FER2013"):
        load_fer2013(tmp_path)


BAD_FILES = {
    "lfs_pointer_csv": r"fer2013\.csv is a Git LFS pointer.*git lfs pull",
    "html_csv": r"fer2013\.csv is an HTML page.*Download the file itself",
    "empty_csv": r"fer2013\.csv is empty.*Re-download",
    "header_only_csv": r"fer2013\.csv has a header but no rows",
    "pixel_count_csv": r"fer2013\.csv row 6 \(line 7\): 2303 pixels, expected 2304",
    "non_numeric_csv": r"fer2013\.csv row 4 \(line 5\): pixel 2 is 'abc'",
    "bad_label_csv": r"fer2013\.csv row 9 \(line 10\): emotion '7' is not one of 0-6",
    "wrong_columns_csv": r"missing column\(s\) emotion, pixels; found 'label'",
}


@pytest.mark.parametrize(("fixture", "message"), BAD_FILES.items(), ids=list(BAD_FILES))
def test_bad_file_raises_one_clear_error_and_changes_nothing(request, fixture, message):
    path: Path = request.getfixturevalue(fixture)
    before = _snapshot(path.parent)
    with pytest.raises(DataError, match=message):
        load_fer2013(path)
    assert _snapshot(path.parent) == before  # no cache written, nothing deleted


def test_bad_rows_in_gz_and_pixel_range(tmp_path):
    path = make_fer_csv(tmp_path, name="fer2013.csv.gz", pixel_count_row=0)
    with pytest.raises(DataError, match=r"fer2013\.csv\.gz row 1 \(line 2\): 2303"):
        load_fer2013(path)
    lines = make_fer_csv(tmp_path).read_text().splitlines()
    label, pixels = lines[1].split(",", 1)
    lines[1] = f"{label},300{pixels[pixels.index(' ') :]}"  # first pixel -> 300
    (tmp_path / "range.csv").write_text("\n".join(lines))
    with pytest.raises(DataError, match=r"range\.csv row 1 \(line 2\): .*300"):
        load_fer2013(tmp_path / "range.csv")


def test_lfs_pointer_gzipped_and_bad_usage(tmp_path):

    (tmp_path / "fer2013.csv.gz").write_bytes(gzip.compress(LFS_POINTER.encode()))
    with pytest.raises(DataError, match="Git LFS pointer"):
        load_fer2013(tmp_path / "fer2013.csv.gz")
    text = make_fer_csv(tmp_path).read_text().replace("PublicTest", "Valid", 1)
    (tmp_path / "usage.csv").write_text(text)
    with pytest.raises(DataError, match=r"row 3 \(line 4\): Usage 'Valid'"):
        load_fer2013(tmp_path / "usage.csv")


def test_image_folder_with_unknown_emotion(tmp_path):
    _write_image_folder(tmp_path)
    shutil.move(tmp_path / "test" / "fear", tmp_path / "test" / "contempt")
    with pytest.raises(DataError, match=r"folder 'contempt'.*expected one of angry"):
        load_fer2013(tmp_path)


# ------------------------------------------------------------------ damaged files


def _image_tar(folder: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="fer2013")
    return archive


def _garble(path: Path) -> Path:
    """Overwrite 2 KB in the middle of a file with zeros (a bad sector, a bad copy)."""
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 2048] = bytes(2048)
    path.write_bytes(bytes(raw))
    return path


def test_gzip_cut_short_names_the_file_and_the_fix(tmp_path):
    path = write_cut_gzip(tmp_path)
    with pytest.raises(EOFError):  # a real gzip cut short
        gzip.decompress(path.read_bytes())
    with pytest.raises(DataError, match=r"fer2013\.csv\.gz is cut short.*Re-download"):
        load_fer2013(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fer2013.csv.gz"]


def test_gzip_garbled_in_the_middle_is_a_data_error(tmp_path):
    path = _garble(make_fer_csv(tmp_path, per_class=20, name="fer2013.csv.gz"))
    with pytest.raises(DataError, match=r"fer2013\.csv\.gz is damaged.*Re-download"):
        load_fer2013(path)


def test_make_data_reports_a_cut_gzip_in_one_line(tmp_path, capsys):
    path = write_cut_gzip(tmp_path)
    assert fetch.run_data(path=str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: fer2013.csv.gz is cut short")


def test_plain_csv_cut_short_names_the_last_row(tmp_path):
    path = make_fer_csv(tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 3000])  # mid-way through the last row
    with pytest.raises(DataError, match=r"fer2013\.csv row 14 \(line 15\): \d+ pixels"):
        load_fer2013(path)


def test_image_tar_cut_short_names_the_file_and_the_fix(tmp_path):
    _write_image_folder(tmp_path / "src")
    archive = _image_tar(tmp_path / "src", tmp_path / "fer2013-images.tar.gz")
    raw = archive.read_bytes()
    for fraction in (0.1, 0.5, 0.9):
        archive.write_bytes(raw[: int(len(raw) * fraction)])
        with pytest.raises(
            DataError, match=r"fer2013-images\.tar\.gz is cut short.*Re-download"
        ):
            load_fer2013(archive, cache=False)


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "tar.gz"])
def test_empty_image_is_named_with_the_fix(tmp_path, packed):
    """Decision: a damaged image is a DataError naming it (never a silent skip)."""
    root = tmp_path / "fer"
    _write_image_folder(root)
    (root / "train" / "happy").mkdir(parents=True, exist_ok=True)
    (root / "train" / "happy" / "Training_900.jpg").write_bytes(b"")
    if packed:
        source = _image_tar(root, tmp_path / "fer2013-images.tar.gz")
        where = "fer2013-images.tar.gz: fer2013/train/happy/Training_900.jpg"
    else:
        source, where = root, str(root / "train" / "happy" / "Training_900.jpg")
    with pytest.raises(DataError) as err:
        load_fer2013(source)
    message = str(err.value)
    assert message.startswith(f"{where} is empty (0 bytes)")
    assert "Delete it or re-download" in message


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "tar.gz"])
def test_cut_and_garbled_jpegs_are_named(tmp_path, packed):
    root = tmp_path / "fer"
    images, _, _ = _write_image_folder(root)
    ok, jpeg = cv2.imencode(".jpg", images[0], [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    folder = root / "train" / "angry"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Training_901.jpg").write_bytes(jpeg.tobytes()[: len(jpeg) // 2])
    source = _image_tar(root, tmp_path / "images.tar.gz") if packed else root
    with pytest.raises(DataError, match=r"train/angry/Training_901\.jpg is cut short"):
        load_fer2013(source, cache=False)
    (folder / "Training_901.jpg").write_bytes(b"\xff\xd8" + bytes(500) + b"\xff\xd9")
    source = _image_tar(root, tmp_path / "images2.tar.gz") if packed else root
    with pytest.raises(DataError, match=r"Training_901\.jpg: not a readable image"):
        load_fer2013(source, cache=False)


def test_16_bit_png_is_scaled_and_8_bit_values_in_16_bits_get_the_right_hint(
    tmp_path,
):
    root = tmp_path / "fer"
    _write_image_folder(root)
    file = sorted(root.rglob("*.png"))[0]
    face = cv2.imread(str(file), cv2.IMREAD_GRAYSCALE)
    expected = _sorted_by_image(load_fer2013(root, cache=False))[0]
    assert cv2.imwrite(str(file), face.astype(np.uint16) * 257)  # full 16-bit range
    assert cv2.imread(str(file), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    np.testing.assert_array_equal(
        _sorted_by_image(load_fer2013(root, cache=False))[0], expected
    )
    assert cv2.imwrite(str(file), face.astype(np.uint16))  # 0-255 saved as 16-bit
    with pytest.raises(DataError) as err:
        load_fer2013(root, cache=False)
    message = str(err.value)
    assert message.startswith(f"{file} is a 16-bit image")
    assert ".astype(np.uint8)" in message  # the right conversion, not the float one
    assert "* 255" not in message


def test_csv_without_header_gets_a_short_message(tmp_path):
    lines = make_fer_csv(tmp_path).read_text().splitlines()
    (tmp_path / "fer2013.csv").write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(DataError) as err:
        load_fer2013(tmp_path / "fer2013.csv")
    message = str(err.value)
    assert message.startswith("fer2013.csv has no header row")
    assert "emotion,pixels,Usage" in message
    assert len(message) < 300


@pytest.mark.parametrize("row", [0, 4])
def test_extra_fields_are_reported_as_extra_fields(tmp_path, row):
    lines = make_fer_csv(tmp_path).read_text().splitlines()
    lines[row + 1] += ",Training"
    (tmp_path / "fer2013.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        load_fer2013(tmp_path / "fer2013.csv")
    message = str(err.value)
    assert message.startswith(f"fer2013.csv row {row + 1} (line {row + 2}): ")
    assert "extra field" in message
    assert "3 in the header" in message
    assert "\n" not in message
    assert len(message) < 300


def test_damaged_kaggle_zip_is_a_data_error(tmp_path, monkeypatch, capsys):
    images_dir = tmp_path / "img"
    _write_image_folder(images_dir)
    zipped = tmp_path / "fer2013.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for file in images_dir.rglob("*.png"):
            z.write(file, file.relative_to(images_dir).as_posix())
    raw = zipped.read_bytes()
    zipped.write_bytes(raw[: len(raw) // 2])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DataError, match=r"fer2013\.zip is cut short or damaged"):
        fetch.unpack_download(zipped, out)
    assert not any(out.iterdir())


# --------------------------------------------------------------------------- cache


def test_cache_goes_to_the_user_cache_dir_and_is_used(
    fer_csv, tmp_path_factory, monkeypatch
):
    xdg = tmp_path_factory.mktemp("xdg")
    monkeypatch.delenv("EMO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    first = load_fer2013(fer_csv)
    assert sorted(p.name for p in fer_csv.parent.iterdir()) == ["fer2013.csv"]
    cache = data.cache_path(fer_csv)
    assert cache.parent == xdg / "emo_utils"
    assert list(cache.parent.iterdir()) == [cache]
    with np.load(cache, allow_pickle=False) as npz:
        assert set(npz.files) >= {"images", "labels", "usage", "key", "checksum"}

    def no_reading(*args, **kwargs):
        raise AssertionError("source was parsed again instead of the cache")

    monkeypatch.setattr(loader, "read_source", no_reading)
    second = load_fer2013(fer_csv)
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.usage, first.usage)
    assert second.source == first.source


def test_a_cached_file_reached_another_way_is_named_as_reached(fer_csv, monkeypatch):
    """The cache keeps the faces, not the path they were first read by: notebook 03
    (run from notebooks/) once reported the data as "shared/data/..."."""
    load_fer2013(fer_csv)
    monkeypatch.chdir(fer_csv.parent)
    monkeypatch.setattr(loader, "read_source", lambda *a, **k: pytest.fail("re-parsed"))
    again = load_fer2013("fer2013.csv")
    assert again.source == "fer2013.csv"


def test_cache_with_bad_checksum_is_rebuilt(fer_csv):
    load_fer2013(fer_csv)
    cache = data.cache_path(fer_csv)
    with np.load(cache, allow_pickle=False) as npz:
        stored = {k: npz[k] for k in npz.files}
    stored["images"] = np.zeros_like(stored["images"])  # corrupted, old checksum kept
    with open(cache, "wb") as f:
        np.savez(f, **stored)
    dataset = load_fer2013(fer_csv)
    _assert_same(dataset)
    with np.load(cache, allow_pickle=False) as npz:
        assert npz["images"].any()  # rewritten from the source


def test_cache_of_changed_source_is_rebuilt(tmp_path):
    path = make_fer_csv(tmp_path, seed=0)
    load_fer2013(path)
    make_fer_csv(tmp_path, seed=1)
    os.utime(path, ns=(1, 1))  # even with a faked mtime, the content hash differs
    _assert_same(load_fer2013(path), seed=1)


def test_read_only_shared_data_is_cached_per_user(tmp_path):
    source_dir = tmp_path / "shared"
    source_dir.mkdir()
    path = make_fer_csv(source_dir)
    source_dir.chmod(0o555)
    try:
        _assert_same(load_fer2013(path))
        assert sorted(p.name for p in source_dir.iterdir()) == ["fer2013.csv"]
        assert data.cache_path(path).is_file()
        assert data.cache_path(path).parent == Path(os.environ["EMO_CACHE_DIR"])
        _assert_same(load_fer2013(path))
    finally:
        source_dir.chmod(0o755)


@pytest.mark.parametrize("where", ["read-only", "inside-read-only", "a-file"])
def test_unwritable_cache_dir_loads_without_caching_and_says_so(
    fer_csv, tmp_path_factory, monkeypatch, where
):
    base = tmp_path_factory.mktemp("locked")
    target = {"read-only": base, "inside-read-only": base / "sub"}.get(where)
    if target is None:
        target = base / "file"
        target.write_text("not a folder")
    monkeypatch.setenv("EMO_CACHE_DIR", str(target))
    before = _snapshot(base)
    base.chmod(0o555)
    try:
        dataset = load_fer2013(fer_csv)
        assert _snapshot(base) == before
    finally:
        base.chmod(0o755)
    _assert_same(dataset)
    assert dataset.note.startswith(f"not cached: {target} is not a writable folder")
    assert "EMO_CACHE_DIR" in dataset.note
    assert "\n" not in dataset.note
    assert sorted(p.name for p in fer_csv.parent.iterdir()) == ["fer2013.csv"]


def test_cache_false_writes_nothing(fer_csv):
    _assert_same(load_fer2013(fer_csv, cache=False, progress=False))
    assert sorted(p.name for p in fer_csv.parent.iterdir()) == ["fer2013.csv"]


# ---------------------------------------------------------------------- real files


def test_real_first_rows_file(shared_data_dir):
    dataset = read_fer_csv(shared_data_dir / "fer2013-first-rows.csv")
    assert len(dataset) == 151
    assert dataset.split_names == ["Training"]
    assert dataset.counts()["Training"] == [27, 0, 29, 37, 22, 14, 22]
    assert dataset.labels[:5].tolist() == [0, 0, 2, 4, 6]
    assert dataset.images[0, 0, :5].tolist() == [70, 80, 82, 72, 58]


def test_real_image_folder_sample(shared_data_dir):
    dataset = load_fer2013(
        shared_data_dir / "fer2013-images-sample.tar.gz", cache=False
    )
    assert dataset.counts() == {"Training": [20] * 7, "PublicTest": [10] * 7}
    assert "test/ used as PublicTest" in dataset.note


@pytest.mark.slow
def test_real_fer2013_counts(shared_data_dir, monkeypatch):
    monkeypatch.setattr(find, "_search_dirs", lambda: [shared_data_dir])
    monkeypatch.delenv("EMO_CACHE_DIR")  # the real per-user cache, kept between runs
    dataset = load_fer2013()
    # the same file, whether or not ../shared is a link
    expected = shared_data_dir / "fer2013.csv.gz"
    assert Path(dataset.source).resolve() == expected.resolve()
    assert dataset.images.shape == (32298, 48, 48)
    counts = dataset.counts()
    assert counts["Training"] == TRAINING_COUNTS
    assert sum(counts["PublicTest"]) == 3589
    assert "PrivateTest" not in counts


# --------------------------------------------------------------------------- fetch


def test_fetch_reports_what_it_found(fer_csv, capsys):
    assert fetch.run_data(path=str(fer_csv)) == 0
    out = capsys.readouterr().out
    assert f"found: {fer_csv}" in out
    assert "Training" in out
    assert "PublicTest" in out
    assert "14 faces" in out


def test_fetch_without_data_explains_and_fails(capsys):
    assert fetch.run_data(allow_download=False) == 1
    err = capsys.readouterr().err
    assert fetch.COMPETITION in err
    assert "msambare/fer2013" in err
    assert str(paths.DATA_DIRS[0]) in err


def test_fetch_says_to_put_data_in_the_first_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "DATA_DIRS", (tmp_path / "mine", tmp_path / "shared"))
    monkeypatch.setattr(find, "_search_dirs", lambda: list(paths.DATA_DIRS))
    assert fetch.run_data(allow_download=False) == 1
    err = capsys.readouterr().err
    assert f"put it in\n         {tmp_path / 'mine'}/" in err
    assert str(paths.REPO_ROOT / "data") not in err


def test_fetch_bad_file_fails(html_csv, capsys):
    assert fetch.run_data(path=str(html_csv)) == 1
    assert "HTML page" in capsys.readouterr().err


def test_unpack_competition_zip_and_image_zip(tmp_path):
    csv = make_fer_csv(tmp_path)
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        tar.add(csv, arcname="fer2013/fer2013.csv")
    zipped = tmp_path / "competition.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("fer2013.tar.gz", inner.getvalue())
        z.writestr("example_submission.csv", "id\n")
    out = tmp_path / "out"
    out.mkdir()
    assert fetch.unpack_download(zipped, out) == out / "fer2013.csv"
    _assert_same(load_fer2013(out))

    images_dir, out2 = tmp_path / "img", tmp_path / "out2"
    _write_image_folder(images_dir)
    zipped2 = tmp_path / "fer2013.zip"
    with zipfile.ZipFile(zipped2, "w") as z:
        for file in images_dir.rglob("*.png"):
            z.write(file, file.relative_to(images_dir).as_posix())
    out2.mkdir()
    assert fetch.unpack_download(zipped2, out2) == out2
    assert len(load_fer2013(out2)) == 14


def test_fetch_downloads_with_kaggle_and_verifies(tmp_path, monkeypatch, capsys):
    """A fake kaggle CLI 'downloads' the image zip; run_data unpacks and loads it."""
    images_dir = tmp_path / "img"
    _write_image_folder(images_dir)
    calls = []

    def fake_run(cmd, check):
        calls.append(cmd)
        if "competitions" in cmd:
            return subprocess.CompletedProcess(cmd, 1)  # rules not accepted
        target = Path(cmd[cmd.index("-p") + 1]) / "fer2013.zip"
        with zipfile.ZipFile(target, "w") as z:
            for file in images_dir.rglob("*.png"):
                z.write(file, file.relative_to(images_dir).as_posix())
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(paths, "DATA_DIRS", (tmp_path / "repo" / "data",))
    monkeypatch.setattr(fetch, "kaggle_ready", lambda: True)
    monkeypatch.setattr(fetch.subprocess, "run", fake_run)
    assert fetch.run_data() == 0
    assert [c[1] for c in calls] == ["competitions", "datasets"]
    assert "msambare/fer2013" in calls[1]
    data_dir = tmp_path / "repo" / "data"
    assert (data_dir / "train").is_dir()
    assert (data_dir / "test").is_dir()
    assert not (data_dir / "fer2013.zip").exists()
    out = capsys.readouterr().out
    assert "14 faces" in out
    assert "test/ used as PublicTest" in out
