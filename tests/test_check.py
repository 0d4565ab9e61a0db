"""`mlops-new check`: whether a project is behind its template (the template history of
tests/update_history.py), as text and as JSON, and its errors."""

from __future__ import annotations

import json

import pytest

from .update_history import ANSWERS, mlops, record_unreachable_source


def test_check_before_update_says_behind(project, history, session_env) -> None:
    proc = mlops("check", cwd=project, env=session_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "v1.0.0 → v2.0.0" in proc.stdout and "mlops-new update" in proc.stdout
    as_json = mlops("check", "p", "--format", "json", cwd=project.parent, env=session_env)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "path": str(project),
        "source": str(history),
        "current": "v1.0.0",
        "latest": "v2.0.0",
        "behind": True,
    }


CHECK_ERRORS = {
    "not a project": (lambda p, e: (p / ANSWERS).unlink(), [], "has no .copier-answers.yml"),
    "unreachable source": (record_unreachable_source, [], "cannot reach the template"),
    "unknown format": (None, ["--format", "xml"], "choose text or json"),
}


@pytest.mark.parametrize("prepare, args, message", CHECK_ERRORS.values(), ids=CHECK_ERRORS.keys())
def test_check_errors_exit_2_with_one_line(project, session_env, prepare, args, message) -> None:
    if prepare:
        prepare(project, session_env)
    proc = mlops("check", *args, cwd=project, env=session_env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_help_explains_update_and_check(session_env, tmp_path) -> None:
    update = mlops("update", "--help", cwd=tmp_path, env=session_env, check=True).stdout
    for text in ("--data", "--vcs-ref", "--pretend", "clean git tree", "conflict"):
        assert text in update, text
    check = mlops("check", "--help", cwd=tmp_path, env=session_env, check=True).stdout
    assert "--format" in check and "behind" in check
