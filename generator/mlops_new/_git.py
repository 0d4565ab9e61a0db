"""Running git: the one place that starts it, so every caller gets the same safe settings.

git never waits for a password or a host-key answer here (a CI job must fail, not hang), and
a remote that does not answer is given up after a bounded time, helpers and all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from mlops_new.errors import UsageError

#: Never prompt; ssh fails instead of asking (BatchMode).
_NO_PROMPTS = {"GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"}


def _environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **_NO_PROMPTS, **(extra or {})}


def run(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run git without prompts, capturing text output.

    Raises:
        UsageError: git is not installed, or did not finish within `timeout` seconds.
    """
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=timeout,
            env=_environment(env),
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; install it and retry") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} did not answer within {timeout:.0f} s") from None


def attempt(*args: str, cwd: Path | None = None, timeout: float = 60, **env: str):
    """`run`, for a caller that treats "git is missing or stuck" like any failure: None."""
    try:
        return run(*args, cwd=cwd, timeout=timeout, env=env)
    except UsageError:
        return None


def must(proc: subprocess.CompletedProcess, message: str) -> None:
    """Raise `UsageError("{message}: {git's reason}")` if `proc` failed."""
    if proc.returncode != 0:
        raise UsageError(f"{message}: {reason(proc)}")


def reason(proc: subprocess.CompletedProcess) -> str:
    """git's own explanation of a failure, on one line."""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    last = (fatal or lines or ["unknown error"])[-1]
    return last.removeprefix("fatal:").removeprefix("error:").strip()


def ls_remote(url: str, *, timeout: float, shown: str | None = None) -> dict[str, str]:
    """The refs of a remote repository (name -> sha, peeled tags left out).

    The remote gets `timeout` seconds; then git and its remote helper (a session of their own)
    are killed, since the helper would otherwise keep the pipes open and the wait would hang.

    Raises:
        UsageError: git cannot run, the remote refuses, or it does not answer in time.
    """
    if url.startswith("-"):
        raise UsageError("not a repository URL")
    ssh = f"ssh -o BatchMode=yes -o ConnectTimeout={max(1, int(timeout))}"
    allow = ["-c", "protocol.ext.allow=never", "-c", "protocol.file.allow=always"]
    command = ["git", *allow, "ls-remote", "--", url]
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            # A recorded source is data, not the user's command: only the protocols allowed
            # above (no `ext::`, which would run a program of the source's choosing).
            env=_environment({"GIT_SSH_COMMAND": ssh, "GIT_PROTOCOL_FROM_USER": "0"}),
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        raise UsageError(f"git cannot run: {error.strerror or error}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise UsageError(f"no answer from {shown or url} within {timeout:g} s") from None
    done = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
    if done.returncode != 0:
        raise UsageError(reason(done))
    refs = {}
    for line in stdout.splitlines():
        sha, _, name = line.partition("\t")
        if name and not name.endswith("^{}"):
            refs[name] = sha
    return refs


def identity() -> dict[str, str]:
    """The user's `git config` name and email, as the answers author_name and author_email."""
    found = {}
    for key, answer in (("user.name", "author_name"), ("user.email", "author_email")):
        out = attempt("config", "--get", key)
        if out is None:
            return {}
        if out.returncode == 0 and out.stdout.strip():
            found[answer] = out.stdout.strip()
    return found


def init(project: Path) -> tuple[str, str] | None:
    """`git init` in `project`; None, or the step that failed and why."""
    return _steps(project, [("init", ["init", "--quiet", "--initial-branch=main"])])


def commit_all(
    project: Path, message: str, config: Sequence[str] = (), *, force: Sequence[str] = ()
) -> tuple[str, str] | None:
    """Commit everything in `project`; None, or the step that failed and why.

    Args:
        config: `-c key=value` arguments for the commit (an identity where git has none).
        force: paths to commit even where a .gitignore matches them.
    """
    steps = [("add", ["add", "--all"])]
    if force:
        steps.append(("add", ["add", "--force", "--", *force]))
    steps.append(("commit", [*config, "commit", "--quiet", "--no-verify", "-m", message]))
    return _steps(project, steps)


def first_commit(project: Path, message: str, config: Sequence[str] = ()) -> tuple[str, str] | None:
    """`git init` and commit everything in `project` (see `init` and `commit_all`)."""
    return init(project) or commit_all(project, message, config)


def _steps(project: Path, steps: Sequence[tuple[str, list[str]]]) -> tuple[str, str] | None:
    for name, args in steps:
        done = attempt(*args, cwd=project, timeout=600)
        if done is None:
            return f"git {name}", "git did not run"
        if done.returncode != 0:
            return f"git {name}", (done.stderr.strip().splitlines() or ["unknown error"])[-1]
    return None
