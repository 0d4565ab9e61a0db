"""The `mlops-new` command line: a thin layer over the library, which does the work."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mlops_new.errors import UsageError

HELP = """Create a machine-learning repository that is green from the first minute.

\b
  mlops-new PATH [OPTIONS]        create a project (asks the template's questions)
  mlops-new PATH --defaults       no questions: take every default
  mlops-new COMMAND --help        help on one command

The project gets data/ models/ src/ folders, a versioned training pipeline
(scikit-learn, PyTorch or your own), tests that pass, a uv-managed pyproject.toml
and a self-documenting Makefile. `mlops-new presets` lists ready-made sets of answers.
"""


class _DefaultToNew(TyperGroup):
    """`mlops-new myproject` means `mlops-new new myproject`; a PATH like ./update still works."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if a not in {"--help", "-h", "--version"}), None)
        if first is not None and first not in self.commands:
            args = ["new", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultToNew,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from mlops_new import __version__

        typer.echo(f"mlops-new {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    pass


def _parse_data(pairs: list[str]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data {pair!r}: expected key=value, e.g. --data license=Apache-2.0")
        data[key.strip()] = value
    return data


def _read_data_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(
            f"--data-file {path}: cannot read it ({error.strerror or error})"
        ) from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise UsageError(f"--data-file {path}: not valid YAML{line}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"--data-file {path}: expected a mapping of question: answer")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _path_argument(help: str):
    return typer.Argument(metavar="PATH", help=help, show_default=False)


#: The PATH of update and check: a generated project, the current folder by default.
ProjectPath = Annotated[Path, _path_argument("The generated project (default: here).")]


@app.command(no_args_is_help=True)
def new(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="Folder to create; its name is the default project name.",
            show_default=False,
        ),
    ],
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", help="Ask nothing; use the defaults for every answer not given."
        ),
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Answer a question (repeatable), e.g. -d license=Apache-2.0.",
        ),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--data-file", metavar="FILE", help="YAML file of answers (question: answer)."
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            metavar="NAME|FILE",
            help="Start from a preset: minimal, standard, full, course (see `mlops-new "
            "presets`), or a YAML file of answers. --data and --data-file win over it.",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            metavar="SRC",
            help="Template to use: a fork's git URL, clone or bundle. "
            "Default: the template shipped with mlops-new.",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            "--vcs-ref",
            metavar="REF",
            help="Tag or commit of --template to use (default: its latest release tag).",
        ),
    ] = None,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not run git init nor make the first commit.")
    ] = False,
    no_lock: Annotated[
        bool,
        typer.Option(
            "--no-lock", help="Do not run uv lock after rendering (make setup does it later)."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Add the template's files to an existing non-empty folder; "
            "existing files are never overwritten.",
        ),
    ] = False,
) -> None:
    """Create a new ML project in PATH.

    In a terminal it asks the template's questions (arrow keys for choices, Enter keeps the
    default). Without a terminal (CI, pipes) it never waits for input: it uses the defaults,
    and stops with a message naming any answer it cannot default.
    """
    from rich.console import Console

    from mlops_new.create import create

    answers = _read_data_file(data_file) if data_file else {}
    answers.update(_parse_data(data or []))
    ask = None
    if not defaults and _interactive():
        from mlops_new.prompts import ask

    err = Console(stderr=True)
    with err.status("Creating the project…", spinner="dots") as status:
        result = create(
            path,
            answers,
            template=template,
            vcs_ref=vcs_ref,
            ask=_paused(status, ask) if ask else None,
            preset=preset,
            force=force,
            git=not no_git,
            lock=not no_lock,
            progress=lambda step: status.update(f"{step}…"),
        )
    _report(result, path)


@app.command("presets")
def list_presets() -> None:
    """List the built-in presets: what each is for and the answers it sets.

    Use one with `mlops-new PATH --preset NAME`; a preset can also be your own YAML file of
    answers (`--preset course-2027.yml`), with a `# description` as its first line.
    """
    from mlops_new import presets

    for preset in presets.builtin():
        typer.echo(f"{preset.name:10} {preset.description}")
        answers = ", ".join(f"{k}={_show(v)}" for k, v in preset.answers.items())
        typer.echo(f"{'':10} {answers or '(every default)'}")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@app.command("update")
