"""Create a project: render the template with resolved answers, move it into place, commit.

`create(dest, data)` does it all. The CLI asks first (`check_destination`, `open_template`,
`resolve_answers` with `prompts.ask`), then calls `create(dest, answers, template=...)`."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new import _git, project
from mlops_new import dataset as datasets
from mlops_new import source as sources
from mlops_new._lock import lock as uv_lock
from mlops_new._steps import Progress, Skipped, quiet
from mlops_new.errors import UsageError
from mlops_new.questions import Questionnaire, load
from mlops_new.staging import folder as staging_folder
from mlops_new.staging import move_into_place, reason

#: Asks the questions the user did not answer; returns all answers (see prompts.ask).
Asker = Callable[[Questionnaire, Mapping[str, Any], Path, Mapping[str, Any]], dict[str, Any]]


@dataclass
class Result:
    """What `create` did."""

    path: Path
    answers: dict[str, Any]
    #: Post-generation steps that ran ("uv lock", "git init and first commit").
    done: list[str] = field(default_factory=list)
    #: Steps that did not run, each with the reason.
    skipped: list[Skipped] = field(default_factory=list)
    #: With --force: existing files that differ from the template's and were left as they were.
    kept: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Template:
    """A template ready to render: where it comes from, and its questions."""

    source: sources.Source
    questions: Questionnaire
    #: The tag or commit to render (None: the bundled copy, or a git source's latest release).
    vcs_ref: str | None = None


@contextlib.contextmanager
def open_template(
    template: str | None = None, vcs_ref: str | None = None, *, progress: Progress = quiet
) -> Iterator[Template]:
    """The bundled template, or a fork's (a git URL, clone or bundle) at `vcs_ref`.

    Raises:
        UsageError: a `vcs_ref` without a `template`, or a template that cannot be read.
    """
    if template is None:
        if vcs_ref:
            raise UsageError("--vcs-ref needs --template: the bundled template has one version")
        with sources.bundled() as src:
            yield Template(src, load(Path(src.render_from) / "copier.yml"))
        return
    from mlops_new._copier import user_errors, worker_class

    src = sources.resolve(template)
    progress("Reading the template")
    with ExitStack() as stack:
        with user_errors(f"cannot read template {src.render_from}", any_failure=True):
            worker = stack.enter_context(
                worker_class()(src_path=src.render_from, vcs_ref=vcs_ref, quiet=True)
            )
            root = Path(worker.template.local_abspath)
        yield Template(src, load(root / "copier.yml"), vcs_ref)


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a destination that cannot or must not receive a new project.

    Raises:
        UsageError: the name is unusable, the path is a file, or the folder is not empty.
    """
    name = dest.name
    if not name or name in {".", ".."} or str(dest).strip() == "":
        raise UsageError(f"'{dest}' does not name a new folder; give a name like 'iris-classifier'")
    try:
        if dest.exists() and not dest.is_dir():
            raise UsageError(f"{dest} exists and is a file; choose another name")
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise UsageError(
                f"{dest} exists and is not empty; choose another name, or pass --force to add "
                "the template's files (existing files are never overwritten)"
            )
        if not dest.parent.exists() and not dest.is_absolute() and ".." in dest.parts:
            raise UsageError(f"{dest.parent} does not exist")
    except OSError as error:
        raise UsageError(f"cannot write {dest}: {reason(error)}") from None


def resolve_answers(
    template: Template,
    dest: Path,
    data: Mapping[str, Any] | None = None,
    *,
    preset: str | None = None,
    ask: Asker | None = None,
    identity: Mapping[str, str] | None = None,
    dataset: datasets.Dataset | None = None,
) -> dict[str, Any]:
    """Every answer for a new project: the `dataset`'s, over `data`, over the preset's (less
    the data set it names: see `dataset.from_answers`), over the defaults (the user's git
    identity for the author); with `ask`, the user answers the rest.

    Raises:
        UsageError: an unknown preset, question or invalid answer, naming the question.
    """
    given = dict(data or {})
    if preset is not None:
        from mlops_new import presets

        chosen = presets.load(preset)
        chosen = replace(chosen, answers=datasets.split(chosen.answers)[0])
        given = presets.answers_for(chosen, template.questions, dest) | given
    given |= dataset.answers if dataset is not None else {}
    defaults = _git.identity() if identity is None else identity
    if ask is not None:
        return ask(template.questions, given, dest, defaults)
    return template.questions.resolve(given, dest, defaults=defaults)


