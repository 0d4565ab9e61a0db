"""Who is in a fleet: repositories given as arguments, in a list file, or found under a folder."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlops_new.errors import UsageError
from mlops_new.project import ANSWERS_FILE
from mlops_new.source import is_url

#: Folders never searched for projects under `--under` (environments, caches, git itself).
_SKIPPED = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".dvc"}


@dataclass(frozen=True)
class Member:
    """One repository of a fleet: a local folder, or a git URL to clone."""

    #: As the user gave it: a path (made absolute) or a git URL.
    location: str
    #: Whether `location` is a git URL (cloned to a temporary folder, pushed to).
    remote: bool

    @property
    def name(self) -> str:
        """The repository's short name: its folder, or the URL's last part without `.git`."""
        return self.location.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


def parse(entry: str) -> Member:
    """One repository as given: a git URL, or a local path (made absolute)."""
    if is_url(entry):
        return Member(entry, remote=True)
    return Member(str(Path(entry).expanduser().absolute()), remote=False)


def read_list(path: Path) -> list[str]:
    """The entries of a `--list FILE`: one path or git URL a line, `#` comments, blank lines.

    Raises:
        UsageError: the file cannot be read, or a line holds more than one entry.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or "not UTF-8 text"
        raise UsageError(f"--list {path}: cannot read it ({why})") from None
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise UsageError(
                f"--list {path}, line {number}: expected one path or git URL, got {entry!r}"
            )
        entries.append(entry)
    return entries


def find_projects(root: Path) -> list[str]:
    """Every generated project (a folder with a copier answers file) under `root`.

    Raises:
        UsageError: `root` is not a folder.
    """
    if not root.is_dir():
        raise UsageError(f"--under {root}: no such folder")
    found = []
    for folder, dirs, files in os.walk(root):
        if ANSWERS_FILE in files:
            found.append(folder)
            dirs.clear()  # a project's own folders hold no other project
            continue
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED)
    return sorted(found)


def fleet(
    given: Iterable[str] = (), *, list_file: Path | None = None, under: Path | None = None
) -> list[Member]:
    """The fleet: arguments, then the list file's entries, then projects found under a folder.

    Raises:
        UsageError: no repository at all, an unreadable or malformed list, a repository given
            twice, or an `under` that is not a folder.
    """
    entries = [*given]
    if list_file is not None:
        entries += read_list(list_file)
    if under is not None:
        entries += find_projects(under)
    if not entries:
        raise UsageError(
            "no repositories: give paths or git URLs, --list FILE (one a line) or --under DIR"
        )
    members: dict[str, Member] = {}
    for entry in entries:
        member = parse(entry)
        if member.location in members:
            raise UsageError(f"{entry} is listed twice; give each repository once")
        members[member.location] = member
    return list(members.values())
