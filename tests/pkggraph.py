"""The import graph of a generated package, read with `ast` (never imported): for each module,
the modules of the package it imports and the package data files it opens.

Standard library only, and runnable as a script (`python pkggraph.py PROJECT PACKAGE ...`
prints the graphs as JSON), so that test_dvc_deps.py can parse a project written for a newer Python
than the one running the tests (a `type X = ...` statement needs Python 3.12 to parse).
"""

from __future__ import annotations

import ast
import json
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Files of a package that no module reads at run time: the PEP 561 marker for type checkers.
NOT_READ = {"py.typed"}
# Functions that read a resource of a package: f(<package>, "<file name>").
RESOURCE_READERS = {
    "get_data",  # pkgutil
    "is_resource",  # importlib.resources (its functional API), from here on
    "open_binary",
    "open_text",
    "path",
    "read_binary",
    "read_text",
}
DYNAMIC_IMPORTS = {"import_module", "__import__"}


class Unfollowable(Exception):
    """Code the graph cannot follow reliably (a dynamic import of a computed name, ...)."""


@dataclass(frozen=True)
class Package:
    """A package under src/: its modules by dotted name, read from disk."""

    name: str
    root: Path  # <project>/src/<name>

    def file(self, module: str) -> Path | None:
        """The file of a module or subpackage of this package, or None if it is not one."""
        first, *rest = module.split(".")
        if first != self.name:
            return None
        base = self.root.joinpath(*rest)
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
        if rest and base.with_name(base.name + ".py").is_file():
            return base.with_name(base.name + ".py")
        return None

    def modules(self) -> list[str]:
        """Every module of the package, sorted."""
        found = []
        for path in sorted(self.root.rglob("*.py")):
            parts = list(path.relative_to(self.root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append(".".join([self.name, *parts]))
        return found

    def data_files(self) -> set[Path]:
        """Every file of the package that is not Python code (nor a marker nobody reads)."""
        return {
            path
            for path in self.root.rglob("*")
            if path.is_file()
            and path.suffix not in {".py", ".pyc"}
            and path.name not in NOT_READ
            and "__pycache__" not in path.parts
        }

    def _tree(self, module: str) -> tuple[ast.Module, Path, str]:
        path = self.file(module)
        assert path is not None, module
        # __package__ of the module: itself for a package, its parent for a plain module.
        parent = module if path.name == "__init__.py" else module.rpartition(".")[0]
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), path, parent

    def imports(self, module: str) -> set[str]:
        """The modules of this package that `module`'s code imports itself, anywhere in it
        (function bodies included): `import p.x`, `from p import x`, `from . import x`,
        `from .x import y`, `from .. import x`, `importlib.import_module(".x", __package__)`;
        each with the packages that hold it, which Python imports first."""
        tree, path, parent = self._tree(module)
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node.module, node.level, parent, f"{path}:{node.lineno}")
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Call) and _callee(node.func) in DYNAMIC_IMPORTS:
                names = [_dynamic_target(node, parent, f"{path}:{node.lineno}")]
            else:
                continue
            for name in names:
                parts = name.split(".")
                found |= {
                    prefix
                    for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                    if self.file(prefix) is not None
                }
        return found

    def reads(self, module: str) -> set[Path]:
        """The package data files `module` opens, wherever its code names them relative to
        a package or to its own file: `files(__package__).joinpath("x")` or `/ "x"`,
        `Path(__file__).parent / "x"`, `pkgutil.get_data(__package__, "x")`, ...; a string
        that merely equals a file's name is not a read."""
        tree, path, parent = self._tree(module)

        def package_dir(node: ast.expr) -> Path | None:
            """The folder an anchor names: __package__, __name__, or a module name string."""
            if isinstance(node, ast.Name) and node.id in {"__package__", "__name__"}:
                name = parent if node.id == "__package__" else module
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                name = node.value
            else:
                return None
            target = self.file(name)
            return None if target is None else target.parent

        def this_file(node: ast.expr) -> bool:
            """`__file__`, `Path(__file__)`, `Path(__file__).resolve()` or `.absolute()`."""
            if isinstance(node, ast.Name):
                return node.id == "__file__"
            if isinstance(node, ast.Call) and not node.keywords:
                if _callee(node.func) == "Path" and len(node.args) == 1:
                    return this_file(node.args[0])
                if isinstance(node.func, ast.Attribute) and not node.args:
                    method = node.func.attr
                    return method in {"resolve", "absolute"} and this_file(node.func.value)
            return False

        def joined(base: Path | None, nodes: Iterable[ast.expr]) -> Path | None:
            names = _strings(nodes)
            return base.joinpath(*names) if base is not None and names else None

        def location(node: ast.expr) -> Path | None:
            """The path an expression evaluates to, when it is one inside the package."""
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                return joined(location(node.left), [node.right])
            if isinstance(node, ast.Attribute) and node.attr == "parent":
                return path.parent if this_file(node.value) else None
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
                first = isinstance(node.slice, ast.Constant) and node.slice.value == 0
                parents = node.value.attr == "parents" and this_file(node.value.value)
                return path.parent if parents and first else None
            if not isinstance(node, ast.Call):
                return None
            callee, args = _callee(node.func), node.args
            if callee == "files":  # importlib.resources.files(<package>)
                return package_dir(args[0]) if len(args) == 1 else None
            if callee == "dirname":  # os.path.dirname(__file__)
                return path.parent if len(args) == 1 and this_file(args[0]) else None
            if callee == "join" and args:  # os.path.join(<folder>, "x")
                return joined(location(args[0]), args[1:])
            if callee in RESOURCE_READERS and args:
                return joined(package_dir(args[0]), args[1:])
            if callee == "with_name" and isinstance(node.func, ast.Attribute):
                return joined(path.parent if this_file(node.func.value) else None, args)
            if callee == "joinpath" and isinstance(node.func, ast.Attribute):
                return joined(location(node.func.value), args)
            return None

        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.expr):
                target = location(node)
                if target is not None and target.is_file() and target.is_relative_to(self.root):
                    found.add(target)
        return found


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _strings(nodes: Iterable[ast.expr]) -> list[str] | None:
    """The values of string literals, or None if any node is something else."""
    values = []
    for node in nodes:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return None
        values.append(node.value)
    return values


