"""What a doctor check is: a repo-review check class with a richer outcome (status, why, fix)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from mlops_new.doctor.repo import Repo

#: The MLOps maturity levels (Google's "MLOps: continuous delivery and automation pipelines").
LEVELS = {0: "manual process", 1: "ML pipeline automation", 2: "CI/CD automation"}
#: Where each check is explained; `{name}` is the check's code in lower case.
DOCS_URL = "https://mlops-new.github.io/mlops-new/doctor/#{name}"


class Status(enum.StrEnum):
    """The result of one check."""

    PASS = "pass"
    FAIL = "fail"
    NA = "n/a"


@dataclass(frozen=True)
class Outcome:
    """A check's verdict, why, and (when it fails) a one-line fix."""

    status: Status
    reason: str
    hint: str = ""


def passed(reason: str) -> Outcome:
    """The check passes, because `reason`."""
    return Outcome(Status.PASS, reason)


def failed(reason: str, hint: str) -> Outcome:
    """The check fails, because `reason`; `hint` is the one-line fix."""
    return Outcome(Status.FAIL, reason, hint)


def not_applicable(reason: str) -> Outcome:
    """The check does not apply to this repository (it never blocks a level)."""
    return Outcome(Status.NA, reason)


class Check:
    """Base of the doctor's checks; each subclass is also a repo-review check.

    repo-review's protocol: the class docstring is the description, `family` groups checks,
    `requires` names checks that must pass first, and `check()` takes fixtures by name and
    returns True (pass), a Markdown message (fail) or None (skip). `evaluate()` holds the
    logic and returns an `Outcome`; `check()` adapts it, so both runners agree.
    """

    level: ClassVar[int]
    requires: ClassVar[frozenset[str]] = frozenset()

    @property
    def family(self) -> str:
        """repo-review family: one per maturity level."""
        return f"mlops-level-{self.level}"

    @property
    def url(self) -> str:
        """Where the check is explained (repo-review links to it)."""
        return DOCS_URL.format(name=self.code.lower())

    @property
    def code(self) -> str:
        """The check's code, e.g. MLO101 (level 1, check 01)."""
        return type(self).__name__

    @property
    def title(self) -> str:
        """One line saying what the check looks for."""
        return (type(self).__doc__ or self.code).strip().splitlines()[0]

    def evaluate(self, repo: Repo) -> Outcome:
        """Look at `repo` (never running its code) and return the verdict."""
        raise NotImplementedError

    def check(self, mlops_repo: Repo) -> bool | str | None:
        """repo-review entry: pass, a Markdown failure message, or None (not applicable)."""
        outcome = self.evaluate(mlops_repo)
        if outcome.status is Status.PASS:
            return True
        if outcome.status is Status.NA:
            return None
        return f"{outcome.reason}\n\nFix: `{outcome.hint}`" if outcome.hint else outcome.reason


def hint(repo: Repo, generic: str, *, data: str | None = None) -> str:
    """The fix: for our projects, the `mlops-new update --data` that adds it; else `generic`."""
    if data and is_ours(repo):
        return f"mlops-new update --data {data}"
    return generic


def is_ours(repo: Repo) -> bool:
    """Whether the repository was generated from mlops-new's template (or a fork of it)."""
    answers = repo.yaml(".copier-answers.yml")
    if answers is None or not answers.ok or not isinstance(answers.data, dict):
        return False
    return {"data_versioning", "experiment_tracking", "ml_framework"} <= set(answers.data)


def listed(items: list[str], limit: int = 3) -> str:
    """`a, b, c and 2 more`: a short list for a one-line reason."""
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown
