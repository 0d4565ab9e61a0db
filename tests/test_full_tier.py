"""Tier 2: every value of every option, installed and run for real.

A few combinations (round-robin, generated from copier.yml) that together use each value of
each option at least once are each created with the CLI, then set up, tested, run and
linted with their own `make` targets, and checked with `pre-commit run --all-files` where
pre-commit was chosen.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from . import combinations
from .helpers import CLI, TORCH_PYTHON, run, torch_index

pytestmark = pytest.mark.slow


def _runnable_here(combination: Mapping[str, Any]) -> bool:
    return combination.get("ml_framework") != "pytorch" or (
        combination.get("python_version") == TORCH_PYTHON
    )


COMBINATIONS = combinations.each_value(_runnable_here)


@pytest.fixture(scope="session")
def local_torch_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    return torch_index(tmp_path_factory.mktemp("torch-index"))


@pytest.mark.parametrize("combination", COMBINATIONS, ids=combinations.label)
def test_full_make_run(
    combination: dict[str, Any], tmp_path: Path, session_env, request: pytest.FixtureRequest
) -> None:
    answers = combinations.answers(combination)
    if shutil.which(f"python{answers['python_version']}", path=session_env["PATH"]) is None:
        pytest.skip(
            f"no Python {answers['python_version']} interpreter on this machine and uv may not "
            "download one: the project is written but cannot be locked or installed here"
        )
    env = dict(session_env)
    if answers["ml_framework"] == "pytorch":
        # Same name as the project's index: uv uses this URL for it instead.
        env["UV_INDEX"] = f"pytorch-cpu={request.getfixturevalue('local_torch_index')}"
    data = [arg for name, value in answers.items() for arg in ("--data", f"{name}={value}")]
    recorded = _create_and_run(["--defaults", *data], tmp_path, env)
    assert {name: recorded[name] for name in answers} == answers


@pytest.mark.parametrize("preset", ["minimal", "full", "course"])
def test_builtin_preset_is_green(preset: str, tmp_path: Path, session_env) -> None:
    """Each built-in preset (standard is the defaults: test_generated_project) runs green."""
    recorded = _create_and_run(["--preset", preset], tmp_path, dict(session_env))
    assert recorded["preset"] == preset
    assert (tmp_path / "full" / "COURSE.md").exists() == (preset == "course")


def _create_and_run(args: list[str], tmp_path: Path, env: dict[str, str]) -> dict[str, Any]:
    """Create a project with the CLI, run its make targets (and pre-commit where chosen);
    return its recorded answers."""
    created = run([CLI, "full", *args], cwd=tmp_path, env=env, check=True)
    project = tmp_path / "full"
    assert (project / "uv.lock").is_file(), created.stdout + created.stderr
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))

    def make(*targets: str) -> str:
        return run(["make", *targets], cwd=project, env=env, check=True).stdout

    make("setup")
    assert " passed" in make("test")
    pipeline = make("pipeline")
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    if answers["task"] == "classification":  # penguins
        assert metrics["accuracy"] >= 0.85 > metrics["baseline_accuracy"], pipeline
    else:  # diabetes
        assert metrics["r2"] >= 0.3 and metrics["rmse"] < metrics["baseline_rmse"], pipeline
    model_file = {"scikit-learn": "model.joblib", "pytorch": "model.pt", "none": "model.joblib"}
    assert (project / "models" / model_file[answers["ml_framework"]]).is_file()
    if answers["data_versioning"] == "none":
        assert not re.search(r"\bdvc\b", (project / "Makefile").read_text(encoding="utf-8"))
    make("lint")
    if answers["docs"] == "none":  # no site: `make docs` lists the Markdown pages instead
        assert "docs/model-card.md" in make("docs")
    if answers["pre_commit"]:
        out = run(
            ["uv", "run", "--frozen", "pre-commit", "run", "--all-files"],
            cwd=project,
            env=env,
            check=True,
        ).stdout
        assert "Passed" in out and "Failed" not in out
    return answers
