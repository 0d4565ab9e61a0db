"""`mlops-new fleet update`: each repository that is behind gets an update branch.

For each member that is behind: a branch named after the release (`template/vX.Y.Z`) is made
in a git worktree of its own (so the user's checkout, branch and files are never touched),
the lossless update runs there, everything is committed with a message listing what
changed, and for a git URL the branch is pushed. A conflict is committed with its markers and
pushed too, listed in the outcome: a reviewer resolves it in the pull request, where the
template's change and the user's edit are side by side. A branch that exists already
(locally or on the remote) means the update was made: nothing is done twice.

copier changes the process's working directory while it updates, so the updates run in
worker processes (`--jobs`), never in threads.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import _git, releases
from mlops_new.errors import UsageError, one_line
from mlops_new.fleet import workspace
from mlops_new.fleet.latest import Releases
from mlops_new.fleet.members import Member
from mlops_new.fleet.parallel import Done, run_all
from mlops_new.project import read as read_recorded

#: The update branch, by default: `template/v2.0.0`.
BRANCH = "template/{version}"
#: What an outcome says was done; the first three need no one's attention.
UPDATED, WOULD_UPDATE, CURRENT, ALREADY = "updated", "would update", "current", "already"
SKIPPED, FAILED = "skipped", "failed"

#: A worker process's template releases, asked once per source in that process.
_RELEASES = Releases()


@dataclass
class Outcome:
    """What `fleet update` did to one repository, or why it did nothing."""

    name: str
    location: str
    action: str
    reason: str = ""
    branch: str = ""
    from_version: str = ""
    to_version: str = ""
    #: Files the update added, changed, removed (paths in the project).
    files: list[str] = field(default_factory=list)
    #: Files committed with conflict markers, for a reviewer to resolve on the branch.
    conflicts: list[str] = field(default_factory=list)
    pushed: bool = False

    @property
    def needs_attention(self) -> bool:
        """Whether a person must act: conflicts to resolve, a skip or a failure."""
        return bool(self.conflicts) or self.action in {SKIPPED, FAILED}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the schema of `--format json`)."""
        return asdict(self)


def update_all(
    members: Sequence[Member],
    *,
    branch: str = BRANCH,
    pretend: bool = False,
    jobs: int = 1,
    done: Done | None = None,
) -> list[Outcome]:
    """Update every member that is behind on its own branch (see the module docstring).

    Args:
        members: the fleet.
        branch: the branch name, `{version}` replaced by the release (`template/{version}`).
        pretend: say what would be done; write nothing.
        jobs: repositories updated at once, each in a worker process.
        done: called after each repository, for progress.
    """
    if "{version}" not in branch:
        raise UsageError(f"--branch {branch}: must contain {{version}}, e.g. template/{{version}}")
    items = [(member, branch, pretend) for member in members]
    return run_all(update_one, items, jobs=jobs, processes=True, done=done)


def update_one(member: Member, branch: str = BRANCH, pretend: bool = False) -> Outcome:
    """Update one member on its branch; every refusal or failure becomes the outcome."""
    outcome = Outcome(member.name, member.location, FAILED)
    try:
        with workspace.opened(member) as path, workspace.named(member, path):
            _update(member, path, branch, pretend, outcome)
    except UsageError as error:
        outcome.reason = one_line(error)
    return outcome


def _update(member: Member, path: Path, pattern: str, pretend: bool, outcome: Outcome) -> None:
    try:
        recorded = read_recorded(path)
    except UsageError as error:
        _skip(outcome, f"not a generated project: {one_line(error)}")
        return
    if not workspace.is_repository(path):
        _skip(outcome, "not a git repository with a commit")
        return
    latest = _RELEASES.latest(recorded.source)
    outcome.from_version, outcome.to_version = recorded.commit, latest
    if not releases.is_newer(latest, recorded.commit):
        outcome.action, outcome.reason = CURRENT, f"up to date ({recorded.commit})"
        return
    outcome.branch = branch = pattern.format(version=latest)
    refusal = _refusal(path, branch)
    if refusal:
        _skip(outcome, refusal, action=ALREADY if refusal.startswith("already") else SKIPPED)
        return
    if pretend:
        _pretend(path, outcome)
        return
    _on_branch(path, branch, outcome)
    if member.remote:
        pushed = _git.run("push", "--quiet", "origin", f"refs/heads/{branch}", cwd=path)
        _git.must(pushed, f"cannot push {branch}")
        outcome.pushed = True


