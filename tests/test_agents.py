"""AGENTS.md (the `agents` question): short, and free of dead references for every combination."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from mlops_new import create

from . import combinations

# `make target` in the text, and backticked project paths (src/..., tests/, params.yaml, ...).
MAKE = re.compile(r"\bmake ([a-z][a-z-]*)")
PATH = re.compile(
    r"`((?:src|tests|data|models|docs)/[^`\s]*|[A-Za-z_.-]+\.(?:py|yaml|yml|toml|md))`"
)


@pytest.fixture(scope="module")
def projects(pairwise_rendered) -> list[tuple[dict[str, Any], Path]]:
    chosen = [(answers, path) for answers, path in pairwise_rendered if answers["agents"]]
    assert chosen
    return chosen


def _targets(makefile: str) -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))


def test_agents_md_names_only_what_exists(projects) -> None:
    problems = []
    for answers, project in projects:
        text = (project / "AGENTS.md").read_text(encoding="utf-8")
        targets = _targets((project / "Makefile").read_text(encoding="utf-8"))
        label = combinations.label(answers)
        problems += [f"{label}: make {t}" for t in MAKE.findall(text) if t not in targets]
        for name in PATH.findall(text):
            where = (
                project / name if "/" in name else project / "src" / answers["package_name"] / name
            )
            if not (where.exists() or (project / name).exists()):
                problems.append(f"{label}: {name}")
    assert not problems, "\n".join(problems)


def test_agents_md_is_short(projects) -> None:
    for _, project in projects:
        assert len((project / "AGENTS.md").read_text(encoding="utf-8").splitlines()) <= 60


def test_agents_question_can_leave_it_out(tmp_path: Path) -> None:
    create(tmp_path / "p", {"agents": False}, git=False, lock=False)
    assert not (tmp_path / "p" / "AGENTS.md").exists()
    create(tmp_path / "q", {}, git=False, lock=False)
    assert "make test" in (tmp_path / "q" / "AGENTS.md").read_text(encoding="utf-8")
