"""Time each step of a generated project (defaults), with a cold and then a warm cache.

    .venv/bin/python benchmarks/project_steps.py [--out FILE]

Cold: fresh, empty uv and pre-commit caches (everything downloads from the registry).
Warm: a second project with the caches the cold run filled. Each step is one `make` target
(or the tool it names) run as a user would, wall-clock, once. Python bytecode is compiled by
`make setup` (uv sync --compile-bytecode), but this machine sets PYTHONDONTWRITEBYTECODE=1,
so the tools' own imports are recompiled at every start: the figures say so.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STEPS = [
    ("mlops-new (render, uv lock, git commit)", None),
    ("make setup", ["make", "setup"]),
    ("make test", ["make", "test"]),
    ("make lint", ["make", "lint"]),
    ("pre-commit run --all-files", ["uv", "run", "--frozen", "pre-commit", "run", "--all-files"]),
    ("make pipeline (first run)", ["make", "pipeline"]),
    ("make pipeline (nothing changed)", ["make", "pipeline"]),
    ("make push", ["make", "push"]),
    ("make pull (after deleting the cache)", ["make", "pull"]),
    ("make monitor", ["make", "monitor"]),
    ("make docs", ["make", "docs"]),
]


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(where: Path, caches: Path, label: str) -> dict[str, float]:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        UV_CACHE_DIR=str(caches / "uv"),
        PRE_COMMIT_HOME=str(caches / "pre-commit"),
        UV_PYTHON_DOWNLOADS="never",
        DVC_NO_ANALYTICS="1",
        PYENV_VERSION=env.get("PYENV_VERSION", "3.11.7:3.12.1:3.13.0:3.10.13"),
    )
    env.pop("VIRTUAL_ENV", None)
    project = where / f"steps-{label}"
    times = {}
    for name, command in STEPS:
        if command is None:
            times[name] = _run([str(BIN / "mlops-new"), project.name, "--defaults"], where, env)
            continue
        if name.startswith("make pull"):
            shutil.rmtree(project / ".dvc" / "cache")
            (project / "models" / "model.joblib").unlink()
        times[name] = _run(command, project, env)
        print(f"  {label:5} {name:42} {times[name]:7.1f} s", file=sys.stderr)
    times["files in the project (git ls-files)"] = float(
        len(
            subprocess.run(
                ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
            ).stdout.split()
        )
    )
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlops-new-steps-") as tmp:
        where, caches = Path(tmp), Path(tmp) / "caches"
        cold = measure(where, caches, "cold")
        warm = measure(where, caches, "warm")
    lines = [
        f"Generated project with defaults; {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}.",
        "",
        "| step | cold cache (s) | warm cache (s) |",
        "|---|---:|---:|",
    ]
    for name in cold:
        if name.startswith("files"):
            lines.append(f"| {name} | {cold[name]:.0f} | {warm[name]:.0f} |")
        else:
            lines.append(f"| {name} | {cold[name]:.1f} | {warm[name]:.1f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
