"""`mlops-new doctor`: audit a repository against the MLOps maturity levels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import format_option, path_argument


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
) -> None:
    """Audit any repository against the MLOps maturity levels, check by check.

    Level 0 manual process, 1 ML pipeline automation, 2 CI/CD automation: for each check,
    pass, fail or not applicable, why, and a one-line fix. Reads files only; never runs the
    repository's code. Exit 0: --min-level reached; 1: not reached; 2: cannot audit.
    """
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
