"""Command line: ``python -m emo_utils train|eval|data|report|bench``.

Expected problems (bad data, arguments, checkpoints) print one ``error: ...`` line on
stderr and exit non-zero; anything else keeps its traceback (``EMO_DEBUG=1`` keeps it
for expected ones too).
"""

from __future__ import annotations

import argparse
import os
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
    from .train import TrainingInterrupted

    try:
        return _run_training(args)
    except (ValueError, FileExistsError) as err:  # DataError is a ValueError
        print(f"error: {err}", file=sys.stderr)
        return 2
    except TrainingInterrupted as err:  # Ctrl-C: the epochs saved are kept
        print(f"error: {err}", file=sys.stderr)
        return 130


def _run_training(args: argparse.Namespace) -> int:
    from .data import load_fer2013
    from .model import get_config
    from .rundir import RunDir
    from .train import fit, hold_out, set_seed, training_size

    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs {args.epochs}: give 1 or more (nothing to train)")
    set_seed(args.seed)
    dataset = load_fer2013(args.data)
    images, labels = dataset.split("Training")
    data = hold_out(images, labels, fraction=args.held_back, seed=args.seed)
    run_dir = RunDir(args.run_dir or DEFAULT_RUN_DIR.format(config=args.config))
    config = get_config(args.config)
    held_back = (
        f"the {len(data.val_labels)} held back included: a refit, so its held-back "
        "accuracy is on faces it trained on"
        if config.refit
        else f"{len(data.val_labels)} held back"
    )
    print(
        f"training {args.config} on {training_size(config, data)} faces "
        f"({held_back}) from {dataset.source} into {run_dir.path}",
        flush=True,
    )
    metrics = fit(
        config,
        data,
        run_dir,
        num_epochs=args.epochs,
        patience=args.patience,
        seed=args.seed,
        progress=sys.stderr.isatty(),
        snapshots_from=args.snapshots_from,
        overwrite=args.overwrite,
        precision=args.precision,
    )
    averaged = metrics.get("averaged")
    shipped = (
        f"mean of epochs {averaged['epochs'][0]}-{averaged['epochs'][1]}, held-back "
        f"accuracy {averaged['held_back_acc']:.3f}"
        if averaged
        else f"best held-back accuracy {metrics['best_held_back_acc']:.3f} at epoch "
        f"{metrics['best_epoch']}"
    )
    print(f"done: {run_dir.weights_path} holds the {shipped}", flush=True)
    return 0


def _is_expected(err: BaseException) -> bool:
    """An error whose message alone lets the user fix it: data, arguments, checkpoint.

    DataError is a ValueError; CheckpointError can only have been raised if
    emo_utils.predict was imported, so it is looked up without importing it.
    """
    kinds: tuple[type[BaseException], ...] = (
        ValueError,
        FileNotFoundError,
        PermissionError,
    )
    predict = sys.modules.get("emo_utils.predict")
    if predict is not None:
        kinds += (predict.CheckpointError,)
    return isinstance(err, kinds)


def _print_error(err: BaseException) -> None:
    """``error: <message>`` as exactly one line on stderr."""
    print("error: " + " ".join(str(err).split()), file=sys.stderr)


def _check_train_args(args: argparse.Namespace) -> None:
    """Refuse impossible ``train`` arguments before the data loads (seconds)."""
    if not 0 < args.held_back < 1:
        raise ValueError(
            f"--held-back {args.held_back:g} is outside (0, 1): it is the fraction of "
            "Training held back for early stopping, e.g. 0.05 (the default)"
        )
    from .model import CONFIGS, get_config

    if args.config.endswith(".json"):
        if not Path(args.config).is_file():
            raise FileNotFoundError(
                f"--config {args.config} does not exist; give one of "
                f"{sorted(CONFIGS)} or the path of a config.json"
            )
        try:
            get_config(args.config)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise ValueError(
                f"--config {args.config} is not a valid config.json ({err})"
            ) from err
    else:
        get_config(args.config)  # ValueError naming the known configs


def _bench(args: argparse.Namespace) -> int:
    """Run every benchmarks/bench_*.py in its own process (clean memory figures)."""
    failed = 0
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; expected errors become one ``error:`` line and exit 1."""
    try:
        return _main(argv)
    except Exception as err:
        if not _is_expected(err) or os.environ.get("EMO_DEBUG"):
            raise
        _print_error(err)
        return 1


def _main(argv: list[str] | None) -> int:
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
    train.add_argument(
        "--precision",
        choices=("auto", "bf16", "fp32"),
        default="auto",
        help="auto (default): bf16 where the CPU has avx512_bf16 or amx_bf16, else "
        "fp32; bf16 turns on TensorFlow's oneDNN bfloat16 rewrite",
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
    if args.command == "train":
        try:
            _check_train_args(args)
        except (ValueError, FileNotFoundError) as err:
            _print_error(err)
            return 2  # like argparse's own usage errors
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
