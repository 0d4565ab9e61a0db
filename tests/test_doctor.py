"""mlops-new doctor: maturity levels of real layouts, broken inputs, exit codes, repo-review."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from mlops_new import create
from mlops_new.doctor import LEVELS, Report, all_checks, diagnose
from mlops_new.doctor.base import Status

from .helpers import BIN, ROOT, commit, git, run, template_repo, write_tree

MINIMAL = {
    "data_versioning": "none",
    "ci": "none",
    "docker": False,
    "pre_commit": False,
    "docs": "none",
    "experiment_tracking": "none",
    "serving": "none",
}


def locked_project(where: Path, answers: dict, env: dict[str, str]) -> Path:
    """Render a project as `mlops-new NAME` leaves it: rendered, locked, committed."""
    project = create(where / "project", answers, git=False, lock=False).path
    lock = [BIN / "uv", "lock", "--quiet"]
    if run([*lock, "--offline"], cwd=project, env=env).returncode != 0:  # warm cache: ~1 s
        run(lock, cwd=project, env=env, check=True, timeout=300)
    commit(project, env, "Initial commit")
    return project


@pytest.fixture(scope="session")
def defaults_project(tmp_path_factory, session_env) -> Path:
    return locked_project(tmp_path_factory.mktemp("defaults"), {}, session_env)


@pytest.fixture(scope="session")
def minimal_project(tmp_path_factory, session_env) -> Path:
    return locked_project(tmp_path_factory.mktemp("minimal"), MINIMAL, session_env)


@pytest.fixture
def copy_of(tmp_path: Path):
    """A private copy (with .git) of a session project, free to break."""

    def copy(project: Path) -> Path:
        target = tmp_path / "copy"
        shutil.copytree(project, target, symlinks=True)
        return target

    return copy


def statuses(report: Report) -> dict[str, str]:
    return {r.code: str(r.status) for r in report.results}


def result(report: Report, code: str):
    return next(r for r in report.results if r.code == code)


def doctor(cli, *args):
    proc = cli("doctor", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# ---- real layouts -------------------------------------------------------------------------


def test_defaults_project_reaches_level_2(cli, defaults_project: Path) -> None:
    proc = doctor(cli, defaults_project, "--offline", "--min-level", "2", "--format", "json")
    assert proc.returncode == 0, proc.stdout
    data = json.loads(proc.stdout)
    assert data["level"] == 2 and data["min_level_reached"] is True
    checks = {c["code"]: c for level in data["levels"] for c in level["checks"]}
    failing = {code: c["reason"] for code, c in checks.items() if c["status"] != "pass"}
    assert failing == {"MLO205": failing["MLO205"]}  # the network check, skipped offline
    assert checks["MLO205"]["status"] == "n/a" and "--offline" in checks["MLO205"]["reason"]
    assert "DVCLive" in checks["MLO107"]["reason"]
    assert "models/model.joblib" in checks["MLO108"]["reason"]


def test_defaults_report_reads_well(cli, defaults_project: Path) -> None:
    proc = doctor(cli, defaults_project, "--offline")
    assert proc.returncode == 0
    out = proc.stdout
    for level, name in LEVELS.items():
        assert f"Level {level} · {name} · complete" in out
    assert "✓ MLO103 The pipeline is reproducible" in out
    assert "Reached: level 2 (CI/CD automation)" in out
    assert not any(line != line.rstrip() for line in out.splitlines())  # clean CI logs


def test_minimal_project_stops_at_level_0_with_the_missing_pieces(
    cli, minimal_project: Path
) -> None:
    report = diagnose(minimal_project, offline=True)
    assert report.level == 0
    assert report.complete(0)  # level 0 is complete: only higher levels are missing pieces
    failed = {r.code: r.hint for r in report.failures()}
    assert failed == {
        "MLO101": "mlops-new update --data data_versioning=dvc",
        "MLO103": "mlops-new update --data data_versioning=dvc",
        "MLO107": "mlops-new update --data experiment_tracking=dvclive",
        "MLO108": "mlops-new update --data data_versioning=dvc",
        "MLO201": "mlops-new update --data ci=github",
        "MLO202": "mlops-new update --data docker=yes",
        "MLO203": "mlops-new update --data pre_commit=yes",
    }
    # What the minimal project keeps: params, data and model tests, a drift check.
    for code in ("MLO102", "MLO104", "MLO105", "MLO106", "MLO206"):
        assert result(report, code).status is Status.PASS, result(report, code)
    assert result(report, "MLO204").status is Status.NA  # no workflow to audit
    proc = doctor(cli, minimal_project, "--offline", "--min-level", "1")
    assert proc.returncode == 1
    assert "To reach level 1, fix MLO101, MLO103, MLO107, MLO108." in proc.stdout
    assert "--min-level 1: NOT reached." in proc.stdout


def test_empty_git_repository_is_level_0(cli, tmp_path: Path, env) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git("init", "-q", cwd=repo, env=env)
    report = diagnose(repo, offline=True)
    assert report.level == 0 and not report.complete(0)
    assert result(report, "MLO001").reason == "a git repository without any commit yet"
    assert statuses(report)["MLO002"] == "fail"
    assert statuses(report)["MLO003"] == "n/a"  # needs MLO002
    assert result(report, "MLO003").reason == "needs MLO002 to pass first"
    assert statuses(report)["MLO004"] == "fail"
    assert statuses(report)["MLO102"] == "n/a"  # needs MLO001
    proc = doctor(cli, repo, "--offline")
    assert proc.returncode == 0  # level 0 is always reached: --min-level 0 passes
    assert "Reached: level 0 (manual process)" in proc.stdout
    assert "First fix level 0: MLO001, MLO002, MLO004." in proc.stdout
    assert doctor(cli, repo, "--offline", "--min-level", "1").returncode == 1


def test_plain_folder_is_not_under_version_control(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("print('hi')\n", encoding="utf-8")
    report = diagnose(tmp_path, offline=True)
    assert result(report, "MLO001").reason == "not a git repository"
    assert result(report, "MLO001").hint.startswith("git init && ")


CCDS_README = """\
# ccds_demo

