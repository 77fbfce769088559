"""Command line: ``python -m emo_utils train|eval|data|report|bench``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

DEFAULT_RUN_DIR = "checkpoints/{config}"
BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
DELEGATED = {  # subcommand: (module with a main(argv), help)
    "eval": ("evaluate", "evaluate a checkpoint -> evaluation.json"),
    "data": ("fetch", "find FER2013 or explain where to get it"),
    "report": ("report", "results table for README.md from metrics files"),
}


def _train(args: argparse.Namespace) -> int:
    """Train from the command line; expected problems print one clear line."""
    try:
        return _run_training(args)
    except (ValueError, FileExistsError) as err:  # DataError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 2


def _run_training(args: argparse.Namespace) -> int:
    from .data import load_fer2013
    from .model import get_config
    from .train import fit, hold_out, set_seed

    set_seed(args.seed)
    dataset = load_fer2013(args.data)
    images, labels = dataset.split("Training")
    data = hold_out(images, labels, fraction=args.held_back, seed=args.seed)
    run_dir = Path(args.run_dir or DEFAULT_RUN_DIR.format(config=args.config))
    print(
        f"training {args.config} on {len(data.train_labels)} faces "
        f"({len(data.val_labels)} held back) from {dataset.source} into {run_dir}",
        flush=True,
    )
    metrics = fit(
        get_config(args.config),
        data,
        run_dir,
        num_epochs=args.epochs,
        patience=args.patience,
        seed=args.seed,
        progress=sys.stderr.isatty(),
        snapshots_from=args.snapshots_from,
        overwrite=args.overwrite,
    )
    averaged = metrics.get("averaged")
    shipped = (
        f"mean of epochs {averaged['epochs'][0]}-{averaged['epochs'][1]}, held-back "
        f"accuracy {averaged['held_back_acc']:.3f}"
        if averaged
        else f"best held-back accuracy {metrics['best_held_back_acc']:.3f} at epoch "
        f"{metrics['best_epoch']}"
    )
    print(f"done: {run_dir / 'weights.npz'} holds the {shipped}", flush=True)
    return 0


def _bench(args: argparse.Namespace) -> int:
    """Run every benchmarks/bench_*.py in its own process (clean memory figures)."""
    failed = 0
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emo_utils")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a config (resumes an interrupted run)")
    train.add_argument("--config", default="alexnet48")
    train.add_argument("--epochs", type=int, default=None, help="default: the config's")
    train.add_argument("--run-dir", default=None, help="default: checkpoints/<config>")
    train.add_argument("--data", default=None, help="FER2013 file or folder")
    train.add_argument("--patience", type=int, default=None)
    train.add_argument("--held-back", type=float, default=0.05)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace trained weights that have no training state (the shipped model)",
    )
    train.add_argument(
        "--snapshots-from",
        type=int,
        default=None,
        help="keep each epoch's weights from this epoch on (for weight averaging)",
    )
    train.set_defaults(func=_train)
    for name, (_, text) in DELEGATED.items():
        sub.add_parser(name, help=text, add_help=False)
    bench = sub.add_parser("bench", help="run benchmarks/bench_*.py")
    bench.set_defaults(func=_bench)
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        # These hand the rest of the command line to their module's own parser.
        from importlib import import_module

        return import_module(f"emo_utils.{DELEGATED[argv[0]][0]}").main(argv[1:])
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
