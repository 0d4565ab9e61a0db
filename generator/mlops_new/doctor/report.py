"""Show a doctor report: a readable terminal report (rich) or JSON for CI."""

from __future__ import annotations

import functools
import json
import textwrap
from typing import TYPE_CHECKING

from mlops_new.doctor import LEVELS, Report
from mlops_new.doctor.base import Status

if TYPE_CHECKING:
    from rich.console import Console

_MARKS = {Status.PASS: ("✓", "green"), Status.FAIL: ("✗", "bold red"), Status.NA: ("-", "dim")}


def as_json(report: Report, *, min_level: int) -> str:
    """The report as JSON, with whether `min_level` was reached."""
    data = report.as_dict()
    levels = data.pop("levels")
    data.update(min_level=min_level, min_level_reached=report.level >= min_level, levels=levels)
    return json.dumps(data, indent=2, ensure_ascii=False)


def show(report: Report, console: Console, *, min_level: int) -> None:
    """Print the report: each level's checks with why, a fix for each failure, then a verdict.

    Lines are wrapped here (reason and fix indented under the title), and printed without
    rich's own wrapping or padding, so logs of CI runs hold no trailing spaces.
    """
    from rich.text import Text

    width = max(40, min(console.width, 100))
    print_ = functools.partial(console.print, soft_wrap=True, highlight=False)
    print_(Text.assemble(("mlops-new doctor ", "bold"), str(report.path)))
    for level, name in LEVELS.items():
        failures = report.failures(level)
        state = ("complete", "green") if not failures else (f"{len(failures)} to fix", "red")
        print_()
        print_(Text.assemble((f"Level {level} · {name}", "bold"), " · ", state))
        for result in (r for r in report.results if r.level == level):
            mark, style = _MARKS[result.status]
            print_(Text.assemble((mark, style), " ", (result.code, "bold"), " ", result.title))
            dim = "dim" if result.status is not Status.FAIL else ""
            for line in _wrap(result.reason, width, "         "):
                print_(Text(line, style=dim))
            if result.hint:
                lines = _wrap(f"fix: {result.hint}", width, "         ", "              ")
                for line in lines:
                    print_(Text(line, style="cyan"))
    print_()
    print_(_verdict(report, min_level))


def _wrap(text: str, width: int, indent: str, subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=subsequent or indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [indent]


def _verdict(report: Report, min_level: int):
    from rich.text import Text

    reached = report.level
    text = Text.assemble(("Reached: ", "bold"), (f"level {reached} ({LEVELS[reached]})", "bold"))
    if not report.complete(0):
        codes = ", ".join(r.code for r in report.failures(0))
        text.append(f"\nFirst fix level 0: {codes}.")
    elif reached < max(LEVELS):
        codes = ", ".join(r.code for r in report.failures(reached + 1))
        text.append(f"\nTo reach level {reached + 1}, fix {codes}.")
    if min_level:
        verdict = "reached" if reached >= min_level else "NOT reached"
        text.append(
            f"\n--min-level {min_level}: {verdict}.",
            style="green" if reached >= min_level else "bold red",
        )
    return text
