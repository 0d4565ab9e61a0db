"""Read a repository without running it: bounded, defensive file reads, parsing and git plumbing."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

T = TypeVar("T")

#: Files larger than this are not parsed (a config file never is; a data file named like one is).
MAX_BYTES = 2_000_000
#: The most files a walk lists, so a huge checkout stays fast.
MAX_FILES = 20_000
#: Folders never walked: environments, caches, and (at the top) data and model stores.
SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
     ".ruff_cache", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints", "site-packages",
     ".cache", "htmlcov"}
)  # fmt: skip
SKIP_TOP = frozenset({"data", "models", "mlruns", "dvclive", ".dvc", "build", "dist", "site"})
#: git reads only: hooks never run for these, and fsmonitor (the one program git would start
#: from a repository's own config here) is switched off.
_GIT = ("git", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
        "-c", "safe.directory=*", "--no-optional-locks")  # fmt: skip


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


@dataclass(frozen=True)
class Git:
    """What git says about the repository (read-only plumbing)."""

    commits: int
    #: Files in git's index, relative to the audited folder (POSIX).
    tracked: frozenset[str] = field(default_factory=frozenset)


class Repo:
    """A repository as files: every read is bounded and every parse error becomes a reason.

    `root` is a folder (`pathlib.Path`) or any `importlib.resources` Traversable, which is how
    repo-review hands over a repository (possibly a remote one, where git is not available).
    """

    def __init__(self, root: Any, *, offline: bool = True, timeout: float = 10.0) -> None:
        self.root = root
        self.local: Path | None = Path(root) if isinstance(root, Path) else None
        #: Whether checks may use the network (the template's release tags).
        self.offline = offline
        self.timeout = timeout
        self._cache: dict[tuple[str, str], Loaded | None] = {}
        self._derived: dict[str, Any] = {}

    def __deepcopy__(self, memo: dict) -> Repo:
        # repo-review deep-copies fixtures to detect checks that modify them; this object only
        # memoizes reads, so sharing it is safe and keeps the copies equal.
        return self

    # ---- files -------------------------------------------------------------------------

    def _node(self, rel: str) -> Any:
        node = self.root
        for part in PurePosixPath(rel).parts:
            node = node.joinpath(part)
        return node

    def exists(self, rel: str) -> bool:
        """Whether `rel` (a POSIX path relative to the root) exists."""
        try:
            node = self._node(rel)
            return bool(node.is_file() or node.is_dir())
        except OSError:
            return False

    def is_dir(self, rel: str) -> bool:
        """Whether `rel` is a folder."""
        try:
            return bool(self._node(rel).is_dir())
        except OSError:
            return False

    def first(self, *names: str) -> str | None:
        """The first of `names` that exists."""
        return next((name for name in names if self.exists(name)), None)

    def read_bytes(self, rel: str) -> Loaded | None:
        """The bytes of a regular file inside the root; None when there is no such file."""
        if self.local is None:
            try:
                node = self._node(rel)
                if not node.is_file():
                    return None if not node.is_dir() else Loaded(rel, error="is a folder")
                data = node.read_bytes()
            except (OSError, ValueError) as error:
                return Loaded(rel, error=f"cannot read it ({error})")
            return self._bounded(rel, data)
        path = self.local / rel
        try:
            info = path.stat()
        except FileNotFoundError:
            return None if not path.is_symlink() else Loaded(rel, error="is a broken symlink")
        except OSError as error:
            return Loaded(rel, error=f"cannot read it ({error.strerror or error})")
        if stat.S_ISDIR(info.st_mode):
            return Loaded(rel, error="is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            return Loaded(rel, error="is not a regular file")
        try:
            if not path.resolve().is_relative_to(self.local.resolve()):
                return Loaded(rel, error="is a symlink to outside the repository")
            if info.st_size > MAX_BYTES:
                return Loaded(rel, error=f"is too large to be a config file ({info.st_size} bytes)")
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            return Loaded(rel, error=f"cannot read it ({error.strerror or error})")
        return self._bounded(rel, data)

    @staticmethod
    def _bounded(rel: str, data: bytes) -> Loaded:
        if len(data) > MAX_BYTES:
            return Loaded(rel, error=f"is too large to be a config file (over {MAX_BYTES} bytes)")
        return Loaded(rel, data)

    def text(self, rel: str) -> Loaded | None:
        """A file's text (UTF-8); a binary file gives an error, not a crash."""
        return self._memo("text", rel, self._text)

    def _text(self, rel: str) -> Loaded | None:
        raw = self.read_bytes(rel)
        if raw is None or not raw.ok:
            return raw
        if b"\x00" in raw.data:
            return Loaded(rel, error="is a binary file, not text")
        try:
            return Loaded(rel, raw.data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return Loaded(rel, error="is not UTF-8 text")

    def yaml(self, rel: str) -> Loaded | None:
        """A YAML file, parsed safely (no tags that construct objects)."""
        return self._memo("yaml", rel, self._yaml)

    def _yaml(self, rel: str) -> Loaded | None:
        import yaml

        text = self.text(rel)
        if text is None or not text.ok:
            return text
        try:
            return Loaded(rel, yaml.safe_load(text.data))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            problem = getattr(error, "problem", None) or "syntax error"
            return Loaded(rel, error=f"is not valid YAML{where}: {problem}")
        except (RecursionError, ValueError, TypeError) as error:
            return Loaded(rel, error=f"is not valid YAML: {type(error).__name__}")

    def toml(self, rel: str) -> Loaded | None:
        """A TOML file, parsed."""
        return self._memo("toml", rel, self._toml)

    def _toml(self, rel: str) -> Loaded | None:
        import tomllib

        text = self.text(rel)
        if text is None or not text.ok:
            return text
        try:
            return Loaded(rel, tomllib.loads(text.data))
        except (tomllib.TOMLDecodeError, RecursionError) as error:
            return Loaded(rel, error=f"is not valid TOML: {error}")

    def json(self, rel: str) -> Loaded | None:
        """A JSON file, parsed."""
        return self._memo("json", rel, self._json)

    def _json(self, rel: str) -> Loaded | None:
        import json

        text = self.text(rel)
        if text is None or not text.ok:
            return text
        try:
            return Loaded(rel, json.loads(text.data))
        except (ValueError, RecursionError) as error:
            return Loaded(rel, error=f"is not valid JSON: {error}")

    def parsed(self, rel: str) -> Loaded | None:
        """A config file parsed by its extension (YAML, TOML or JSON)."""
        suffix = PurePosixPath(rel).suffix.lower()
        reader = {".toml": self.toml, ".json": self.json}.get(suffix, self.yaml)
        return reader(rel)

    def memo(self, key: str, compute: Callable[[Repo], T]) -> T:
        """`compute(self)`, once per repository (checks share what they derive)."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]

    def _memo(self, kind: str, rel: str, load) -> Loaded | None:
        key = (kind, rel)
        if key not in self._cache:
            self._cache[key] = load(rel)
        return self._cache[key]

    # ---- walking ------------------------------------------------------------------------

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every file worth reading (POSIX paths), without environments, caches and data."""
        return tuple(self._walk())

    def _walk(self) -> Iterator[str]:
        count = 0
        if self.local is not None:
            for top, dirs, names in os.walk(self.local):
                rel_top = Path(top).relative_to(self.local).as_posix()
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
        stack: list[tuple[str, Any]] = [("", self.root)]
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

    def matching(self, pattern: str) -> list[str]:
        """Walked files whose path matches the regular expression `pattern`."""
        regex = re.compile(pattern)
        return [f for f in self.files if regex.search(f)]

    @cached_property
    def test_files(self) -> list[str]:
        """Python test files (pytest's naming), anywhere outside skipped folders."""
        return [
            f
            for f in self.files
            if f.endswith(".py")
            and (
                re.search(r"(^|/)(test_[^/]*|[^/]*_test)\.py$", f)
                or (
                    re.search(r"(^|/)tests?/", f) and not f.endswith(("conftest.py", "__init__.py"))
                )
            )
        ]

    @cached_property
    def python_files(self) -> list[str]:
        """Python files that are not tests."""
        tests = set(self.test_files)
        return [f for f in self.files if f.endswith(".py") and f not in tests]

    def listdir(self, rel: str) -> list[str]:
        """Names in folder `rel` (also folders the walk skips, such as models/)."""
        try:
            node = self._node(rel)
            return sorted(child.name for child in node.iterdir()) if node.is_dir() else []
        except (OSError, ValueError):
            return []

    def grep(
        self, pattern: str, files: list[str], *, flags: int = 0
    ) -> tuple[str, int, str] | None:
        """The first line matching `pattern` in `files`: (file, line number, line)."""
        regex = re.compile(pattern, flags)
        for name in files:
            text = self.text(name)
            if text is None or not text.ok:
                continue
            for number, line in enumerate(text.data.splitlines(), 1):
                if regex.search(line):
                    return name, number, line.strip()
        return None

    @cached_property
    def imports(self) -> dict[str, str]:
        """Top-level modules imported by the code and notebooks -> the first file importing it."""
        found: dict[str, str] = {}
        for name in [*self.python_files, *self.test_files, *self.matching(r"\.ipynb$")][:3000]:
            if name.endswith(".ipynb"):
                notebook = self.json(name)
                cells = notebook.data.get("cells") if notebook and notebook.ok else None
                sources = [
                    "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source")
                    for c in (cells if isinstance(cells, list) else [])
                    if isinstance(c, dict)
                ]
                code = "\n".join(s for s in sources if isinstance(s, str))
            else:
                text = self.text(name)
                code = text.data if text is not None and text.ok else ""
            for match in _IMPORT.finditer(code):
                for module in re.split(r"\s*,\s*", match.group(1) or match.group(2)):
                    parts = module.split(" as ")[0].strip().split(".")
                    for depth in range(1, len(parts) + 1):
                        found.setdefault(".".join(parts[:depth]), name)
        return found

    # ---- git ----------------------------------------------------------------------------

    def _git(self, *args: str) -> subprocess.CompletedProcess[str] | None:
        if self.local is None:
            return None
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
        try:
            return subprocess.run(
                [*_GIT, "-C", str(self.local), *args],
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                env=env,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None

    @cached_property
    def git(self) -> Git | None:
        """The git repository around the root, or None when it is not in one."""
        inside = self._git("rev-parse", "--is-inside-work-tree")
        if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        count = self._git("rev-list", "--count", "HEAD")
        commits = int(count.stdout.strip()) if count and count.returncode == 0 else 0
        listed = self._git("ls-files", "-z")
        tracked = frozenset(listed.stdout.split("\0")) - {""} if listed else frozenset()
        return Git(commits, tracked)

    def untracked(self, *folders: str) -> list[str]:
        """Files in `folders` that git neither tracks nor ignores (`git add -A` would add them)."""
        present = [f for f in folders if self.is_dir(f)]
        if not present or self.git is None:
            return []
        out = self._git(
            "ls-files", "-z", "--others", "--exclude-standard", "--directory",
            "--no-empty-directory", "--", *present,
        )  # fmt: skip
        return sorted(set(out.stdout.split("\0")) - {""}) if out and out.returncode == 0 else []
