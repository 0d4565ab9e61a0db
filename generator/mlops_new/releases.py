"""A template's releases: its git tags read as copier reads them, and whether one is newer.

`mlops-new check`, `mlops-new update` and the doctor's freshness check all ask these, so a
project is "behind" by one rule everywhere: a newer PEP 440 release tag, pre-releases aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_new import _git
from mlops_new.errors import UsageError
from mlops_new.project import ANSWERS_FILE
from mlops_new.source import git_url, is_url

if TYPE_CHECKING:
    from packaging.version import Version


def parse_version(ref: str) -> Version | None:
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


def newest(refs: Iterable[str]) -> str | None:
    """The newest release tag among git refs (`refs/tags/v1.2.0`), or None if there is none."""
    tags: dict[str, Version] = {}
    for ref in refs:
        if not ref.startswith("refs/tags/"):
            continue
        tag = ref.removeprefix("refs/tags/")
        version = parse_version(tag)
        if version is not None and not version.is_prerelease:
            tags[tag] = version
    return max(tags, key=tags.__getitem__) if tags else None


def is_newer(tag: str, than: str) -> bool:
    """Whether release `tag` comes after `than` (False when either is not a version)."""
    new, old = parse_version(tag), parse_version(than)
    return new is not None and old is not None and new > old


def remote_refs(source: str, *, timeout: float = 120) -> Mapping[str, str]:
    """The refs of a template source, listed without cloning it.

    Raises:
        UsageError: the source is not a git repository copier could update from, or does not
            answer (the message says which, and what to change).
    """
    local = not is_url(source)
    if local and not Path(source).expanduser().exists():
        raise UsageError(
            f"the template source {source} does not exist (moved or deleted?); if it moved, "
            f"change _src_path in {ANSWERS_FILE} and commit"
        )
    url = git_url(source)
    if url is None:
        raise UsageError(
            f"the template source {source} is not a git repository (a URL must end in .git or "
            "start with git+): copier can only update from a git source with release tags"
        )
    if local:
        url = str(Path(url).expanduser().resolve())
    try:
        return _git.ls_remote(url, timeout=timeout, shown=short(source))
    except UsageError as error:
        raise UsageError(
            f"cannot reach the template at {source} ({error}); check the network, "
            f"or if the template moved, change _src_path in {ANSWERS_FILE} and commit"
        ) from None


def latest_release(source: str) -> str:
    """The newest release tag of a template source, as copier picks it.

    Raises:
        UsageError: the source is unreachable, not a git repository, or has no release tag.
    """
    tag = newest(remote_refs(source))
    if tag is None:
        raise UsageError(f"the template at {source} has no release tag (vX.Y.Z)")
    return tag


def short(source: str) -> str:
    """A source as people name it: no scheme, no `.git`."""
    return re.sub(r"^(git\+)?https?://", "", source).removesuffix(".git")
