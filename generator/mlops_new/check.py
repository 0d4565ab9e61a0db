"""Whether a generated project is behind its template: what it records, what its source has."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError

ANSWERS_FILE = ".copier-answers.yml"
_URL_PREFIXES = ("git@", "git+", "gh:", "gl:")
# Never let git wait for a password or a host-key answer: a CI job must fail, not hang.
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"}

#: Called with a short description of each slow step, so a CLI can show progress.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Recorded:
    """What a generated project's answers file says about its template."""

    #: The project folder, absolute.
    path: Path
    #: `_src_path`: the template's git URL, clone or bundle.
    source: str
    #: `_commit`: the template release (tag) the project was made from or last updated to.
    commit: str
    #: The answers to the template's questions.
    answers: dict[str, Any]


@dataclass(frozen=True)
class CheckResult:
    """Where a project stands against its template."""

    path: str
    source: str
    current: str
    latest: str
    behind: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready mapping."""
        return asdict(self)


def git(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run git without prompts, capturing text output; raise UsageError if git is missing."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, **_GIT_ENV},
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; install it and retry") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} did not answer within {timeout:.0f} s") from None


def git_reason(proc: subprocess.CompletedProcess) -> str:
    """git's own explanation of a failure, on one line."""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    reason = (fatal or lines or ["unknown error"])[-1]
    return reason.removeprefix("fatal:").removeprefix("error:").strip()


def display(path: Path | str, project: Path) -> str:
    """How to name a project in messages: as the user gave it, or by its folder name."""
    return str(project.name) if str(path) in {"", "."} else str(path)


def _is_url(source: str) -> bool:
    return "://" in source or source.startswith(_URL_PREFIXES)


def read_project(path: Path | str) -> Recorded:
    """Read what a generated project records about its template.

    Raises:
        UsageError: no such folder, no answers file, or no usable `_src_path` / `_commit`.
    """
    import yaml

    given = path
    path = Path(path).expanduser().absolute()
    shown = display(given, path)
    if not path.is_dir():
        raise UsageError(f"{shown}: no such folder")
    answers_file = path / ANSWERS_FILE
    if not answers_file.is_file():
        raise UsageError(
            f"{shown} has no {ANSWERS_FILE}, so it was not generated from a copier template "
            "(or that file was deleted); give the path of a generated project"
        )
    try:
        data = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read {answers_file}: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{answers_file} is not a mapping of answers")
    source, commit = data.get("_src_path"), data.get("_commit")
    if not source:
        raise UsageError(
            f"{answers_file} records no _src_path, so the template is unknown; add "
            "`_src_path: <the template's git URL>` to it and commit"
        )
    if not commit:
        raise UsageError(
            f"{answers_file} records no _commit, so the template version the project was made "
            "from is unknown; add `_commit: vX.Y.Z` (that release's tag) to it and commit"
        )
    source = str(source)
    if not _is_url(source) and not Path(source).expanduser().is_absolute():
        raise UsageError(
            f"{answers_file} records a relative _src_path '{source}', which copier cannot "
            "find again; replace it with the template's git URL or absolute path and commit"
        )
    answers = {str(k): v for k, v in data.items() if not str(k).startswith("_")}
    return Recorded(path, source, str(commit), answers)


def parse_version(ref: str):
    """A release tag or `git describe` output as a PEP 440 version, as copier reads it.

    Returns None for anything else (a branch name, a bare commit hash).
    """
    from packaging.version import InvalidVersion, Version

    described = re.fullmatch(r"(.+)-(\d+)-g([0-9a-f]+)", ref)
    try:
        if described:
            return Version(f"{described[1]}.post{described[2]}+{described[3]}")
        return Version(ref)
    except InvalidVersion:
        return None


def latest_release(source: str) -> str:
    """The newest release tag of a template source: PEP 440, no pre-releases, as copier picks.

    Raises:
        UsageError: the source is unreachable, not a git repository, or has no release tag.
    """
    from copier._vcs import get_repo  # copier's own reading of gh:, gl:, paths and bundles

    local = not _is_url(source)
    if local and not Path(source).expanduser().exists():
        raise UsageError(
            f"the template source {source} does not exist (moved or deleted?); if it moved, "
            f"change _src_path in {ANSWERS_FILE} and commit"
        )
    url = get_repo(source)
    if url is None:
        raise UsageError(
            f"the template source {source} is not a git repository (a URL must end in .git or "
            "start with git+): copier can only update from a git source with release tags"
        )
    if local:
        url = str(Path(url).expanduser().resolve())
    proc = git("ls-remote", "--tags", "--refs", "--", url)
    if proc.returncode != 0:
        raise UsageError(
            f"cannot reach the template at {source} ({git_reason(proc)}); check the network, "
            f"or if the template moved, change _src_path in {ANSWERS_FILE} and commit"
        )
    tags = {}
    for line in proc.stdout.splitlines():
        tag = line.partition("\t")[2].removeprefix("refs/tags/")
        version = parse_version(tag)
        if version is not None and not version.is_prerelease:
            tags[tag] = version
    if not tags:
        raise UsageError(f"the template at {source} has no release tag (vX.Y.Z)")
    return max(tags, key=tags.__getitem__)


def check(path: Path | str = ".", *, progress: Progress | None = None) -> CheckResult:
    """Say whether a project is behind the newest release of its template.

    Args:
        path: the generated project.
        progress: called with a description of each slow step.

    Raises:
        UsageError: not a generated project, an unusable record, or an unreachable source.
    """
    recorded = read_project(path)
    current = parse_version(recorded.commit)
    if current is None:
        raise UsageError(
            f"{ANSWERS_FILE} records _commit '{recorded.commit}', which is not a release "
            "tag, so whether the project is behind cannot be told"
        )
    (progress or (lambda _: None))(f"Asking {recorded.source} for its releases")
    latest = latest_release(recorded.source)
    return CheckResult(
        path=str(recorded.path),
        source=recorded.source,
        current=recorded.commit,
        latest=latest,
        behind=parse_version(latest) > current,
    )
