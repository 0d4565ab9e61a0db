"""A staging folder next to a destination, moved into place all or nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

from mlops_new.errors import UsageError


def reason(error: OSError) -> str:
    """An OS error's own words."""
    return error.strerror or str(error)


def folder(dest: Path, stack: ExitStack) -> Path:
    """A folder to render into, on the destination's file system (the move is a rename)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".mlops-new-", dir=dest.parent))
    except OSError as error:
        raise UsageError(f"cannot write in {dest.parent}: {reason(error)}") from None
    stack.callback(shutil.rmtree, staging, ignore_errors=True)
    return staging / dest.name


def move_into_place(rendered: Path, dest: Path, *, merging: bool) -> list[str]:
    """Move `rendered` to `dest`, or with `merging` into it; the existing files kept there
    that differ from the rendered ones.

    Raises:
        UsageError: the move failed (nothing was left half-moved).
    """
    try:
        if merging:
            return _merge(rendered, dest)
        if dest.is_dir():
            dest.rmdir()  # empty: replace it
        os.replace(rendered, dest)
        return []
    except OSError as error:
        raise UsageError(f"cannot write {dest}: {reason(error)}") from None


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