def update_command(
    path: ProjectPath = Path("."),
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Change an answer (repeatable): -d docker=yes adds Docker, -d ci=gitlab "
            "switches CI, -d data_versioning=dvc turns DVC on.",
        ),
    ] = None,
    vcs_ref: Annotated[
        str | None,
        typer.Option(
            "--vcs-ref",
            metavar="REF",
            help="Template tag or commit to update to (default: its latest release; "
            ":current: keeps the project's release and only changes answers).",
        ),
    ] = None,
    pretend: Annotated[
        bool,
        typer.Option(
            "--pretend",
            "--dry-run",
            help="Try the update on a throw-away clone and list the files it would add, "
            "change, remove or leave in conflict; write nothing.",
        ),
    ] = False,
) -> None:
    """Update a project to the latest release of its template, keeping your changes.

    The project must be a clean git tree (commit or stash first). copier re-applies your
    changes on top of the new release; edits that collide with the template's are left as
    inline conflict markers and marked unmerged in git. Prints the files added, changed,
    removed and in conflict. Exit 0: updated (or already up to date); 1: conflicts to
    resolve (how to resolve or abort is printed); 2: nothing done (the reason on one line).
    Plain `copier update --defaults --conflict inline` does the same without mlops-new.
    """
    from rich.console import Console

    from mlops_new.update import report, update

    with Console(stderr=True).status("Updating…", spinner="dots") as status:
        result = update(
            path,
            _parse_data(data or []),
            vcs_ref=vcs_ref,
            pretend=pretend,
            progress=lambda step: status.update(f"{step}…"),
        )
    typer.echo(report(result, str(path)))
    if result.conflicts and not result.pretend:
        raise typer.Exit(1)


@app.command("check")
def check_command(
    path: ProjectPath = Path("."),
    output: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text (default) or json: {path, source, current, latest, behind}.",
        ),
    ] = "text",
) -> None:
    """Say whether a project is behind its template's latest release (for CI).

    Reads the release and source recorded in .copier-answers.yml and asks the source for
    its release tags; nothing is cloned nor changed. Exit 0: up to date; 1: behind (run
    `mlops-new update`); 2: cannot tell (the reason on one line).
    """
    import json

    from mlops_new.check import check, display

    if output not in {"text", "json"}:
        raise UsageError(f"--format {output}: choose text or json")
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


@app.command("doctor")
def doctor_command(
    path: Annotated[Path, _path_argument("The repository to audit (default: here).")] = Path("."),
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
    output: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="text (default) or json (for CI)."),
    ] = "text",
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

    if output not in {"text", "json"}:
        raise UsageError(f"--format {output}: choose text or json")
    report = diagnose(path, offline=offline)
    from mlops_new.doctor.report import as_json, show

    if output == "json":
        typer.echo(as_json(report, min_level=min_level))
    else:
        from rich.console import Console

        show(report, Console(), min_level=min_level)
    if report.level < min_level:
        raise typer.Exit(1)


def _paused(status, ask):
    """Stop the spinner while the prompts own the terminal."""

    def wrapped(*args):
        status.stop()
        try:
            return ask(*args)
        finally:
            status.start()

    return wrapped


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
    if any(s.startswith("git init") for s in result.skipped) or not result.done:
        steps.append("git init && git add -A && git commit -m 'Initial commit'")
    steps += [
        "make setup      # install the locked environment (uv)",
        "make train      # train the model on the bundled dataset",
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


def main() -> None:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    from typer._click.exceptions import ClickException

    try:
        code = app(standalone_mode=False)
    except UsageError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except ClickException as error:
        error.show()
        sys.exit(2 if error.exit_code == 2 else error.exit_code)
    if code == 130:
        print("Interrupted; nothing was written.", file=sys.stderr)
    sys.exit(code if isinstance(code, int) else 0)
