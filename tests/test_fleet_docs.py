"""docs/fleet-teams.md and docs/fleet-teachers.md are executed: every bash block, in order, in
one shell, after making the template repository each page starts from; then what the page
promises is checked."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from .helpers import ROOT, copy_template, git, template_repo

pytestmark = pytest.mark.slow


def _run_page(page: str, where: Path, template: str, env) -> str:
    template_repo(copy_template(where / template), {"v1.0.0": {}}, env)
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 5
    script = "set -euo pipefail\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script], cwd=where, env=env, capture_output=True, text=True, timeout=600
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    return out


def test_every_teams_command_runs(tmp_path, session_env) -> None:
    out = _run_page("fleet-teams.md", tmp_path, "company-template", session_env)
    assert "3 repositories: 0 behind, 0 failing" in out
    assert "some are behind" in out and "3 repositories: 3 would update" in out
    assert "3 repositories: 3 updated" in out and "3 repositories: 3 already" in out
    assert "template/v1.1.0" in git("branch", cwd=tmp_path / "projects/churn", env=session_env)
    assert "ML platform" in (tmp_path / "fleet-report.html").read_text(encoding="utf-8")


def test_every_teachers_command_runs(tmp_path, session_env) -> None:
    out = _run_page("fleet-teachers.md", tmp_path, "mlops101-template", session_env)
    assert "some kits are behind" in out and "3 repositories: 3 updated" in out
    for student in ("ada", "grace", "alan"):
        remote = tmp_path / "remotes" / f"{student}.git"
        branches = git("branch", "--list", cwd=remote, env=session_env)
        assert "template/v1.0.1" in branches and "main" in branches, branches
    ada = tmp_path / "remotes" / "ada.git"
    params = git("show", "template/v1.0.1:params.yaml", cwd=ada, env=session_env)
    assert "test_size: 0.3" in params
    readme = git("show", "template/v1.0.1:README.md", cwd=ada, env=session_env)
    assert "Office hours" in readme
    report = (tmp_path / "class-report.html").read_text(encoding="utf-8")
    assert all(f'data-name="{s}"' in report for s in ("ada", "grace", "alan"))
