"""`mlops-new fleet status`: where each repository of a fleet stands, asked in parallel.

Reads only: `git status`, `git grep`, `git log`, the answers file, the doctor (which reads
files) and each template source's release tags, asked once per source (`latest.Releases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import releases
from mlops_new.errors import UsageError, one_line
from mlops_new.fleet import workspace
from mlops_new.fleet.latest import Releases
from mlops_new.fleet.members import Member
from mlops_new.fleet.parallel import Done, default_jobs, run_all
from mlops_new.project import read as read_recorded


@dataclass
class Row:
    """One repository's status. Fields left None could not be told (see `error`)."""

    name: str
    location: str
    source: str = ""
    recorded: str = ""
    latest: str = ""
    behind: bool | None = None
    #: How many releases came after the recorded one.
    behind_by: int | None = None
    clean: bool | None = None
    #: Files with unresolved conflict markers (or unmerged in git).
    conflicts: list[str] = field(default_factory=list)
    #: The doctor's MLOps maturity level (0, 1, 2), its checks passed of those that apply,
    #: and the ML Test Score (the lowest section sum).
    level: int | None = None
    checks_passed: int | None = None
    checks: int | None = None
    ml_test_score: float | None = None
    last_commit: str = ""
    error: str = ""

    @property
    def failing(self) -> bool:
        """Whether something needs a person: an error, or unresolved conflict markers."""
        return bool(self.error or self.conflicts)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the schema of `--format json`)."""
        return asdict(self)


def status(
    members: Sequence[Member],
    *,
    jobs: int | None = None,
    doctor: bool = True,
    done: Done | None = None,
    cache: Releases | None = None,
) -> list[Row]:
    """Where each member stands, in the members' order; nothing is changed.

    Args:
        members: the fleet.
        jobs: repositories worked on at once (default: one per CPU).
        doctor: also run the doctor (level, checks passed, ML Test Score).
        done: called after each repository, for progress.
        cache: the template sources' releases, shared with the caller.
    """
    cache = cache or Releases()
    items = [(member, cache, doctor) for member in members]
    return run_all(row_of, items, jobs=jobs or default_jobs(), done=done)


def row_of(member: Member, cache: Releases, doctor: bool = True) -> Row:
    """One member's row; whatever goes wrong ends up in its `error` column."""
    row = Row(member.name, member.location)
    try:
        with workspace.opened(member, shallow=True) as path, workspace.named(member, path):
            _fill(row, path, cache, doctor=doctor)
    except UsageError as error:
        row.error = one_line(error)
    return row


def _fill(row: Row, path: Path, cache: Releases, *, doctor: bool) -> None:
    """Fill in what git, the answers file, the doctor and the template source say."""
    if workspace.is_repository(path):
        row.clean = not workspace.dirty_files(path)
        row.conflicts = workspace.conflicted_files(path)
        row.last_commit = workspace.last_commit(path)
    if doctor:
        _diagnose(row, path)
    try:
        recorded = read_recorded(path)
    except UsageError as error:
        raise UsageError(f"not a generated project: {one_line(error)}") from None
    row.source, row.recorded = recorded.source, recorded.commit
    if releases.parse_version(recorded.commit) is None:
        raise UsageError(f"records _commit '{recorded.commit}', which is not a release tag")
    row.latest = cache.latest(recorded.source)
    row.behind = releases.is_newer(row.latest, recorded.commit)
    row.behind_by = cache.behind_by(recorded.source, recorded.commit)
    if row.clean is None:
        raise UsageError("not a git repository with a commit")


def _diagnose(row: Row, path: Path) -> None:
    """The doctor's level and checks, and the ML Test Score (read files only, offline)."""
    from mlops_new.doctor import diagnose
    from mlops_new.doctor.base import Status
    from mlops_new.doctor.rubric import score

    report = diagnose(path, offline=True)
    applying = [r for r in report.results if r.status is not Status.NA]
    row.level = report.level
    row.checks = len(applying)
    row.checks_passed = sum(r.status is Status.PASS for r in applying)
    row.ml_test_score = score(path).score


def exit_code(rows: Sequence[Row]) -> int:
    """0: every repository current and sound; 1: some behind or failing."""
    return 1 if any(r.behind or r.failing for r in rows) else 0