<a target="_blank" href="https://cookiecutter-data-science.drivendata.org/">
    <img src="https://img.shields.io/badge/CCDS-Project%20template-328F97?logo=cookiecutter" />
</a>

A short description of the project.

## Project Organization

```
├── LICENSE            <- Open-source license if one is chosen
├── Makefile           <- Makefile with convenience commands like `make data` or `make train`
├── README.md          <- The top-level README for developers using this project.
├── data
│   ├── external       <- Data from third party sources.
│   ├── interim        <- Intermediate data that has been transformed.
│   ├── processed      <- The final, canonical data sets for modeling.
│   └── raw            <- The original, immutable data dump.
├── models             <- Trained and serialized models, model predictions, or model summaries
├── notebooks          <- Jupyter notebooks.
├── pyproject.toml     <- Project configuration file with package metadata for ccds_demo
├── requirements.txt   <- The requirements file for reproducing the analysis environment
└── ccds_demo   <- Source code for use in this project.
    ├── config.py               <- Store useful variables and configuration
    ├── dataset.py              <- Scripts to download or generate data
    └── modeling
        ├── predict.py          <- Code to run model inference with trained models
        └── train.py            <- Code to train models
```

--------
"""

CCDS_MAKEFILE = """\
PROJECT_NAME = ccds_demo
PYTHON_VERSION = 3.10
PYTHON_INTERPRETER = python

## Install Python dependencies
.PHONY: requirements
requirements:
\t$(PYTHON_INTERPRETER) -m pip install -U pip
\t$(PYTHON_INTERPRETER) -m pip install -r requirements.txt

## Lint using ruff (use `make format` to do formatting)
.PHONY: lint
lint:
\truff format --check
\truff check

## Run tests
.PHONY: test
test:
\tpython -m pytest tests

## Make dataset
.PHONY: data
data: requirements
\t$(PYTHON_INTERPRETER) ccds_demo/dataset.py
"""

CCDS_CONFIG = """\
from pathlib import Path

from dotenv import load_dotenv
from loguru import logger

load_dotenv()

PROJ_ROOT = Path(__file__).resolve().parents[1]
logger.info(f"PROJ_ROOT path is: {PROJ_ROOT}")

