"""How a repository versions data and models: DVC's pipeline and .dvc files, git LFS."""

from __future__ import annotations

import fnmatch
from typing import Any

from mlops_new.doctor.repo import Loaded, Repo


def dvc_stages(repo: Repo) -> tuple[Loaded | None, dict[str, dict[str, Any]]]:
    """dvc.yaml as loaded, and its stages (a `foreach`/`matrix` stage's body is its `do`)."""
    return repo.memo("dvc_stages", _dvc_stages)


def _dvc_stages(repo: Repo) -> tuple[Loaded | None, dict[str, dict[str, Any]]]:
    loaded = repo.yaml("dvc.yaml")
    if loaded is None or not loaded.ok or not isinstance(loaded.data, dict):
        return loaded, {}
    stages = loaded.data.get("stages")
    result = {}
    for name, stage in (stages if isinstance(stages, dict) else {}).items():
        body = stage.get("do", stage) if isinstance(stage, dict) else stage
        result[str(name)] = body if isinstance(body, dict) else {}
    return loaded, result


def paths(entries: Any) -> list[str]:
    """The paths of a stage's deps/outs/metrics/params list (`- path` or `- path: {opts}`)."""
    found: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict):
            found += [str(key) for key in entry]
    return found


def lfs_patterns(repo: Repo) -> list[str]:
    """The .gitattributes patterns stored with git LFS."""
    text = repo.text(".gitattributes")
    if text is None or not text.ok:
        return []
    return [line.split()[0] for line in text.data.splitlines() if "filter=lfs" in line]


def lfs_match(path: str, patterns: list[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatch(path, p.lstrip("/")) or fnmatch.fnmatch(name, p)
        or path.startswith(p.lstrip("/").rstrip("*").rstrip("/") + "/")
        for p in patterns
    )  # fmt: skip
