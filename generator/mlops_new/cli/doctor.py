"""`mlops-new doctor`: audit a repository against the MLOps maturity levels or the ML Test Score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import format_option, path_argument
from mlops_new.errors import UsageError

RUBRICS = ("ml-test-score",)


def _rubric(value: str) -> str:
    if value not in RUBRICS:
        raise UsageError(f"--rubric {value}: choose {' or '.join(RUBRICS)}")
    return value


def command(
    path: Annotated[Path, path_argument("The repository to audit (default: here).")] = Path("."),
    min_level: Annotated[
        int,
        typer.Option(
            "--min-level",
            min=0,
            max=2,
            metavar="N",
            help="Exit 1 unless the repository reaches level N (0, 1 or 2); for CI.",
        ),
    ] = 0,
    output: Annotated[str, format_option("text (default) or json (for CI).")] = "text",
    offline: Annotated[
        bool,
        typer.Option("--offline", help="Skip the one network check (is the template newer?)."),
    ] = False,
    rubric: Annotated[
        str | None,
        typer.Option(
            "--rubric",
            metavar="RUBRIC",
            parser=_rubric,
            help="Score on a rubric instead of the levels: ml-test-score (its 28 tests, 0, "
            "0.5 or 1 each: 1 only when CI runs the check, 0.5 for a documented manual step; "
            "the four section sums; the score is the lowest).",
        ),
    ] = None,
) -> None:
    """Audit any repository against the MLOps maturity levels, check by check.

    Level 0 manual process, 1 ML pipeline automation, 2 CI/CD automation: for each check,
    pass, fail or not applicable, why, and a one-line fix. With --rubric ml-test-score, the
    ML Test Score instead, test by test with evidence. Reads files only; never runs the
    repository's code. Exit 0: --min-level reached (always, with --rubric); 1: not reached;
    2: cannot audit.
    """
    if rubric is not None:
        _score(path, output)
        return
    from mlops_new.doctor import diagnose
    from mlops_new.doctor.report import as_json, show

    report = diagnose(path, offline=offline)
    if output == "json":
        typer.echo(as_json(report, min_level=min_level))
    else:
        from rich.console import Console

        show(report, Console(), min_level=min_level)
    if report.level < min_level:
        raise typer.Exit(1)


def _score(path: Path, output: str) -> None:
    from mlops_new.doctor.rubric import as_json, score, show

    card = score(path)
    if output == "json":
        typer.echo(as_json(card))
    else:
        from rich.console import Console

        show(card, Console())
