"""Is a project behind its template? Compare the recorded release with the source's git tags."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess

from mlops_new.doctor.base import Outcome, failed, is_ours, not_applicable, passed
from mlops_new.doctor.repo import Repo


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
    if _is_relative(src):
        return failed(
            f"{loaded.path} records a relative {key_src} ({src}): updates cannot find it",
            f"record the template's git URL (or an absolute path) as {key_src}",
        )
    if repo.offline:
        return not_applicable(f"skipped (--offline); made from {_short(src)} at {ref}")
    refs = _ls_remote(src, repo.timeout)
    if isinstance(refs, str):
        return not_applicable(f"unknown: template source unreachable ({refs})")
    update = "mlops-new update" if is_ours(repo) else ("cruft update" if cruft else "copier update")
    if cruft is not None:
        head = refs.get("HEAD")
        if head is None or head.startswith(ref) or ref.startswith(head):
            return passed(f"at the template's latest commit ({ref[:12]})")
        return failed(f"behind: made at {ref[:12]}, the template is at {head[:12]}", update)
    return _compare_tags(ref, refs, src, update)


def _compare_tags(ref: str, refs: dict[str, str], src: str, update: str) -> Outcome:
    # The same reading of tags as `mlops-new check` (PEP 440, no pre-releases, as copier).
    from mlops_new.check import parse_version

    releases = {}
    for name in refs:
        version = parse_version(name.removeprefix("refs/tags/"))
        if name.startswith("refs/tags/") and version is not None and not version.is_prerelease:
            releases[name.removeprefix("refs/tags/")] = version
    current = parse_version(ref)
    if current is None:
        return not_applicable(f"unknown: _commit {ref!r} is not a release tag to compare")
    if not releases:
        return not_applicable(f"unknown: {_short(src)} has no release tags")
    newest = max(releases, key=releases.__getitem__)
    if releases[newest] > current:
        return failed(f"behind: made from {ref}, the template's newest release is {newest}", update)
    return passed(f"at {ref}, the template's newest release")


def _is_relative(src: str) -> bool:
    remote = "://" in src or src.startswith(("git@", "gh:", "gl:", "git+")) or ":" in src[:12]
    return not remote and not os.path.isabs(os.path.expanduser(src))


def _short(src: str) -> str:
    return re.sub(r"^(git\+)?https?://", "", src).removesuffix(".git")


def _ls_remote(src: str, timeout: float) -> dict[str, str] | str:
    """The source's refs (name -> sha), or why they could not be listed."""
    if src.startswith("-"):
        return "not a repository URL"
    url = re.sub(r"^gh:", "https://github.com/", re.sub(r"^gl:", "https://gitlab.com/", src))
    url = url.removeprefix("git+")
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_SSH_COMMAND": f"ssh -o BatchMode=yes -o ConnectTimeout={max(1, int(timeout))}",
    }
    allow = ["-c", "protocol.ext.allow=never", "-c", "protocol.file.allow=always"]
    command = ["git", *allow, "ls-remote", url]
    try:
        # A session of its own: on timeout the whole group goes, including git's remote helper
        # (which would otherwise keep the pipes open and make the wait hang).
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        return f"git cannot run: {error.strerror or error}"
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"no answer from {_short(src)} within {timeout:g} s"
    out = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    if out.returncode != 0:
        from mlops_new.check import git_reason

        return git_reason(out)
    refs = {}
    for line in out.stdout.splitlines():
        sha, _, name = line.partition("\t")
        if name and not name.endswith("^{}"):
            refs[name] = sha
    return refs
