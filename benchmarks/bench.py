"""Time mlops-new against its anchors (kedro, PyScaffold, plain copier) side by side.

    make bench                          # full: installs the anchors once, then ~15 minutes
    make bench BENCH_ARGS=--quick       # 2 repetitions, no warm-up: proves the script works
    .venv/bin/python benchmarks/bench.py --only help,generate --reps 5

Each anchor lives in its own virtual environment under benchmarks/.venvs/, installed once
from the package registry with compiled bytecode; mlops-new is installed there too, from this
working tree as a wheel with uv.lock's versions, so every tool starts as a user's install
would. Commands alternate (A B C, A B C, ...); the report gives medians, the highest peak
memory of any run (ru_maxrss of the largest process), ratios and the issue's targets, met or
not, in benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import report
from benchlib import (
    ROOT,
    Case,
    CommandFailed,
    Run,
    Stats,
    alternate,
    installed_version,
    load_average,
    locked_requirements,
    locked_version,
    machine,
    remove,
    timed,
    uv_bin,
    venv,
)

NAME = "iris"
FLOOR_IMPORT = "floor: python -c 'import copier'"
FLOOR_RENDER = "floor: copier.run_copy of a one-file template"
RUN_COPY = (
    "import copier, sys; copier.run_copy(sys.argv[1], sys.argv[2], defaults=True, quiet=True)"
)
USER_FILES = 2000
BENCHMARKS = ("help", "generate", "update", "green", "pipeline")
PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass(frozen=True)
class Tools:
    """The executables under test."""

    mlops_new: str
    kedro: str
    putup: str
    copier: str
    versions: dict[str, str]


def install(mlops_new: str | None) -> Tools:
    """The anchors' venvs (installed once) and mlops-new built from this working tree."""
    locked = locked_requirements()
    kedro = venv("kedro", ["kedro"])
    putup = venv("pyscaffold", ["pyscaffold", "pyscaffoldext-dsproject"])
    copier = venv("copier", [f"copier=={locked_version('copier')}"], constraints=locked)
    ours = venv("mlops-new", ["-r", str(locked)])
    if mlops_new is None:  # the working tree changes between runs: always rebuild the wheel
        print("  installing mlops-new from this working tree", file=sys.stderr)
        python = str(ours / "bin" / "python")
        install = [uv_bin(), "pip", "install", "--quiet", "--compile-bytecode", "--python", python]
        subprocess.run([*install, "--no-deps", "--reinstall", str(ROOT)], check=True)
        mlops_new = str(ours / "bin" / "mlops-new")
    versions = {
        "kedro": installed_version(kedro, "kedro"),
        "pyscaffold": installed_version(putup, "pyscaffold"),
        "pyscaffoldext-dsproject": installed_version(putup, "pyscaffoldext-dsproject"),
        "copier": installed_version(copier, "copier"),
        "copier (in mlops-new's venv)": installed_version(ours, "copier"),
    }
    bins = (str(where / "bin" / name) for where, name in ((kedro, "kedro"), (putup, "putup")))
    return Tools(mlops_new, *bins, str(copier / "bin" / "copier"), versions)


def environment() -> dict[str, str]:
    """What every command runs with: offline-friendly, no telemetry, a fixed git identity."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(
        UV_PYTHON_DOWNLOADS="never",
        KEDRO_DISABLE_TELEMETRY="1",  # kedro-telemetry comes with kedro and would phone home
        DO_NOT_TRACK="1",
        DVC_NO_ANALYTICS="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@localhost",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@localhost",
    )
    return env


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _commit_all(where: Path, message: str) -> None:
    _git("add", "--all", cwd=where)
    _git("commit", "--quiet", "--no-verify", "-m", message, cwd=where)


def template_repo(scratch: Path) -> Path:
    """A git repository of this tree's template: v0.1.0, then v0.2.0 changing one file."""
    repo = scratch / "template-repo"
    repo.mkdir(parents=True)
    shutil.copy2(ROOT / "copier.yml", repo)
    shutil.copytree(ROOT / "template", repo / "template", symlinks=True)
    _git("init", "--quiet", "--initial-branch=main", cwd=repo)
    _commit_all(repo, "v0.1.0")
    _git("tag", "v0.1.0", cwd=repo)
    readme = repo / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\n<!-- template v0.2.0 -->\n", encoding="utf-8")
    _commit_all(repo, "v0.2.0: one changed file")
    _git("tag", "v0.2.0", cwd=repo)
    return repo


