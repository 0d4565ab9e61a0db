"""The field's own checkers, run on what we generate, for every combination of the pairwise set.

Fast tier: the checks that read files only (validate-pyproject, sp-repo-review).
Slow tier: each combination installed once (its own locked environment, uv's shared cache),
then its `make lint` (ruff, mypy, deptry and, with GitHub Actions, zizmor), every module
imported under `python -OO`, and `uv build` + `twine check --strict` of what it builds.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from . import combinations
from .helpers import BIN, PAIRWISE_FIXED, ROOT, TORCH_PYTHON, git, run, torch_index

PAIRWISE = combinations.pairwise()
FIXED = PAIRWISE_FIXED
DOCS = ROOT / "docs" / "generated-project.md"
# Scientific Python's checks only: mlops-new's own doctor is a repo-review plugin too (MLO...),
# installed in this environment, and is tested in test_doctor.py.
REPO_REVIEW = [BIN / "sp-repo-review", "--format", "json", "--extend-ignore", "MLO"]


@pytest.fixture(scope="module")
def rendered(pairwise_rendered) -> list[tuple[dict[str, Any], Path]]:
    return pairwise_rendered


def _label(answers: dict[str, Any]) -> str:
    return combinations.label({k: v for k, v in answers.items() if k not in FIXED})


def test_every_pyproject_is_valid(rendered, env) -> None:
    paths = [project / "pyproject.toml" for _, project in rendered]
    out = run([BIN / "validate-pyproject", *paths], cwd=paths[0].parent, env=env)
    assert out.returncode == 0, out.stdout + out.stderr


def test_repo_review_fails_no_check(rendered, env) -> None:
    """sp-repo-review: every check passes, or is ignored in pyproject.toml with a reason."""
    failures = []
    for answers, project in rendered:
        out = run([*REPO_REVIEW, "."], cwd=project, env=env)
        checks = json.loads(out.stdout)["checks"]
        failed = sorted(name for name, check in checks.items() if check["result"] is False)
        failures += [
            f"{_label(answers)}: {name} {checks[name]['err_msg'][:120]}" for name in failed
        ]
    assert not failures, "\n".join(failures)


def test_repo_review_ignores_are_documented(rendered) -> None:
    """Each check a generated project ignores is listed in docs/generated-project.md."""
    docs = DOCS.read_text(encoding="utf-8")
    ignored = set()
    for _, project in rendered:
        config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        reasons = config["tool"]["repo-review"]["ignore"]
        assert all(reason.strip() for reason in reasons.values())
        ignored |= set(reasons)
    missing = sorted(name for name in ignored if not re.search(rf"\b{name}\b", docs))
    assert not missing, f"not in {DOCS.name}: {missing}"


def test_repo_review_catches_a_missing_setting(rendered, env, tmp_path: Path) -> None:
    """The check can fail: without strict pytest settings sp-repo-review reports it."""
    _, project = rendered[0]
    work = tmp_path / "broken"
    shutil.copytree(project, work)
    text = (work / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(text.replace("strict = true\n", "", 1), encoding="utf-8")
    out = run([*REPO_REVIEW, "."], cwd=work, env=env)
    checks = json.loads(out.stdout)["checks"]
    assert checks["PP305"]["result"] is False


# ---- slow: each combination installed and checked with its own tools -------------------------


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(PAIRWISE)), ids=lambda i: f"c{i:02d}")
def test_installed_project_passes_the_checkers(
    rendered, index: int, session_env, tmp_path: Path
) -> None:
    answers, template_render = rendered[index]
    env = dict(session_env)
    if answers["ml_framework"] == "pytorch":
        if answers["python_version"] != TORCH_PYTHON:
            pytest.skip(
                "ml_framework=pytorch: download.pytorch.org is unreachable here and the only "
                f"CPU torch wheel on this machine is for Python {TORCH_PYTHON}"
            )
        env["UV_INDEX"] = f"pytorch-cpu={torch_index(tmp_path / 'torch-index')}"
    version = answers["python_version"]
    if shutil.which(f"python{version}", path=env["PATH"]) is None:
        pytest.skip(f"no Python {version} interpreter on this machine (the project locks for it)")
    project = tmp_path / "project"
    shutil.copytree(template_render, project)
    git("init", "-q", cwd=project, env=env)
    run(["uv", "lock", "--quiet"], cwd=project, env=env, check=True)
    run(["make", "setup"], cwd=project, env=env, check=True)
    lint = run(["make", "lint"], cwd=project, env=env)
    assert lint.returncode == 0, f"{_label(answers)}:\n{lint.stdout[-4000:]}{lint.stderr[-2000:]}"
    assert "Success: no issues found" in lint.stdout  # mypy ran and was clean
    assert "No dependency issues found" in lint.stderr  # deptry ran and was clean (on stderr)

    # Every module imports, and the command-line stages start, with docstrings stripped.
    python = project / ".venv" / "bin" / "python"
    package = answers["package_name"]
    modules = sorted(p.stem for p in (project / "src" / package).glob("*.py"))
    imports = "; ".join(f"import {package}.{m}" for m in modules if m != "__main__")
    run([python, "-OO", "-c", imports], cwd=project, env=env, check=True)
    run([python, "-OO", "-m", f"{package}.monitor", "--help"], cwd=project, env=env, check=True)

    # What the project builds is a valid distribution.
    run(["uv", "build", "--quiet", "--out-dir", "dist"], cwd=project, env=env, check=True)
    dists = sorted(p for p in (project / "dist").iterdir() if p.name != ".gitignore")
    assert {d.suffix for d in dists} == {".whl", ".gz"}, dists
    run([BIN / "twine", "check", "--strict", *dists], cwd=project, env=env, check=True)
