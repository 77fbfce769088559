"""Import hygiene: the data, analysis and plotting modules load no TensorFlow, and
no two emo_utils modules import each other (directly or round a loop)."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "emo_utils"
WITHOUT_TENSORFLOW = (
    "emo_utils",
    "emo_utils.data",
    "emo_utils.data.demo_sample",
    "emo_utils.labels",
    "emo_utils.explore.dataset",
    "emo_utils.explore.ferplus",
    "emo_utils.evaluation.metrics",
    "emo_utils.evaluation.saliency",
    "emo_utils.plots",
    "emo_utils.display",
    "emo_utils.narrate",
    "emo_utils.train.curves",
    "emo_utils.evaluation.evaluate",
    "emo_utils.evaluation.temperature",
    "emo_utils.evaluation.drivers",
    "emo_utils.evaluation.scorecard",
    "emo_utils.model.recipes",
    "emo_utils.images",
    "emo_utils.faces",
    "emo_utils.over_time.tracking",
    "emo_utils.over_time.smoothing",
    "emo_utils.infer.photos",
)

def test_data_analysis_and_plots_load_no_tensorflow():
    code = (
        f"import sys, {', '.join(WITHOUT_TENSORFLOW)}\n"
        "loaded = sorted(m for m in ('tensorflow', 'tflearn') if m in sys.modules)\n"
        "print(','.join(loaded))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"loaded: {done.stdout.strip()}"


def _loaded_by_command(args: list[str], watch: tuple[str, ...]) -> list[str]:
    """The modules of ``watch`` loaded after ``python -m emo_utils *args`` ran."""
    code = ("import sys\nfrom emo_utils.cli import main\n"
            f"assert main({args!r}) == 0\n"
            f"print('loaded:', *(m for m in {watch!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1].split()[1:]


def test_the_predict_command_starts_without_pandas_or_the_data_loaders():
    """Start-up is what one photo costs (issue 34: <= 1.5 s): pandas alone took
    0.2-0.4 s of it."""
    photo = PACKAGE / "assets" / "sample_face_happy.png"
    watch = ("pandas", "matplotlib", "scipy", "tqdm", "emo_utils.data",
             "emo_utils.over_time.video", "tensorflow")
    assert _loaded_by_command(["predict", str(photo)], watch) == []


def test_the_video_command_draws_nothing_so_loads_no_plotting_or_scipy():
    """matplotlib + seaborn (scipy.stats) took 2-3 s of a 10 s clip's command."""
    clip = PACKAGE / "assets" / "sample_clip.mp4"
    watch = ("matplotlib", "seaborn", "scipy", "tensorflow")
    assert _loaded_by_command(["video", str(clip)], watch) == []


def _targets(name: str, path: Path, node: ast.ImportFrom, files) -> set[str]:
    """The modules in ``files`` a ``from ... import ...`` in module ``name`` names."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if node.level:
        module = [node.module] if node.module else []
        base = ".".join(here[: len(here) - node.level + 1] + module)
    else:
        base = node.module or ""
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in files:
            found.add(f"{base}.{alias.name}")
        elif base in files:
            found.add(base)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Which modules of ``package`` (subpackages too) each module imports, as
    ../shared/tools/structure_check.py counts them: imports anywhere in the file,
    ``if TYPE_CHECKING:`` ones included (a module that needs another's type depends
    on it); the package's own __init__ is left out (it only re-exports)."""
    files = {
        ".".join(p.relative_to(package.parent).with_suffix("").parts).removesuffix(
            ".__init__"): p
        for p in sorted(package.rglob("*.py"))
    }
    graph = {}
    for name, path in files.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom):
                deps |= _targets(name, path, node, files)
        graph[name] = deps - {name, package.name}
    graph.pop(package.name, None)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, found = {}, {}, [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        {"a", "b", "c"}
    ]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_and_type_checking_imports(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("def f():\n    from .b import g\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
    )
    (package / "c.py").write_text("import pkg\nimport pkg.a\nfrom pkg.b import g\n")
    assert import_graph(package) == {
        "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg.c": {"pkg.a", "pkg.b"}
    }
    assert cycles(import_graph(package)) == [{"pkg.a", "pkg.b"}]


def test_the_graph_sees_subpackages(tmp_path):
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "top.py").write_text("from .sub import inner\n")
    (sub / "__init__.py").write_text("from .inner import h\n")
    (sub / "inner.py").write_text("from .. import top\nfrom ..top import x\n")
    assert import_graph(tmp_path / "pkg") == {
        "pkg.top": {"pkg.sub.inner"},
        "pkg.sub": {"pkg.sub.inner"},
        "pkg.sub.inner": {"pkg.top"},
    }


def test_no_import_cycles_among_emo_utils_modules():
    """No loop, not even through an import made only for a type (the narrate ->
    evaluate one is gone: narrate reads a scorecard.Scorecard)."""
    assert cycles(import_graph()) == [], "import cycles (TYPE_CHECKING imports count)"


def test_the_documented_import_paths_are_kept():
    """README "Use it from Python": the public API's old paths are thin aliases."""
    from emo_utils import (
        EmotionPredictor,
        analyse_video,
        predict_folder,
        predict_photos,
    )
    from emo_utils.infer import photos as infer_photos
    from emo_utils.infer import predictor
    from emo_utils.over_time import video as over_time_video
    from emo_utils.photos import predict_folder as old_folder
    from emo_utils.photos import predict_photos as old_photos
    from emo_utils.predict import EmotionPredictor as old_predictor
    from emo_utils.video import analyse_video as old_video

    assert old_predictor is EmotionPredictor is predictor.EmotionPredictor
    assert old_folder is predict_folder is infer_photos.predict_folder
    assert old_photos is predict_photos is infer_photos.predict_photos
    assert old_video is analyse_video is over_time_video.analyse_video


def test_few_plain_modules_stay_at_the_top():
    """The folders show the two paths; only the shared vocabulary, the CLI, private
    helpers and the three documented aliases stay flat."""
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert len(flat) <= 15, flat
