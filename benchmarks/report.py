"""benchmarks/results.md from bench.py's figures: one section per benchmark, then the targets."""

from __future__ import annotations

import math
import os

from benchlib import ROOT, VENVS, Run, Stats, table

#: One row of the targets table: what, the figure, met or not.
Target = list[str]


def _s(stats: Stats) -> str:
    return f"{stats.median:.2f}" if stats.runs else stats.error or "not run"


def _cpu(stats: Stats) -> str:
    return f"{stats.cpu:.2f}" if stats.runs else "–"


def _mib(stats: Stats) -> str:
    return f"{stats.peak_mib:.0f}" if stats.runs else "–"


def _ratio(a: Stats, b: Stats) -> float:
    return a.median / b.median if a.runs and b.runs else math.nan


def _target(text: str, value: float, limit: float, unit: str = "×") -> Target:
    if math.isnan(value):
        return [text, "–", "not measured"]
    shown = f"{value:.2f} s" if unit == "s" else f"{value:.2f}×"
    if math.isinf(limit):
        return [text, shown, "reported"]
    return [text, shown, "met" if value <= limit else "**not met**"]


def help_section(h: dict[str, Stats]) -> tuple[list[str], list[Target]]:
    ours = h["mlops-new --help"]
    rows = [[f"`{n}`", _s(s), _cpu(s), _mib(s), f"{_ratio(ours, s):.2f}"] for n, s in h.items()]
    lines = ["## 1. CLI start-up", ""]
    header = ["command", "median s", "CPU s", "peak MiB", "mlops-new ÷ this"]
    lines += [*table(header, rows), ""]
    return lines, [
        _target("`mlops-new --help` ≤ 0.5× `kedro --help`", _ratio(ours, h["kedro --help"]), 0.5),
        _target("`mlops-new --help` ≤ 1.2× `putup --help`", _ratio(ours, h["putup --help"]), 1.2),
    ]


RENDER, FULL = "mlops-new --no-lock --no-git", "mlops-new (uv lock, git commit)"


def generate_section(
    g: dict[str, Stats], files: dict[str, tuple[int, int]]
) -> tuple[list[str], list[Target]]:
    rows = []
    for name, s in g.items():
        n, pyc = files.get(name, (0, 0))
        ratios = []
        for ours in (RENDER, FULL):
            per_project = _ratio(g[ours], s)
            per_file = per_project * n / files[ours][0] if n and ours in files else math.nan
            ratios.append(f"{per_project:.2f} / {per_file:.2f}")
        shown = f"{n} (+{pyc} stray .pyc)" if pyc else str(n)
        ms = f"{s.median / n * 1000:.0f}" if n and s.runs else "–"
        rows.append([f"`{name}`", shown, _s(s), _cpu(s), ms, _mib(s), *ratios])
    lines = [
        "## 2. Generation with defaults",
        "",
        "Files: regular files in the new project, `.git/` left out. Ratios: mlops-new's "
        "median ÷ this row's, per project / per file written (time per file). mlops-new keeps "
        "compiled template code in `~/.cache/mlops-new` (filled here by the warm-up round, as "
        "by any earlier use); the *empty template cache* row gives each run a new, empty one, "
        "as on the first use after installing. The two *floor* rows run in mlops-new's "
        "environment: importing copier, and copier rendering a template of one file; no "
        "generator built on copier is faster than they are.",
        "",
    ]
    header = ["generator", "files", "median s", "CPU s", "ms per file", "peak MiB"]
    lines += [*table([*header, "render-only ÷ this", "with lock + git ÷ this"], rows), ""]
    render, kedro = g[RENDER], g["kedro new"]
    times = files.get(RENDER, (0, 0))[0] / max(files.get("kedro new", (1, 0))[0], 1)
    return lines, [
        _target("generation ≤ 1.0× `kedro new` (render-only)", _ratio(render, kedro), 1.0),
        [
            f"…while writing ≥ 4× kedro's files ({files.get(RENDER, (0,))[0]} files)",
            f"{times:.1f}×",
            "met" if times >= 4 else "**not met**",
        ],
        _target(
            "generation ≤ 0.8× `copier copy` from git (render-only)",
            _ratio(render, g["copier copy (git, v0.1.0)"]),
            0.8,
        ),
        _target(
            "render-only ÷ `putup --dsproject`", _ratio(render, g["putup --dsproject"]), math.inf
        ),
        *[
            _target(f"{floor} ÷ `kedro new`", _ratio(g[floor], kedro), math.inf)
            for floor in g
            if floor.startswith("floor:")
        ],
        _target(
            "render-only, empty template cache ÷ `kedro new`",
            _ratio(g[RENDER + ", empty template cache"], kedro),
            math.inf,
        ),
        _target("with uv lock + git ÷ `kedro new`", _ratio(g[FULL], kedro), math.inf),
        _target(
            "with uv lock + git ÷ `putup --dsproject`",
            _ratio(g[FULL], g["putup --dsproject"]),
            math.inf,
        ),
    ]


