"""The `mlops-new` command line: a thin layer over the library, which does the work.

One module per command (its options and its output); `options` holds what they share. Here:
the app, the commands' names, and `main`, where errors become exit codes.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from mlops_new.cli import check, doctor, fleet, new, presets, schema, update
from mlops_new.errors import UsageError

HELP = """Create a machine-learning repository that is green from the first minute.

\b
  mlops-new PATH [OPTIONS]        create a project (asks the template's questions)
  mlops-new PATH --defaults       no questions: take every default
  mlops-new fleet status DIR...   many projects at once (status, update, new, report)
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


app.command("new", no_args_is_help=True)(new.command)
app.command("presets")(presets.command)
app.command("update")(update.command)
app.command("check")(check.command)
app.command("doctor")(doctor.command)
app.command("schema")(schema.command)
app.add_typer(fleet.app, name="fleet")


def main() -> None:
    """Entry point: run the app; user errors become one line on stderr and exit code 2."""

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    # HACK(https://github.com/fastapi/typer/issues): typer vendors click as `typer._click`
    # and exports only Abort, Exit and TyperException; a usage error (exit 2) is click's
    # ClickException. Goes when typer exports it.
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
