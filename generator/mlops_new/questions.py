"""The template's questions, read from copier.yml: defaults, validators and conditions."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlops_new.errors import AnswerError, UnknownQuestion, UsageError

_TRUE = {"y", "yes", "true", "on", "1"}
_FALSE = {"n", "no", "false", "off", "0"}


@dataclass(frozen=True)
class Question:
    """One question of copier.yml, as copier itself reads it."""

    name: str
    type: str = "str"
    help: str = ""
    default: Any = None
    choices: tuple[tuple[str, Any], ...] = ()
    validator: str = ""
    when: Any = True
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def computed(self) -> bool:
        """A value the template derives itself (`when: false`): never asked nor recorded."""
        return self.when is False

    @property
    def free_text(self) -> bool:
        """A one-line text answer: its surrounding whitespace is noise, and mlops-new strips it.

        Not a choice (whose values are exact), not a secret (a password may end in a space)
        and not multiline (where a trailing newline can be part of the text).
        """
        return (
            self.type == "str"
            and not self.choices
            and not self.extra.get("secret")
            and not self.extra.get("multiline")
        )

    @property
    def choice_values(self) -> list[Any]:
        """The values a choice question accepts."""
        return [value for _, value in self.choices]


@dataclass(frozen=True)
class Questionnaire:
    """All questions of a template, in the order copier asks them."""

    questions: tuple[Question, ...]
    settings: Mapping[str, Any]
    #: The folder of copier.yml: Jinja's search path, as in copier, so that a default or a
    #: validator may `{% from "template/..." import ... %}`.
    root: Path | None = None

    def __iter__(self):
        return iter(self.questions)

    def __getitem__(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """The names of the questions a user answers, in order (computed values left out)."""
        return [q.name for q in self.questions if not q.computed]

    def cast(self, name: str, raw: Any) -> Any:
        """Turn a raw value (from the command line or a YAML file) into the question's type.

        A free-text answer loses its surrounding whitespace (copier.yml's validators refuse
        it, so plain `copier copy` keeps refusing " Churn Predictor"; mlops-new strips it).
        """
        if name not in self.names:
            known = ", ".join(self.names)
            raise UnknownQuestion(name, f"unknown question '{name}'; the template asks: {known}")
        question = self[name]
        if question.type == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise AnswerError(
                name, f"{name}: '{raw}' is not yes/no (use one of yes, no, true, false)"
            )
        if question.type == "int":
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise AnswerError(name, f"{name}: '{raw}' is not a whole number") from None
        text = raw if isinstance(raw, str) else str(raw)
        return text.strip() if question.free_text else text

    def context(self, answers: Mapping[str, Any], dst_path: Path) -> dict[str, Any]:
        """The Jinja context copier renders defaults and validators with."""
        return {
            **answers,
            "_copier_conf": {"dst_path": str(dst_path), "answers_file": ".copier-answers.yml"},
        }

    def is_asked(self, question: Question, answers: Mapping[str, Any], dst_path: Path) -> bool:
        """Whether copier would ask this question, given the answers so far."""
        when = question.when
        if isinstance(when, str):
            rendered = _render(when, self.context(answers, dst_path), self.root)
            when = rendered.strip().lower() not in {"", "false", "no", "0", "none"}
        return bool(when)

    def retired(self, name: str) -> list[Any]:
        """Values of question `name` kept only for existing projects (copier.yml's computed
        `retired_choices`): never offered or accepted for a new project."""
        found = [q.default for q in self.questions if q.name == "retired_choices"]
        table = found[0] if found else {}  # a fork's older copier.yml may have none
        return list(table.get(name, [])) if isinstance(table, Mapping) else []

    def default(self, question: Question, answers: Mapping[str, Any], dst_path: Path) -> Any:
        """The question's default, rendered against the answers so far."""
        default = question.default
        if isinstance(default, str):
            default = _render(default, self.context(answers, dst_path), self.root)
        if default is None:
            return None
        return self.cast(question.name, default)

    def error(
        self, question: Question, value: Any, answers: Mapping[str, Any], dst_path: Path
    ) -> str:
        """The validation message for `value`, or "" when it is valid."""
        if question.choices and value not in question.choice_values:
            allowed = ", ".join(str(v) for v in question.choice_values)
            return f"'{value}' is not one of: {allowed}"
        if not question.validator:
            return ""
        context = self.context({**answers, question.name: value}, dst_path)
        return _render(question.validator, context, self.root).strip()

    def resolve(
        self,
        given: Mapping[str, Any],
        dst_path: Path,
        *,
        defaults: Mapping[str, Any] | None = None,
        ask: Callable[[Question, Any, Mapping[str, Any]], Any] | None = None,
        new_project: bool = True,
    ) -> dict[str, Any]:
        """Complete `given` with defaults, validate every answer, and return them all.

        Args:
            given: answers chosen by the user (`--data`, a data file, a preset).
            dst_path: the project folder; its name is the default project name.
            defaults: answers that replace the template's defaults (e.g. from `git config`).
            ask: called as `ask(question, default, answers_so_far)` for each question that
                `given` does not answer, to ask the user (who validates inline); without
                it the default is taken.
            new_project: refuse retired choices (see `retired`); an update keeps them.

        Raises:
            UsageError: an unknown question or an invalid answer, naming the question.
        """
        unknown = sorted(set(given) - set(self.names))
        if unknown:
            self.cast(unknown[0], None)  # raises with the list of known questions
        answers: dict[str, Any] = {}
        for question in self.questions:
            # As in copier, a condition sees every answer given up front, even later ones.
            if not self.is_asked(question, {**given, **answers}, dst_path):
                continue
            if question.name in given:
                value = self.cast(question.name, given[question.name])
            else:
                if defaults and question.name in defaults:
                    value = self.cast(question.name, defaults[question.name])
                else:
                    value = self.default(question, answers, dst_path)
                if ask is not None:
                    value = self.cast(question.name, ask(question, value, answers))
            message = self.error(question, value, answers, dst_path)
            if message:
                hint = "" if question.name in given else f" (pass --data {question.name}=...)"
                raise AnswerError(question.name, f"{question.name}: {message}{hint}")
            if new_project and value in self.retired(question.name):
                current = [
                    v for v in question.choice_values if v not in self.retired(question.name)
                ]
                raise AnswerError(
                    question.name,
                    f"{question.name}: '{value}' is retired (kept only for projects that already "
                    f"use it); choose one of: {', '.join(str(v) for v in current)}",
                )
            answers[question.name] = value
        return answers


