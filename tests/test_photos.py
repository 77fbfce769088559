"""Photos in, table out: predict_photos, predict_folder and the predict command."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from emo_utils import cli
from emo_utils.infer.photos import COLUMNS, NO_FACE, predict_folder, predict_photos
from emo_utils.labels import EMOTIONS
from emo_utils.predict import EmotionPredictor

ASSETS = Path(__file__).resolve().parent.parent / "emo_utils" / "assets"


@pytest.fixture(scope="module")
def predictor() -> EmotionPredictor:
    return EmotionPredictor.from_checkpoint()


def _frame(name: str) -> np.ndarray:
    """A shipped sample face pasted into a grey 640x480 frame (BGR, as cv2 writes)."""
    face = cv2.imread(str(ASSETS / name))
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:260, 300:460] = face
    return frame


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """happy.jpg, neutral.png, a flat picture, a damaged JPEG, a text file, and a
    subfolder with one more photo."""
    root = tmp_path_factory.mktemp("photos")
    cv2.imwrite(str(root / "happy.jpg"), _frame("sample_face_happy.png"))
    cv2.imwrite(str(root / "neutral.png"), _frame("sample_face_neutral.png"))
    cv2.imwrite(str(root / "wall.png"), np.full((300, 400, 3), 200, np.uint8))
    jpeg = (root / "happy.jpg").read_bytes()
    (root / "cut.jpg").write_bytes(jpeg[:200])  # a download that broke off early
    (root / "notes.txt").write_text("not a photo, and not listed: wrong suffix")
    (root / "sub").mkdir()
    cv2.imwrite(str(root / "sub" / "again.jpg"), _frame("sample_face_happy.png"))
    return root


def test_a_folder_gives_one_row_per_face_and_one_per_faceless_photo(predictor, folder):
    table = predict_folder(folder, predictor=predictor)
    assert list(table.columns) == list(COLUMNS)
    by_file = {Path(f).name: rows for f, rows in table.groupby("file")}
    assert set(by_file) == {"happy.jpg", "neutral.png", "wall.png"}  # cut.jpg failed
    assert by_file["happy.jpg"]["label"].tolist() == ["happy"]
    assert by_file["happy.jpg"]["face"].tolist() == [1]
    wall = by_file["wall.png"].iloc[0]
    assert (wall["note"], wall["label"]) == (NO_FACE, "")
    assert pd.isna(wall["face"])
    assert pd.isna(wall["happy"])
    probs = table.dropna(subset=["happy"])[list(EMOTIONS)].to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-3)


def test_recursive_and_globs_and_failures_are_named(predictor, folder):
    errors = []
    result = predict_photos([folder, str(folder / "nothing*.jpg"), "missing.jpg"],
                            recursive=True, predictor=predictor,
                            on_error=lambda name, why: errors.append((name, why)))
    files = {Path(f).name for f in result.table["file"]}
    assert "again.jpg" in files
    named = {Path(name).name: why for name, why in errors}
    assert "is not an image (or is damaged)" in named["cut.jpg"]
    assert named["nothing*.jpg"] == "no file matches this pattern"
    assert named["missing.jpg"] == "no such file or folder"
    assert result.failed == errors


def test_rows_are_written_as_they_go_and_ctrl_c_keeps_them(predictor, folder,
                                                           tmp_path):
    calls = []

    class StopsOnSecond:  # the network of the second photo is interrupted
        def predict_faces(self, faces, **kwargs):
            calls.append(faces)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return predictor.predict_faces(faces, **kwargs)

    out = tmp_path / "rows.csv"
    result = predict_photos([folder / "happy.jpg", folder / "neutral.png",
                             folder / "wall.png"], predictor=StopsOnSecond(),
                            csv_path=out, progress=False)
    assert result.interrupted
    saved = pd.read_csv(out)
    assert saved["file"].map(lambda f: Path(f).name).tolist() == ["happy.jpg"]
    assert len(result.table) == 1


def test_the_command_writes_the_csv_names_bad_files_and_fails(folder, tmp_path,
                                                             capsys):
    out = tmp_path / "faces.csv"
    code = cli.main(["predict", str(folder), "--csv", str(out)])
    captured = capsys.readouterr()
    assert code == 1  # one file could not be read
    assert captured.err.count("error: ") == 1
    assert "cut.jpg" in captured.err
    assert "Traceback" not in captured.err
    assert "3 photos, 2 faces labelled, 1 with no face; 1 file could not" in \
        captured.out
    table = pd.read_csv(out)
    assert len(table) == 3
    assert list(table.columns) == list(COLUMNS)


def test_the_command_prints_the_table_when_no_csv_is_given(folder, capsys):
    assert cli.main(["predict", str(folder / "happy.jpg")]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == ",".join(COLUMNS)
    assert ",happy," in captured.out
    assert "1 photo, 1 face labelled." in captured.err