DATA_DIR = PROJ_ROOT / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
PROCESSED_DATA_DIR = DATA_DIR / "processed"
MODELS_DIR = PROJ_ROOT / "models"
"""

CCDS_TRAIN = """\
from pathlib import Path

from loguru import logger
import typer

from ccds_demo.config import MODELS_DIR, PROCESSED_DATA_DIR

app = typer.Typer()


@app.command()
def main(
    features_path: Path = PROCESSED_DATA_DIR / "features.csv",
    model_path: Path = MODELS_DIR / "model.pkl",
):
    # ---- REPLACE THIS WITH YOUR OWN CODE ----
    logger.success("Modeling training complete.")


if __name__ == "__main__":
    app()
"""


def build_ccds(path: Path) -> Path:
    """A repository laid out like cookiecutter-data-science v2's default output."""
    files = {
        "LICENSE": "MIT License\n\nCopyright (c) 2026, Your name\n",
        "Makefile": CCDS_MAKEFILE,
        "README.md": CCDS_README,
        ".gitignore": "# Data\n/data/\n\n# Mac OS-specific storage files\n.DS_Store\n\n"
        "# Byte-compiled / optimized / DLL files\n__pycache__/\n*.py[cod]\n.env\n.venv\n",
        "pyproject.toml": '[build-system]\nrequires = ["flit_core >=3.2,<4"]\n'
        'build-backend = "flit_core.buildapi"\n\n[project]\nname = "ccds_demo"\n'
        'version = "0.0.1"\ndescription = "A short description of the project."\n'
        'requires-python = "~=3.10"\n\n[tool.ruff]\nline-length = 99\nsrc = ["ccds_demo"]\n',
        "requirements.txt": "ipython\njupyterlab\nloguru\nmatplotlib\nmkdocs\nnotebook\nnumpy\n"
        "pandas\npip\npytest\npython-dotenv\nruff\nscikit-learn\ntqdm\ntyper\n-e .\n",
        "setup.cfg": "[flake8]\nignore = E731,E266,E501,C901,W503\nmax-line-length = 99\n",
        "docs/mkdocs.yml": "site_name: ccds_demo\n",
        "docs/docs/index.md": "# ccds_demo documentation!\n",
        "docs/docs/getting-started.md": "Getting started\n===============\n",
        "references/.gitkeep": "",
        "reports/figures/.gitkeep": "",
        "notebooks/.gitkeep": "",
        "models/.gitkeep": "",
        **{f"data/{d}/.gitkeep": "" for d in ("external", "interim", "processed", "raw")},
        "ccds_demo/__init__.py": "from ccds_demo import config  # noqa: F401\n",
        "ccds_demo/config.py": CCDS_CONFIG,
        "ccds_demo/dataset.py": CCDS_TRAIN.replace("Modeling training", "Processing dataset"),
        "ccds_demo/features.py": CCDS_TRAIN.replace("Modeling training", "Features generation"),
        "ccds_demo/plots.py": CCDS_TRAIN.replace("Modeling training", "Plot generation"),
        "ccds_demo/modeling/__init__.py": "",
        "ccds_demo/modeling/train.py": CCDS_TRAIN,
        "ccds_demo/modeling/predict.py": CCDS_TRAIN.replace("training", "inference"),
        "tests/test_data.py": "def test_code_is_tested():\n    assert False\n",
    }
    write_tree(path, files)
    return path


def test_cookiecutter_data_science_layout_is_partly_level_0(tmp_path: Path, env) -> None:
    repo = build_ccds(tmp_path / "ccds_demo")
    commit(repo, env, "Initial commit")
    report = diagnose(repo, offline=True)
    assert report.level == 0
    assert statuses(report) == {
        "MLO001": "pass",
        "MLO002": "pass",  # requirements.txt
        "MLO003": "fail",  # nothing pinned, no lock file
        "MLO004": "fail",  # the README shows the layout, not how to run it
        "MLO101": "fail",
        "MLO102": "pass",  # /data/ is ignored
        "MLO103": "fail",  # a Makefile, no pipeline with deps/outs
        "MLO104": "fail",  # paths and settings live in config.py
        "MLO105": "fail",  # tests/test_data.py is a placeholder
        "MLO106": "fail",
        "MLO107": "fail",
        "MLO108": "fail",
        "MLO201": "fail",
        "MLO202": "fail",
        "MLO203": "fail",
        "MLO204": "n/a",
        "MLO205": "n/a",  # cookiecutter records nothing to update from
        "MLO206": "fail",
    }
    assert "requirements.txt leaves 15 of 15 packages unpinned" in result(report, "MLO003").reason
    assert "Makefile runs steps" in result(report, "MLO103").reason
    assert "1 test file, none checks the data" in result(report, "MLO105").reason
    # Not our project: the fixes are generic, never `mlops-new update`.
    assert all(r.hint and "mlops-new update" not in r.hint for r in report.failures())


