"""dvc.yaml cannot go stale: each stage depends on every file of the package that its module
imports, directly or through other modules, and on the package data those modules read
(penguins.csv), so that `dvc repro` re-runs a stage whenever code it runs has changed.

Fast tier: for every combination of the pairwise set with DVC, the import graph of each
stage's module (`cmd: python -m <package>.<module>`), computed with `ast`, is compared with
the stage's `deps` in the rendered dvc.yaml. Slow tier: in a generated project, `dvc repro`
re-runs exactly the stages that import a changed module, and a model trained before
FEATURES changed is never kept (nor passed by `make test`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlops_new import create

from . import combinations, pkggraph
from .helpers import BIN, CLI, PAIRWISE_FIXED, PYENV_VERSIONS, run
from .pkggraph import Unfollowable

FIXED = {"project_name": "Deps Project", "package_name": "deps"}  # own renders
PAIRWISE_PACKAGE = PAIRWISE_FIXED["package_name"]
WITH_DVC = [c for c in combinations.pairwise() if c["data_versioning"] == "dvc"]


# ---- dvc.yaml against the graph -------------------------------------------------------------


def package_graphs(projects: list[tuple[Path, str, str]]) -> list[dict]:
    """pkggraph's graph of each (project, package, python_version), parsed by a Python that
    knows the syntax of that version: this one if it is that recent, else one of that
    version, else the newest here (code only a newer Python parses then fails, saying so).
    One subprocess per interpreter."""
    graphs: dict[int, dict] = {}
    batches: dict[str, list[int]] = {}
    for index, (project, package, python_version) in enumerate(projects):
        python = _parser(python_version)
        if python is None:
            graphs[index] = pkggraph.graph(project, package)
        else:
            batches.setdefault(python, []).append(index)
    for python, indexes in batches.items():
        args = [str(part) for i in indexes for part in projects[i][:2]]
        script = [python, "-I", Path(pkggraph.__file__), *args]
        out = run(script, cwd=Path(__file__).parent, env=_python_env(), check=True).stdout
        graphs.update(zip(indexes, json.loads(out), strict=True))
    return [graphs[index] for index in range(len(projects))]


def package_graph(project: Path, package: str, python_version: str) -> dict:
    return package_graphs([(project, package, python_version)])[0]


def _version(text: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", text).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


def _python_env() -> dict[str, str]:
    """Where uv finds the installed Pythons (pyenv's shims answer for PYENV_VERSIONS)."""
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    env.setdefault("PYENV_VERSION", PYENV_VERSIONS)
    return env


@functools.cache
def _parser(python_version: str) -> str | None:
    """The interpreter to parse code for `python_version` with; None: this one."""
    if sys.version_info[:2] >= _version(python_version):
        return None
    newer = f">={sys.version_info[0]}.{sys.version_info[1] + 1}"
    for request in (python_version, newer):  # that version, else a newer one than this
        found = run(
            [BIN / "uv", "python", "find", request], cwd=Path(__file__).parent, env=_python_env()
        )
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return None


def _paths(entries: list | None) -> list[str]:
    """Paths of a deps/outs/metrics/plots list; entries may carry options ({path: {...}})."""
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries or []]


def stage_module(stage: dict[str, Any], package: str) -> str:
    """The module a stage runs: its `cmd` must be `python -m <package>.<module> [args]`."""
    cmd = stage["cmd"]
    words = shlex.split(cmd) if isinstance(cmd, str) else []
    if not words or not re.fullmatch(r"python3?", words[0]) or words[1:2] != ["-m"]:
        raise Unfollowable(f"cmd {cmd!r} is not `python -m {package}.<module>`")
    if len(words) < 3 or not words[2].startswith(package + "."):
        raise Unfollowable(f"cmd {cmd!r} does not run a module of {package}")
    return words[2]


def needed(graph: dict, module: str) -> set[str]:
    """The files (relative to the project) that `python -m <module>` reads from its package:
    the modules it imports, directly or not (the packages that hold it first, as Python
    imports them), and the data files those modules open."""
    modules = graph["modules"]
    if module not in modules:
        raise Unfollowable(f"{module} is not a module of the package")
    parts = module.split(".")
    todo = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if "error" in modules[name]:
            error = modules[name]["error"]
            raise Unfollowable(f"{modules[name]['file']}: {error} (Python {graph['python']})")
        seen.add(name)
        todo += modules[name]["imports"]
    return {modules[m]["file"] for m in seen} | {f for m in seen for f in modules[m]["reads"]}


