"""Update a generated project from its template with copier, and say what changed."""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import _git, lossless, releases
from mlops_new._steps import Progress, quiet
from mlops_new.errors import AnswerError, UnknownQuestion, UsageError
from mlops_new.project import ANSWERS_FILE, Recorded, display
from mlops_new.project import read as read_recorded

#: The labels copier gives the two sides of an inline conflict.
_MARKERS = (b"<<<<<<< before updating", b">>>>>>> after updating")
_UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
#: Undoes an update from inside the project: the index (unmerged entries too) and tracked
#: files back to HEAD, new files deleted.
ABORT = "git reset -q -- . && git restore --source=HEAD --worktree -- . && git clean -fd -- ."


@dataclass
class UpdateResult:
    """What `update` did (or, with `pretend`, would do). Paths are relative to the project."""

    path: Path
    from_version: str
    to_version: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Files left with inline conflict markers (and marked unmerged in git).
    conflicts: list[str] = field(default_factory=list)
    #: Files the user edited that the new release no longer ships: kept as committed (plain
    #: copier deletes them).
    kept: list[str] = field(default_factory=list)
    #: (old, new): files the user edited that the release renamed or moved; the edits were
    #: merged into the new path (in `conflicts` too where they collided) and the old path
    #: removed (plain copier drops the edits).
    carried: list[tuple[str, str]] = field(default_factory=list)
    #: (old, new): the user's own files in a folder the update moved (the package, after
    #: `-d package_name=...`), moved with it (plain copier leaves them behind).
    moved: list[tuple[str, str]] = field(default_factory=list)
    pretend: bool = False

    @property
    def touched(self) -> bool:
        """Whether any file was (or would be) added, changed, removed, kept, carried or left
        in conflict."""
        buckets = (self.added, self.changed, self.removed, self.conflicts, self.kept)
        return any(buckets) or bool(self.carried or self.moved)

    @property
    def needs_attention(self) -> bool:
        """Whether the user must act before committing: conflicts to resolve, kept files the
        template no longer ships to delete or keep, or own files moved (their imports)."""
        return bool(self.conflicts or self.kept or self.moved)


def update(
    path: Path | str = ".",
    data: Mapping[str, Any] | None = None,
    *,
    vcs_ref: str | None = None,
    pretend: bool = False,
    progress: Progress | None = None,
) -> UpdateResult:
    """Update a project to a newer release of its template, keeping the user's changes.

    copier renders the release the project was made from, diffs it against the project,
    renders the new release and re-applies the diff; edits that collide are left as inline
    conflict markers. Nothing is touched unless the project is a clean git tree, and a failed
    update is undone.

    Args:
        path: the generated project (a git repository or a folder inside one).
        data: answers to change, e.g. `{"docker": "yes"}`, validated like at creation.
        vcs_ref: the template tag or commit to update to (default: its newest release;
            `:current:` keeps the current release, to change answers only).
        pretend: work on a throw-away clone and report what would change.
        progress: called with a description of each slow step.

    Raises:
        UsageError: the project or its source is unusable, an answer is invalid, or copier
            refuses the update (a downgrade, an unknown ref); the project is left unchanged.
    """
    say = progress or quiet
    recorded = read_recorded(path)
    shown = display(path, recorded.path)
    top = _repository(recorded.path, shown)
    _refuse_dirty(recorded.path, shown)
    say("Asking the template for its releases")
    latest = releases.latest_release(recorded.source)
    target = recorded.commit if vcs_ref == ":current:" else vcs_ref or latest
    now, then = releases.parse_version(recorded.commit), releases.parse_version(target)
    if releases.is_newer(recorded.commit, target):
        raise UsageError(
            f"{shown} is at template {recorded.commit}; {target} is older and copier cannot "
            "downgrade a project (pass a newer --vcs-ref, or none for the latest release)"
        )
    data = dict(data or {})
    if not data and (target == recorded.commit or (now is not None and then == now)):
        return UpdateResult(recorded.path, recorded.commit, recorded.commit, pretend=pretend)
    if not pretend:
        try:
            return _apply(recorded.path, top, recorded, data, target, say)
        except BaseException:
            _restore(recorded.path)
            raise
    return _pretend(recorded, top, data, target, say)


def _apply(
    project: Path, top: Path, recorded: Recorded, data: dict, target: str, say: Progress
) -> UpdateResult:
    """copier's update, then what it would have lost of the user's edits brought back."""
    _run(project, recorded, data, target, say)
    before = (recorded.commit, recorded.answers)
    saved = lossless.save(project, top, recorded.source, before, say)
    return _result(project, top, recorded.commit, saved)


def _pretend(recorded: Recorded, top: Path, data: dict, target: str, say: Progress) -> UpdateResult:
    """The update, run on a throw-away clone of the project's last commit."""
    with tempfile.TemporaryDirectory(prefix="mlops-new-pretend-") as tmp:
        say("Cloning the project to try the update")
        clone = Path(tmp, "project")
        head = _git.run("rev-parse", "HEAD", cwd=top).stdout.strip()
        _git.must(
            _git.run("clone", "--quiet", "--no-checkout", str(top), str(clone)),
            "cannot clone the project to try the update",
        )
        _git.must(
            _git.run("checkout", "--quiet", "--detach", head, cwd=clone), "cannot check out HEAD"
        )
        where = clone / recorded.path.resolve().relative_to(top)
        result = _apply(where, clone.resolve(), recorded, data, target, say)
    result.path, result.pretend = recorded.path, True
    return result


