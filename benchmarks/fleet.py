"""`mlops-new fleet status` and `fleet update` against the same work done one project at a
time with `mlops-new check` and `mlops-new update`; writes benchmarks/fleet-results.md.

    .venv/bin/python benchmarks/fleet.py                 # 2 rounds of everything
    .venv/bin/python benchmarks/fleet.py --reps 1 --sizes 25,50,100 --update 30

The template is this tree's copier.yml and template/ in a temporary git repository, released
as v0.1.0 and v0.2.0 (one line added to the README). One project is generated at v0.1.0
(`--no-lock`), committed, and copied: 100 local repositories for status, a fresh 30 for each
update round. Every repository records the same template source, so `fleet status` asks it
for its releases once where 100 `check` runs ask it 100 times; with `--no-doctor` it
computes what `check` computes, without it it also runs the doctor (level, checks, ML Test
Score) on every repository. Both commands come from this checkout's .venv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, bench_environment, footer, load_average, table, template_history

CLI = str(ROOT / ".venv" / "bin" / "mlops-new")


def _fleet(prototype: Path, where: Path, count: int) -> list[Path]:
    where.mkdir(parents=True)
    copies = [where / f"project-{i:03d}" for i in range(count)]
    for copy in copies:
        shutil.copytree(prototype, copy, symlinks=True)
    return copies


def _wall(argv_list: list[list[str]], env: dict[str, str], ok: set[int]) -> float:
    """Seconds to run each command in turn (exit codes in `ok` are not failures)."""
    started = time.perf_counter()
    for argv in argv_list:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if done.returncode not in ok:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]}")
    return time.perf_counter() - started


def _median(runs: list[float]) -> float:
    return statistics.median(runs)


def _status(prototype: Path, scratch: Path, env, sizes: list[int], reps: int) -> dict:
    biggest = max(sizes)
    repos = _fleet(prototype, scratch / "status", biggest)
    results: dict[str, float] = {}
    for rep in range(reps):
        for size in sizes:
            fleet = [str(p) for p in repos[:size]]
            for label, extra in (
                ("fleet status --no-doctor", ["--no-doctor"]),
                ("fleet status", []),
            ):
                argv = [CLI, "fleet", "status", *fleet, *extra, "--format", "json"]
                results.setdefault(f"{label} ×{size}", []).append(_wall([argv], env, {1}))
        checks = [[CLI, "check", str(p)] for p in repos]
        results.setdefault(f"check ×{biggest} (sequential)", []).append(_wall(checks, env, {1}))
        print(f"  status round {rep + 1}: {results}", file=sys.stderr)
    return {k: _median(v) for k, v in results.items()}


def _update(prototype: Path, scratch: Path, env, count: int, reps: int) -> dict:
    results: dict[str, list[float]] = {}
    for rep in range(reps):
        repos = _fleet(prototype, scratch / f"update-seq-{rep}", count)
        argvs = [[CLI, "update", str(p)] for p in repos]
        results.setdefault(f"update ×{count} (sequential)", []).append(_wall(argvs, env, {0}))
        repos = _fleet(prototype, scratch / f"update-fleet-{rep}", count)
        argv = [CLI, "fleet", "update", *map(str, repos)]
        results.setdefault(f"fleet update ×{count}", []).append(_wall([argv], env, {0}))
        for repo in repos:  # every one on its branch, at v0.2.0
            shown = subprocess.run(
                ["git", "show", "template/v0.2.0:.copier-answers.yml"],
                cwd=repo, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            assert "_commit: v0.2.0" in shown, repo
        print(f"  update round {rep + 1}: {results}", file=sys.stderr)
    return {k: _median(v) for k, v in results.items()}


def _report(status: dict, update: dict, sizes, count, reps, load) -> str:
    biggest = max(sizes)

    def slope(label: str) -> str:
        low, high = status[f"{label} ×{min(sizes)}"], status[f"{label} ×{biggest}"]
        return f"{(high - low) / (biggest - min(sizes)) * 1000:.0f}"

    sequential = status[f"check ×{biggest} (sequential)"]
    rows = [[f"`mlops-new check` ×{biggest}, one after another", f"{sequential:.1f}", "1.00×"]]
    for label in ("fleet status --no-doctor", "fleet status"):
        for size in sizes:
            seconds = status[f"{label} ×{size}"]
            speedup = f"{sequential / seconds:.2f}×" if size == biggest else ""
            per = f"{seconds / size * 1000:.0f} ms/repo"
            rows.append([f"`mlops-new {label}` ×{size} ({per})", f"{seconds:.1f}", speedup])
    seq_update = update[f"update ×{count} (sequential)"]
    fleet_update = update[f"fleet update ×{count}"]
    urows = [
        [f"`mlops-new update` ×{count}, one after another", f"{seq_update:.1f}", "1.00×"],
        [f"`mlops-new fleet update` ×{count} (branch, update, commit)", f"{fleet_update:.1f}",
         f"{seq_update / fleet_update:.2f}×"],
    ]  # fmt: skip
    lines = [
        "# `mlops-new fleet` against one project at a time",
        "",
        f"Written by `benchmarks/fleet.py`: medians of {reps} round(s), wall-clock seconds, "
        f"`--jobs` left at its default ({os.cpu_count()} CPUs). See the script's docstring for "
        "the set-up. Speed-up: the sequential runs' time / the fleet command's.",
        "",
        f"## Status of {biggest} local repositories",
        "",
        *table(["command", "wall s", "speed-up"], rows),
        "",
        f"Linear in the count: each repository more costs {slope('fleet status --no-doctor')} "
        f"ms without the doctor and {slope('fleet status')} ms with it (from {min(sizes)} to "
        f"{biggest} repositories), on top of the command's start-up. `--no-doctor` computes "
        "what `check` computes; `check` pays a process start and a `git ls-remote` of the "
        "template each time, `fleet status` once. The doctor (level, checks passed, ML Test "
        "Score) is pure Python and holds the GIL, so its share runs on one core at a time.",
        "",
        f"## Update of {count} repositories one release behind",
        "",
        *table(["command", "wall s", "speed-up"], urows),
        "",
        "`fleet update` does more per repository (a worktree on a new branch, the update, a "
        "commit); the updates run in worker processes, `--jobs` at a time.",
        "",
        "Each sequential run is a new process that imports mlops-new and copier again.",
        "",
        *footer(load),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--sizes", default="25,50,100", help="fleet sizes for status")
    parser.add_argument("--update", type=int, default=30, help="repositories to update")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "fleet-results.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        scratch = Path(tmp)
        env = bench_environment(scratch)
        start = load_average()
        repo = template_history(scratch)
        made = ["--template", str(repo), "--vcs-ref", "v0.1.0", "--defaults", "--no-lock"]
        subprocess.run([CLI, "iris", *made], cwd=scratch, env=env, check=True, capture_output=True)
        status = _status(scratch / "iris", scratch, env, sizes, args.reps)
        update = _update(scratch / "iris", scratch, env, args.update, args.reps)
        text = _report(status, update, sizes, args.update, args.reps, (start, load_average()))
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
