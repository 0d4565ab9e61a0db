"""The generator's structure, as docs/architecture.md draws it: layers that only look down,
modules a maintainer can read at a sitting, functions that fit on a screen."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .helpers import ROOT

PACKAGE = ROOT / "generator" / "mlops_new"
DOC = ROOT / "docs" / "architecture.md"

#: Lowest first. A module may import only modules of lower layers (never its own layer, so
#: that no command imports another command). `mlops_new` itself (the package: `__version__`,
#: lazy re-exports) is the exception anyone may import, for its version.
LAYERS: list[list[str]] = [
    ["errors"],
    ["_steps", "_git", "_copier", "table", "staging", "fleet", "fleet.parallel"],
    ["source", "schema"],
    ["project", "questions", "_lock", "presets"],
    ["releases", "prompts", "dataset", "lossless", "fleet.members"],
    ["fleet.latest", "fleet.workspace"],
    ["doctor.parsing"],
    ["doctor.walk"],
    ["doctor.repo"],
    ["doctor.base"],
    ["doctor.versioning", "doctor.ci", "doctor.evidence", "doctor.upstream"],
    ["doctor.level0"],
    ["doctor.level1"],
    ["doctor.level2"],
    ["doctor.automation"],
    ["doctor.probes"],
    ["doctor.mltests"],
    ["create", "update", "check", "doctor"],
    ["doctor.report", "doctor.plugin", "doctor.rubric"],
    ["fleet.status", "fleet.update", "fleet.roster"],
    ["fleet.tables", "fleet.report"],
    ["cli.options"],
    ["cli.new", "cli.update", "cli.check", "cli.doctor", "cli.presets", "cli.schema", "cli.fleet"],
    ["cli"],
    ["__main__"],
]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_template" not in p.parts}
LAYER = {module: index for index, layer in enumerate(LAYERS) for module in layer}


def _imports(path: Path) -> set[str]:
    """The package's modules that `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from mlops_new.cli import check` imports the module cli.check; `from
            # mlops_new.project import display` imports project.
            subs = [f"{node.module}.{alias.name}" for alias in node.names]
            inner = [s.removeprefix("mlops_new.") for s in subs]
            names = subs if all(m in MODULES for m in inner) else [node.module]
        else:
            continue
        for name in names:
            inner = name.removeprefix("mlops_new.")
            if name.startswith("mlops_new.") and inner in MODULES:
                found.add(inner)
    return found


def test_every_module_has_a_layer() -> None:
    assert sorted(set(MODULES) - {""} - set(LAYER)) == []
    assert sorted(set(LAYER) - set(MODULES)) == [], "a layer names a module that is gone"


@pytest.mark.parametrize("module", sorted(set(MODULES) - {""}))
def test_imports_only_look_down(module: str) -> None:
    upward = sorted(m for m in _imports(MODULES[module]) if LAYER[m] >= LAYER[module])
    assert upward == [], f"{module} (layer {LAYER[module]}) imports {upward}"


def test_the_package_imports_nothing_eagerly_but_errors() -> None:
    tree = ast.parse(MODULES[""].read_text(encoding="utf-8"))
    eager = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
    assert {m for m in eager if m.startswith("mlops_new")} == {"mlops_new.errors"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_are_short(module: str) -> None:
    text = MODULES[module].read_text(encoding="utf-8")
    assert len(text.splitlines()) < MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 >= MAX_FUNCTION_LINES
    ]
    assert long == []


def test_private_apis_carry_a_hack_tag() -> None:
    """Every import of another package's private module names what would remove it."""
    untagged = []
    for module, path in MODULES.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            stripped = line.strip()
            if not stripped.startswith(("from ", "import ")) or stripped.startswith(
                ("from mlops_new", "from __future__")
            ):
                continue
            target = stripped.split()[1]
            if any(part.startswith("_") for part in target.split(".")):
                above = "\n".join(lines[max(0, number - 4) : number])
                if "# HACK(" not in above:
                    untagged.append(f"{module}:{number + 1}: {stripped}")
    assert untagged == []


def test_the_architecture_page_shows_every_layer() -> None:
    page = DOC.read_text(encoding="utf-8")
    missing = [m for m in LAYER if not re.search(rf"(?<![\w.]){re.escape(m)}(?![\w.])", page)]
    assert missing == [], f"docs/architecture.md does not name {missing}"
