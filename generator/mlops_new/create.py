"""Create a project: answer the questions, render with copier, move into place, commit."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import source as sources
from mlops_new.errors import UsageError, one_line
from mlops_new.questions import Questionnaire, load

ANSWERS_FILE = ".copier-answers.yml"

#: Called with a short description of each slow step, so a CLI can show progress.
Progress = Callable[[str], None]
#: Asks the questions the user did not answer; returns all answers (see prompts.ask).
Asker = Callable[[Questionnaire, Mapping[str, Any], Path, Mapping[str, Any]], dict[str, Any]]


@dataclass
class Result:
    """What `create` did."""

    path: Path
    answers: dict[str, Any]
    #: Post-generation steps that ran ("git init", ...).
    done: list[str] = field(default_factory=list)
    #: Steps that did not run, each with the reason.
    skipped: list[str] = field(default_factory=list)
    #: With --force: existing files that differ from the template's and were left as they were.
    kept: list[str] = field(default_factory=list)


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a destination that cannot or must not receive a new project.

    Raises:
        UsageError: the name is unusable, the path is a file, or the folder is not empty.
    """
    name = dest.name
    if not name or name in {".", ".."} or str(dest).strip() == "":
        raise UsageError(f"'{dest}' does not name a new folder; give a name like 'iris-classifier'")
    try:
        _check_existing(dest, force=force)
    except OSError as error:
        raise UsageError(f"cannot write {dest}: {_reason(error)}") from None


def _check_existing(dest: Path, *, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is a file; choose another name")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(
            f"{dest} exists and is not empty; choose another name, or pass --force to add the "
            "template's files (existing files are never overwritten)"
        )
    if not dest.parent.exists() and not dest.is_absolute() and ".." in dest.parts:
        raise UsageError(f"{dest.parent} does not exist")


def git_identity() -> dict[str, str]:
    """Author defaults from `git config`, where the user has set them."""
    found = {}
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        try:
            out = subprocess.run(
                ["git", "config", "--get", key], capture_output=True, text=True, check=False
            )
        except OSError:
            return {}
        if out.returncode == 0 and out.stdout.strip():
            found[answer] = out.stdout.strip()
    return found


