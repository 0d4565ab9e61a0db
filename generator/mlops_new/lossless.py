"""Where copier's update loses a user's edits, get them back: files the template removed or
renamed, found by comparing renders of the two releases with git's own rename detection."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlops_new import _git
from mlops_new._steps import Progress
from mlops_new.errors import UsageError
from mlops_new.project import ANSWERS_FILE

#: The labels of the three sides of a merge, as copier gives them to its own conflicts.
LABELS = ("before updating", "last update", "after updating")


@dataclass
class Saved:
    """What was saved from copier's update. Paths are relative to the project."""

    #: Files the user edited that the new release no longer ships, restored as committed.
    kept: list[str] = field(default_factory=list)
    #: (old, new): files the user edited that the release renamed or moved, their edits
    #: merged into the new path and the old path removed.
    carried: list[tuple[str, str]] = field(default_factory=list)
    #: New paths among `carried` whose merge left conflict markers (marked unmerged in git).
    conflicts: list[str] = field(default_factory=list)
    #: (old, new): the user's own files (no template's) in a folder the release moved, such
    #: as the package after `-d package_name=new`: moved with it.
    moved: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Moves:
    """How the template's files changed between two renders."""

    removed: list[str]
    #: old path -> new path, as git's rename detection pairs them.
    renamed: dict[str, str]


def render(source: str, ref: str, answers: Mapping[str, Any], dest: Path) -> Path:
    """Render release `ref` of the template at `source` with `answers` into `dest`, as
    `copier copy` would (every other question takes its default)."""
    from mlops_new._copier import render as copier_render

    copier_render(source, dest, answers, ref, doing=f"cannot render the template at {ref}")
    return dest


def moves(old: Path, new: Path, scratch: Path) -> Moves:
    """The files removed and renamed between two renders, from `git diff -M` of their trees
    in the scratch repository `scratch` (a folder that need not exist yet)."""
    _git.must(
        _git.run("init", "--quiet", "--bare", str(scratch)), "cannot make a scratch repository"
    )
    trees = []
    for tree in (old, new):
        git = ("--git-dir", str(scratch), "--work-tree", str(tree))
        _git.must(_git.run(*git, "read-tree", "--empty"), "cannot read a render")
        _git.must(_git.run(*git, "add", "--all", "--force", cwd=tree), "cannot read a render")
        written = _git.run(*git, "write-tree")
        _git.must(written, "cannot read a render")
        trees.append(written.stdout.strip())
    diff = _git.run(
        "--git-dir", str(scratch), "diff-tree", "-r", "-M", "--name-status", "-z", *trees
    )
    _git.must(diff, "cannot compare the renders")
    fields = iter(diff.stdout.split("\0"))
    removed, renamed = [], {}
    for status in fields:
        if status.startswith("R"):
            source, target = next(fields), next(fields)
            renamed[source] = target
        elif status:
            name = next(fields)
            if status == "D" and name != ANSWERS_FILE:
                removed.append(name)
    return Moves(sorted(removed), renamed)


def folders(found: Moves, new: Path) -> dict[str, str]:
    """Folders the template moved: every file renamed out of one went to one other folder,
    and the new render has nothing left in it."""
    targets: dict[str, set[str]] = {}
    for name, target in found.renamed.items():
        old, now = PurePosixPath(name).parent, PurePosixPath(target).parent
        if old != now and old.parts and now.parts:
            targets.setdefault(old.as_posix(), set()).add(now.as_posix())
    return {
        folder: next(iter(to))
        for folder, to in targets.items()
        if len(to) == 1 and not (new / folder).exists()
    }