def stages_of(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def importers(project: Path, package: str, graph: dict) -> dict[str, set[str]]:
    """For each file of the package, the stages whose module reads it (see `needed`)."""
    result: dict[str, set[str]] = {}
    for name, stage in stages_of(project).items():
        for file in needed(graph, stage_module(stage, package)):
            result.setdefault(file, set()).add(name)
    return result


def problems(project: Path, package: str, graph: dict) -> list[str]:
    """Every way dvc.yaml's deps disagree with the code (empty: they agree exactly).

    - a stage that does not depend on a file its module imports or reads (a stale output);
    - a stage that depends on a package file its module never reads (a needless re-run);
    - a dependency that does not exist and that no earlier stage writes;
    - a data file in the package that no module is seen opening (this test could not tell
      which stages read it: teach `pkggraph.Package.reads` how it is opened).
    """
    src = f"src/{package}/"
    read = {f for entry in graph["modules"].values() for f in entry.get("reads", [])}
    found = [f"{f}: no module is seen opening it" for f in graph["data_files"] if f not in read]
    written: set[str] = set()
    for name, stage in stages_of(project).items():
        deps = _paths(stage.get("deps"))
        for dep in deps:
            if dep not in written and not (project / dep).exists():
                found.append(f"{name}: depends on {dep}, which does not exist")
        written |= {p for key in ("outs", "metrics", "plots") for p in _paths(stage.get(key))}
        try:
            module = stage_module(stage, package)
            expected = needed(graph, module)
        except Unfollowable as error:
            found.append(f"{name}: {error}")
            continue
        covered = set()  # a folder dependency covers every file under it
        for dep in deps:
            folder = project / dep
            if folder.is_dir():
                covered |= {p.relative_to(project).as_posix() for p in folder.rglob("*")}
            else:
                covered.add(dep)
        for file in sorted(expected - covered):
            found.append(f"{name}: {module} reads {file}, which is not in its deps")
        for file in sorted(f for f in covered - expected if f.startswith(src)):
            if (project / file).is_file() and Path(file).name not in pkggraph.NOT_READ:
                found.append(f"{name}: depends on {file}, which {module} never reads")
    return found


# ---- fast tier: every pairwise combination with DVC ----------------------------------------


@pytest.fixture(scope="module")
def rendered(pairwise_rendered) -> list[tuple[dict[str, Any], Path, dict]]:
    """Each pairwise combination with DVC (rendered once per session), with the import graph
    of its package."""
    projects = [(a, p) for a, p in pairwise_rendered if a["data_versioning"] == "dvc"]
    graphs = package_graphs([(p, a["package_name"], a["python_version"]) for a, p in projects])
    return [(answers, dest, graph) for (answers, dest), graph in zip(projects, graphs, strict=True)]


def test_every_stage_depends_on_exactly_the_code_it_runs(rendered) -> None:
    assert len(rendered) > 1, "the pairwise set has no combination with DVC"
    where: dict[str, list[int]] = {}  # each problem, with the combinations that have it
    for index, (_, project, graph) in enumerate(rendered):
        for problem in problems(project, PAIRWISE_PACKAGE, graph):
            where.setdefault(problem, []).append(index)
    legend = sorted({index for found in where.values() for index in found})
    assert not where, "\n".join(
        [f"{problem}  [{' '.join(f'c{i:02d}' for i in found)}]" for problem, found in where.items()]
        + [f"c{i:02d}: {combinations.label(WITH_DVC[i])}" for i in legend]
    )


def test_the_graph_matches_one_written_by_hand(rendered) -> None:
    """The graph itself, checked once against a reading of the code: what each stage reads."""
    src = f"src/{PAIRWISE_PACKAGE}/"
    shared = {"__init__.py", "config.py", "data.py", "schema.py"}
    expected = {
        "prepare": shared | {"prepare.py"},
        "validate": shared | {"validation.py", "validate.py"},
        "tune": shared | {"evaluate.py", "features.py", "modeling.py", "tracking.py", "tune.py"},
        "train": shared
        | {"features.py", "metadata.py", "modeling.py", "predict.py", "train.py", "validation.py"},
        "evaluate": shared | {"features.py", "modeling.py", "tracking.py", "evaluate.py"},
        "gates": shared
        | {"evaluate.py", "features.py", "gates.py", "modeling.py", "tracking.py", "validation.py"},
    }
    for answers, _, graph in rendered:
        # The built-in penguins ship in the package, read by data.py; so does diabetes without
        # an ML framework (with one, scikit-learn's copy).
        task = answers.get("task", "classification")
        if task == "classification":
            data = {"penguins.csv"}
        else:
            data = {"diabetes.csv"} if answers["ml_framework"] == "none" else set()
        for stage, files in expected.items():
            found = needed(graph, f"{PAIRWISE_PACKAGE}.{stage}")
            assert found == {src + f for f in files | data}, (stage, answers)


def test_the_check_fails_on_a_missing_an_unneeded_and_an_absent_dependency(
    tmp_path: Path,
) -> None:
    answers = {"ml_framework": "pytorch", "python_version": "3.11"} | FIXED
    project = tmp_path / "p"
    create(project, answers, git=False, lock=False)
    assert problems(project, "deps", package_graph(project, "deps", "3.11")) == []
    # A new helper module that train.py imports, and a file the helper reads.
    (project / "src/deps/helpers.py").write_text(
        "from importlib.resources import files\n\n"
        "LABELS = files(__package__).joinpath('labels.txt').read_text()\n",
        encoding="utf-8",
    )
    (project / "src/deps/labels.txt").write_text("setosa\n", encoding="utf-8")
    (project / "src/deps/unread.txt").write_text("nobody opens this\n", encoding="utf-8")
    train = project / "src/deps/train.py"
    code = train.read_text(encoding="utf-8")
    code += "\n\ndef _labels() -> str:\n    from .helpers import LABELS\n\n    return LABELS\n"
    train.write_text(code, encoding="utf-8")
    dvc = project / "dvc.yaml"
    text = dvc.read_text(encoding="utf-8")
    text = text.replace("      - src/deps/config.py\n", "", 1)  # prepare's
    extra = "      - src/deps/prepare.py\n      - src/deps/monitor.py\n      - src/deps/gone.py\n"
    text = text.replace("      - src/deps/prepare.py\n", extra, 1)
    dvc.write_text(text, encoding="utf-8")
    assert set(problems(project, "deps", package_graph(project, "deps", "3.11"))) == {
        "src/deps/unread.txt: no module is seen opening it",
        "prepare: deps.prepare reads src/deps/config.py, which is not in its deps",
        "prepare: depends on src/deps/monitor.py, which deps.prepare never reads",
        "prepare: depends on src/deps/gone.py, which does not exist",
        "train: deps.train reads src/deps/helpers.py, which is not in its deps",
        "train: deps.train reads src/deps/labels.txt, which is not in its deps",
    }


def test_every_form_of_import_and_of_reading_package_data_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "src" / "pkg"
    files = {
        "__init__.py": "",
        "main.py": "import pkg.a\nfrom pkg import b\nfrom . import c\nfrom .d import NAME\n"
        "import os\n\n\ndef later():\n    from .sub.e import f\n    from .sub import g\n"
        "    import importlib\n    importlib.import_module('.h', __package__)\n",
        "a.py": "from pathlib import Path\nDATA = (Path(__file__).parent / 'a.json').read_text()\n",
        "b.py": "import pkgutil\nDATA = pkgutil.get_data(__package__, 'b.bin')\n",
        "c.py": "from importlib.resources import files\nDATA = files('pkg') / 'c.csv'\n",
        "d.py": "NAME = 'u.txt'  # a string that happens to name a file is not a read\n",
        "h.py": "import os\nPATH = os.path.join(os.path.dirname(__file__), 'h.txt')\n",
        "sub/__init__.py": "from .. import d\n",
        "sub/e.py": "def f(): ...\n",
        "sub/g.py": "from pathlib import Path\nROOT = Path(__file__).resolve().parents[2]\n",
        "unused.py": "from importlib.resources import files\nX = files(__package__) / 'u.txt'\n",
        "dyn.py": "import importlib\nimportlib.import_module(NAME)\n",
        "a.json": "{}",
        "b.bin": "",
        "c.csv": "",
        "h.txt": "",
        "u.txt": "",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    graph = pkggraph.graph(tmp_path, "pkg")
    unread = {"unused.py", "u.txt", "dyn.py"}
    assert needed(graph, "pkg.main") == {f"src/pkg/{name}" for name in files if name not in unread}
    assert needed(graph, "pkg.sub.e") == {
        "src/pkg/__init__.py",
        "src/pkg/sub/__init__.py",
        "src/pkg/sub/e.py",
        "src/pkg/d.py",
    }
    with pytest.raises(Unfollowable, match="dynamic import"):
        needed(graph, "pkg.dyn")


# ---- slow tier: `dvc repro` in a generated project -----------------------------------------

PACKAGE = "p"
STAGES = {"prepare", "validate", "tune", "train", "evaluate", "gates"}
RAN = re.compile(r"Running stage '([^']+)'")
ADELIE = {"island": "Torgersen", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "body_mass_g": 3750}
FLIPPER = (
    "- name: flipper_length_mm\n  field: flipper_length_mm\n  kind: numeric\n  role: feature\n"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    """A project generated as a user would (defaults), set up, its pipeline run once."""
    parent = tmp_path_factory.mktemp("repro")
    run([CLI, PACKAGE, "--defaults"], cwd=parent, env=session_env, check=True)
    path = parent / PACKAGE
    run(["make", "setup"], cwd=path, env=session_env, check=True)
    out = run(["make", "pipeline"], cwd=path, env=session_env, check=True).stdout
    assert set(RAN.findall(out)) == STAGES, out
    return path


def _pipeline(project: Path, env) -> tuple[set[str], str]:
    """`make pipeline` (dvc repro): the stages it ran, and its output."""
    out = run(["make", "pipeline"], cwd=project, env=env, check=True)
    return set(RAN.findall(out.stdout)), out.stdout + out.stderr


def _changed_outputs(before: dict, after: dict) -> set[str]:
    """Outputs whose content differs between two dvc.lock files."""

    def hashes(lock: dict) -> dict[str, str]:
        return {
            out["path"]: out.get("md5", "")
            for stage in lock["stages"].values()
            for out in stage.get("outs", [])
        }

    old, new = hashes(before), hashes(after)
    return {path for path in new if old.get(path) != new[path]}


def _readers(project: Path) -> dict[str, set[str]]:
    """For each file of the package, the stages that read it, from the import graph."""
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    graph = package_graph(project, PACKAGE, answers["python_version"])
    return importers(project, PACKAGE, graph)


def _lock(project: Path) -> dict:
    return yaml.safe_load((project / "dvc.lock").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_a_feature_dropped_from_the_schema_retrains_and_make_test_notices_until_then(
    project: Path, session_env
) -> None:
    """The defect of issue 13, now that data/schema.yaml names the features: a feature
    dropped there must re-run every stage (each reads the schema), and until the pipeline
    runs again `make test` must say the saved model is stale."""
    schema = project / "data" / "schema.yaml"
    text = schema.read_text(encoding="utf-8")
    assert FLIPPER in text
    schema.write_text(text.replace(FLIPPER, FLIPPER.replace("feature", "other"), 1))
    # Before the pipeline runs again the saved model is stale, and `make test` says so.
    stale = run(["make", "test"], cwd=project, env=session_env)
    assert stale.returncode != 0, stale.stdout
    assert "run `make pipeline`" in stale.stdout, stale.stdout[-3000:]

    ran, out = _pipeline(project, session_env)
    assert ran == STAGES, out
    tested = run(["make", "test"], cwd=project, env=session_env)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "no saved model" not in tested.stdout, tested.stdout[-1000:]  # it was checked
    predicted = run(
        ["uv", "run", "python", "-m", f"{PACKAGE}.predict", json.dumps(ADELIE)],
        cwd=project,
        env=session_env,
        check=True,
    ).stdout
    assert json.loads(predicted)["prediction"] == "Adelie", predicted


@pytest.mark.slow
def test_repro_reruns_exactly_the_stages_that_read_a_changed_file(
    project: Path, session_env
) -> None:
    """Files of the package get a comment: `dvc repro` then re-runs the stages that import
    them, those whose inputs they changed, and nothing else. One file for each set of
    stages that read the same files (config.py for all of them), and every file that no
    stage reads at once: each run of the pipeline takes seconds."""
    ran, out = _pipeline(project, session_env)
    assert ran == set(), out
    readers = _readers(project)
    stages = list(_lock(project)["stages"])
    assert readers[f"src/{PACKAGE}/config.py"] == set(stages)
    src = project / "src" / PACKAGE
    files = sorted(p.relative_to(project).as_posix() for p in src.rglob("*.py"))
    groups: dict[frozenset[str], list[str]] = {}
    for file in files:
        groups.setdefault(frozenset(readers.get(file, set())), []).append(file)
    changes = [
        group if not reading else [_preferred(group)]
        for reading, group in sorted(groups.items(), key=lambda item: sorted(item[0]))
    ]
    mismatches = []
    for change in changes:
        before = _lock(project)
        for file in change:
            path = project / file
            path.write_text(path.read_text(encoding="utf-8") + "# changed by a test\n", "utf-8")
        ran, out = _pipeline(project, session_env)
        after = _lock(project)
        # A stage also re-runs, rightly, when an output it depends on has changed.
        changed = _changed_outputs(before, after)
        downstream = {
            stage
            for stage in stages
            if changed & {dep["path"] for dep in after["stages"][stage].get("deps", [])}
        }
        expected = set().union(*(readers.get(file, set()) for file in change))
        if not expected <= ran or not ran <= expected | downstream:
            mismatches.append(f"{change}: ran {sorted(ran)}, expected {sorted(expected)}")
        print(f"changed {', '.join(change)}: ran {', '.join(sorted(ran)) or 'nothing'}")
    assert not mismatches, "\n".join(mismatches)
    tested = run(["make", "test"], cwd=project, env=session_env)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]


def _preferred(group: list[str]) -> str:
    """The file to change for a group: the one the issue names, else the first."""
    named = [f for f in group if Path(f).name in {"config.py", "validation.py"}]
    return (named or group)[0]
