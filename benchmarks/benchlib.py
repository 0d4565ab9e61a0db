"""Helpers for bench.py: timing a command (wall clock, peak memory), alternating runs, venvs."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Anchors' and mlops-new's own virtual environments: installed once, reused (gitignored).
VENVS = ROOT / "benchmarks" / ".venvs"


class CommandFailed(RuntimeError):
    """A timed command exited non-zero; the message ends with the tail of its output."""


@dataclass(frozen=True)
class Run:
    """One timed run of a command."""

    seconds: float
    #: CPU seconds (user + system) of the command and the children it waited for: less
    #: sensitive than wall-clock time to other load on the machine.
    cpu: float
    #: Peak resident memory in KiB of the largest single process of the run (the command or
    #: any child it waited for): Linux's ru_maxrss from wait4.
    peak_kib: int


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run `argv` to completion; its wall-clock time and peak memory.

    Raises:
        CommandFailed: non-zero exit.
    """
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-15:]
            raise CommandFailed(
                f"{' '.join(argv)} (in {cwd}) exited {proc.returncode}:\n" + "\n".join(tail)
            )
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


@dataclass
class Case:
    """One command to time repeatedly, each time in a fresh empty folder."""

    name: str
    #: Given the fresh folder, prepares what the run needs (untimed) and returns (argv, cwd).
    prepare: Callable[[Path], tuple[list[str], Path]]
    #: Called after each run with the same folder (untimed): checks and records its output.
    inspect: Callable[[Path], None] | None = None
    #: A failure marks the case "not available" instead of stopping the benchmark.
    optional: bool = False


@dataclass
class Stats:
    """Timed runs of one case."""

    runs: list[Run] = field(default_factory=list)
    #: Why the case could not run (optional cases only).
    error: str = ""

    @property
    def median(self) -> float:
        """Median wall-clock seconds (nan without runs)."""
        return statistics.median(r.seconds for r in self.runs) if self.runs else float("nan")

    @property
    def cpu(self) -> float:
        """Median CPU seconds (nan without runs)."""
        return statistics.median(r.cpu for r in self.runs) if self.runs else float("nan")

    @property
    def peak_mib(self) -> float:
        """The highest peak memory of any run, in MiB."""
        return max((r.peak_kib for r in self.runs), default=0) / 1024


def alternate(
    cases: list[Case], env: dict[str, str], scratch: Path, *, reps: int, warmup: int
) -> dict[str, Stats]:
    """Run the cases in turn (A B C, A B C, ...), `warmup` untimed rounds first."""
    stats = {case.name: Stats() for case in cases}
    for round_ in range(warmup + reps):
        for number, case in enumerate(cases):
            if stats[case.name].error:
                continue
            folder = scratch / f"run-{round_}-{number}"
            folder.mkdir(parents=True)
            try:
                argv, cwd = case.prepare(folder)
                run = timed(argv, cwd, env)
                if case.inspect:
                    case.inspect(folder)
            except CommandFailed as error:
                if not case.optional:
                    raise
                stats[case.name].error = str(error).splitlines()[-1][:200]
                continue
            finally:
                remove(folder)
            if round_ >= warmup:
                stats[case.name].runs.append(run)
            print(f"    {case.name:44} {run.seconds:7.2f} s", file=sys.stderr)
    return stats


def remove(path: Path) -> None:
    """Delete a tree, read-only files too (uv's cache and git objects have them)."""

    def writable(func, name, _):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
            func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable)
    else:
        shutil.rmtree(path, onerror=writable)


def uv_bin() -> str:
    """The uv that `make bootstrap` installs, else the one on PATH."""
    local = ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if not found:
        sys.exit("uv not found: run `make bootstrap` first")
    return found


