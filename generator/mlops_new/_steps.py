"""The slow steps of a command: how they report progress, and how a skipped one says why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: Called with a short description of each slow step, so a CLI can show progress.
Progress = Callable[[str], None]


def quiet(_step: str) -> None:
    """The progress of a caller that shows none."""


@dataclass(frozen=True)
class Skipped:
    """A step that did not run, and why: `Skipped("git init", "git is not installed")`."""

    #: What did not run: "uv lock", "git init", ...
    step: str
    #: Why, and what the user can do about it.
    reason: str
    #: The line shown to the user, where "step: reason" does not read well.
    message: str = ""

    def __str__(self) -> str:
        return self.message or f"{self.step}: {self.reason}"