def _repository(project: Path, shown: str) -> Path:
    """The top of the git repository holding the project, which must have a commit."""
    top = _git.run("rev-parse", "--show-toplevel", cwd=project)
    if top.returncode != 0:
        raise UsageError(
            f"{shown} is not a git repository, and copier merges updates with git; run "
            "`git init && git add -A && git commit -m 'Initial commit'` in it first"
        )
    if _git.run("rev-parse", "--verify", "--quiet", "HEAD", cwd=project).returncode != 0:
        raise UsageError(f"{shown} has no commit yet; commit it first (git add -A && git commit)")
    return Path(top.stdout.strip()).resolve()


def _refuse_dirty(project: Path, shown: str) -> None:
    """Refuse uncommitted changes, untracked files included, exactly as copier does."""
    status = _git.run("status", "--porcelain", "--untracked-files=all", "--", ".", cwd=project)
    lines = status.stdout.splitlines()
    if status.returncode != 0 or not lines:
        return
    files = [ln[3:] for ln in lines]
    listed = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    raise UsageError(
        f"{shown} has uncommitted changes ({listed}); an update must start from a clean tree "
        "so that it can be reviewed and undone: commit them, or `git stash --include-untracked`"
    )


def _run(project: Path, recorded: Recorded, data: dict, target: str, say: Progress) -> None:
    """Run copier's update in `project`; every copier failure becomes a UsageError."""
    from mlops_new._copier import user_errors, worker_class

    with warnings.catch_warnings(), user_errors(f"cannot update {recorded.path.name}"):
        warnings.simplefilter("ignore")  # copier's warnings would break the one-line error
        with worker_class()(
            dst_path=project,
            data=data,
            vcs_ref=target,
            defaults=True,
            overwrite=True,
            unsafe=False,
            conflict="inline",
            quiet=True,
        ) as worker:
            say(f"Reading the template at {target}")
            cleaned = _validate(Path(worker.template.local_abspath), target, recorded, data)
            worker.data.update(cleaned)  # as the template reads them (" X " is "X")
            say(f"Updating from {recorded.commit} to {target}")
            worker.run_update()


def _validate(
    template: Path, target: str, recorded: Recorded, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Check new and recorded answers against the new release's questions; return the new
    answers as the template reads them (cast, free text stripped), as at creation.

    copier silently replaces a recorded answer that the new release no longer accepts with
    the default (dropping, say, the user's CI provider); refusing is the safer answer.
    """
    from mlops_new.questions import load

    found = [template / n for n in ("copier.yml", "copier.yaml") if (template / n).is_file()]
    if not found:
        return {}  # not a template: copier says so
    questionnaire = load(found[0])
    try:
        resolved = questionnaire.resolve(
            data, recorded.path, defaults=recorded.answers, new_project=False
        )
    except AnswerError as error:
        if isinstance(error, UnknownQuestion) or error.question in data:
            raise
        raise UsageError(
            f"the template at {target} refuses an answer recorded in {ANSWERS_FILE}: {error}"
        ) from None
    return {name: resolved[name] for name in data if name in resolved}


def _restore(project: Path) -> None:
    """Put the project back as it was committed (the tree was clean before the update)."""
    with contextlib.suppress(UsageError):
        _git.run("reset", "--quiet", "--", ".", cwd=project)  # unmerged entries too
        _git.run("restore", "--source=HEAD", "--worktree", "--", ".", cwd=project)
        _git.run("clean", "-fdq", "--", ".", cwd=project)


def _result(project: Path, top: Path, before: str, saved: lossless.Saved) -> UpdateResult:
    """Classify what the update did from `git status`, and find conflict markers; files
    carried to a new path are listed as carried, not as added and removed."""
    import yaml

    answers = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    result = UpdateResult(project, before, str(answers.get("_commit", before)))
    result.kept, result.carried, result.moved = saved.kept, saved.carried, saved.moved
    moved = {name for pair in saved.carried + saved.moved for name in pair}
    status = _git.run(
        "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", ".", cwd=project
    )
    _git.must(status, "cannot read git status after the update")
    entries = iter(status.stdout.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, name = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            next(entries, None)  # the rename's source path
        name = (top / name).relative_to(project.resolve()).as_posix()
        if name in moved and name not in saved.conflicts:
            continue
        if code in _UNMERGED or name.endswith(".rej"):
            result.conflicts.append(name)
        elif code == "??" or "A" in code:
            result.added.append(name)
        elif "D" in code:
            result.removed.append(name)
        else:
            result.changed.append(name)
    for bucket in (result.added, result.changed):
        for name in list(bucket):
            if _has_markers(project / name):
                bucket.remove(name)
                result.conflicts.append(name)
    for bucket in (result.added, result.changed, result.removed, result.conflicts):
        bucket.sort()
    return result


def _has_markers(path: Path) -> bool:
    try:
        with path.open("rb") as lines:
            return any(line.rstrip() in _MARKERS for line in lines)
    except OSError:
        return False