def _absolute(module: str | None, level: int, parent: str, where: str) -> str:
    """The absolute name of `from <level dots><module> import ...` in package `parent`."""
    if not level:
        return module or ""
    parts = parent.split(".") if parent else []
    if level - 1 >= len(parts):
        raise Unfollowable(f"{where}: a relative import beyond the top-level package")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def _dynamic_target(node: ast.Call, parent: str, where: str) -> str:
    """The module `importlib.import_module("x", __package__)` or `__import__("x")` imports."""
    names = _strings(node.args[:1])
    if not names:
        raise Unfollowable(f"{where}: a dynamic import of a computed name")
    name = names[0]
    level = len(name) - len(name.lstrip("."))
    return _absolute(name.lstrip(".") or None, level, parent, where) if level else name


def graph(project: Path, package: str) -> dict[str, Any]:
    """The graph as plain data (JSON-ready), paths relative to the project:
    {"modules": {module: {"file", "imports", "reads"} or {"file", "error"}},
     "data_files": [every data file of the package], "python": the version that parsed it}."""
    pkg = Package(package, project / "src" / package)
    modules: dict[str, Any] = {}
    for module in pkg.modules():
        file = pkg.file(module)
        assert file is not None, module
        entry: dict[str, Any] = {"file": file.relative_to(project).as_posix()}
        try:
            entry["imports"] = sorted(pkg.imports(module))
            entry["reads"] = sorted(p.relative_to(project).as_posix() for p in pkg.reads(module))
        except (Unfollowable, SyntaxError) as error:
            entry = {"file": entry["file"], "error": f"{type(error).__name__}: {error}"}
        modules[module] = entry
    data = sorted(p.relative_to(project).as_posix() for p in pkg.data_files())
    return {"modules": modules, "data_files": data, "python": platform.python_version()}


if __name__ == "__main__":  # PROJECT PACKAGE [PROJECT PACKAGE ...]: a JSON list of graphs
    pairs = zip(sys.argv[1::2], sys.argv[2::2], strict=True)
    json.dump([graph(Path(project), package) for project, package in pairs], sys.stdout)
