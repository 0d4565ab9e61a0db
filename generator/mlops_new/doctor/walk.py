"""Walking a repository: a folder, or any importlib.resources Traversable (repo-review's)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The most files a walk lists, so a huge checkout stays fast.
MAX_FILES = 20_000
#: Folders never walked: environments, caches, and (at the top) data and model stores.
SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "site-packages",
     ".cache", "htmlcov"}
)  # fmt: skip
SKIP_TOP = frozenset({"data", "models", "mlruns", "dvclive", ".dvc", "build", "dist", "site"})


def walk(root: Any, local: Path | None) -> Iterator[str]:
    """The files of a repository worth reading (POSIX paths), in a stable order: no
    environments, caches or data stores, and at most MAX_FILES of them."""
    count = 0
    if local is not None:
        for top, dirs, names in os.walk(local):
            rel_top = Path(top).relative_to(local).as_posix()
            at_root = rel_top == "."
            dirs[:] = sorted(
                d for d in dirs if d not in SKIP_DIRS and not (at_root and d in SKIP_TOP)
            )
            for name in sorted(names):
                count += 1
                if count > MAX_FILES:
                    return
                yield name if at_root else f"{rel_top}/{name}"
        return
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        prefix, node = stack.pop()
        try:
            children = sorted(node.iterdir(), key=lambda c: c.name)
        except (OSError, ValueError):
            continue
        for child in children:
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                if child.name not in SKIP_DIRS and not (not prefix and child.name in SKIP_TOP):
                    stack.append((rel + "/", child))
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield rel
