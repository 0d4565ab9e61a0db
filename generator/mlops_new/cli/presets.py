"""`mlops-new presets`: the built-in presets and the answers each sets."""

from __future__ import annotations

from typing import Any

import typer


def command() -> None:
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