def _files(folder: Path) -> tuple[int, int]:
    """Files a generator wrote into `folder`'s one project, .git/ left out: (files, stray .pyc).

    Bytecode in __pycache__/ is counted apart: an installed template's own .py files get
    compiled at install time, and copier copies the __pycache__ folders along.
    """
    (project,) = [p for p in folder.iterdir() if p.is_dir()]
    written = [p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts]
    pyc = sum(1 for p in written if "__pycache__" in p.parts)
    return len(written) - pyc, pyc


# 1. CLI start-up -----------------------------------------------------------------------------


def bench_help(tools: Tools, env, scratch: Path, reps: int, warmup: int) -> dict[str, Stats]:
    """`--help` of each CLI: how long a user waits for the first line."""
    cases = [
        Case("mlops-new --help", lambda d: ([tools.mlops_new, "--help"], d)),
        Case("kedro --help", lambda d: ([tools.kedro, "--help"], d)),
        Case("putup --help", lambda d: ([tools.putup, "--help"], d)),
        Case("copier --help", lambda d: ([tools.copier, "--help"], d)),
    ]
    return alternate(cases, env, scratch, reps=reps, warmup=warmup)


# 2. Generation with defaults -----------------------------------------------------------------


def bench_generate(tools: Tools, env, scratch: Path, repo: Path, reps: int, warmup: int):
    """Each generator's defaults, into an empty folder; also counts the files each writes."""
    files: dict[str, tuple[int, int]] = {}

    def case(name: str, argv: list[str], *expected: str, empty_cache: bool = False) -> Case:
        def prepare(folder: Path) -> tuple[list[str], Path]:
            if not empty_cache:
                return argv, folder
            cache = folder.with_name(folder.name + "-cache")  # new at each run
            return ["env", f"MLOPS_NEW_CACHE_DIR={cache}", *argv], folder

        def count(folder: Path) -> None:
            files[name] = _files(folder)
            missing = [e for e in expected if not (folder / NAME / e).exists()]
            if missing:
                raise CommandFailed(f"{name}: did not write {', '.join(missing)}")

        return Case(name, prepare, inspect=count)

    tiny = scratch.parent / "one-file-template"
    tiny.mkdir(exist_ok=True)
    (tiny / "README.md.jinja").write_text("# {{ name }}\n", encoding="utf-8")
    (tiny / "copier.yml").write_text("name: {type: str, default: iris}\n", encoding="utf-8")
    python = str(Path(tools.mlops_new).parent / "python")
    mlops_new = [tools.mlops_new, NAME, "--defaults", "--data", f"python_version={PY}"]
    kedro = [tools.kedro, "new", "--name", NAME, "--tools", "none", "--example", "n"]
    # python_version: the Python running this script. The template's default (3.12) may not be
    # installed, and `uv lock` would then fail (mlops-new goes on without uv.lock).
    copier = [tools.copier, "copy", "--defaults", "--data", f"python_version={PY}"]
    copier += ["--vcs-ref", "v0.1.0", str(repo), NAME]
    render = [*mlops_new, "--no-lock", "--no-git"]
    cases = [
        case("mlops-new --no-lock --no-git", render),
        case("mlops-new --no-lock --no-git, empty template cache", render, empty_cache=True),
        case("mlops-new (uv lock, git commit)", mlops_new, "uv.lock", ".git"),
        case("kedro new", kedro),
        case("putup --dsproject", [tools.putup, "--dsproject", NAME]),
        case("copier copy (git, v0.1.0)", copier),
        # What no copier-based generator can go below, in mlops-new's own environment.
        Case(FLOOR_IMPORT, lambda d: ([python, "-c", "import copier._main"], d)),
        Case(FLOOR_RENDER, lambda d: ([python, "-c", RUN_COPY, str(tiny), NAME], d)),
    ]
    return alternate(cases, env, scratch, reps=reps, warmup=warmup), files


# 3. Update -----------------------------------------------------------------------------------


def _update_sources(tools: Tools, env, scratch: Path, repo: Path) -> dict[str, Path]:
    """Two committed projects at template v0.1.0: as generated, and with 2,000 user files."""
    small = scratch / "update-small" / NAME
    small.parent.mkdir(parents=True)
    copy = [tools.copier, "copy", "--defaults", "--vcs-ref", "v0.1.0", str(repo), str(small)]
    timed(copy, small.parent, env)
    _git("init", "--quiet", "--initial-branch=main", cwd=small)
    _commit_all(small, "Generated at template v0.1.0")
    large = scratch / "update-large" / NAME
    _git("clone", "--quiet", str(small), str(large), cwd=scratch)
    for i in range(USER_FILES):
        note = large / "research" / f"topic-{i // 100:02d}" / f"note-{i:04d}.md"
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(f"# Note {i}\n\nA user's file the template knows nothing about.\n")
    _commit_all(large, f"{USER_FILES} user files")
    return {"small": small, "large": large}


