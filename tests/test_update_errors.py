"""`mlops-new update` refusals and errors: exit 2, one line, nothing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import commit, contents, run
from .update_history import (
    MY_TRAIN_LINE,
    UNREACHABLE,
    edit,
    mlops,
    record_unreachable_source,
    set_answer,
    state,
    summary,
)

# ---- dry run and check ----------------------------------------------------------------------


def test_pretend_lists_changes_and_writes_nothing(project, session_env) -> None:
    edit(project / "src/p/train.py", first_line=MY_TRAIN_LINE)
    commit(project, session_env)
    before = state(project, session_env)
    proc = mlops("update", "--pretend", "--vcs-ref", "v1.1.0", cwd=project, env=session_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert found["would add"] == {"SECURITY.md"}
    assert found["would conflict"] == {"src/p/train.py"}
    assert "src/p/features.py" in found["would change"]
    assert "nothing was written" in proc.stdout
    assert state(project, session_env) == before


# ---- refusals and errors: exit 2, one line, nothing changed --------------------------------


def _modify(project: Path, env) -> None:
    edit(project / "src/p/predict.py", append="# not committed\n")


def _untracked(project: Path, env) -> None:
    (project / "notes.md").write_text("not committed\n", encoding="utf-8")


ERRORS = {
    "dirty tree": (_modify, [], "uncommitted changes (src/p/predict.py)"),
    "untracked file": (_untracked, [], "uncommitted changes (notes.md)"),
    "unreachable source": (
        record_unreachable_source,
        [],
        f"cannot reach the template at {UNREACHABLE}",
    ),
    "moved source": (
        lambda p, e: set_answer(p, e, "_src_path", "/nonexistent/template"),
        [],
        "does not exist (moved or deleted?)",
    ),
    "relative source": (
        lambda p, e: set_answer(p, e, "_src_path", "../template"),
        [],
        "relative _src_path",
    ),
    "missing _commit": (lambda p, e: set_answer(p, e, "_commit", None), [], "no _commit"),
    "not a git repository": (
        lambda p, e: shutil.rmtree(p / ".git"),
        [],
        "is not a git repository",
    ),
    "downgrade": (
        lambda p, e: set_answer(p, e, "_commit", "v2.0.0"),
        ["--vcs-ref", "v1.0.0"],
        "cannot downgrade",
    ),
    "unknown ref (copier's bare ValueError)": (None, ["--vcs-ref", "v9.9.9"], "v9.9.9"),
    "render fails mid-update (undone)": (None, ["--vcs-ref", "v3.0.0a1"], "missing"),
    "invalid answer": (None, ["-d", "docker=maybe"], "docker: 'maybe' is not yes/no"),
    "unknown question": (None, ["-d", "colour=blue"], "unknown question 'colour'"),
    "answer without =": (None, ["-d", "docker"], "expected key=value"),
}


@pytest.mark.parametrize("prepare, args, message", ERRORS.values(), ids=ERRORS.keys())
def test_update_refuses_with_one_line_and_changes_nothing(
    project, session_env, prepare, args, message
) -> None:
    if prepare:
        prepare(project, session_env)
    before = contents(project)
    status = run(["git", "status", "--porcelain"], cwd=project, env=session_env).stdout
    proc = mlops("update", *args, cwd=project, env=session_env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert message in lines[0]
    assert contents(project) == before
    assert run(["git", "status", "--porcelain"], cwd=project, env=session_env).stdout == status