def update_section(u: dict[str, Stats], user_files: int) -> tuple[list[str], list[Target]]:
    rows = []
    for label in ("copier update", "mlops-new update"):
        small, large = u[f"{label} (small)"], u[f"{label} (large)"]
        peak = max(small.peak_mib, large.peak_mib)
        shown = [_s(small), _cpu(small), _s(large), _cpu(large), f"{_ratio(large, small):.2f}"]
        rows.append([f"`{label}`", *shown, f"{peak:.0f}" if peak else "–"])
    lines = [
        "## 3. Update v0.1.0 → v0.2.0 (one template file changed)",
        "",
        f"Small: the project as generated; large: plus {user_files} committed user files. "
        "Each run updates a fresh `git clone` of the same committed project.",
        "",
    ]
    header = ["command", "small s", "small CPU s", "large s", "large CPU s", "large ÷ small"]
    lines += [*table([*header, "peak MiB"], rows), ""]
    ours_small, ours_large = u["mlops-new update (small)"], u["mlops-new update (large)"]
    return lines, [
        _target(
            "`mlops-new update` ≤ 1.0× `copier update` (small)",
            _ratio(ours_small, u["copier update (small)"]),
            1.0,
        ),
        _target(
            f"`mlops-new update` ≤ 1.0× `copier update` ({user_files} user files)",
            _ratio(ours_large, u["copier update (large)"]),
            1.0,
        ),
        _target(
            f"`mlops-new update` with {user_files} user files ≤ 1.1× small",
            _ratio(ours_large, ours_small),
            1.1,
        ),
    ]


def _mode(mode: str) -> str:
    return f" ({mode})" if mode else ""


def green_section(
    stats: dict[tuple[str, str], Stats],
    totals: dict[str, Stats],
    steps,
    command: str,
    mode: str = "",
) -> tuple[list[str], list[Target]]:
    rows = [
        [
            step,
            _s(stats["cold", step]),
            _s(stats["warm", step]),
            f"{stats['cold', step].peak_mib:.0f} / {stats['warm', step].peak_mib:.0f}",
        ]
        for step in steps
    ]
    rows.append(["**time to green**", f"**{_s(totals['cold'])}**", f"**{_s(totals['warm'])}**", ""])
    if mode:
        lines = [
            f"### 4b. Time to green{_mode(mode)}",
            "",
            "The same, as on most machines: without the variable, `make setup` does not compile "
            "bytecode and Python caches each module the first time it is imported.",
            "",
        ]
    else:
        lines = [
            "## 4. Time to green",
            "",
            f"`{command}` (renders, runs `uv lock`, makes the first commit), then `make setup`, "
            "`make test`. Cold: an empty uv cache and pre-commit home, so everything downloads "
            "from the registry (Python itself is installed); warm: a new project with the cache "
            "the cold run filled. Where PYTHONDONTWRITEBYTECODE is set, as here, `make setup` "
            "compiles the bytecode of every installed package (`uv sync --compile-bytecode`), "
            "because Python would otherwise compile each imported module again on every run.",
            "",
        ]
    lines += [*table(["step", "cold s", "warm s", "peak MiB cold / warm"], rows), ""]
    return lines, [
        _target(f"time to green, warm cache ≤ 15 s{_mode(mode)}", totals["warm"].median, 15, "s"),
        _target(f"time to green, cold cache ≤ 120 s{_mode(mode)}", totals["cold"].median, 120, "s"),
    ]


