"""`mlops-new update` where the user and the template changed the same line: v1.0.0 ->
v1.1.0 of the template history (tests/update_history.py)."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from .helpers import BIN, commit, git, run
from .update_history import (
    FEATURES_NOTE,
    MY_TRAIN_LINE,
    TRAIN_LINE,
    answers,
    edit,
    mlops,
    state,
    summary,
)


@pytest.fixture(scope="module")
def conflicted(tmp_path_factory, base, session_env):
    project = tmp_path_factory.mktemp("conflicted") / "p"
    shutil.copytree(base, project, symlinks=True)
    edit(project / "src/p/train.py", first_line=MY_TRAIN_LINE)
    edit(project / "src/p/predict.py", append="# my predict note\n")
    commit(project, session_env)
    before = state(project, session_env)
    proc = mlops("update", "--vcs-ref", "v1.1.0", cwd=project, env=session_env)
    return project, proc, before


def test_conflict_is_reported_with_markers_and_exit_1(conflicted, session_env) -> None:
    project, proc, _ = conflicted
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert summary(proc.stdout)["conflict"] == {"src/p/train.py"}
    text = (project / "src/p/train.py").read_text()
    assert text.startswith(f"<<<<<<< before updating\n{MY_TRAIN_LINE}\n=======\n{TRAIN_LINE}\n")
    assert ">>>>>>> after updating\n" in text
    unmerged = git("ls-files", "--unmerged", cwd=project, env=session_env)
    assert {line.split("\t")[1] for line in unmerged.splitlines()} == {"src/p/train.py"}
    for hint in ("git checkout --ours", "git checkout --theirs", "git add -A", "git restore"):
        assert hint in proc.stdout, hint


def test_conflict_loses_nothing_else(conflicted) -> None:
    project = conflicted[0]
    assert (project / "src/p/predict.py").read_text().endswith("# my predict note\n")
    assert (project / "src/p/features.py").read_text().endswith(FEATURES_NOTE)
    assert (project / "SECURITY.md").is_file()
    assert answers(project)["_commit"] == "v1.1.0"


def test_conflict_abort_command_restores_the_project(conflicted, session_env, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(conflicted[0], project, symlinks=True)
    abort = conflicted[1].stdout.splitlines()[-1].strip()
    run(["sh", "-c", abort], cwd=project, env=session_env, check=True)
    assert state(project, session_env) == conflicted[2]


def test_conflict_resolved_with_theirs_commits_cleanly(conflicted, session_env, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(conflicted[0], project, symlinks=True)
    git("checkout", "--theirs", "--", "src/p/train.py", cwd=project, env=session_env)
    commit(project, session_env, "Update from template v1.1.0")
    assert (project / "src/p/train.py").read_text().startswith(TRAIN_LINE + "\n")
    proc = mlops("check", "--format", "json", cwd=project, env=session_env)
    assert proc.returncode == 1  # v2.0.0 is out
    assert json.loads(proc.stdout)["current"] == "v1.1.0"


@pytest.mark.slow
def test_generated_pre_commit_hook_refuses_markers_left_by_update(conflicted, session_env) -> None:
    """copier leaves markers outside a git merge: the hook must look for them all the same."""
    project = conflicted[0]
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    hook = next(h for h in hooks if h["id"] == "check-merge-conflict")
    (requirement,) = hook["additional_dependencies"]
    command = [BIN / "uvx", "--from", requirement, *hook["entry"].split(), "src/p/train.py"]
    proc = run(command, cwd=project, env=session_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Merge conflict string" in proc.stdout