def create(
    dest: Path | str,
    answers: Mapping[str, Any] | None = None,
    *,
    template: str | None = None,
    vcs_ref: str | None = None,
    ask: Asker | None = None,
    preset: str | None = None,
    force: bool = False,
    git: bool = True,
    lock: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Render the template into `dest` and return what was done.

    Nothing is written to `dest` until the whole project has rendered: copier renders into a
    temporary folder next to it, which is then moved into place.

    Args:
        dest: the folder to create; its name is the default project name.
        answers: answers to the template's questions; the rest take their defaults.
        template: a git URL, clone or bundle of a template (a fork); default: the bundled one.
        vcs_ref: the tag or commit of `template` to render.
        ask: prompts for the questions `answers` does not cover (interactive use).
        preset: a built-in preset's name or a preset file; `answers` win over it.
        force: add the template's files to an existing, non-empty folder.
        git: run `git init` and make a first commit.
        lock: run `uv lock`, so the first commit pins every dependency.
        progress: called with a description of each slow step.

    Raises:
        UsageError: invalid answers, an unusable destination, or a template copier refuses.
    """
    dest = Path(dest).expanduser().absolute()
    check_destination(dest, force=force)
    say = progress or (lambda _: None)
    given = dict(answers or {})
    result = Result(dest, {})
    with ExitStack() as stack:
        if template is None:
            if vcs_ref:
                raise UsageError("--vcs-ref needs --template: the bundled template has one version")
            src = stack.enter_context(sources.bundled())
            questionnaire = load(Path(src.render_from) / "copier.yml")
        else:
            src = sources.resolve(template)
            say("Reading the template")
            questionnaire = _remote_questions(src.render_from, vcs_ref, stack)
        if preset is not None:
            from mlops_new import presets

            chosen = presets.load(preset)
            given = presets.answers_for(chosen, questionnaire, dest) | given
        identity = git_identity()
        defaults = dict(identity)
        if ask is not None:
            result.answers = ask(questionnaire, given, dest, defaults)
        else:
            result.answers = questionnaire.resolve(given, dest, defaults=defaults)

        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Same filesystem as the destination, so the final move is a rename.
            staging = Path(tempfile.mkdtemp(prefix=".mlops-new-", dir=dest.parent))
        except OSError as error:
            raise UsageError(f"cannot write in {dest.parent}: {_reason(error)}") from None
        stack.callback(shutil.rmtree, staging, ignore_errors=True)
        rendered = staging / dest.name
        say("Rendering the template")
        _render(src.render_from, rendered, result.answers, vcs_ref)
        if src.bundled:
            _record_source(rendered / ANSWERS_FILE, src.record_src, src.record_commit)
        merging = dest.is_dir() and any(dest.iterdir())
        if lock:
            say("Locking dependencies (uv lock)")
            _lock(rendered, result, _python_choices(questionnaire))
        if git and not merging:
            say("Making the first commit")
            _git_init(rendered, result, identity)
        elif git:
            result.skipped.append("git init and first commit: the folder already had files")
        try:
            if merging:
                result.kept = _merge(rendered, dest)
            else:
                if dest.is_dir():
                    dest.rmdir()  # empty: replace it
                os.replace(rendered, dest)
        except OSError as error:
            raise UsageError(f"cannot write {dest}: {_reason(error)}") from None
    return result


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _remote_questions(src: str, vcs_ref: str | None, stack: ExitStack) -> Questionnaire:
    """Fetch a git template once, only to read its questions."""
    from copier import Worker

    try:
        worker = stack.enter_context(Worker(src_path=src, vcs_ref=vcs_ref, quiet=True))
        root = Path(worker.template.local_abspath)
    except Exception as error:  # copier raises bare ValueError, plumbum errors, OSError, ...
        raise UsageError(f"cannot read template {src}: {one_line(error)}") from None
    return load(root / "copier.yml")


def _render(src: str, dst: Path, answers: Mapping[str, Any], vcs_ref: str | None) -> None:
    from plumbum import ProcessExecutionError

    from mlops_new._copier import worker_class

    try:
        with worker_class()(
            src_path=src,
            dst_path=dst,
            data=dict(answers),
            vcs_ref=vcs_ref,
            defaults=True,
            quiet=True,
            unsafe=False,
            overwrite=True,
        ) as worker:
            worker.run_copy()
    except (ValueError, TypeError, OSError, ProcessExecutionError) as error:
        raise UsageError(f"copier could not render {src}: {one_line(error)}") from None
    except Exception as error:
        from copier.errors import CopierError
        from jinja2 import TemplateError

        if isinstance(error, CopierError | TemplateError):
            raise UsageError(f"copier could not render {src}: {one_line(error)}") from None
        raise


def _record_source(answers_file: Path, src: str, commit: str) -> None:
    """Point the answers file at the public template repository and the release tag.

    The bundled copy is rendered from a plain folder, which copier records as-is; plain
    `copier update` needs the git source and tag of the same template version instead.
    """
    import yaml

    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(("_src_path:", "_commit:"))]
    at = next((i for i, ln in enumerate(kept) if not ln.startswith("#")), len(kept))
    record = yaml.safe_dump({"_commit": commit, "_src_path": src}, sort_keys=False)
    answers_file.write_text("".join(kept[:at]) + record + "".join(kept[at:]), encoding="utf-8")


def _lock(project: Path, result: Result, offered: Sequence[str] = ()) -> None:
    """Run `uv lock`: from uv's cache first, then from the package index.

    `uv lock` needs an interpreter that satisfies requires-python (measured: one outside it is
    refused, and with none installed uv downloads one where its settings allow). When none is
    installed, this says so in one line instead of uv's last error, and never waits on a
    network that is not there: with downloads off it does not go online at all; with them on
    it tries once, without uv's retries (about 12 s of back-off where there is no network).

    Args:
        project: the rendered project.
        result: where the step is recorded as done or skipped, with the reason.
        offered: the template's python_version choices, for the one to suggest instead.
    """
    uv = _uv()
    if not uv:
        result.skipped.append("uv lock: uv is not installed; `make setup` will create uv.lock")
        return
    # From uv's cache first: a fraction of a second when it holds every pinned release.
    run = _uv_lock(uv, project, offline=True)
    if run.returncode == 0:
        result.done.append("uv lock")
        return
    python = _missing_python(uv, project, result.answers, offered)
    if python is not None and not python.downloadable:
        result.skipped.append(
            f"uv lock: {python.name} is not installed and downloads are off: {python.advice}"
        )
        return
    retries = None if python is None else os.environ.get("UV_HTTP_RETRIES", "0")
    run = _uv_lock(uv, project, offline=False, retries=retries)
    if run.returncode == 0:
        result.done.append("uv lock")
        return
    reason = _last_line(run.stderr)
    if python is not None:
        reason = reason.split(" for url (")[0]  # the download's long URL says nothing new
        result.skipped.append(
            f"uv lock: {python.name} is not installed and could not be downloaded ({reason}): "
            f"{python.advice}"
        )
    else:
        result.skipped.append(f"uv lock failed ({reason}); `make setup` will create uv.lock")


def _uv() -> str | None:
    """mlops-new's own uv (a dependency, so present even outside an activated venv)."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _uv_lock(
    uv: str, project: Path, *, offline: bool, retries: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = None if retries is None else {**os.environ, "UV_HTTP_RETRIES": retries}
    return subprocess.run(
        [uv, "lock", "--quiet", *(["--offline"] if offline else [])],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )


def _last_line(stderr: str) -> str:
    reason = (stderr.strip().splitlines() or ["unknown error"])[-1].strip()
    return reason.removeprefix("cause:").strip()


@dataclass(frozen=True)
class _MissingPython:
    name: str  # "Python 3.12"
    downloadable: bool  # uv's settings let `uv lock` download it
    advice: str  # what to do instead, for the one-line message


def _missing_python(
    uv: str, project: Path, answers: Mapping[str, Any], offered: Sequence[str]
) -> _MissingPython | None:
    """The project's Python, if no installed interpreter satisfies its requires-python.

    Asks uv itself: `uv python list`, run in the project so that uv discovers interpreters
    and reads its settings (UV_PYTHON_DOWNLOADS, uv.toml) as `uv lock` does. uv lists the
    downloads it may use only where `python-downloads` is `automatic` (measured: none with
    `never` or `manual`). None when an installed interpreter fits (the lock failed for another
    reason) or uv cannot tell.
    """
    import tomllib

    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        spec = SpecifierSet(pyproject["project"]["requires-python"])
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError, InvalidSpecifier):
        return None
    listed = subprocess.run(
        [uv, "python", "list", "--output-format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        return None
    try:
        pythons = [(Version(p["version"]), p.get("path")) for p in json.loads(listed.stdout)]
    except (ValueError, TypeError, KeyError, InvalidVersion):
        return None
    fitting = [path for version, path in pythons if spec.contains(version, prereleases=True)]
    if any(path is not None for path in fitting):
        return None  # an installed interpreter fits: the lock failed for another reason
    # uv lists a download (path None) only where its settings allow downloads; offline mode
    # (UV_OFFLINE) forbids them too.
    offline = os.environ.get("UV_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    downloadable = bool(fitting) and not offline
    wanted = answers.get("python_version")
    name = f"Python {wanted}" if wanted else f"Python {spec}"
    installed = {f"{v.major}.{v.minor}" for v, path in pythons if path is not None}
    instead = [str(c) for c in offered if str(c) in installed]
    advice = "install it"
    if instead:
        advice += f", or choose --data python_version={max(instead, key=Version)}"
    return _MissingPython(name, downloadable, advice)


def _python_choices(questionnaire: Questionnaire) -> list[str]:
    """The python_version choices a new project may take (none for a fork without them)."""
    try:
        offered = questionnaire["python_version"].choice_values
        retired = questionnaire.retired("python_version")
    except (KeyError, UsageError):
        return []
    return [str(value) for value in offered if value not in retired]


def _git_init(project: Path, result: Result, identity: Mapping[str, str]) -> None:
    from mlops_new import __version__

    if shutil.which("git") is None:
        result.skipped.append("git init: git is not installed")
        return
    # Commit as the user's git identity; where git has none, as the project's author.
    config = []
    if "author_name" not in identity:
        config += ["-c", f"user.name={result.answers.get('author_name', 'mlops-new')}"]
    if "author_email" not in identity:
        config += [
            "-c",
            f"user.email={result.answers.get('author_email', 'mlops-new@localhost')}",
        ]
    steps = [
        ["git", "init", "--quiet", "--initial-branch=main"],
        ["git", "add", "--all"],
        [
            "git",
            *config,
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Initial commit from mlops-new {__version__}",
        ],
    ]
    for step in steps:
        run = subprocess.run(step, cwd=project, capture_output=True, text=True)
        if run.returncode != 0:
            reason = (run.stderr.strip().splitlines() or ["unknown error"])[-1]
            result.skipped.append(f"{' '.join(step[:2])}: {reason}")
            return
    result.done.append("git init and first commit")


def _merge(rendered: Path, dest: Path) -> list[str]:
    """Move the template's files into an existing folder without touching any file there.

    All or nothing: if a move fails (a read-only folder, a full disk), what was added so far
    is taken out again, so the folder is as it was.
    """
    kept: list[str] = []
    added: list[Path] = []
    try:
        for path in sorted(rendered.rglob("*")):
            target = dest / path.relative_to(rendered)
            if path.is_dir() and not path.is_symlink():
                if not target.is_dir():
                    target.mkdir()
                    added.append(target)
            elif not target.exists() and not target.is_symlink():
                os.replace(path, target)
                added.append(target)
            elif target.is_file() and target.read_bytes() != path.read_bytes():
                kept.append(str(target.relative_to(dest)))
    except BaseException:
        for path in reversed(added):  # files before the folders that hold them
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink()
        raise
    return kept
