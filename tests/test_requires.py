"""tests/requires.py: a missing requirement skips with its fix, and fails under CI."""

import sys

import pytest

from . import requires
from .requires import require_chromium, require_playwright, require_shared_data

SKIP = pytest.skip.Exception
FAIL = pytest.fail.Exception


@pytest.fixture
def ci(monkeypatch):
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def not_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


def test_missing_shared_data_skips_with_where_to_put_it(not_ci, tmp_path):
    where = r"shared data not found at .*absent: .*beside the repo as \.\./shared/data"
    with pytest.raises(SKIP, match=where):
        require_shared_data(folder=tmp_path / "absent")


def test_missing_shared_data_fails_under_ci(ci, tmp_path):
    with pytest.raises(FAIL, match="CI=true, and shared data not found"):
        require_shared_data(folder=tmp_path / "absent")


def test_a_missing_file_in_the_shared_folder_is_named(not_ci, tmp_path):
    (tmp_path / "fer2013new.csv").write_text("x")
    with pytest.raises(SKIP, match=r"^faces not in "):
        require_shared_data("fer2013new.csv", "faces", folder=tmp_path)
    assert require_shared_data("fer2013new.csv", folder=tmp_path) == tmp_path


def test_present_shared_data_is_returned_under_ci(ci, tmp_path):
    assert require_shared_data(folder=tmp_path) == tmp_path


def test_missing_chromium_skips_with_the_install_command(not_ci, tmp_path):
    with pytest.raises(SKIP, match="apt-get install chromium"):
        require_chromium(tmp_path / "chromium")


def test_missing_chromium_fails_under_ci(ci, tmp_path):
    with pytest.raises(FAIL, match="no Chromium at"):
        require_chromium(tmp_path / "chromium")
    browser = tmp_path / "chromium"
    browser.touch()
    assert require_chromium(browser) == browser


@pytest.mark.parametrize(
    ("value", "fails"),
    [("true", True), ("1", True), ("TRUE", True), ("false", False), ("", False)],
)
def test_only_a_true_ci_variable_turns_skips_into_failures(monkeypatch, tmp_path,
                                                           value, fails):
    monkeypatch.setenv("CI", value)
    with pytest.raises(FAIL if fails else SKIP):
        require_chromium(tmp_path / "chromium")


def test_missing_playwright_skips_then_fails_under_ci(monkeypatch):
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # import fails
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(SKIP, match="playwright package is not installed: `make setup`"):
        require_playwright()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(FAIL, match="playwright"):
        require_playwright()


def test_the_skip_is_pytests_own(not_ci):
    """The helper's skip is a real pytest skip: -ra lists it with its reason."""
    with pytest.raises(SKIP) as info:
        requires.missing("because")
    assert info.value.msg == "because"