def create(
    dest: Path | str,
    data: Mapping[str, Any] | None = None,
    *,
    template: Template | str | None = None,
    vcs_ref: str | None = None,
    preset: str | None = None,
    force: bool = False,
    git: bool = True,
    lock: bool = True,
    progress: Progress | None = None,
    dataset: datasets.Dataset | None = None,
) -> Result:
    """Render the template into `dest` and return what was done.

    Nothing is written to `dest` until the whole project has rendered: copier renders into a
    temporary folder next to it, which is then moved into place.

    Args:
        dest: the folder to create; its name is the default project name.
        data: answers to the template's questions; the rest take their defaults. `dataset`
            is the user's data file, relative to here (see `dataset.from_answers`).
        template: an open `Template`, or a fork's git URL, clone or bundle; default: the
            template shipped with mlops-new.
        vcs_ref: the tag or commit of a `template` given by its source.
        preset: a built-in preset's name or a preset file; `data` wins over it.
        force: add the template's files to an existing, non-empty folder.
        git: run `git init` and make a first commit.
        lock: run `uv lock`, so the first commit pins every dependency.
        progress: called with a description of each slow step.
        dataset: the user's data set, read already (`data` then holds no source keys).

    Raises:
        UsageError: invalid answers, an unusable destination, data set, or template.
    """
    dest = Path(dest).expanduser().absolute()
    check_destination(dest, force=force)
    say = progress or quiet
    if dataset is None:
        data, dataset = datasets.from_answers(data or {}, preset=preset, progress=say)
    with ExitStack() as stack:
        if not isinstance(template, Template):
            template = stack.enter_context(open_template(template, vcs_ref, progress=say))
        identity = _git.identity()  # the author's defaults; who makes the first commit
        answers = resolve_answers(
            template, dest, data, preset=preset, identity=identity, dataset=dataset
        )
        result = Result(dest, answers)
        staging = staging_folder(dest, stack)
        say("Rendering the template")
        _render(template, staging, result.answers)
        if dataset is not None:
            datasets.add(staging, dataset, progress=say)
        merging = dest.is_dir() and any(dest.iterdir())
        if lock:
            _lock(template, staging, result, say)
        _commit(staging, result, identity, say, dataset, git=git, merging=merging)
        result.kept = move_into_place(staging, dest, merging=merging)
    return result


_NOT_COMMITTED = Skipped("git init and first commit", "the folder already had files")


def _render(template: Template, dst: Path, answers: Mapping[str, Any]) -> None:
    """Copier's render of `template` into `dst`; a bundled one records its public source."""
    from mlops_new._copier import render

    src = template.source.render_from
    render(src, dst, answers, template.vcs_ref, doing=f"copier could not render {src}")
    if template.source.bundled:
        where = template.source
        project.record_source(dst, where.record_src, where.record_commit)


def _lock(template: Template, rendered: Path, result: Result, say: Progress) -> None:
    """`uv lock`, naming a python_version choice that is installed if the answer's is not."""
    say("Locking dependencies (uv lock)")
    try:
        offered = template.questions["python_version"].choice_values
        retired = template.questions.retired("python_version")
        choices = [str(value) for value in offered if value not in retired]
    except (KeyError, UsageError):  # a fork without the question
        choices = []
    skipped = uv_lock(rendered, result.answers.get("python_version"), choices)
    if skipped is None:
        result.done.append("uv lock")
    else:
        result.skipped.append(skipped)


def _commit(
    rendered: Path,
    result: Result,
    identity: Mapping[str, str],
    say: Progress,
    dataset: datasets.Dataset | None,
    *,
    git: bool,
    merging: bool,
) -> None:
    """The first commit, DVC tracking the data set before it; each skipped where it cannot
    run (no git, or a folder that already had files)."""
    dvc = dataset if result.answers.get("data_versioning") == "dvc" else None
    if git and not merging:
        _first_commit(rendered, result, identity, say, dvc)
        return
    if git:
        result.skipped.append(_NOT_COMMITTED)
    if dvc is not None:
        result.skipped.append(datasets.later(dvc, "the project has no git repository"))


def _first_commit(
    rendered: Path,
    result: Result,
    identity: Mapping[str, str],
    say: Progress = quiet,
    dvc: datasets.Dataset | None = None,
) -> None:
    """`git init`, `dvc add` of `dvc` (its files committed even where ignored), the first
    commit: as the user's git identity; where git has none, as the project's author."""
    from mlops_new import __version__

    if shutil.which("git") is None:
        result.skipped.append(Skipped("git init", "git is not installed"))
        return
    config = []
    if "author_name" not in identity:
        config += ["-c", f"user.name={result.answers.get('author_name', 'mlops-new')}"]
    if "author_email" not in identity:
        config += ["-c", f"user.email={result.answers.get('author_email', 'mlops-new@localhost')}"]
    say("Making the first commit")
    failed = _git.init(rendered)
    forced: list[str] = []
    if failed is None and dvc is not None:
        tracked = datasets.track(rendered, dvc, progress=say)
        if isinstance(tracked, Skipped):
            result.skipped.append(tracked)
        else:
            forced = tracked
            result.done.append("dvc add")
        say("Making the first commit")
    if failed is None:
        message = f"Initial commit from mlops-new {__version__}"
        failed = _git.commit_all(rendered, message, config, force=forced)
    if failed is None:
        result.done.append("git init and first commit")
    else:
        result.skipped.append(Skipped(*failed))
