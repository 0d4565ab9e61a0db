"""Config files parsed defensively: every parse error becomes a reason, never a crash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import|import[ \t]+([\w.]+(?:[ \t]*,[ \t]*[\w.]+)*))", re.M
)


@dataclass(frozen=True)
class Loaded:
    """A file as read and parsed: `data` when it worked, otherwise `error` says why not."""

    path: str
    data: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the file was read and parsed."""
        return not self.error


def notebook_code(notebook: Any) -> str:
    """The code cells' source of a parsed .ipynb, joined (nothing for a malformed one)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    sources = [
        "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source")
        for c in (cells if isinstance(cells, list) else [])
        if isinstance(c, dict)
    ]
    return "\n".join(s for s in sources if isinstance(s, str))


def imported_modules(code: str) -> Iterator[str]:
    """Every module an import statement in `code` names, with its parents (`a.b`: a, a.b)."""
    for match in _IMPORT.finditer(code):
        for module in re.split(r"\s*,\s*", match.group(1) or match.group(2)):
            parts = module.split(" as ")[0].strip().split(".")
            for depth in range(1, len(parts) + 1):
                yield ".".join(parts[:depth])


def parse(kind: str, rel: str, text: str) -> Loaded:
    """`text` (the file `rel`) parsed as `kind`: "yaml" (safely: no object tags), "toml" or
    "json"."""
    return {"yaml": _yaml, "toml": _toml, "json": _json}[kind](rel, text)


def _yaml(rel: str, text: str) -> Loaded:
    import yaml

    try:
        return Loaded(rel, yaml.safe_load(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "syntax error"
        return Loaded(rel, error=f"is not valid YAML{where}: {problem}")
    except (RecursionError, ValueError, TypeError) as error:
        return Loaded(rel, error=f"is not valid YAML: {type(error).__name__}")


def _toml(rel: str, text: str) -> Loaded:
    import tomllib

    try:
        return Loaded(rel, tomllib.loads(text))
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        return Loaded(rel, error=f"is not valid TOML: {error}")


def _json(rel: str, text: str) -> Loaded:
    import json

    try:
        return Loaded(rel, json.loads(text))
    except (ValueError, RecursionError) as error:
        return Loaded(rel, error=f"is not valid JSON: {error}")
