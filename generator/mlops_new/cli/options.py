"""The options several commands share, defined once, and how their values are read."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mlops_new.errors import UsageError

FORMATS = ("text", "json")


def path_argument(help: str) -> Any:
    """The PATH argument, with a help text of its own for each command."""
    return typer.Argument(metavar="PATH", help=help, show_default=False)


#: The PATH of update and check: a generated project, the current folder by default.
ProjectPath = Annotated[Path, path_argument("The generated project (default: here).")]


def data_option(help: str) -> Any:
    """`--data KEY=VALUE` (repeatable); `parse_data` reads what it collects."""
    return typer.Option("--data", "-d", metavar="KEY=VALUE", help=help)


def vcs_ref_option(help: str) -> Any:
    """`--vcs-ref REF`: a template tag or commit."""
    return typer.Option("--vcs-ref", metavar="REF", help=help)


def _format(value: str) -> str:
    if value not in FORMATS:
        raise UsageError(f"--format {value}: choose {' or '.join(FORMATS)}")
    return value


def format_option(help: str) -> Any:
    """`--format text|json`, refused with one line (exit 2) when it is neither."""
    return typer.Option("--format", metavar="FORMAT", help=help, parser=_format)


def parse_data(pairs: list[str] | None) -> dict[str, str]:
    """`--data key=value` pairs as answers (the values as typed: the template casts them)."""
    data = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data {pair!r}: expected key=value, e.g. --data license=Apache-2.0")
        data[key.strip()] = value
    return data


def read_data_file(path: Path) -> dict[str, Any]:
    """A `--data-file`: a YAML mapping of question: answer (copier's `_` keys left out)."""
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


def interactive() -> bool:
    """Whether a person is at a terminal to answer questions."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def status(message: str) -> Any:
    """A spinner on stderr (stdout stays the command's output), with `.update(text)`."""
    from rich.console import Console

    return Console(stderr=True).status(message, spinner="dots")
