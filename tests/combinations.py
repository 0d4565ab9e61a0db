"""Option combinations, generated from copier.yml itself (never from a hand-copied list).

An *option* is a question with a fixed set of values: a choice question or a yes/no one.
A question whose `when` depends on other answers (dvc_remote, asked only with DVC) takes the
value NOT_ASKED in the combinations where copier would not ask it, and only there.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mlops_new.questions import Question, Questionnaire, load

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRE: Questionnaire = load(ROOT / "copier.yml")
NOT_ASKED = "(not asked)"
_DST = Path("/nonexistent/combination")


def _is_option(question: Question) -> bool:
    return not question.computed and (bool(question.choices) or question.type == "bool")


def options(questionnaire: Questionnaire = QUESTIONNAIRE) -> dict[str, list[Any]]:
    """Each option's values, in copier.yml's order; NOT_ASKED added to conditional ones."""
    result = {}
    for question in questionnaire:
        if not _is_option(question):
            continue
        # Retired choices (copier.yml's retired_choices) are for existing projects only: a new
        # project cannot have them (test_python_versions covers their updates).
        retired = questionnaire.retired(question.name)
        choices = [value for value in question.choice_values if value not in retired]
        values = choices if question.choices else [True, False]
        conditional = isinstance(question.when, str)
        result[question.name] = [*values, NOT_ASKED] if conditional else list(values)
    return result


def is_valid(combination: Mapping[str, Any], questionnaire: Questionnaire = QUESTIONNAIRE) -> bool:
    """Whether copier could produce this (possibly partial, in-order) combination.

    A conditional option must be NOT_ASKED exactly when copier would not ask it.
    """
    answers: dict[str, Any] = {}
    for name, value in combination.items():
        asked = questionnaire.is_asked(questionnaire[name], answers, _DST)
        if asked == (value == NOT_ASKED):
            return False
        if asked:
            answers[name] = value
    return True


def answers(combination: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to pass to the template: NOT_ASKED options left out."""
    return {name: value for name, value in combination.items() if value != NOT_ASKED}


def full_product(questionnaire: Questionnaire = QUESTIONNAIRE) -> Iterator[dict[str, Any]]:
    """Every valid combination of every option's values (copier's `when` decides validity)."""
    table = options(questionnaire)
    names = list(table)

    def extend(index: int, combination: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if index == len(names):
            yield dict(combination)
            return
        name = names[index]
        asked = questionnaire.is_asked(questionnaire[name], answers(combination), _DST)
        for value in table[name]:
            if asked != (value == NOT_ASKED):
                combination[name] = value
                yield from extend(index + 1, combination)
                del combination[name]

    yield from extend(0, {})


def achievable_pairs(questionnaire: Questionnaire = QUESTIONNAIRE) -> set[tuple]:
    """Every pair of option values that some valid combination holds."""
    rows = [tuple(combination.items()) for combination in full_product(questionnaire)]
    columns = list(zip(*rows, strict=True))
    found: set[tuple] = set()
    for left, right in itertools.combinations(range(len(columns)), 2):
        found.update(zip(columns[left], columns[right], strict=True))
    return found


def pairs(combination: Mapping[str, Any]) -> set[tuple]:
    """The pairs of option values a combination holds, in option order."""
    return set(itertools.combinations(combination.items(), 2))


def _completion(
    partial: Mapping[str, Any],
    questionnaire: Questionnaire,
    allowed: Callable[[Mapping[str, Any]], bool] = lambda _: True,
) -> dict[str, Any] | None:
    """A valid full combination that agrees with `partial`, or None when there is none."""
    table = options(questionnaire)
    names = list(table)

    def extend(index: int, combination: dict[str, Any]) -> dict[str, Any] | None:
        if index == len(names):
            return dict(combination) if allowed(combination) else None
        name = names[index]
        asked = questionnaire.is_asked(questionnaire[name], answers(combination), _DST)
        candidates = [partial[name]] if name in partial else table[name]
        for value in candidates:
            if asked != (value == NOT_ASKED):
                combination[name] = value
                found = extend(index + 1, combination)
                del combination[name]
                if found is not None:
                    return found
        return None

    return extend(0, {})


def pairwise(questionnaire: Questionnaire = QUESTIONNAIRE) -> list[dict[str, Any]]:
    """A small covering set: every achievable pair of option values is in some combination.

    Greedy (in the manner of AETG): each new combination starts from the uncovered pair
    whose values leave the most pairs uncovered, then fixes every other option, in
    copier.yml's order, to the value that covers the most uncovered pairs while a valid
    completion still exists. Deterministic: the same copier.yml gives the same set.
    """
    table = options(questionnaire)
    position = {name: index for index, name in enumerate(table)}
    uncovered = achievable_pairs(questionnaire)
    result: list[dict[str, Any]] = []
    while uncovered:
        weight: dict[tuple[str, Any], int] = {}
        for left, right in uncovered:
            weight[left] = weight.get(left, 0) + 1
            weight[right] = weight.get(right, 0) + 1
        first, second = max(sorted(uncovered, key=repr), key=lambda p: weight[p[0]] + weight[p[1]])
        fixed = dict([first, second])
        for name in table:
            if name in fixed:
                continue
            best, gain = None, -1
            for value in table[name]:
                if _completion({**fixed, name: value}, questionnaire) is None:
                    continue
                new = sum(
                    tuple(sorted([item, (name, value)], key=lambda pair: position[pair[0]]))
                    in uncovered
                    for item in fixed.items()
                )
                if new > gain:
                    best, gain = value, new
            fixed[name] = best
        combination = {name: fixed[name] for name in table}
        assert is_valid(combination, questionnaire), combination
        uncovered -= pairs(combination)
        result.append(combination)
    return result


def each_value(
    allowed: Callable[[Mapping[str, Any]], bool] = lambda _: True,
    questionnaire: Questionnaire = QUESTIONNAIRE,
) -> list[dict[str, Any]]:
    """Few combinations that, together, use every value of every option at least once.

    Round-robin: each new combination takes, option by option in copier.yml's order, the
    next value not used yet (or else the default) for which a valid completion that
    `allowed` accepts still exists. `allowed` states limits of the machine the projects run
    on.
    """
    table = options(questionnaire)
    unused = {(name, v) for name, values in table.items() for v in values if v != NOT_ASKED}
    result: list[dict[str, Any]] = []
    while unused:
        fixed: dict[str, Any] = {}
        for name, values in table.items():
            # Values not used yet first, in turn; then the default (copier.yml's first value),
            # which keeps the options that depend on this one askable.
            turn = len(result) % len(values)
            ordered = [v for v in values[turn:] + values[:turn] if (name, v) in unused]
            ordered += [v for v in values if v not in ordered]
            fixed[name] = next(
                value
                for value in ordered
                if _completion({**fixed, name: value}, questionnaire, allowed)
            )
        used = {(name, value) for name, value in fixed.items()} & unused
        assert used, f"no progress: {sorted(unused, key=repr)} cannot be used"
        unused -= used
        result.append(fixed)
    return result


def label(combination: Mapping[str, Any]) -> str:
    """A short, readable name for a combination (test ids, messages)."""
    return ",".join(f"{name}={value}" for name, value in answers(combination).items())
