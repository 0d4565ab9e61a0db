"""Presets: answer files with a name. Built-in ones ship in presets/; a teacher's own is any
YAML file of `question: answer` whose first line may be a `# one-line description`.

A project records the preset it started from (the `preset` answer), and like every answer
it is re-applied by `copier update`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError

BUILTIN_DIR = Path(__file__).resolve().parent / "presets"
#: The order `mlops-new presets` lists them in.
BUILTIN = ("minimal", "standard", "full", "course")


@dataclass(frozen=True)
class Preset:
    """A named set of answers."""

    name: str
    description: str
    answers: dict[str, Any]
    path: Path


def builtin() -> list[Preset]:
    """The presets that ship with mlops-new."""
    return [load(name) for name in BUILTIN]


def load(spec: str) -> Preset:
    """A built-in preset by name, or a preset file by path.

    Raises:
        UsageError: no such preset, or the file cannot be read or is not a mapping.
    """
    import yaml

    if spec in BUILTIN:
        path = BUILTIN_DIR / f"{spec}.yml"
    else:
        path = Path(spec).expanduser()
        if not path.suffix and not path.exists():
            known = ", ".join(BUILTIN)
            raise UsageError(f"--preset {spec}: no such preset (built-in: {known}; or a .yml file)")
    try:
        text = path.read_text(encoding="utf-8")
        loaded = yaml.safe_load(text)
    except OSError as error:
        raise UsageError(f"--preset {spec}: cannot read {path} ({error.strerror})") from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise UsageError(f"--preset {spec}: {path} is not valid YAML{line}") from None
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise UsageError(f"--preset {spec}: {path} must be a mapping of question: answer")
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    description = first[1:].strip() if first.startswith("#") else ""
    name = spec if spec in BUILTIN else _name(path.stem)
    answers = {str(key): value for key, value in loaded.items()}
    return Preset(name, description, answers, path)


def _name(stem: str) -> str:
    """A file's preset name, as recorded: lowercase letters, digits, '-', '_' and '.'."""
    name = re.sub(r"[^a-z0-9_.-]+", "-", stem.lower()).strip("-.") or "custom"
    return name if name[0].isalnum() else f"p{name}"


def answers_for(preset: Preset, questionnaire, dst_path: Path) -> dict[str, Any]:
    """The preset's answers, checked against the template, plus the `preset` answer itself.

    Raises:
        UsageError: an unknown question or an invalid value, naming the file and the key.
    """
    where = "built-in preset " + preset.name if preset.name in BUILTIN else str(preset.path)
    answers = {"preset": preset.name} | preset.answers
    for key, value in answers.items():
        try:
            questionnaire.cast(key, value)
        except UsageError as error:
            raise UsageError(f"preset {where}: {error}") from None
    try:
        questionnaire.resolve(answers, dst_path)
    except UsageError as error:
        raise UsageError(f"preset {where}: {error}") from None
    return answers