def _has_update(tools: Tools, env) -> bool:
    """Whether this mlops-new has the `update` command (it is being written)."""
    out = subprocess.run([tools.mlops_new, "--help"], env=env, capture_output=True, text=True)
    return any(line.split()[:1] == ["update"] for line in out.stdout.splitlines())


def bench_update(tools: Tools, env, scratch: Path, repo: Path, reps: int, warmup: int):
    """copier update vs mlops-new update to v0.2.0, each on a fresh clone of the project."""
    sources = _update_sources(tools, env, scratch, repo)
    commands = {"copier update": [tools.copier, "update", "--defaults", "--conflict", "inline"]}
    if _has_update(tools, env):
        commands["mlops-new update"] = [tools.mlops_new, "update", "."]

    def case(label: str, size: str) -> Case:
        def prepare(folder: Path) -> tuple[list[str], Path]:
            clone = folder / NAME
            _git("clone", "--quiet", str(sources[size]), str(clone), cwd=folder)
            return commands[label], clone

        def updated(folder: Path) -> None:
            answers = (folder / NAME / ".copier-answers.yml").read_text()
            if "_commit: v0.2.0" not in answers:
                raise CommandFailed(f"{label} ({size}): the project is not at v0.2.0 afterwards")

        return Case(f"{label} ({size})", prepare, updated, optional=label.startswith("mlops"))

    cases = [case(label, size) for size in sources for label in commands]
    stats = alternate(cases, env, scratch, reps=reps, warmup=warmup)
    for size in sources:
        stats.setdefault(f"mlops-new update ({size})", Stats(error="no `update` command yet"))
    return stats


# 4. Time to green and 5. pipeline no-op --------------------------------------------------------

GREEN_STEPS = ("generate (mlops-new)", "make setup", "make test")


def _green_env(env, tools: Tools, caches: Path | None) -> dict[str, str]:
    """mlops-new's venv first on PATH (it has uv, as a user's install does); own caches."""
    env = env | {"PATH": f"{Path(tools.mlops_new).parent}{os.pathsep}{env['PATH']}"}
    if caches is not None:
        env |= {"UV_CACHE_DIR": str(caches / "uv"), "PRE_COMMIT_HOME": str(caches / "pre-commit")}
    return env


def _to_green(tools: Tools, env, where: Path) -> dict[str, Run]:
    where.mkdir(parents=True)
    generate = [tools.mlops_new, NAME, "--defaults", "--data", f"python_version={PY}"]
    runs = {GREEN_STEPS[0]: timed(generate, where, env)}
    if not (where / NAME / "uv.lock").is_file():  # mlops-new goes on when `uv lock` fails
        raise CommandFailed(f"{' '.join(generate)}: wrote no uv.lock")
    for step in GREEN_STEPS[1:]:
        runs[step] = timed(step.split(), where / NAME, env)
    return runs


def bench_green(tools: Tools, env, scratch: Path, reps: int):
    """generate → make setup → make test: cold (an empty uv cache) then warm (the same cache)."""
    stats = {(label, step): Stats() for label in ("cold", "warm") for step in GREEN_STEPS}
    totals = {"cold": Stats(), "warm": Stats()}
    project = None
    for i in range(reps):
        caches = scratch / f"green-caches-{i}"
        green_env = _green_env(env, tools, caches)
        for label in ("cold", "warm"):
            where = scratch / f"green-{label}-{i}"
            runs = _to_green(tools, green_env, where)
            for step, run in runs.items():
                stats[label, step].runs.append(run)
            total = Run(
                sum(r.seconds for r in runs.values()),
                sum(r.cpu for r in runs.values()),
                max(r.peak_kib for r in runs.values()),
            )
            totals[label].runs.append(total)
            print(f"    time to green, {label:4} {total.seconds:7.1f} s", file=sys.stderr)
            if label == "warm" and i == reps - 1:
                project = (where / NAME, green_env)
            else:
                remove(where)
        if i < reps - 1:
            remove(caches)
    return stats, totals, project


