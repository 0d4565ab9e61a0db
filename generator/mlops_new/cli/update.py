"""`mlops-new update`: update a project from its template, then say what changed and what next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import ProjectPath, data_option, parse_data, status, vcs_ref_option
from mlops_new.project import display
from mlops_new.update import ABORT, UpdateResult

Data = Annotated[
    list[str] | None,
    data_option(
        "Change an answer (repeatable): -d docker=yes adds Docker, -d ci=gitlab "
        "switches CI, -d data_versioning=dvc turns DVC on."
    ),
]
VcsRef = Annotated[
    str | None,
    vcs_ref_option(
        "Template tag or commit to update to (default: its latest release; "
        ":current: keeps the project's release and only changes answers)."
    ),
]
Pretend = Annotated[
    bool,
    typer.Option(
        "--pretend",
        "--dry-run",
        help="Try the update on a throw-away clone and list the files it would add, "
        "change, remove or leave in conflict; write nothing.",
    ),
]


def command(
    path: ProjectPath = Path("."),
    data: Data = None,
    vcs_ref: VcsRef = None,
    pretend: Pretend = False,
) -> None:
    """Update a project to the latest release of its template, keeping your changes.

    The project must be a clean git tree (commit or stash first). copier re-applies your
    changes on top of the new release; edits that collide with the template's are left as
    inline conflict markers and marked unmerged in git. Where plain copier would lose your
    work, it does not: a file you edited that the release removes is kept, your edits to
    a file it renames or moves are merged into the new path, and your own files in a
    folder it moves (the package) move with it. Prints the files added, changed, removed,
    kept, carried, moved and in conflict. Exit 0: updated (or already up to date); 1:
    conflicts to resolve, kept or moved files to review (what to do is printed); 2:
    nothing done (the reason on one line). Plain `copier update --defaults --conflict
    inline` does the rest without mlops-new.
    """
    from mlops_new.update import update

    with status("Updating…") as spinner:
        result = update(
            path,
            parse_data(data),
            vcs_ref=vcs_ref,
            pretend=pretend,
            progress=lambda step: spinner.update(f"{step}…"),
        )
    typer.echo(report(result, str(path)))
    if result.needs_attention and not result.pretend:
        raise typer.Exit(1)


def _files(count: int) -> str:
    return f"{count} file" + ("" if count == 1 else "s")


#: The labels of what plain copier would have lost, after an update and with --pretend.
_SAVED = ("kept", "carried", "moved")
_WOULD_SAVE = ("would keep", "would carry", "would move")


def _saved_labels(result: UpdateResult) -> tuple[str, str, str]:
    return _WOULD_SAVE if result.pretend else _SAVED


def _saved(result: UpdateResult) -> list[str]:
    """The sections on what plain copier would have lost: kept, carried and moved files."""
    keep, carry, move = _saved_labels(result)
    lines = []
    if result.kept:
        lines.append(f"Files you edited that the template no longer ships ({keep}):")
        lines += [f"  {keep:<14} {name}" for name in result.kept]
    if result.carried:
        lines.append(f"Your edits to files the template renamed or moved ({carry}):")
        lines += [f"  {carry:<14} {old} → {new}" for old, new in result.carried]
    if result.moved:
        lines.append(f"Your own files in a folder the template moved ({move} with it):")
        lines += [f"  {move:<14} {old} → {new}" for old, new in result.moved]
    return lines


def report(result: UpdateResult, shown: str) -> str:
    """What a person reads after `mlops-new update`: the files, then what to do next."""
    name = display(shown, result.path)
    if not result.touched:
        return f"{name} is up to date with its template ({result.to_version}); nothing changed."
    verb = "Would update" if result.pretend else "Updated"
    versions = f"template {result.from_version} → {result.to_version}"
    if result.from_version == result.to_version:
        versions = f"answers changed, template {result.to_version}"
    lines = [f"{verb} {name}: {versions}"]
    labels = ("added", "changed", "removed", "conflict")
    if result.pretend:
        labels = ("would add", "would change", "would remove", "would conflict")
    buckets = (result.added, result.changed, result.removed, result.conflicts)
    for label, files in zip(labels, buckets, strict=True):
        lines += [f"  {label:<14} {file}" for file in files]
    lines += _saved(result)
    counts = [len(b) for b in buckets]
    counted = [*zip(counts, labels, strict=True)]
    saved = (len(result.kept), len(result.carried), len(result.moved))
    counted += zip(saved, _saved_labels(result), strict=True)
    lines.append(", ".join(f"{n} {w}" for n, w in counted if n))
    if result.pretend:
        lines.append("Dry run: nothing was written. Run without --pretend to update.")
        return "\n".join(lines)
    cd = [] if shown in {"", "."} else [f"  cd {shown}"]
    message = f'git add -A && git commit -m "Update from template {result.to_version}"'
    if "pyproject.toml" in result.changed:
        lines.append("pyproject.toml changed: run `uv lock` (or `make setup`) before committing.")
    if result.removed:
        lines.append("Removed files stay in your last commit: `git checkout HEAD -- FILE`.")
    if result.kept:
        lines += [
            f"{_files(len(result.kept))} kept that the template no longer ships: delete each",
            "you no longer need (`git rm FILE`), or keep it as your own.",
        ]
    if result.moved:
        lines.append("Your own files moved: fix what they import from the old folder.")
    if result.conflicts:
        lines += [
            f"{_files(len(result.conflicts))} in conflict. In each, yours is between "
            "`<<<<<<< before updating` and `=======`,",
            "the template's between `=======` and `>>>>>>> after updating`.",
            "Resolve: edit each file and delete the marker lines, or take one side whole:",
            "  git checkout --ours -- FILE      # yours",
            "  git checkout --theirs -- FILE    # the template's",
            "then commit:",
            *cd,
            f"  {message}",
            "Or abort the whole update (the files it added are deleted):",
            *cd,
            f"  {ABORT}",
        ]
    else:
        lines += ["Review with `git diff`, then commit:", *cd, f"  {message}"]
    return "\n".join(lines)