# ---- broken inputs: a failed check with a reason, never a crash ---------------------------

BINARY = bytes(range(256)) * 4

BROKEN = {
    "invalid dvc.yaml": ("dvc.yaml", b"stages:\n  train: [unclosed\n", "MLO103", "not valid YAML"),
    "dvc.yaml is a folder": ("dvc.yaml", None, "MLO103", "is a folder"),
    "dvc.yaml is a dangling symlink": ("dvc.yaml", "->nowhere", "MLO103", "broken symlink"),
    "dvc.yaml is a pipe": ("dvc.yaml", "fifo", "MLO103", "not a regular file"),
    "dvc.yaml builds python objects": (
        "dvc.yaml",
        b'stages: !!python/object/apply:os.system ["touch pwned"]\n',
        "MLO103",
        "not valid YAML",
    ),
    "dvc.yaml nested too deep": ("dvc.yaml", b"[" * 100_000, "MLO103", "not valid YAML"),
    "invalid workflow YAML": (
        ".github/workflows/ci.yml",
        b"on: push\njobs:\n  lint: {runs-on: ubuntu-latest\n",
        "MLO201",
        "ci.yml is not valid YAML at line",
    ),
    "workflow is a billion laughs": (
        ".github/workflows/ci.yml",
        b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n".encode()
            for i in range(8)
        ),
        "MLO201",
        "but not lint or tests",  # release.yml still runs the pipeline
    ),
    "binary params.yaml": ("params.yaml", BINARY, "MLO104", "params.yaml is a binary file"),
    "huge params.yaml": ("params.yaml", b"a: 1\n" * 500_000, "MLO104", "too large"),
    "binary pyproject.toml": ("pyproject.toml", BINARY, "MLO002", "is a binary file"),
    "invalid pyproject.toml": ("pyproject.toml", b"[project\n", "MLO002", "not valid TOML"),
    "binary uv.lock": ("uv.lock", BINARY, "MLO003", "uv.lock is a binary file"),
    "latin-1 README": ("README.md", "Café\n".encode("latin-1"), "MLO004", "not UTF-8"),
    "README links outside": ("README.md", "->/etc/passwd", "MLO004", "outside the repository"),
    "binary .dvc/config": (".dvc/config", BINARY, "MLO101", "binary"),
    "unparsable .dvc/config": (".dvc/config", b"no section header\n", "MLO101", "cannot be parsed"),
    "binary Dockerfile": ("Dockerfile", BINARY, "MLO202", "Dockerfile is a binary file"),
    "binary pre-commit config": (".pre-commit-config.yaml", BINARY, "MLO203", "binary"),
    "answers file is a list": (".copier-answers.yml", b"- a\n- b\n", "MLO205", "not a mapping"),
    "binary answers file": (".copier-answers.yml", BINARY, "MLO205", "binary"),
}


@pytest.mark.parametrize("name, content, code, reason", BROKEN.values(), ids=list(BROKEN.keys()))
def test_broken_input_fails_its_check_with_a_reason(
    copy_of, defaults_project: Path, name, content, code, reason
) -> None:
    repo = copy_of(defaults_project)
    target = repo / name
    target.unlink()
    if content is None:
        target.mkdir()
    elif content == "fifo":
        os.mkfifo(target)
    elif isinstance(content, str):
        target.symlink_to(content.removeprefix("->"))
    else:
        target.write_bytes(content)
    started = time.monotonic()
    report = diagnose(repo, offline=True)
    assert time.monotonic() - started < 30
    found = result(report, code)
    assert found.status is Status.FAIL, found
    assert reason in found.reason, found
    assert found.hint, found
    assert not (repo / "pwned").exists()
    assert not any("bug in mlops-new" in r.reason for r in report.results), report.results


