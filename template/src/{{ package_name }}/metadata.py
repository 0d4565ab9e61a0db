"""Model metadata: what made the model in models/, saved next to it by the train stage.

models/metadata.json records the model's version (the start of its file's SHA-256), when it
was trained (UTC), the git commit of the code and whether the work tree had uncommitted
changes, the training data's SHA-256 and row count, and the hyper-parameters. The API
reports it (/health, /metadata) and `make monitor` fails a model older than params.yaml
allows (`monitor: max_model_age_days`).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__, config

#: How `trained_at` is written: ISO 8601, UTC.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=config.ROOT, capture_output=True, text=True)
    except OSError:  # no git here (a container)
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _shown(path: Path) -> str:
    """A path as the metadata records it: relative to the project where it is inside."""
    try:
        return path.resolve().relative_to(config.ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def record(model_file: Path, data_file: Path, rows: int, params: dict[str, Any]) -> dict[str, Any]:
    """The metadata of a model just written to `model_file`, trained on `data_file`."""
    commit = _git("rev-parse", "HEAD")
    changes = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {
        "model_version": sha256(model_file)[:12],
        "model_file": _shown(model_file),
        "trained_at": time.strftime(TIME_FORMAT, time.gmtime()),
        "git_commit": commit,
        "git_dirty": None if changes is None else bool(changes),
        "data_file": _shown(data_file),
        "data_sha256": sha256(data_file),
        "rows": rows,
        "params": params,
        "package_version": __version__,
    }


def write(metadata: dict[str, Any], path: Path | None = None) -> None:
    """Save the metadata as JSON (default: config.METADATA_FILE)."""
    path = path or config.METADATA_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def load(path: Path | None = None) -> dict[str, Any] | None:
    """The saved metadata (default: config.METADATA_FILE), or None where there is none."""
    path = path or config.METADATA_FILE
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def age_days(metadata: dict[str, Any], now: float | None = None) -> float:
    """How many days ago the model was trained."""
    trained = calendar.timegm(time.strptime(metadata["trained_at"], TIME_FORMAT))
    return ((time.time() if now is None else now) - trained) / 86400


def main(argv: list[str] | None = None) -> int:
    """Print the saved metadata as JSON, or with `version` the model's version only."""
    args = sys.argv[1:] if argv is None else argv
    saved = load()
    if saved is None:
        print(f"no {config.METADATA_FILE.name}: run `make train` first", file=sys.stderr)
        return 1
    print(saved["model_version"] if args == ["version"] else json.dumps(saved, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