def _skip(outcome: Outcome, reason: str, *, action: str = SKIPPED) -> None:
    outcome.action, outcome.reason = action, reason


def _refusal(path: Path, branch: str) -> str:
    """Why this repository must not be updated now ("" when it may)."""
    if workspace.has_branch(path, branch):
        return f"already on branch {branch} (merge or delete it to update again)"
    if branch in {workspace.current_branch(path), workspace.default_branch(path)}:
        return f"{branch} is the current or default branch; the update needs a branch of its own"
    dirty = workspace.dirty_files(path)
    if dirty:
        more = f" and {len(dirty) - 3} more" if len(dirty) > 3 else ""
        return f"uncommitted changes ({', '.join(dirty[:3])}{more}); commit or stash them"
    conflicts = workspace.conflicted_files(path)
    if conflicts:
        return f"unresolved conflict markers in {', '.join(conflicts[:3])}; resolve them first"
    return ""


def _pretend(path: Path, outcome: Outcome) -> None:
    from mlops_new.update import update

    result = update(path, pretend=True)
    outcome.action = WOULD_UPDATE
    outcome.files = sorted({*result.added, *result.changed, *result.removed})
    outcome.conflicts = list(result.conflicts)


def _on_branch(path: Path, branch: str, outcome: Outcome) -> None:
    """The update, in a new worktree on `branch` from HEAD, committed; the branch is deleted
    again if anything fails, so a failure leaves nothing behind."""
    from mlops_new.update import update

    top = Path(_git.run("rev-parse", "--show-toplevel", cwd=path).stdout.strip()).resolve()
    inside = path.resolve().relative_to(top)
    with tempfile.TemporaryDirectory(prefix="mlops-new-fleet-update-") as tmp:
        tree = Path(tmp, "worktree")
        made = _git.run("worktree", "add", "--quiet", "-b", branch, str(tree), "HEAD", cwd=top)
        _git.must(made, f"cannot make branch {branch}")
        try:
            result = update(tree / inside)
            outcome.files = sorted({*result.added, *result.changed, *result.removed})
            outcome.conflicts = list(result.conflicts)
            failed = _git.commit_all(tree, commit_message(outcome), _identity())
            if failed:
                raise UsageError(f"{failed[0]} failed on {branch}: {failed[1]}")
        except BaseException:
            _git.run("worktree", "remove", "--force", str(tree), cwd=top)
            _git.run("branch", "-D", branch, cwd=top)
            raise
        _git.run("worktree", "remove", "--force", str(tree), cwd=top)
    outcome.action = UPDATED


def _identity() -> list[str]:
    """`-c` settings naming mlops-new as committer where git knows no one."""
    known = _git.identity()
    config = []
    if "author_name" not in known:
        config += ["-c", "user.name=mlops-new"]
    if "author_email" not in known:
        config += ["-c", "user.email=mlops-new@localhost"]
    return config


def commit_message(outcome: Outcome) -> str:
    """The update commit's message: the releases, the files, the conflicts to resolve."""
    lines = [
        f"Update from template {outcome.from_version} to {outcome.to_version}",
        "",
        "Made by `mlops-new fleet update` (copier's update; your edits are kept).",
    ]
    if outcome.conflicts:
        lines += ["", "Conflicts to resolve before merging (inline markers):"]
        lines += [f"- {name}" for name in outcome.conflicts]
    changed = [name for name in outcome.files if name not in outcome.conflicts]
    if changed:
        lines += ["", "Files changed:", *(f"- {name}" for name in changed)]
    return "\n".join(lines) + "\n"
