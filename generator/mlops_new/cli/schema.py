"""`mlops-new schema`: infer the schema of a table (CSV or Parquet) for a generated project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Table = Annotated[
    Path,
    typer.Argument(
        metavar="FILE", help="The table: a CSV (UTF-8) or Parquet file.", show_default=False
    ),
]
Target = Annotated[
    str,
    typer.Option("--target", metavar="COLUMN", help="The column to predict.", show_default=False),
]
Task = Annotated[
    str | None,
    typer.Option(
        "--task",
        metavar="TASK",
        help="classification or regression (default: inferred from the target's values).",
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="PATH", help="Write the schema there (default: print it)."
    ),
]


def command(file: Table, target: Target, task: Task = None, output: Output = None) -> None:
    """Infer a data schema: each column's kind and role, the target, and the task.

    Reads the whole file once, streamed (memory stays flat whatever its size), and prints its
    schema as YAML: column types, missing values, ranges with a margin, categories, the
    target's classes. Identifiers, constants, dates and free text are kept out of the
    features, each with a note saying why. Exit 0: written; 2: the file or the target cannot
    be used (one line).
    """
    from mlops_new import __version__, schema, table

    inferred = schema.infer(table.read(file), target, task=task, dataset=file.name)
    text = schema.to_yaml(inferred, version=__version__)
    if output is None:
        typer.echo(text, nl=False)
        return
    from mlops_new.errors import UsageError

    try:
        partial = output.with_name(f".{output.name}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)  # all or nothing
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None
    typer.echo(f"{output}: {len(inferred.features)} features, target {target} ({inferred.task})")