def save(
    project: Path, top: Path, source: str, before: tuple[str, Mapping[str, Any]], say: Progress
) -> Saved:
    """After copier's update of `project`, bring back what it lost of the user's edits.

    Args:
        project: the project, updated by copier but not committed (HEAD is the user's work).
        top: the top of its git repository.
        source: the template's source.
        before: the release and answers the project recorded before the update.
        say: called with a description of each slow step.
    """
    import yaml

    after = yaml.safe_load((project / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    answers = {k: v for k, v in after.items() if not str(k).startswith("_")}
    with tempfile.TemporaryDirectory(prefix="mlops-new-renders-") as tmp:
        say(f"Rendering the template at {before[0]} to see what you changed")
        old = render(source, before[0], before[1], Path(tmp, "old"))
        say(f"Rendering the template at {after.get('_commit', before[0])} to compare")
        new = render(source, str(after.get("_commit", before[0])), answers, Path(tmp, "new"))
        found = moves(old, new, Path(tmp, "scratch.git"))
        head = _Head(project, top)
        saved = Saved()
        for name in found.removed:
            if head.edited(name, old / name):
                head.restore(name)
                saved.kept.append(name)
        for name, target in sorted(found.renamed.items()):
            if head.edited(name, old / name) and not head.has(target):
                if head.carry(name, target, old / name, new / target):
                    saved.conflicts.append(target)
                saved.carried.append((name, target))
        for folder, target in sorted(folders(found, new).items()):
            saved.moved += head.move_own(folder, target, old)
    return saved


class _Head:
    """The user's committed project (HEAD), and the changes made to its work tree."""

    def __init__(self, project: Path, top: Path) -> None:
        self.project, self.top = project, top
        self.prefix = project.resolve().relative_to(top).as_posix()

    def _path(self, name: str) -> str:
        """`name` relative to the top of the repository."""
        return name if self.prefix == "." else f"{self.prefix}/{name}"

    def _git(self, *args: str) -> str:
        proc = _git.run(*args, cwd=self.top)
        _git.must(proc, f"git {args[0]} failed while keeping your edits")
        return proc.stdout.strip()

    def blob(self, name: str) -> str | None:
        """The hash of `name` at HEAD, or None where HEAD has no such file."""
        proc = _git.run(
            "rev-parse", "--verify", "--quiet", f"HEAD:{self._path(name)}", cwd=self.top
        )
        return proc.stdout.strip() if proc.returncode == 0 else None

    def has(self, name: str) -> bool:
        return self.blob(name) is not None

    def edited(self, name: str, rendered: Path) -> bool:
        """Whether HEAD holds `name` with content other than the render's."""
        committed = self.blob(name)
        if committed is None or not rendered.is_file():
            return False
        return committed != self._git("hash-object", "--", str(rendered))

    def move_own(self, folder: str, target: str, rendered: Path) -> list[tuple[str, str]]:
        """Move the committed files under `folder` that the render `rendered` does not have
        (the user's own) to the same place under `target`, in the work tree."""
        listed = self._git(
            "ls-tree", "-r", "--name-only", "--full-tree", "HEAD", "--", self._path(folder)
        )
        cut = 0 if self.prefix == "." else len(self.prefix) + 1
        done = []
        for name in (line[cut:] for line in listed.splitlines()):
            dest = target + name[len(folder) :]
            here, there = self.project / name, self.project / dest
            if (rendered / name).exists() or not here.exists() or there.exists():
                continue
            there.parent.mkdir(parents=True, exist_ok=True)
            here.rename(there)
            done.append((name, dest))
        return done

    def restore(self, name: str) -> None:
        """`name` back in the work tree and the index as committed."""
        self._git("checkout", "HEAD", "--", self._path(name))

    def carry(self, name: str, target: str, base: Path, theirs: Path) -> bool:
        """Merge the user's edits to `name` into the template's `target`; remove `name`.
        Return whether conflicts were left (then `target` is marked unmerged, as copier
        marks its own conflicts)."""
        ours = self.blob(name)
        assert ours is not None
        mode = self._git("ls-tree", "HEAD", "--", self._path(name)).split()[0]
        mine = _bytes(self.top, "cat-file", "blob", ours).stdout
        with tempfile.TemporaryDirectory(prefix="mlops-new-merge-") as tmp:
            Path(tmp, "ours").write_bytes(mine)
            labels = [arg for label in LABELS for arg in ("-L", label)]
            merged = _bytes(self.top, "merge-file", "-p", *labels, Path(tmp, "ours"), base, theirs)
        path = self.project / target
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file git cannot merge (a binary one) stays the user's, in conflict with theirs.
        clean = merged.returncode == 0
        path.write_bytes(merged.stdout if 0 <= merged.returncode <= 127 else mine)
        (self.project / name).unlink(missing_ok=True)
        if clean:
            return False
        where = self._path(target)
        stages = [f"0 {'0' * 40}\t{where}", f"{mode} {ours} 2\t{where}"]
        for stage, side in ((1, base), (3, theirs)):
            sha = self._git("hash-object", "-w", "--", str(side))
            stages.append(f"{mode} {sha} {stage}\t{where}")
        index = _bytes(self.top, "update-index", "--index-info", stdin="\n".join(stages) + "\n")
        if index.returncode != 0:
            raise UsageError(f"cannot mark {target} as in conflict: git update-index failed")
        return True


def _bytes(cwd: Path, *args: str | Path, stdin: str = ""):
    """git with bytes in and out (a merge must not touch line endings or encodings)."""
    import subprocess

    return subprocess.run(
        ["git", *map(str, args)], cwd=cwd, input=stdin.encode(), capture_output=True, check=False
    )
