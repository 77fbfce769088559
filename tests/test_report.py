"""The README's results table is generated from the metrics files and kept current."""

import json
from pathlib import Path

import pytest

from emo_utils.evaluation.report import END, START, readme_with_table, results_markdown

REPO = Path(__file__).resolve().parents[1]


def _run(tmp_path, name, public, tta, epochs=3, flip=None):
    run = tmp_path / name
    run.mkdir()
    metrics = {"epochs_run": epochs, "train_seconds": 600.0, "img_per_s": 300.0,
               "best_held_back_acc": 0.6, "best_epoch": epochs,
               "history": [{"epoch": epochs, "acc": 0.5, "val_acc": 0.6}],
               "test": {"PublicTest": {"accuracy": public, "accuracy_tta": tta,
                                       "accuracy_flip": flip}}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    return metrics


def test_table_lists_runs_best_first_with_their_numbers(tmp_path):
    _run(tmp_path, "seed", 0.42, None)
    metrics = _run(tmp_path, "alexnet48", 0.70, 0.715, epochs=60, flip=0.712)
    metrics["test"]["PublicTest"].update(
        ece=0.021, ece_uncalibrated=0.138, temperature=1.7,
        photo_proxy_accuracy=0.55, photo_proxy_gap=0.15)
    (tmp_path / "alexnet48" / "metrics.json").write_text(json.dumps(metrics))
    (tmp_path / "untested").mkdir()
    table = results_markdown(tmp_path)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert rows[0].startswith(
        "| `alexnet48` | 70.0% | 71.2% | 71.5% | — | 0.138 → 0.021 | 55.0% (-15.0) "
        "| 60 | 10 min | 300 |"
    )
    assert rows[1].startswith("| `seed` | 42.0% | — | — | — | — | — | 3 |")
    assert len(rows) == 2
    assert "Kaggle 2013 winner" in table  # anchors come from anchors.json


def test_readme_table_is_replaced_between_markers_only():
    text = f"intro\n{START}\nold\n{END}\noutro"
    assert readme_with_table(text, "NEW") == f"intro\n{START}\nNEW\n{END}\noutro"
    with pytest.raises(ValueError, match="markers"):
        readme_with_table("no markers", "NEW")


def test_readme_shows_the_current_metrics():
    readme = (REPO / "README.md").read_text()
    assert readme_with_table(readme, results_markdown()) == readme, (
        "README results table is stale: run `python -m emo_utils report --write`"
    )



def test_a_fine_tunes_row_counts_its_parents_epochs_and_time(tmp_path):
    _run(tmp_path, "base", 0.69, None, epochs=120)
    _run(tmp_path, "tuned", 0.70, None, epochs=30)
    config = {"name": "tuned", "init_from": str(tmp_path / "base")}
    (tmp_path / "tuned" / "config.json").write_text(json.dumps(config))
    rows = [line for line in results_markdown(tmp_path).splitlines()
            if line.startswith("| `")]
    assert rows[0].startswith("| `tuned` | 70.0% |")
    assert rows[0].endswith("| 120 + 30 | 10 + 10 min | 300 |")
    assert rows[1].endswith("| 120 | 10 min | 300 |")