def pipeline_section(first: Run, noop: Stats, mode: str = "") -> tuple[list[str], list[Target]]:
    rows = [
        [
            f"`make pipeline` (first run, once){_mode(mode)}",
            f"{first.seconds:.2f}",
            f"{first.peak_kib / 1024:.0f}",
        ],
        [f"`make pipeline` (nothing changed){_mode(mode)}", _s(noop), _mib(noop)],
    ]
    if mode:
        lines = [f"In the warm project of §4b{_mode(mode)}:", ""]
    else:
        lines = ["## 5. Pipeline re-run with nothing changed", "", "In the warm project of §4.", ""]
    lines += [*table(["command", "median s", "peak MiB"], rows), ""]
    return lines, [_target(f"pipeline no-op ≤ 1.5 s{_mode(mode)}", noop.median, 1.5, "s")]


def header(facts: dict[str, str], versions: dict[str, str], runs: str, quick: bool) -> list[str]:
    lines = ["# Benchmark results", ""]
    if quick:
        lines += [
            "**Quick mode** (few repetitions, no warm-up): proves the script runs; these are "
            "not figures to compare. `make bench` gives them.",
            "",
        ]
    lines += [f"- **{k}**: {v}" for k, v in {**facts, **versions}.items()]
    return [
        *lines,
        f"- **repetitions**: {runs}",
        f"- **PYTHONDONTWRITEBYTECODE**: {os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset')}; "
        "every venv was installed with `uv pip install --compile-bytecode`, so each tool loads "
        "compiled bytecode either way; a generated project compiles its own in `make setup`",
        "- **times**: medians of wall-clock seconds (ratios use these); **CPU s**: medians of "
        "user + system CPU seconds, less sensitive to other load; **peak MiB**: the highest, "
        "over the runs, of the peak resident memory of the largest single process (ru_maxrss "
        "via wait4)",
        "",
    ]


def commands(mlops_new: str, name: str, python: str) -> list[str]:
    return [
        "## Commands",
        "",
        "```",
        f"mlops-new: {mlops_new}",
        f"kedro, putup, copier: {VENVS.relative_to(ROOT)}/*/bin/",
        "mlops-new --help | kedro --help | putup --help | copier --help",
        f"mlops-new {name} --defaults -d python_version={python} --no-lock --no-git",
        f"mlops-new {name} --defaults -d python_version={python}   # + uv lock, git init + commit",
        f"kedro new --name {name} --tools none --example n",
        f"putup --dsproject {name}                                 # + git init + commit",
        f"copier copy --defaults -d python_version={python} --vcs-ref v0.1.0 TEMPLATE_REPO {name}",
        "copier update --defaults --conflict inline    # in a fresh clone; to v0.2.0",
        "mlops-new update .                            # in a fresh clone; to v0.2.0",
        f"mlops-new {name} --defaults -d python_version={python} && make setup && make test",
        "make pipeline; make pipeline                  # the second one timed",
        "```",
        "",
        "TEMPLATE_REPO: a temporary git repository of this tree's `copier.yml` and `template/`, "
        "tagged v0.1.0, then v0.2.0 with one line added to `template/README.md.jinja`. "
        f"python_version={python} is the Python running the benchmark (the template's default "
        "may not be installed; UV_PYTHON_DOWNLOADS=never). Environment: "
        "KEDRO_DISABLE_TELEMETRY=1, DO_NOT_TRACK=1 (kedro-telemetry is installed with kedro), "
        "a fixed git identity; the user's uv cache, except in time to green.",
        "",
    ]


def targets_section(targets: list[Target]) -> list[str]:
    lines = ["## Targets (issue 7; ratios measured in this one run)", ""]
    return lines + table(["target", "measured", "verdict"], targets) + [""]