@functools.lru_cache(maxsize=8)
def _environment(root: Path | None):
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    # The same environment copier builds (copier._main.Worker.jinja_env), so a default or a
    # validator means exactly what it means when plain `copier copy` evaluates it.
    from mlops_new._copier import compile_each_source_once

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(root)) if root is not None else None,
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        keep_trailing_newline=True,
    )
    compile_each_source_once(env)  # copier.yml's validators are long: compiled once, kept
    return env


@functools.lru_cache(maxsize=256)
def _compile(source: str, root: Path | None):
    return _environment(root).from_string(source)


def _render(source: str, context: Mapping[str, Any], root: Path | None) -> str:
    return _compile(source, root).render(**context)


def load(copier_yml: Path) -> Questionnaire:
    """Read the questions of a template from its copier.yml.

    Raises:
        UsageError: the file is missing or is not a valid copier.yml.
    """
    try:
        # libyaml's loader where PyYAML has it: ten times faster on copier.yml, same result.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(copier_yml.read_text(encoding="utf-8"), Loader=loader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(
            f"cannot read the template's questions from {copier_yml}: {error}"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{copier_yml} is not a mapping of questions")
    settings = {k: v for k, v in data.items() if k.startswith("_")}
    questions = []
    for name, spec in data.items():
        if name.startswith("_"):
            continue
        if not isinstance(spec, dict):  # copier's short form: `name: default`
            spec = {"default": spec, "type": "bool" if isinstance(spec, bool) else "str"}
        choices = spec.get("choices") or ()
        if isinstance(choices, dict):
            choices = tuple(choices.items())
        else:
            choices = tuple((str(c), c) for c in choices)
        known = {"type", "help", "default", "choices", "validator", "when"}
        questions.append(
            Question(
                name=name,
                type=spec.get("type", "str"),
                help=str(spec.get("help", name)).strip(),
                default=spec.get("default"),
                choices=choices,
                validator=spec.get("validator", "") or "",
                when=spec.get("when", True),
                extra={k: v for k, v in spec.items() if k not in known},
            )
        )
    return Questionnaire(tuple(questions), settings, copier_yml.resolve().parent)