def test_broken_repository_through_the_cli(cli, copy_of, defaults_project: Path) -> None:
    repo = copy_of(defaults_project)
    (repo / "dvc.yaml").write_bytes(BINARY)
    (repo / ".github" / "workflows" / "ci.yml").write_text("jobs: [\n", encoding="utf-8")
    proc = doctor(cli, repo, "--offline", "--min-level", "1")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert "dvc.yaml is a binary file, not text" in proc.stdout
    proc = doctor(cli, repo, "--offline", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["level"] == 0


def test_repository_config_never_runs_a_program(copy_of, defaults_project: Path, env) -> None:
    """A hostile .git/config (fsmonitor runs a command in `git status`) is not obeyed."""
    repo = copy_of(defaults_project)
    marker = repo.parent / "ran"
    hook = f"touch {marker}; false"
    git("config", "core.fsmonitor", hook, cwd=repo, env=env)
    hooks = repo / ".git" / "hooks"
    for name in ("post-checkout", "post-index-change", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\n{hook}\n", encoding="utf-8")
        (hooks / name).chmod(0o755)
    report = diagnose(repo, offline=True)
    assert report.level == 2
    assert not marker.exists()


# ---- data kept out of git -----------------------------------------------------------------


def test_committed_data_fails_and_loose_data_warns(copy_of, defaults_project: Path, env) -> None:
    repo = copy_of(defaults_project)
    (repo / "data" / "raw" / "iris.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert result(diagnose(repo, offline=True), "MLO102").status is Status.PASS  # ignored
    git("add", "-f", "data/raw/iris.csv", cwd=repo, env=env)
    found = result(diagnose(repo, offline=True), "MLO102")
    assert found.status is Status.FAIL and "data/raw/iris.csv" in found.reason
    git("rm", "-q", "--cached", "data/raw/iris.csv", cwd=repo, env=env)
    (repo / ".gitignore").write_text("", encoding="utf-8")
    found = result(diagnose(repo, offline=True), "MLO102")
    assert found.status is Status.FAIL and "neither ignored nor tracked" in found.reason


# ---- security hygiene of workflows --------------------------------------------------------


def test_unpinned_actions_and_missing_permissions_are_findings(
    copy_of, defaults_project: Path
) -> None:
    repo = copy_of(defaults_project)
    (repo / ".github" / "workflows" / "extra.yml").write_text(
        "on: [push, pull_request_target]\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    found = result(diagnose(repo, offline=True), "MLO204")
    assert found.status is Status.FAIL
    assert found.reason.startswith("5 finding(s): .github/workflows/extra.yml sets no permissions")
    assert "zizmor" in found.hint


# ---- up to date with the template ---------------------------------------------------------


def _record(repo: Path, src: str, commit_: str) -> None:
    answers = repo / ".copier-answers.yml"
    text = answers.read_text(encoding="utf-8").splitlines()
    text = [f"_src_path: {src}" if line.startswith("_src_path:") else line for line in text]
    text = [f"_commit: {commit_}" if line.startswith("_commit:") else line for line in text]
    answers.write_text("\n".join(text) + "\n", encoding="utf-8")


def test_behind_its_template_fails_with_the_update_command(
    copy_of, defaults_project: Path, tmp_path: Path, env
) -> None:
    tags = ["v0.1.0", "v0.2.0", "v0.3.0rc1"]
    releases = {tag: {"copier.yml": f"# {tag}\n"} for tag in tags}
    template = template_repo(tmp_path / "template", releases, env)
    repo = copy_of(defaults_project)
    _record(repo, str(template), "v0.1.0")
    found = result(diagnose(repo), "MLO205")
    assert found.status is Status.FAIL
    assert found.reason == "behind: made from v0.1.0, the template's newest release is v0.2.0"
    assert found.hint == "mlops-new update"
    _record(repo, str(template), "v0.2.0")
    assert result(diagnose(repo), "MLO205").status is Status.PASS
    assert result(diagnose(repo, offline=True), "MLO205").status is Status.NA


def test_unreachable_template_is_unknown_not_failed(copy_of, defaults_project: Path) -> None:
    repo = copy_of(defaults_project)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    _record(repo, f"http://127.0.0.1:{port}/template.git", "v0.1.0")
    found = result(diagnose(repo, timeout=20), "MLO205")
    assert found.status is Status.NA
    assert found.reason.startswith("unknown: template source unreachable")
    assert diagnose(repo).level == 2


def test_a_silent_template_host_never_hangs_the_doctor(copy_of, defaults_project: Path) -> None:
    repo = copy_of(defaults_project)
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        _record(repo, f"http://127.0.0.1:{silent.getsockname()[1]}/t.git", "v0.1.0")
        started = time.monotonic()
        found = result(diagnose(repo, timeout=1.5), "MLO205")
        assert time.monotonic() - started < 15
    assert found.status is Status.NA
    assert "no answer from 127.0.0.1" in found.reason


# ---- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing-folder"], "missing-folder: no such folder"),
        (["a-file"], "a-file is a file; give the repository's folder"),
        ([".", "--format", "xml"], "--format xml: choose text or json"),
    ],
    ids=["no such folder", "a file", "unknown format"],
)
def test_doctor_user_errors_exit_2_with_one_line(cli, tmp_path: Path, args, message) -> None:
    (tmp_path / "a-file").write_text("x\n", encoding="utf-8")
    proc = doctor(cli, *args)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"Error: {message}"
    assert proc.stdout == ""


def test_min_level_out_of_range_is_a_usage_error(cli) -> None:
    proc = doctor(cli, ".", "--min-level", "3")
    assert proc.returncode == 2 and "Error" in proc.stderr


def test_doctor_is_listed_in_help(cli) -> None:
    assert "doctor" in cli("--help", check=True).stdout
    out = cli("doctor", "--help", check=True).stdout
    for option in ("--min-level", "--format", "--offline"):
        assert option in out


# ---- level semantics, docs, repo-review ---------------------------------------------------


def test_reached_level_needs_every_lower_level() -> None:
    from mlops_new.doctor import CheckResult

    def report(*failing: str) -> Report:
        results = tuple(
            CheckResult(
                c.code, c.level, c.title, Status.FAIL if c.code in failing else Status.PASS, ""
            )
            for c in all_checks()
        )
        return Report(Path("."), results)

    assert report().level == 2
    assert report("MLO201").level == 1
    assert report("MLO101").level == 0
    assert report("MLO003").level == 0  # level 2 checks all pass, but level 0 does not
    assert report("MLO003").complete(2) and not report("MLO003").complete(0)


def test_every_check_is_documented() -> None:
    page = (ROOT / "docs" / "doctor.md").read_text(encoding="utf-8")
    for check in all_checks():
        assert f"`{check.code}`" in page, check.code
        assert check.title in page, check.code


def test_repo_review_runs_the_same_checks(minimal_project: Path) -> None:
    processor = pytest.importorskip("repo_review.processor")
    families, results = processor.process(minimal_project)
    ours = {r.name: r for r in results if r.family.startswith("mlops-level-")}
    report = diagnose(minimal_project, offline=True)
    expected = {"pass": True, "fail": False, "n/a": None}
    # MLO205 goes online under repo-review (it has no --offline): compare the others.
    assert {code: r.result for code, r in ours.items() if code != "MLO205"} == {
        code: expected[status] for code, status in statuses(report).items() if code != "MLO205"
    }
    assert families["mlops-level-1"]["name"] == "MLOps level 1: ML pipeline automation"
    assert "Fix: `mlops-new update --data ci=github`" in ours["MLO201"].err_msg


def test_repo_review_command_line(minimal_project: Path, env) -> None:
    if not (BIN / "repo-review").exists():
        pytest.skip("repo-review is not installed")
    proc = subprocess.run(
        [BIN / "repo-review", minimal_project, "--format", "json", "--select", "MLO"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    # A generated project's [tool.repo-review.ignore] names sp-repo-review's checks, which
    # repo-review lists (as ignored) beside the selected ones.
    checks = {k: v for k, v in json.loads(proc.stdout)["checks"].items() if k.startswith("MLO")}
    assert set(checks) == {check.code for check in all_checks()}
    assert checks["MLO101"]["result"] is False