def locked_version(package: str) -> str:
    """The version of `package` pinned in the project's uv.lock."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return next(p["version"] for p in lock["package"] if p["name"] == package)


def locked_requirements() -> Path:
    """mlops-new's runtime dependencies exactly as uv.lock pins them, as a requirements file."""
    out = VENVS / "mlops-new-locked.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            uv_bin(),
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
            "--quiet",
            "--output-file",
            str(out),
        ],
        cwd=ROOT,
        check=True,
    )
    return out


def venv(name: str, requirements: list[str], *, constraints: Path | None = None) -> Path:
    """A virtual environment under benchmarks/.venvs with `requirements`, installed once.

    Installed with compiled bytecode, so no tool pays for compiling its own modules at every
    start on machines that set PYTHONDONTWRITEBYTECODE.
    """
    where = VENVS / name
    marker = where / "bench-requirements.txt"
    wanted = "\n".join(requirements) + "\n"
    if constraints:
        wanted += constraints.read_text(encoding="utf-8")
    if marker.is_file() and marker.read_text(encoding="utf-8") == wanted:
        return where
    print(f"  installing {' '.join(requirements)} into {where.relative_to(ROOT)}", file=sys.stderr)
    uv = uv_bin()
    base = Path(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")
    subprocess.run(
        [uv, "venv", "--quiet", "--clear", "--python", str(base), str(where)], check=True
    )
    install = [uv, "pip", "install", "--quiet", "--compile-bytecode"]
    install += ["--python", str(where / "bin" / "python"), *requirements]
    if constraints:
        install += ["--constraints", str(constraints)]
    subprocess.run(install, check=True)
    marker.write_text(wanted, encoding="utf-8")
    return where


def installed_version(where: Path, package: str) -> str:
    """The version of `package` in the venv `where`."""
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    out = subprocess.run([str(where / "bin" / "python"), "-c", code], capture_output=True)
    return out.stdout.decode().strip() or "?"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
        memory = f"{kib / 1024**2:.1f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.platform()}; {cpu}; {os.cpu_count()} cores; {memory} RAM",
        "python": f"{platform.python_version()} ({sys.base_prefix})",
        "mlops-new tree": commit.stdout.decode().strip()
        + (" + uncommitted changes" if dirty.stdout.strip() else ""),
    }


def load_average() -> str:
    """The 1-minute load average: how busy the machine was."""
    return f"{os.getloadavg()[0]:.2f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; columns after the first are right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def git(*args: str, cwd: Path) -> None:
    """Run git quietly; fail on an error."""
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def template_history(where: Path) -> Path:
    """This tree's copier.yml and template/ in a git repository `where/template-repo`, tagged
    v0.1.0, then v0.2.0 (one line added to template/README.md.jinja: an ordinary release)."""
    repo = where / "template-repo"
    repo.mkdir()
    shutil.copy2(ROOT / "copier.yml", repo)
    shutil.copytree(ROOT / "template", repo / "template", symlinks=True)
    git("init", "--quiet", "--initial-branch=main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "-m", "v0.1.0", cwd=repo)
    git("tag", "v0.1.0", cwd=repo)
    readme = repo / "template/README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line of release v0.2.0.\n")
    git("commit", "--quiet", "-am", "v0.2.0", cwd=repo)
    git("tag", "v0.2.0", cwd=repo)
    return repo


def bench_environment(scratch: Path) -> dict[str, str]:
    """The benchmark's environment: a fresh template cache, a fixed git identity, no colour."""
    return {
        **os.environ,
        "MLOPS_NEW_CACHE_DIR": str(scratch / "cache"),
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "bench@example.org",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.org",
        "NO_COLOR": "1",
    }


def footer(load: tuple[str, str]) -> list[str]:
    """A results page's last lines: bytecode, the load average, the machine."""
    return [
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')} on "
        "this machine: the .venv's site-packages were compiled by `uv sync --compile-bytecode`, "
        "but the mlops-new sources (an editable install) are recompiled at every start.",
        f"Load average at the start: {load[0]}; at the end: {load[1]}.",
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in machine().items()],
        "",
    ]
