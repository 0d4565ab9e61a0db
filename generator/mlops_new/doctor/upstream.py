"""Is a project behind its template? Compare the recorded release with the source's git tags."""

from __future__ import annotations

import os

from mlops_new import _git, releases
from mlops_new.doctor.base import Outcome, failed, is_ours, not_applicable, passed
from mlops_new.doctor.repo import Repo
from mlops_new.errors import UsageError
from mlops_new.source import git_url, is_url


def template_freshness(repo: Repo) -> Outcome:
    """Compare `.copier-answers.yml` (or cruft's `.cruft.json`) with the template's releases.

    Only `git ls-remote` touches the network, bounded by `repo.timeout`; with `repo.offline`
    nothing does. An unreachable source makes the check not applicable ("unknown"), never a
    failure: the project may well be current.
    """
    answers = repo.yaml(".copier-answers.yml")
    cruft = repo.json(".cruft.json") if answers is None else None
    if answers is None and cruft is None:
        return not_applicable("not made from a template (no .copier-answers.yml or .cruft.json)")
    loaded = answers or cruft
    assert loaded is not None
    if not loaded.ok or not isinstance(loaded.data, dict):
        why = loaded.error or "is not a mapping of answers"
        return failed(
            f"{loaded.path} {why}", "restore it from git history: git log -p -- " + loaded.path
        )
    key_src, key_ref = ("_src_path", "_commit") if answers else ("template", "commit")
    src, ref = loaded.data.get(key_src), loaded.data.get(key_ref)
    if not isinstance(src, str) or not src or not isinstance(ref, str | int | float) or ref == "":
        return failed(
            f"{loaded.path} records no {key_src}/{key_ref}: updates cannot find the template",
            f"record the template's git URL as {key_src} and its release tag as {key_ref}",
        )
    ref = str(ref)
    if not is_url(src) and not os.path.isabs(os.path.expanduser(src)):
        return failed(
            f"{loaded.path} records a relative {key_src} ({src}): updates cannot find it",
            f"record the template's git URL (or an absolute path) as {key_src}",
        )
    if repo.offline:
        return not_applicable(f"skipped (--offline); made from {releases.short(src)} at {ref}")
    url = git_url(src)
    if url is None:
        return not_applicable(f"unknown: {releases.short(src)} is not a git repository")
    try:
        refs = _git.ls_remote(url, timeout=repo.timeout, shown=releases.short(src))
    except UsageError as error:
        return not_applicable(f"unknown: template source unreachable ({error})")
    update = "mlops-new update" if is_ours(repo) else ("cruft update" if cruft else "copier update")
    if cruft is not None:
        head = refs.get("HEAD")
        if head is None or head.startswith(ref) or ref.startswith(head):
            return passed(f"at the template's latest commit ({ref[:12]})")
        return failed(f"behind: made at {ref[:12]}, the template is at {head[:12]}", update)
    if releases.parse_version(ref) is None:
        return not_applicable(f"unknown: _commit {ref!r} is not a release tag to compare")
    newest = releases.newest(refs)
    if newest is None:
        return not_applicable(f"unknown: {releases.short(src)} has no release tags")
    if releases.is_newer(newest, ref):
        return failed(f"behind: made from {ref}, the template's newest release is {newest}", update)
    return passed(f"at {ref}, the template's newest release")
