"""Command line: ``python -m emo_utils
train|eval|predict|video|export|data|report|bench``.

Every subcommand is declared here: one ``_add_<command>(sub)`` registers its
arguments and a handler that calls plain functions of the module doing the work.
Expected problems (bad data, arguments, checkpoints) print one ``error: ...`` line on
stderr and exit non-zero; anything else keeps its traceback (``EMO_DEBUG=1`` keeps it
for expected ones too).
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

from .labels import ENGINE_NAMES

DEFAULT_RUN_DIR = "checkpoints/{config}"
BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def _train(args: argparse.Namespace) -> int:
    """Train from the command line; expected problems print one clear line."""
    from .train.callbacks import TrainingInterrupted

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
    from .runs.rundir import RunDir
    from .train.holdout import hold_out, training_size
    from .train.trainer import fit, set_seed

    if args.epochs is not None and args.epochs < 1:
        raise ValueError(f"--epochs {args.epochs}: give 1 or more (nothing to train)")
    set_seed(args.seed)
    dataset = load_fer2013(args.data)
    images, labels = dataset.split("Training")
    data = hold_out(images, labels, fraction=args.held_back, seed=args.seed)
    run_dir = RunDir(args.run_dir or DEFAULT_RUN_DIR.format(config=args.config))
    config = get_config(args.config)
    n_held_back = len(data.held_back_labels)
    held_back = (
        f"the {n_held_back} held back included: a refit, so its held-back "
        "accuracy is on faces it trained on"
        if config.refit
        else f"{n_held_back} held back"
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
        keep_epochs_from=args.keep_epochs_from,
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
    emo_utils.infer was imported, so it is looked up without importing it.
    """
    kinds: tuple[type[BaseException], ...] = (
        ValueError,
        FileNotFoundError,
        PermissionError,
    )
    checkpoint = sys.modules.get("emo_utils.infer.checkpoint")
    if checkpoint is not None:
        kinds += (checkpoint.CheckpointError, checkpoint.MissingEngine)
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


def _predict(args: argparse.Namespace) -> int:
    """Label every face in photos; bad files are named on stderr, the rest go on."""
    from .infer.photos import predict_photos, summary_line, write_rows
    from .infer.predictor import load_predictor

    def report(name: str, why: str) -> None:
        print(_error_line(name, why), file=sys.stderr, flush=True)

    predictor = load_predictor(engine=args.engine)
    result = predict_photos(args.paths, args.recursive, predictor=predictor,
                            csv_path=args.csv, progress=sys.stderr.isatty(),
                            on_error=report)
    if not args.csv and result.rows:
        write_rows(result.rows, sys.stdout)
    print(summary_line(result, args.csv), file=sys.stderr if not args.csv
          else sys.stdout)
    if result.interrupted:
        return 130
    return 1 if result.failed else 0


def _error_line(name: str, why: str) -> str:
    """``error: NAME: why``, or ``error: why`` when the reason names the file
    already (an unreadable photo's message does): the path once, not twice."""
    return f"error: {why}" if name in why else f"error: {name}: {why}"


def _add_predict(sub) -> None:
    predict = sub.add_parser(
        "predict", help="label every face in photos -> a table (CSV)",
        description="One row per face: file, face, x, y, w, h, the seven "
        "probabilities and label; a photo with no face gets one row saying so. "
        "Files that cannot be read are named on stderr and the batch goes on; the "
        "exit status is 1 when any failed.")
    predict.add_argument("paths", nargs="+", metavar="PATH",
                         help="photo files, folders or glob patterns ('*.jpg')")
    predict.add_argument("--csv", default=None, metavar="OUT.csv",
                         help="write the table here, row by row (default: stdout)")
    predict.add_argument("--recursive", action="store_true",
                         help="also look in the folders' subfolders")
    _add_engine(predict)
    predict.set_defaults(func=_predict)


def _add_engine(parser) -> None:
    parser.add_argument("--engine", choices=tuple(ENGINE_NAMES), default="onnx",
                        help="what runs the network: ONNX Runtime (default) or the "
                        "TFLearn graph (imports TensorFlow: for checks)")


def _add_video(sub) -> None:
    # not from .video: it imports pandas, which the predict command does without
    from .over_time.video_source import ANALYSE_FPS

    video = sub.add_parser(
        "video", help="emotion over time in a video file: table, summary, timeline",
        description="Emotion over time in a video: a per-frame table, a summary "
        "(share of time per emotion per person, counted from each frame's own label) "
        "and a timeline figure (probabilities smoothed over a quarter of a second).")
    video.add_argument("clip", help="a video file: mp4, avi, mov, webm, ...")
    video.add_argument("--csv", help="write the per-frame table here (as it goes)")
    video.add_argument("--plot", help="save the timeline figure here (.png/.svg/.pdf)")
    video.add_argument("--fps", type=float, default=ANALYSE_FPS,
                       help="analyse every k-th frame, k = the clip's frame rate / "
                       "FPS rounded down: at least FPS frames a second, e.g. 12.5 of "
                       "a 25 fps clip, 10 of a 30 fps clip (default "
                       f"{ANALYSE_FPS:g}; 0: every frame)")
    _add_engine(video)
    video.set_defaults(func=_video)


