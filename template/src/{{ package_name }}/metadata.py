"""Model metadata: what made the model in models/, saved next to it by the train stage.

models/metadata.json records the model's version (the start of its file's SHA-256), when it
was trained (UTC), the git commit of the code and whether the work tree had uncommitted
changes, the training data's SHA-256 and row count, the hyper-parameters, and golden
requests (train.golden). The API reports it (/health, /metadata) and `make monitor` fails a
model older than params.yaml allows (`gates: max_model_age_days`).
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


def verify(lock: Path | None = None) -> list[str]:
    """Where the model files differ from what dvc.lock records (MD5, as DVC hashes a file):
    empty when the model and its metadata are the ones the lock's revision trained."""
    import yaml

    path = lock or config.ROOT / "dvc.lock"
    stages = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stages", {})
    outs = {out["path"]: out["md5"] for out in stages.get("train", {}).get("outs", [])}
    problems = []
    for file in (config.MODEL_FILE, config.METADATA_FILE):
        name = _shown(file)
        if name not in outs:
            problems.append(f"{path.name} records no {name}")
        elif not file.exists():
            problems.append(f"{name} is missing")
        elif hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest() != outs[name]:
            problems.append(f"{name} is not the file {path.name} records")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Print the saved metadata as JSON, with `version` the model's version only, or with
    `verify` check the model against dvc.lock."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["verify"]:
        problems = verify()
        for problem in problems:
            print(f"rollback: {problem}", file=sys.stderr)
        if not problems:
            version = (load() or {}).get("model_version")
            print(f"rollback: model {version} matches dvc.lock (its image tag: model-{version})")
        return 1 if problems else 0
    saved = load()
    if saved is None:
        print(f"no {config.METADATA_FILE.name}: run `make train` first", file=sys.stderr)
        return 1
    print(saved["model_version"] if args == ["version"] else json.dumps(saved, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
