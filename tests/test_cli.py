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


def test_train_precision_bogus_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--precision", "bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --precision: invalid choice: 'bogus'" in err
    choices = err.split("choose from")[1]
    assert all(f"'{name}'" in choices for name in ("auto", "bf16", "fp32"))


@pytest.mark.parametrize("option", ["--keep-epochs-from", "--snapshots-from"])
def test_train_keeps_epochs_from_under_the_new_and_the_old_option(
    capsys, monkeypatch, option
):
    """--snapshots-from is the deprecated, hidden name of --keep-epochs-from."""
    import emo_utils.cli as cli

    seen = {}
    monkeypatch.setattr(cli, "_run_training",
                        lambda args: seen.setdefault("from", args.keep_epochs_from))
    assert main(["train", option, "3"]) == 3
    assert seen == {"from": 3}
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    usage = capsys.readouterr().out
    assert "--keep-epochs-from" in usage
    assert "--snapshots-from" not in usage


def test_train_refuses_to_overwrite_weights_without_state(capsys, tmp_path):
    """rundir.WeightsWithoutState reaches the user as one error line, exit code 2."""
    from .conftest import make_fer_csv

    faces = make_fer_csv(tmp_path, per_class=20)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "weights.npz").write_bytes(b"shipped")
    code = main(["train", "--config", "seed", "--epochs", "1", "--data",
                 str(faces), "--run-dir", str(run_dir)])
    assert code == 2
    assert "--overwrite" in _one_error_line(capsys)
    assert (run_dir / "weights.npz").read_bytes() == b"shipped"


# ------------------------------------------- expected errors: one line, no traceback


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("EMO_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


def test_eval_of_a_cut_gzip_prints_one_line(capsys, tmp_path):
    from .helpers import write_cut_gzip

    cut = write_cut_gzip(tmp_path)
    assert main(["eval", "--data", str(cut), "--no-write"]) == 1
    assert "fer2013.csv.gz is cut short" in _one_error_line(capsys)


def test_eval_of_a_missing_checkpoint_prints_one_line(capsys, tmp_path, fer_csv):
    code = main(["eval", "--checkpoint", str(tmp_path / "nowhere"), "--data",
                 str(fer_csv), "--no-write"])
    assert code == 1
    assert "no config.json in" in _one_error_line(capsys)


def test_unexpected_errors_keep_their_traceback(monkeypatch):
    from emo_utils.evaluation import report

    def broken(**kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(report, "run_report", broken)
    with pytest.raises(KeyError, match="a bug"):
        main(["report"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--held-back", "1.5"], "--held-back 1.5 is outside (0, 1)"),
        (["--held-back", "0"], "--held-back 0 is outside (0, 1)"),
        (["--config", "nope"], "unknown config 'nope'"),
        (["--config", "missing/config.json"], "missing/config.json does not exist"),
    ],
)
def test_train_arguments_are_checked_before_the_data_loads(
    capsys, monkeypatch, args, message
):
    from emo_utils import data

    def no_loading(*args, **kwargs):
        raise AssertionError("the data was loaded before the arguments were checked")

    monkeypatch.setattr(data, "load_fer2013", no_loading)
    assert main(["train", *args]) == 2
    assert message in _one_error_line(capsys)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "--path", "{cut}"], "error: fer2013.csv.gz is cut short"),
        (["eval", "--data", "{cut}", "--no-write"], "error: fer2013.csv.gz is cut"),
        (["eval", "--checkpoint", "{tmp}/nowhere", "--data", "{csv}", "--no-write"],
         "error: no config.json in"),
        (["train", "--held-back", "1.5", "--data", "{cut}"], "error: --held-back 1.5"),
        (["train", "--config", "nope", "--data", "{cut}"], "error: unknown config"),
        (["data", "--path", "{headless}"], "error: headless.csv has no header row"),
        (["train", "--data", "{cut}", "--run-dir", "{tmp}/run"],
         "error: fer2013.csv.gz is cut short"),
    ],
    ids=["data-cut-gz", "eval-cut-gz", "eval-no-checkpoint", "train-held-back",
         "train-config", "data-no-header", "train-cut-gz"],
)
def test_command_line_prints_one_error_line(tmp_path, args, message):
    """Real `python -m emo_utils` runs: exit code != 0, one line, no traceback."""
    from .conftest import make_fer_csv
    from .helpers import run_cli, write_cut_gzip

    files = {"cut": write_cut_gzip(tmp_path), "tmp": tmp_path,
             "csv": make_fer_csv(tmp_path)}
    lines = files["csv"].read_text().splitlines()
    files["headless"] = tmp_path / "headless.csv"
    files["headless"].write_text("\n".join(lines[1:]) + "\n")
    code, _, err = run_cli(*(a.format(**files) for a in args),
                           env={"EMO_CACHE_DIR": str(tmp_path / "cache")})
    assert code != 0
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    assert err[0].startswith(message)
    assert len(err[0]) < 400