def _video(args: argparse.Namespace) -> int:
    from .over_time.video import run_video

    return run_video(args.clip, csv=args.csv, plot=args.plot, fps=args.fps,
                     engine=args.engine)


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
    for add in (_add_train, _add_eval, _add_predict, _add_video, _add_export,
                _add_data, _add_report, _add_bench):
        add(sub)
    args = parser.parse_args(argv)
    return args.func(args)


# ------------------------------------------------------------ subcommands
def _add_train(sub) -> None:
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
        "--keep-epochs-from",
        type=int,
        default=None,
        help="keep each epoch's weights from this epoch on (for weight averaging)",
    )
    train.add_argument(  # the old name, deprecated: "snapshot" is a camera frame
        "--snapshots-from", type=int, dest="keep_epochs_from", help=argparse.SUPPRESS
    )
    train.add_argument(
        "--precision",
        choices=("auto", "bf16", "fp32"),
        default="auto",
        help="auto (default): bf16 where the CPU has AMX (amx_bf16), else fp32; "
        "bf16 turns on TensorFlow's oneDNN bfloat16 rewrite",
    )
    train.set_defaults(func=_checked_train)


def _checked_train(args: argparse.Namespace) -> int:
    """Check the arguments (exit 2 like argparse's own usage errors), then train."""
    try:
        _check_train_args(args)
    except (ValueError, FileNotFoundError) as err:
        _print_error(err)
        return 2
    return _train(args)


def _add_eval(sub) -> None:
    from .paths import SHIPPED_CHECKPOINT

    ev = sub.add_parser("eval", help="evaluate a checkpoint -> evaluation.json")
    ev.add_argument("--checkpoint", default=str(SHIPPED_CHECKPOINT),
                    help="default: the shipped checkpoint")
    ev.add_argument("--data", default=None, help="FER2013 file or folder")
    ev.add_argument(
        "--split", default=None, help="default: PrivateTest, else PublicTest"
    )
    ev.add_argument("--no-write", action="store_true", help="print only")
    ev.add_argument(
        "--no-calibrate", action="store_true",
        help="keep calibration.json (default: refit the temperature first)",
    )
    ev.set_defaults(func=_eval)


def _eval(args: argparse.Namespace) -> int:
    from .evaluation.drivers import run_eval

    return run_eval(
        checkpoint=args.checkpoint,
        data=args.data,
        split=args.split,
        write=not args.no_write,
        calibrate=not args.no_calibrate,
    )


def _add_export(sub) -> None:
    export = sub.add_parser(
        "export", help="write a checkpoint's network as one standalone .onnx file",
        description="The network as ONNX, for any ONNX runtime (Python, JavaScript, "
        "C#, mobile). Its metadata holds the emotion order, the input layout, the "
        "equalisation and the temperature; outputs: logits and calibrated probs.")
    export.add_argument("run_dir", nargs="?", default=None, metavar="RUN_DIR",
                        help="a run folder (default: the shipped checkpoint)")
    export.add_argument("--out", default=None, metavar="FILE.onnx",
                        help="where to write it (default: <network name>.onnx here)")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    from .infer.export import export_onnx
    from .paths import relative_to_repo

    out = export_onnx(args.run_dir, args.out)
    print(f"wrote {relative_to_repo(out)} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _add_data(sub) -> None:
    data = sub.add_parser(
        "data",
        help="find FER2013 or explain where to get it",
        description=_docstring("data/fetch"),
    )
    data.add_argument(
        "--path", default=None, help="a FER2013 file or folder to check"
    )
    data.add_argument(
        "--no-download",
        action="store_true",
        help="never call the Kaggle CLI, only report",
    )
    data.set_defaults(func=_data)


def _docstring(module: str) -> str | None:
    """A module's docstring, read without importing it (``fetch`` imports the data
    loaders: every command would pay for them while building the parser)."""
    source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    return ast.get_docstring(ast.parse(source))


def _data(args: argparse.Namespace) -> int:
    from .data import fetch

    return fetch.run_data(path=args.path, allow_download=not args.no_download)


def _add_report(sub) -> None:
    report = sub.add_parser(
        "report", help="results table for README.md from metrics files"
    )
    report.add_argument("--write", action="store_true", help="update README.md")
    report.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    from .evaluation import report

    return report.run_report(write=args.write)


def _add_bench(sub) -> None:
    bench = sub.add_parser("bench", help="run benchmarks/bench_*.py")
    bench.set_defaults(func=_bench)


if __name__ == "__main__":
    sys.exit(main())
