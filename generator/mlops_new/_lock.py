"""`uv lock` for a new project: from uv's cache, else the index; a missing Python named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlops_new._steps import Skipped


def lock(project: Path, python_version: str | None, offered: Sequence[str] = ()) -> Skipped | None:
    """Run `uv lock`: from uv's cache first, then from the package index.

    `uv lock` needs an interpreter that satisfies requires-python (measured: one outside it is
    refused, and with none installed uv downloads one where its settings allow). When none is
    installed, this says so in one line instead of uv's last error, and never waits on a
    network that is not there: with downloads off it does not go online at all; with them on
    it tries once, without uv's retries (about 12 s of back-off where there is no network).

    Args:
        project: the rendered project.
        python_version: the project's answer, for the message naming a missing interpreter.
        offered: the template's python_version choices, for the one to suggest instead.

    Returns:
        None when uv.lock was written; else what was skipped and why.
    """
    uv = find_uv()
    if not uv:
        return Skipped("uv lock", "uv is not installed; `make setup` will create uv.lock")
    # From uv's cache first: a fraction of a second when it holds every pinned release.
    run = _uv_lock(uv, project, offline=True)
    if run.returncode == 0:
        return None
    python = _missing_python(uv, project, python_version, offered)
    if python is not None and not python.downloadable:
        return Skipped(
            "uv lock", f"{python.name} is not installed and downloads are off: {python.advice}"
        )
    retries = None if python is None else os.environ.get("UV_HTTP_RETRIES", "0")
    run = _uv_lock(uv, project, offline=False, retries=retries)
    if run.returncode == 0:
        return None
    reason = _last_line(run.stderr)
    if python is None:
        why = f"failed ({reason}); `make setup` will create uv.lock"
        return Skipped("uv lock", why, f"uv lock {why}")
    reason = reason.split(" for url (")[0]  # the download's long URL says nothing new
    return Skipped(
        "uv lock",
        f"{python.name} is not installed and could not be downloaded ({reason}): {python.advice}",
    )


def find_uv() -> str | None:
    """mlops-new's own uv (a dependency, so present even outside an activated venv)."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _uv_lock(
    uv: str, project: Path, *, offline: bool, retries: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = None if retries is None else {**os.environ, "UV_HTTP_RETRIES": retries}
    return subprocess.run(
        [uv, "lock", "--quiet", *(["--offline"] if offline else [])],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )


def _last_line(stderr: str) -> str:
    reason = (stderr.strip().splitlines() or ["unknown error"])[-1].strip()
    return reason.removeprefix("cause:").strip()


@dataclass(frozen=True)
class _MissingPython:
    name: str  # "Python 3.12"
    downloadable: bool  # uv's settings let `uv lock` download it
    advice: str  # what to do instead, for the one-line message


def _missing_python(
    uv: str, project: Path, wanted: str | None, offered: Sequence[str]
) -> _MissingPython | None:
    """The project's Python, if no installed interpreter satisfies its requires-python.

    Asks uv itself: `uv python list`, run in the project so that uv discovers interpreters
    and reads its settings (UV_PYTHON_DOWNLOADS, uv.toml) as `uv lock` does. uv lists the
    downloads it may use only where `python-downloads` is `automatic` (measured: none with
    `never` or `manual`). None when an installed interpreter fits (the lock failed for another
    reason) or uv cannot tell.
    """
    import tomllib

    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
        spec = SpecifierSet(pyproject["project"]["requires-python"])
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError, InvalidSpecifier):
        return None
    listed = subprocess.run(
        [uv, "python", "list", "--output-format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    if listed.returncode != 0:
        return None
    try:
        pythons = [(Version(p["version"]), p.get("path")) for p in json.loads(listed.stdout)]
    except (ValueError, TypeError, KeyError, InvalidVersion):
        return None
    fitting = [path for version, path in pythons if spec.contains(version, prereleases=True)]
    if any(path is not None for path in fitting):
        return None  # an installed interpreter fits: the lock failed for another reason
    # uv lists a download (path None) only where its settings allow downloads; offline mode
    # (UV_OFFLINE) forbids them too.
    offline = os.environ.get("UV_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    downloadable = bool(fitting) and not offline
    name = f"Python {wanted}" if wanted else f"Python {spec}"
    installed = {f"{v.major}.{v.minor}" for v, path in pythons if path is not None}
    instead = [str(c) for c in offered if str(c) in installed]
    advice = "install it"
    if instead:
        advice += f", or choose --data python_version={max(instead, key=Version)}"
    return _MissingPython(name, downloadable, advice)
