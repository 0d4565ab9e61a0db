"""Score a repository on the ML Test Score: 28 tests, four section sums, the final minimum."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_new.doctor.mltests import SECTIONS, score_tests
from mlops_new.doctor.repo import Repo, open_folder

if TYPE_CHECKING:
    from rich.console import Console

#: The paper's reading of the final score: (up to this score, what it means).
_READING = ((0, "a research project"), (1, "serious holes"), (2, "a first pass at production"),
            (3, "reasonably tested"), (5, "strong, fit for mission-critical systems"))  # fmt: skip


@dataclass(frozen=True)
class Scored:
    """One test's score (0, 0.5 or 1) and its evidence."""

    id: str
    title: str
    score: float
    evidence: str


@dataclass(frozen=True)
class Scorecard:
    """Every test's score, by section; the final score is the lowest section's sum."""

    path: Path
    tests: tuple[Scored, ...]

    @property
    def sections(self) -> dict[str, float]:
        """Each section's sum (data, model, infrastructure, monitoring)."""
        return {
            name: sum(t.score for t in self.tests if t.id.rstrip("0123456789") == prefix)
            for name, prefix in SECTIONS.items()
        }

    @property
    def score(self) -> float:
        """The final score: the lowest section sum."""
        return min(self.sections.values())

    @property
    def reading(self) -> str:
        """What the paper says a final score like this one means."""
        return next((text for top, text in _READING if self.score <= top), "exceptional")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: score, sections, tests (id, score, evidence, title)."""
        return {
            "path": str(self.path),
            "rubric": "ml-test-score",
            "score": self.score,
            "reading": self.reading,
            "sections": self.sections,
            "tests": [
                {"id": t.id, "score": t.score, "evidence": t.evidence, "title": t.title}
                for t in self.tests
            ],
        }


def score(path: Path | str = ".") -> Scorecard:
    """Score the repository at `path` on the ML Test Score, reading its files (never running
    them): 1 only with evidence that a CI job runs the check, 0.5 for a manual procedure
    that a make target or the docs write down, 0 otherwise.

    Raises:
        UsageError: `path` is not a readable folder.
    """
    folder = open_folder(path)
    results = score_tests(Repo(folder))
    tests = tuple(
        Scored(t.id, t.title, float(found.points), found.evidence) for t, found in results
    )
    return Scorecard(folder, tests)


def as_json(card: Scorecard) -> str:
    """The scorecard as JSON."""
    return json.dumps(card.as_dict(), indent=2, ensure_ascii=False)


def show(card: Scorecard, console: Console) -> None:
    """Print a table of the tests (id, score, evidence), each section's sum and the score."""
    from rich.text import Text

    print_ = functools.partial(console.print, soft_wrap=True, highlight=False)
    print_(Text.assemble(("mlops-new doctor --rubric ml-test-score ", "bold"), str(card.path)))
    sections = card.sections
    for name, prefix in SECTIONS.items():
        print_()
        print_(Text(f"{name.capitalize()}: {sections[name]:g} of 7", style="bold"))
        for test in (t for t in card.tests if t.id.rstrip("0123456789") == prefix):
            style = {1: "green", 0.5: "yellow"}.get(test.score, "red")
            print_(Text.assemble((f"{test.id:<5}", "bold"), (f"{test.score:>4g}  ", style),
                                 test.title))  # fmt: skip
            print_(Text(f"           {test.evidence}", style="dim"))
    print_()
    sums = ", ".join(f"{name} {value:g}" for name, value in sections.items())
    print_(Text.assemble(("Score: ", "bold"), (f"{card.score:g}", "bold"), f" ({sums}): "
                         f"the lowest section; {card.reading}."))  # fmt: skip
