"""Evidence for an ML Test Score test: where a check is; whether CI, a person or no one runs it.

A probe returns a `Found` (points and evidence) or None. 1: something CI runs holds the check
(a module or test it runs, a command it executes); 0.5: only a make target no CI job runs,
or a command written down in the README or docs, does; nothing found is 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlops_new.doctor.automation import Automation, Reach, automation
from mlops_new.doctor.repo import Repo

#: A line of documentation that shows a command (rather than describing an intention).
_COMMAND = re.compile(r"`[^`]*\b(make|python|dvc|pytest|uv run|mlops-new)\b[^`]*`|^\s*(\$ )?make ")


@dataclass(frozen=True)
class Found:
    """A probe's verdict: 0, 0.5 or 1 point, and the evidence (file:line, and what runs it)."""

    points: float
    evidence: str


def automated(points: float) -> str:
    return "" if points == 1 else "; no CI job runs it on its own"


def code(repo: Repo, pattern: str, *, scope: str = "src", prefer: str = "") -> Found | None:
    """A line matching `pattern` in a file that CI runs (1) or only a make target runs (0.5).

    `scope`: "src" (modules, not tests), "tests" (test files) or "any"; files whose name
    holds `prefer` are searched first.
    """
    tests = set(repo.test_files)
    for points, reach in _reaches(repo):
        files = [f for f in reach.files if scope == "any" or (f in tests) == (scope == "tests")]
        files.sort(key=lambda f: prefer not in f.rsplit("/", 1)[-1])
        hit = repo.grep(pattern, files)
        if hit:
            how = reach.files[hit[0]]
            return Found(points, f"{hit[0]}:{hit[1]} ({how}{automated(points)})")
    return None


def command(repo: Repo, pattern: str) -> Found | None:
    """A command matching `pattern` that CI runs (1) or only a make target runs (0.5)."""
    regex = re.compile(pattern)
    for points, reach in _reaches(repo):
        for line, how in reach.commands:
            if regex.search(line):
                if how.startswith(f"{line} ("):  # `make rollback`, a target of its own
                    return Found(points, f"{how}{automated(points)}")
                shown = line if len(line) <= 120 else line[:117] + "..."
                return Found(points, f"`{shown}` ({how}{automated(points)})")
    return None


def docs(repo: Repo, pattern: str, *, commands_only: bool = True) -> Found | None:
    """A line of the README or docs/ matching `pattern` (a command, unless not
    `commands_only`): a documented manual procedure, 0.5."""
    regex = re.compile(pattern, re.I)
    names = repo.matching(r"^(README|CONTRIBUTING)[^/]*\.(md|rst|txt)$|^docs/.+\.(md|rst)$")
    for name in names:
        text = repo.text(name)
        if text is None or not text.ok:
            continue
        for number, line in enumerate(text.data.splitlines(), 1):
            if regex.search(line) and (not commands_only or _COMMAND.search(line)):
                return Found(0.5, f"{name}:{number} (documented, done by hand)")
    return None


def gates_params(repo: Repo) -> dict[str, Any] | None:
    """params.yaml's `gates:` mapping: the project declares its ML Test Score gates there."""
    loaded = repo.yaml("params.yaml")
    data = loaded.data if loaded is not None and loaded.ok else None
    gates = data.get("gates") if isinstance(data, dict) else None
    return gates if isinstance(gates, dict) else None


def params_key(repo: Repo, key: str) -> tuple[bool, Any, int]:
    """Whether params.yaml has `key` (dotted: gates.importance), its value, and its line."""
    loaded = repo.yaml("params.yaml")
    node: Any = loaded.data if loaded is not None and loaded.ok else None
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None, 0
        node = node[part]
    last = key.split(".")[-1]
    indent = r"\s*" if "." in key else ""
    hit = repo.grep(rf"^{indent}{re.escape(last)}\s*:", ["params.yaml"])
    return True, node, hit[1] if hit else 1


def gate(repo: Repo, test: str, key: str | None) -> Found:
    """A gate of the project's own: the test's id in a module that the pipeline runs (so a
    failing gate fails it), with its limits under `key` in params.yaml, switched on."""
    if key is not None:
        present, value, line = params_key(repo, key)
        if not present:
            return Found(0, f"params.yaml has no {key}: the {test} gate is gone")
        if isinstance(value, dict) and value.get("enabled") is False:
            return Found(0, f"params.yaml:{line} {key}: enabled: false (switched off)")
        if isinstance(value, dict) and "attribute" in value and not value["attribute"]:
            return Found(0, f"params.yaml:{line} {key}: no attribute declared, nothing is tested")
        where = f"params.yaml:{line} {key}; "
    else:
        where = ""
    found = code(repo, rf"""["']{re.escape(test)}["']\s*,""")
    if found is None:
        return Found(0, f"{where}no module the pipeline runs checks {test}")
    return Found(found.points, where + found.evidence)


def _reaches(repo: Repo) -> list[tuple[float, Reach]]:
    chain: Automation = automation(repo)
    return [(1.0, chain.automated), (0.5, chain.manual)]