def bytecode_modes(env) -> dict[str, dict[str, str]]:
    """Time to green and the pipeline as this machine is and, where it sets
    PYTHONDONTWRITEBYTECODE, also as most machines are (the project's `make setup` compiles
    bytecode only where the variable is set, so the two differ)."""
    modes = {"": env}
    if env.get("PYTHONDONTWRITEBYTECODE"):
        modes["PYTHONDONTWRITEBYTECODE unset"] = {
            k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"
        }
    return modes


def _mode_folder(where: Path, mode: str) -> Path:
    return where / (mode or "here").replace(" ", "-")


def bench_pipeline(project: Path, env, reps: int) -> tuple[Run, Stats]:
    """`make pipeline` once, then again `reps` times with nothing changed."""
    first = timed(["make", "pipeline"], project, env)
    noop = Stats([timed(["make", "pipeline"], project, env) for _ in range(reps)])
    return first, noop


# Main ----------------------------------------------------------------------------------------


def run_all(args, tools: Tools, only: set[str]) -> tuple[list[str], list]:
    """Run the chosen benchmarks; the report's sections and the targets."""
    env = environment()
    sections: list[str] = []
    targets: list = []
    projects: dict[str, tuple[Path, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="mlops-new-bench-") as tmp:
        scratch = Path(tmp)
        repo = template_repo(scratch)
        for name in BENCHMARKS:
            if name not in only:
                continue
            print(f"Benchmark: {name}", file=sys.stderr)
            where = scratch / name
            try:
                if name == "help":
                    lines, met = report.help_section(
                        bench_help(tools, env, where, args.reps, args.warmup)
                    )
                elif name == "generate":
                    lines, met = report.generate_section(
                        *bench_generate(tools, env, where, repo, args.reps, args.warmup)
                    )
                elif name == "update":
                    stats = bench_update(tools, env, where, repo, args.reps, args.warmup)
                    lines, met = report.update_section(stats, USER_FILES)
                elif name == "green":
                    command = f"mlops-new {NAME} --defaults -d python_version={PY}"
                    lines, met = [], []
                    for mode, mode_env in bytecode_modes(env).items():
                        print(f"  {mode or 'as this machine is'}", file=sys.stderr)
                        stats, totals, projects[mode] = bench_green(
                            tools,
                            mode_env,
                            _mode_folder(where, mode),
                            args.green_reps,
                        )
                        section = report.green_section(stats, totals, GREEN_STEPS, command, mode)
                        lines, met = lines + section[0], met + section[1]
                else:
                    lines, met = [], []
                    for mode, mode_env in bytecode_modes(env).items():
                        if mode not in projects:  # a ready project, with the user's uv cache
                            at = _mode_folder(where, mode)
                            projects[mode] = (at / NAME, _green_env(mode_env, tools, None))
                            _to_green(tools, projects[mode][1], at)
                        runs = bench_pipeline(*projects[mode], args.reps)
                        section = report.pipeline_section(*runs, mode)
                        lines, met = lines + section[0], met + section[1]
            except CommandFailed as error:
                print(f"  FAILED: {error}", file=sys.stderr)
                lines, met = [f"## {name}: failed", "", "```", str(error), "```", ""], []
            sections += lines
            targets += met
        remove(scratch)
        scratch.mkdir()  # TemporaryDirectory removes it again
    return sections, targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repetitions, no warm-up")
    parser.add_argument("--reps", type=int, default=10, help="timed runs per command")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--green-reps", type=int, default=3, help="cold+warm time-to-green pairs")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--mlops-new", help="time this executable instead of a fresh wheel")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.warmup, args.green_reps = 2, 0, 1
    only = set(args.only.split(","))
    if only - set(BENCHMARKS):
        parser.error(f"--only: choose from {', '.join(BENCHMARKS)}")
    facts = machine() | {"load average at start": load_average()}
    print("Preparing the virtual environments", file=sys.stderr)
    tools = install(args.mlops_new)
    sections, targets = run_all(args, tools, only)
    facts["load average at end"] = load_average()
    runs = (
        f"{args.reps} timed (+{args.warmup} warm-up) per command, alternating; "
        f"time to green {args.green_reps}× cold and warm; pipeline no-op {args.reps}×"
    )
    text = "\n".join(
        report.header(facts, tools.versions, runs, args.quick)
        + sections
        + report.targets_section(targets)
        + report.commands(tools.mlops_new, NAME, PY)
    )
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to {args.out}", file=sys.stderr)
    failed = any(line.endswith(": failed") for line in sections)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
