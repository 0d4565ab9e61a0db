"""`mlops-new check`: is a project behind its template? One line, or JSON, and an exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import ProjectPath, format_option
from mlops_new.project import display


def command(
    path: ProjectPath = Path("."),
    output: Annotated[
        str, format_option("text (default) or json: {path, source, current, latest, behind}.")
    ] = "text",
) -> None:
    """Say whether a project is behind its template's latest release (for CI).

    Reads the release and source recorded in .copier-answers.yml and asks the source for
    its release tags; nothing is cloned nor changed. Exit 0: up to date; 1: behind (run
    `mlops-new update`); 2: cannot tell (the reason on one line).
    """
    from mlops_new.check import check

    result = check(path)
    here = str(path) in {"", "."}
    name = display(path, Path(result.path))
    if output == "json":
        typer.echo(json.dumps(result.as_dict()))
    elif result.behind:
        typer.echo(
            f"{name} is behind its template: {result.current} → {result.latest} "
            f"({result.source}). Run `mlops-new update{'' if here else ' ' + str(path)}`."
        )
    else:
        typer.echo(f"{name} is up to date with its template ({result.current}, {result.source}).")
    if result.behind:
        raise typer.Exit(1)
