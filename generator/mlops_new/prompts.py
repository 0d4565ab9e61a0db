"""Interactive questions (questionary): arrow keys, defaults shown, inline validation.

A text question shows its default as a greyed placeholder: Enter keeps it, typing replaces it.
"""

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

    style = questionary.Style(
        [
            ("qmark", "fg:#00a0a0 bold"),
            ("answer", "fg:#00a000 bold"),
            ("placeholder", "fg:#808080 italic"),  # a text question's default, kept on Enter
        ]
    )

    def prompt(question: Question, default: Any, answers: Mapping[str, Any]) -> Any:
        value = _prompt(questionary, questionnaire, question, default, answers, dest, style)
        answer = value.unsafe_ask()  # raises KeyboardInterrupt on Ctrl-C
        if answer is None:  # Ctrl-D
            raise KeyboardInterrupt
        return answer

    return questionnaire.resolve(given, dest, defaults=defaults, ask=prompt)


def _prompt(questionary, questionnaire, question: Question, default, answers, dest, style):
    from prompt_toolkit.filters import is_done
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.key_binding import KeyBindings

    label = question.help or question.name
    if question.choices:
        retired = questionnaire.retired(question.name)  # kept for existing projects only
        choices = [
            questionary.Choice(title, value)
            for title, value in question.choices
            if value not in retired
        ]
        start = next((c for c in choices if c.value == default), None)
        return questionary.select(
            label, choices=choices, default=start, style=style, use_shortcuts=False
        )
    if question.type == "bool":
        return questionary.confirm(label, default=bool(default), style=style)

    kept = "" if default is None else str(default)

    def effective(text: str) -> str:
        """What the answer is: the text typed, or the default when nothing was typed."""
        return text if text.strip() else kept

    def validate(text: str) -> bool | str:
        try:
            value = questionnaire.cast(question.name, effective(text))
        except UsageError as error:
            return str(error)
        return questionnaire.error(question, value, answers, dest) or True

    # The default is a placeholder, not text in the buffer: what the user types replaces it
    # (a pre-filled default would be typed into, giving "my-folderChurn Predictor").
    bindings = KeyBindings()

    @bindings.add("enter", filter=~is_done)
    def accept(event) -> None:
        buffer = event.current_buffer
        text = effective(buffer.text)
        answer = text.strip() if question.free_text else text
        if validate(answer) is True:
            # Show what is recorded: the default kept, or the text without its outer spaces.
            buffer.text = answer
        # Else the error is shown and the buffer left as it was (empty: the default stays a
        # placeholder, so what is typed next still replaces it).
        buffer.validate_and_handle()

    return questionary.text(
        label,
        validate=validate,
        style=style,
        placeholder=FormattedText([("class:placeholder", kept)]) if kept else None,
        key_bindings=bindings,
    )
