"""`mlops-new PATH`: create a project, asking first, then rendering under a spinner."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import (
    data_option,
    interactive,
    parse_data,
    read_data_file,
    status,
    vcs_ref_option,
)

Folder = Annotated[
    Path,
    typer.Argument(
        metavar="PATH",
        help="Folder to create; its name is the default project name.",
        show_default=False,
    ),
]
Defaults = Annotated[
    bool,
    typer.Option("--defaults", help="Ask nothing; use the defaults for every answer not given."),
]
Data = Annotated[
    list[str] | None,
    data_option("Answer a question (repeatable), e.g. -d license=Apache-2.0."),
]
DataFile = Annotated[
    Path | None,
    typer.Option(
        "--data-file",
        metavar="FILE",
        help="YAML file of answers (question: answer); its dataset: is a data file's path "
        "relative to the current folder, as with --dataset.",
    ),
]
Dataset = Annotated[
    Path | None,
    typer.Option(
        "--dataset",
        metavar="FILE",
        help="Train on your own table (CSV or Parquet, relative to the current folder): copied "
        "into data/raw/, its schema inferred into data/schema.yaml, tracked by DVC. "
        "Needs --target; the task is inferred (override: --data task=regression).",
        show_default=False,
    ),
]
Target = Annotated[
    str | None,
    typer.Option(
        "--target", metavar="COLUMN", help="The column of --dataset to predict.", show_default=False
    ),
]
Preset = Annotated[
    str | None,
    typer.Option(
        "--preset",
        metavar="NAME|FILE",
        help="Start from a preset: minimal, standard, full, course (see `mlops-new "
        "presets`), or a YAML file of answers. --data and --data-file win over it.",
    ),
]
Template = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="SRC",
        help="Template to use: a fork's git URL, clone or bundle. "
        "Default: the template shipped with mlops-new.",
    ),
]
VcsRef = Annotated[
    str | None,
    vcs_ref_option("Tag or commit of --template to use (default: its latest release tag)."),
]
NoGit = Annotated[
    bool, typer.Option("--no-git", help="Do not run git init nor make the first commit.")
]
NoLock = Annotated[
    bool,
    typer.Option(
        "--no-lock", help="Do not run uv lock after rendering (make setup does it later)."
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Add the template's files to an existing non-empty folder; "
        "existing files are never overwritten.",
    ),
]


def command(
    path: Folder,
    defaults: Defaults = False,
    data: Data = None,
    data_file: DataFile = None,
    preset: Preset = None,
    template: Template = None,
    vcs_ref: VcsRef = None,
    no_git: NoGit = False,
    no_lock: NoLock = False,
    force: Force = False,
    dataset: Dataset = None,
    target: Target = None,
) -> None:
    """Create a new ML project in PATH.

    In a terminal it asks the template's questions (arrow keys for choices, Enter keeps the
    default). Without a terminal (CI, pipes) it never waits for input: it uses the defaults,
    and stops with a message naming any answer it cannot default. With --dataset FILE
    --target COLUMN the project trains on that table (no question asks for one).
    """
    from mlops_new.create import check_destination, create, open_template, resolve_answers
    from mlops_new.dataset import from_answers

    given = read_data_file(data_file) if data_file else {}
    given.update(parse_data(data))
    given.update({k: v for k, v in (("dataset", dataset), ("target", target)) if v is not None})
    dest = path.expanduser().absolute()
    check_destination(dest, force=force)
    with status("Creating the project…") as spinner:
        given, found = from_answers(
            given, preset=preset, progress=lambda s: spinner.update(f"{s}…")
        )
    ask = None
    if not defaults and interactive():
        from mlops_new.prompts import ask
    with ExitStack() as stack:
        with status("Creating the project…") as spinner:
            opened = open_template(template, vcs_ref, progress=lambda s: spinner.update(f"{s}…"))
            chosen = stack.enter_context(opened)
        answers = resolve_answers(chosen, dest, given, preset=preset, ask=ask, dataset=found)
        with status("Creating the project…") as spinner:
            result = create(
                dest,
                answers,
                template=chosen,
                force=force,
                git=not no_git,
                lock=not no_lock,
                progress=lambda step: spinner.update(f"{step}…"),
                dataset=found,
            )
    _report(result, path)


def _report(result, path: Path) -> None:
    from rich.console import Console
    from rich.panel import Panel

    console = Console()
    for step in result.skipped:
        console.print(f"[yellow]skipped:[/] {step}", soft_wrap=True)  # one line, any width
    for kept in result.kept:
        console.print(f"[yellow]kept your existing[/] {kept} [dim](differs from the template's)[/]")
    shown = path if not path.is_absolute() else result.path
    steps = [f"cd {shown}"]
    if any(s.step.startswith("git ") for s in result.skipped) or not result.done:
        steps.append("git init && git add -A && git commit -m 'Initial commit'")
    data = result.answers.get("dataset") or "the bundled dataset"
    steps += [
        "make setup      # install the locked environment (uv)",
        f"make train      # train the model on {data}",
        "make test       # run the tests",
        "make help       # every target",
    ]
    console.print(
        Panel(
            "\n".join(steps),
            title=f"[bold green]Created {result.answers.get('project_name', shown.name)}[/]",
            subtitle="next steps",
            expand=False,
        )
    )
