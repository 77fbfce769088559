"""The messages a new user meets on the photo path: each one's text, asserted."""

from __future__ import annotations

import pytest

from emo_utils import cli
from emo_utils.images import ImageError, load_image, read_image


def test_an_empty_photo_is_called_empty(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageError) as err:
        read_image(empty)
    assert str(err.value) == (f"{empty} is empty (0 bytes), not an image; copy the "
                              "photo again")
    with pytest.raises(ImageError, match=r"^the image data is empty \(0 bytes\)"):
        load_image(b"")


@pytest.mark.parametrize(("bad", "text"), [
    (5, "got an int (5)"),
    ([1, 2], "got a list ([1, 2])"),
    (object, "got a type (<class 'object'>)"),
])
def test_the_type_named_has_its_article(bad, text):
    with pytest.raises(ImageError) as err:
        load_image(bad)
    assert str(err.value).endswith(text)


class _ReadsOnly:
    """A predictor stand-in: reads the photo as the real one does, no network."""

    def predict_all(self, path, finder=None):
        read_image(path)
        raise AssertionError("only unreadable photos are given here")


@pytest.mark.parametrize(("content", "line"), [
    (b"shopping list", "error: {p} is not an image (or is damaged): could not "
     "decode 13 bytes starting with b'shopping lis'. Give a JPEG, PNG or WebP "
     "photo."),
    (b"", "error: {p} is empty (0 bytes), not an image; copy the photo again"),
])
def test_predict_names_a_bad_photo_once(monkeypatch, capsys, tmp_path, content,
                                        line):
    from emo_utils.predict import EmotionPredictor

    photo = tmp_path / "notes.jpg"
    photo.write_bytes(content)
    monkeypatch.setattr(EmotionPredictor, "from_checkpoint",
                        classmethod(lambda cls, *a, **k: _ReadsOnly()))
    assert cli.main(["predict", str(photo)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == line.format(p=photo)
    assert err[0].count(str(photo)) == 1


def test_predict_names_a_missing_photo(monkeypatch, capsys, tmp_path):
    from emo_utils.predict import EmotionPredictor

    monkeypatch.setattr(EmotionPredictor, "from_checkpoint",
                        classmethod(lambda cls, *a, **k: _ReadsOnly()))
    missing = tmp_path / "gone.jpg"
    assert cli.main(["predict", str(missing)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"error: {missing}: no such file or folder")
