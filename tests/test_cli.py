"""`python -m emo_utils ...` dispatches to the right module."""

import pytest

from emo_utils.cli import main


def test_report_prints_the_results_table(capsys):
    assert main(["report"]) == 0
    assert "| published anchor | accuracy | split |" in capsys.readouterr().out


def test_data_reports_what_it_found(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("EMO_DATA", str(tmp_path / "absent.csv"))
    assert main(["data", "--no-download"]) != 0  # nothing found is a failure
    assert "No FER2013 found" in capsys.readouterr().err


def test_unknown_command_is_an_error():
    with pytest.raises(SystemExit):
        main(["fly"])


@pytest.mark.slow
def test_train_refuses_to_overwrite_weights_without_state(capsys, tmp_path):
    from .helpers import SHARED

    first_rows = SHARED / "fer2013-first-rows.csv"
    if not first_rows.exists():
        pytest.skip("needs ../shared/data")
    (tmp_path / "weights.npz").write_bytes(b"shipped")
    code = main(["train", "--config", "seed", "--epochs", "1", "--data",
                 str(first_rows), "--run-dir", str(tmp_path)])
    assert code == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (tmp_path / "weights.npz").read_bytes() == b"shipped"
