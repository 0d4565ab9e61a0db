"""Tier 2: a generated project installs, and its own make targets pass (needs the registry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import CLI, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, gitconfig: Path) -> Path:
    import os

    from .conftest import BIN, PYENV_VERSIONS

    env = dict(
        os.environ,
        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        UV_PYTHON_DOWNLOADS="never",
    )
    env.setdefault("PYENV_VERSION", PYENV_VERSIONS)
    parent = tmp_path_factory.mktemp("full")
    run([CLI, "iris-full", "--defaults"], cwd=parent, env=env, check=True)
    return parent / "iris-full"


def test_first_commit_includes_the_lock_file(project: Path, env) -> None:
    files = run(["git", "ls-files"], cwd=project, env=env, check=True).stdout.split()
    assert "uv.lock" in files


def test_make_setup_and_test_pass(project: Path, env) -> None:
    run(["make", "setup"], cwd=project, env=env, check=True)
    out = run(["make", "test"], cwd=project, env=env, check=True).stdout
    assert " passed" in out and "failed" not in out


def test_make_pipeline_trains_and_writes_metrics(project: Path, env) -> None:
    run(["make", "pipeline"], cwd=project, env=env, check=True)
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    assert (project / "models" / "model.joblib").is_file()
    assert (project / "reports" / "figures" / "confusion_matrix.png").stat().st_size > 1000


def test_make_lint_is_clean(project: Path, env) -> None:
    run(["make", "lint"], cwd=project, env=env, check=True)


def test_pipeline_outputs_stay_out_of_git(project: Path, env) -> None:
    status = run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=project, env=env, check=True
    ).stdout
    assert "models/model.joblib" not in status
    assert "data/processed" not in status
