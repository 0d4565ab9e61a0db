"""The user's own data set: read and inferred before anything is written, then copied into the
new project with its schema (`data/schema.yaml`), and tracked by DVC before the first commit.

In answers given to mlops-new (`--dataset`, `--data`, `--data-file`, a preset), `dataset` is
the SOURCE file, relative to the current folder; in the answers recorded for copier it is the
project's copy, `data/raw/NAME.csv|parquet`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new import schema, table
from mlops_new._lock import find_uv
from mlops_new._steps import Progress, Skipped, quiet
from mlops_new.errors import UsageError

#: The answers that name the user's data (the source file, the column to predict).
SOURCE_KEYS = ("dataset", "target")
#: Where the project's schema lives: the user's file, never rendered by the template.
SCHEMA = "data/schema.yaml"
#: A file name the template accepts in data/raw/ (copier.yml's `dataset` validator).
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*\.(csv|parquet)"
_SAFE = re.compile(rf"^{_NAME}$")
_PROJECT_PATH = re.compile(rf"^data/raw/{_NAME}$")


@dataclass(frozen=True)
class Dataset:
    """A user's table, read and inferred: where it is, where the project keeps it, its schema."""

    source: Path
    #: The project's copy, relative to the project: `data/raw/NAME`.
    path: str
    schema: schema.Schema

    @property
    def answers(self) -> dict[str, str]:
        """The template's answers for this data set."""
        return {"dataset": self.path, "target": self.schema.target, "task": self.schema.task}


def split(answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`answers` without the keys that name a source data set, and those keys (empty values
    mean "none given")."""
    rest = {k: v for k, v in answers.items() if k not in SOURCE_KEYS}
    given = {k: v for k, v in answers.items() if k in SOURCE_KEYS and v not in (None, "")}
    return rest, given


def from_answers(
    data: Mapping[str, Any], *, preset: str | None = None, progress: Progress = quiet
) -> tuple[dict[str, Any], Dataset | None]:
    """`data` without its source keys, and the data set that they or the preset name (`data`
    wins), read and inferred; None where neither names one.

    Raises:
        UsageError: a dataset without a target (or the reverse), or a table `load` refuses.
    """
    rest, given = split(data)
    task = data.get("task")
    if preset is not None:
        from mlops_new import presets

        chosen = presets.load(preset).answers
        given = split(chosen)[1] | given
        task = chosen.get("task") if task is None else task
    if not given:
        return rest, None
    found = load(given.get("dataset"), given.get("target"), task=task, progress=progress)
    return rest, found


def load(source: Any, target: Any, *, task: Any = None, progress: Progress = quiet) -> Dataset:
    """Read `source` (CSV or Parquet) and infer its schema, predicting `target`.

    Raises:
        UsageError: one of `source` and `target` missing, the file unusable, the target or
            the task unfit (see `table.read`, `schema.infer`).
    """
    if source in (None, ""):
        raise UsageError("--target needs --dataset FILE: the data file (CSV or Parquet) to use")
    if target in (None, ""):
        raise UsageError(f"--dataset {source} needs --target COLUMN: the column to predict")
    path = Path(str(source)).expanduser()
    if _PROJECT_PATH.match(str(source)) and not path.is_file():
        raise UsageError(
            f"dataset {source}: no such file here; dataset names your data file relative to "
            "the current folder (mlops-new copies it into the project's data/raw/)"
        )
    progress("Reading the data set")
    read = table.read(path)
    name = f"data/raw/{safe_name(path, read.format)}"
    given = None if task in (None, "") else str(task)
    inferred = schema.infer(read, str(target), task=given, dataset=name)
    return Dataset(path, name, inferred)


def safe_name(source: Path, format: str) -> str:
    """The project's name for `source`: its own where the template accepts it, else a
    lowercase slug of it ending .csv or .parquet (`My Data.CSV` -> `my-data.csv`)."""
    if _SAFE.match(source.name):
        return source.name
    stem = source.name[: -len(source.suffix)] if source.suffix else source.name
    ascii_only = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_only).strip("-._").lower() or "data"
    return f"{slug}.{'parquet' if format == 'parquet' else 'csv'}"


def add(project: Path, found: Dataset, *, progress: Progress = quiet) -> None:
    """Copy the data set into `project` (streamed) and write its schema next to it.

    Raises:
        UsageError: the copy or the schema could not be written.
    """
    from mlops_new import __version__

    progress("Copying the data set")
    copy = project / found.path
    text = schema.to_yaml(found.schema, version=__version__, source=Path(found.source.name))
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found.source, copy)
        (project / SCHEMA).write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot copy {found.source}: {error.strerror or error}") from None


def track(project: Path, found: Dataset, *, progress: Progress = quiet) -> list[str] | Skipped:
    """`dvc add` the project's copy, with the DVC release the project pins (run by `uv tool
    run`: from uv's cache first, then the package index), in a git repository.

    Returns:
        The files to commit (the .dvc file, data/raw/.gitignore), or what was skipped and why.
    """
    uv = find_uv()
    if uv is None:
        return later(found, "uv is not installed")
    progress("Tracking the data with DVC")
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "UV_HTTP_RETRIES": "0"}
    command = ["tool", "run", "--from", _dvc_requirement(project), "dvc", "add", found.path]
    for offline in (["--offline"], []):
        run = subprocess.run(
            [uv, *offline, *command],
            cwd=project,
            capture_output=True,
            text=True,
            errors="replace",
            stdin=subprocess.DEVNULL,
            env=env,
        )
        if run.returncode == 0 or "ERROR:" in run.stderr:  # DVC ran: no point in retrying
            break
    if run.returncode != 0:
        lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("ERROR:", "error:"))]
        reason = (errors or lines or ["unknown error"])[-1]
        return later(
            found, reason.removeprefix("ERROR:").removeprefix("error:").strip().rstrip(".")
        )
    added = [f"{found.path}.dvc", f"{Path(found.path).parent.as_posix()}/.gitignore"]
    return [name for name in added if (project / name).is_file()]


def later(found: Dataset, reason: str) -> Skipped:
    """dvc add, skipped: why, and the commands that track the data later."""
    later = (
        f"make setup && uv run dvc add {found.path} && git add {found.path}.dvc "
        f"{Path(found.path).parent.as_posix()}/.gitignore && git commit -m 'Track the data'"
    )
    return Skipped("dvc add", reason, f"dvc add: {reason}; track the data later: {later}")


def _dvc_requirement(project: Path) -> str:
    """The project's own pin of DVC (`dvc==X.Y.Z` in its pyproject.toml), else `dvc`."""
    import tomllib

    try:
        pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return "dvc"
    groups = pyproject.get("dependency-groups", {})
    requirements = [*pyproject.get("project", {}).get("dependencies", [])]
    requirements += [r for group in groups.values() for r in group if isinstance(r, str)]
    pins = [r.split(";")[0].strip() for r in requirements if re.match(r"dvc\s*==", r)]
    return pins[0] if pins else "dvc"
