"""Read a repository without running it: bounded, defensive file reads, parsing and git plumbing."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_new import _git
from mlops_new.doctor.parsing import Loaded, imported_modules, notebook_code, parse
from mlops_new.doctor.walk import walk
from mlops_new.errors import UsageError

if TYPE_CHECKING:
    import subprocess

__all__ = ["Git", "Loaded", "Repo", "open_folder"]

T = TypeVar("T")

#: Files larger than this are not parsed (a config file never is; a data file named like one is).
MAX_BYTES = 2_000_000
#: git reads only: hooks never run for these, and fsmonitor (the one program git would start
#: from a repository's own config here) is switched off.
_GIT = ("-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
        "-c", "safe.directory=*", "--no-optional-locks")  # fmt: skip


@dataclass(frozen=True)
class Git:
    """What git says about the repository (read-only plumbing)."""

    commits: int
    #: Files in git's index, relative to the audited folder (POSIX).
    tracked: frozenset[str] = field(default_factory=frozenset)


def open_folder(path: Path | str) -> Path:
    """`path` as an absolute folder that can be read.

    Raises:
        UsageError: no such folder, a file, or a folder that cannot be listed.
    """
    folder = Path(path).expanduser()
    if not folder.exists():
        raise UsageError(f"{path}: no such folder")
    if not folder.is_dir():
        raise UsageError(f"{path} is a file; give the repository's folder")
    try:
        next(folder.iterdir(), None)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    return folder.absolute()


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

    def _text(self, _kind: str, rel: str) -> Loaded | None:
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
        return self._memo("yaml", rel, self._parse)

    def toml(self, rel: str) -> Loaded | None:
        """A TOML file, parsed."""
        return self._memo("toml", rel, self._parse)

    def json(self, rel: str) -> Loaded | None:
        """A JSON file, parsed."""
        return self._memo("json", rel, self._parse)

    def _parse(self, kind: str, rel: str) -> Loaded | None:
        text = self.text(rel)
        return text if text is None or not text.ok else parse(kind, rel, text.data)

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
            self._cache[key] = load(kind, rel)
        return self._cache[key]

    # ---- walking ------------------------------------------------------------------------

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Every file worth reading (POSIX paths), without environments, caches and data."""
        return tuple(walk(self.root, self.local))

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
                code = notebook_code(notebook.data) if notebook and notebook.ok else ""
            else:
                text = self.text(name)
                code = text.data if text is not None and text.ok else ""
            for module in imported_modules(code):
                found.setdefault(module, name)
        return found

    # ---- git ----------------------------------------------------------------------------

    def _run_git(self, *args: str) -> subprocess.CompletedProcess[str] | None:
        if self.local is None:
            return None
        return _git.attempt(*_GIT, "-C", str(self.local), *args, GIT_PAGER="cat", LC_ALL="C")

    @cached_property
    def git(self) -> Git | None:
        """The git repository around the root, or None when it is not in one."""
        inside = self._run_git("rev-parse", "--is-inside-work-tree")
        if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        count = self._run_git("rev-list", "--count", "HEAD")
        commits = int(count.stdout.strip()) if count and count.returncode == 0 else 0
        listed = self._run_git("ls-files", "-z")
        tracked = frozenset(listed.stdout.split("\0")) - {""} if listed else frozenset()
        return Git(commits, tracked)

    def untracked(self, *folders: str) -> list[str]:
        """Files in `folders` that git neither tracks nor ignores (`git add -A` would add them)."""
        present = [f for f in folders if self.is_dir(f)]
        if not present or self.git is None:
            return []
        out = self._run_git(
            "ls-files", "-z", "--others", "--exclude-standard", "--directory",
            "--no-empty-directory", "--", *present,
        )  # fmt: skip
        return sorted(set(out.stdout.split("\0")) - {""}) if out and out.returncode == 0 else []
