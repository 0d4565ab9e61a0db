"""Audit a repository against the MLOps maturity levels, check by check, without running it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_new.doctor.base import LEVELS, Check, Outcome, Status, not_applicable

if TYPE_CHECKING:
    from mlops_new.doctor.repo import Repo

__all__ = ["LEVELS", "CheckResult", "Report", "all_checks", "diagnose", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    """One check's result, as reported."""

    code: str
    level: int
    title: str
    status: Status
    reason: str
    hint: str = ""


@dataclass(frozen=True)
class Report:
    """Every check's result, and the maturity level the repository reached."""

    path: Path
    results: tuple[CheckResult, ...]

    def complete(self, level: int) -> bool:
        """Whether every check of `level` passes or does not apply."""
        return all(r.status is not Status.FAIL for r in self.results if r.level == level)

    @property
    def level(self) -> int:
        """The highest level L such that every check of levels 1..L passes (0 at least).

        Level 0 (manual process) is where every repository starts: it is reached even when
        level-0 checks fail, and those failures are what to fix first.
        """
        reached = 0
        for level in sorted(LEVELS)[1:]:
            if not all(self.complete(lower) for lower in range(level + 1)):
                break
            reached = level
        return reached

    def failures(self, level: int | None = None) -> list[CheckResult]:
        """The failed checks (of one level, or all)."""
        return [
            r
            for r in self.results
            if r.status is Status.FAIL and (level is None or r.level == level)
        ]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the schema of `--format json`)."""
        return {
            "path": str(self.path),
            "level": self.level,
            "level_name": LEVELS[self.level],
            "levels": [
                {
                    "level": level,
                    "name": name,
                    "complete": self.complete(level),
                    "checks": [
                        {k: str(v) if k == "status" else v for k, v in asdict(r).items()}
                        for r in self.results
                        if r.level == level
                    ],
                }
                for level, name in LEVELS.items()
            ],
        }


def all_checks() -> list[Check]:
    """Every check, in report order (by level, then code)."""
    from mlops_new.doctor import level0, level1, level2

    classes = [
        cls
        for module in (level0, level1, level2)
        for name, cls in vars(module).items()
        if name.startswith("MLO") and isinstance(cls, type) and issubclass(cls, Check)
    ]
    return [cls() for cls in sorted(classes, key=lambda cls: cls.__name__)]


def run_checks(repo: Repo, checks: list[Check] | None = None) -> tuple[CheckResult, ...]:
    """Run `checks` on `repo`, skipping a check when one it requires did not pass.

    A check that raises is reported as failed with the error, so one unforeseen file never
    hides the rest of the report.
    """
    results: dict[str, CheckResult] = {}
    for check in checks if checks is not None else all_checks():
        blocked = [
            code
            for code in sorted(check.requires)
            if code in results and results[code].status is not Status.PASS
        ]
        if blocked:
            outcome = not_applicable(f"needs {', '.join(blocked)} to pass first")
        else:
            try:
                outcome = check.evaluate(repo)
            except Exception as error:  # reported as a failure: see the docstring
                outcome = Outcome(
                    Status.FAIL,
                    f"could not be checked: {type(error).__name__}: {error} "
                    "(a bug in mlops-new doctor; please report it)",
                    "",
                )
        results[check.code] = CheckResult(
            check.code, check.level, check.title, outcome.status, outcome.reason, outcome.hint
        )
    return tuple(results.values())


def diagnose(path: Path | str = ".", *, offline: bool = False, timeout: float = 10.0) -> Report:
    """Audit the repository at `path`: read its files (never run them) and grade each check.

    Args:
        path: the repository's folder (or a folder inside one).
        offline: skip the one check that uses the network (is the template newer?).
        timeout: seconds to wait for the template's git host before calling it unreachable.

    Raises:
        UsageError: `path` is not a readable folder.
    """
    from mlops_new.doctor.repo import Repo, open_folder

    folder = open_folder(path)
    return Report(folder, run_checks(Repo(folder, offline=offline, timeout=timeout)))
