"""A fleet member's working copy: the folder itself, or a temporary clone of its git URL;
and what git says of it (clean, conflict markers, last commit, branches)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from mlops_new import _git
from mlops_new.errors import UsageError
from mlops_new.fleet.members import Member

#: A line that starts or ends an inline conflict (copier's, git's, or a hand merge's).
MARKER_PATTERN = r"^(<<<<<<<|>>>>>>>)( |$)"


@contextlib.contextmanager
def opened(member: Member, *, shallow: bool = False) -> Iterator[Path]:
    """The member's folder; for a git URL, a clone in a temporary folder, removed after.

    Raises:
        UsageError: "unreachable: ..." for a folder that is gone or a URL that does not answer.
    """
    if not member.remote:
        path = Path(member.location)
        if not path.is_dir():
            raise UsageError(f"unreachable: {member.location} is not a folder")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="mlops-new-fleet-") as tmp:
        clone = Path(tmp, member.name or "repository")
        depth = ["--depth", "1"] if shallow else []
        done = _git.run("clone", "--quiet", *depth, "--", member.location, str(clone))
        if done.returncode != 0:
            raise UsageError(f"unreachable: {_git.reason(done)}")
        yield clone


@contextlib.contextmanager
def named(member: Member, path: Path) -> Iterator[None]:
    """Errors raised inside name the member as the user gave it, not its temporary clone."""
    try:
        yield
    except UsageError as error:
        if not member.remote:
            raise
        raise UsageError(str(error).replace(str(path), member.location)) from None


def is_repository(path: Path) -> bool:
    """Whether `path` is inside a git work tree with at least one commit."""
    head = _git.attempt("rev-parse", "--verify", "--quiet", "HEAD", cwd=path)
    return head is not None and head.returncode == 0


def dirty_files(path: Path) -> list[str]:
    """Uncommitted changes (untracked files included), as `git status` names them."""
    done = _git.run("status", "--porcelain", "--untracked-files=all", cwd=path)
    return [line[3:] for line in done.stdout.splitlines()] if done.returncode == 0 else []


def conflicted_files(path: Path) -> list[str]:
    """Files left unmerged in git, or holding inline conflict markers (tracked or not)."""
    unmerged = _git.run("diff", "--name-only", "--diff-filter=U", cwd=path).stdout.split()
    grep = _git.run("grep", "-l", "-I", "--untracked", "-E", MARKER_PATTERN, cwd=path)
    return sorted({*unmerged, *grep.stdout.splitlines()})


def last_commit(path: Path) -> str:
    """When the last commit was made (ISO 8601), or "" without one."""
    done = _git.attempt("log", "-1", "--format=%cI", cwd=path)
    return done.stdout.strip() if done is not None and done.returncode == 0 else ""


def current_branch(path: Path) -> str:
    """The checked-out branch ("" on a detached HEAD)."""
    done = _git.run("symbolic-ref", "--quiet", "--short", "HEAD", cwd=path)
    return done.stdout.strip() if done.returncode == 0 else ""


def default_branch(path: Path) -> str:
    """The remote's default branch (`origin/HEAD`), or "" for a repository without one."""
    done = _git.run("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", cwd=path)
    return done.stdout.strip().removeprefix("origin/") if done.returncode == 0 else ""


def has_branch(path: Path, branch: str) -> bool:
    """Whether `branch` exists locally or on the `origin` remote (as last fetched)."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        if _git.run("rev-parse", "--verify", "--quiet", ref, cwd=path).returncode == 0:
            return True
    return False
