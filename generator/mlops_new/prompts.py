"""Interactive questions (questionary): arrow keys, defaults shown, inline validation."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError
from mlops_new.questions import Question, Questionnaire


def ask(
    questionnaire: Questionnaire,
    given: Mapping[str, Any],
    dest: Path,
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """Ask every question not already in `given`, in copier.yml's order.

    Raises:
        UsageError: an answer in `given` is invalid.
        KeyboardInterrupt: the user pressed Ctrl-C (or Ctrl-D) at a prompt.
    """
    import questionary

    style = questionary.Style([("qmark", "fg:#00a0a0 bold"), ("answer", "fg:#00a000 bold")])

    def prompt(question: Question, default: Any, answers: Mapping[str, Any]) -> Any:
        value = _prompt(questionary, questionnaire, question, default, answers, dest, style)
        answer = value.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
        if answer is None:  # Ctrl-D
            raise KeyboardInterrupt
        return answer

    return questionnaire.resolve(given, dest, defaults=defaults, ask=prompt)


def _prompt(questionary, questionnaire, question: Question, default, answers, dest, style):
    label = question.help or question.name
    if question.choices:
        choices = [questionary.Choice(title, value) for title, value in question.choices]
        start = next((c for c in choices if c.value == default), None)
        return questionary.select(
            label, choices=choices, default=start, style=style, use_shortcuts=False
        )
    if question.type == "bool":
        return questionary.confirm(label, default=bool(default), style=style)

    def validate(text: str) -> bool | str:
        try:
            value = questionnaire.cast(question.name, text)
        except UsageError as error:
            return str(error)
        return questionnaire.error(question, value, answers, dest) or True

    return questionary.text(
        label, default="" if default is None else str(default), validate=validate, style=style
    )
