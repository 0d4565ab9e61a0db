"""Generation from a large table: `mlops-new p --defaults --no-lock --dataset F --target T`
at 100 MB and 1 GB, with and without DVC, against plain generation (issue 15).

Targets: at 100 MB at most 3 s over plain generation (`mlops-new p --defaults --no-lock`, the
anchor, timed alternately with the other cases), and flat memory: mlops-new's own peak at
1 GB no more than at 100 MB (ratio <= 1.1). mlops-new's own peak is its process's ru_maxrss
(read at exit by a wrapper); "any process" includes its children (git, DVC hashing the file).
Every case renders our template from a local git repository whose .gitignore lets DVC's files
in (the template's own change, applied here until it lands), so DVC's `dvc add` really runs.
Run:

    .venv/bin/python benchmarks/dataset.py [--reps 3] [--sizes 100,1000] [--out FILE]

The tables are written once into benchmarks/.data/ (gitignored; about 1.1 GB): a churn-like
CSV of numeric, categorical, boolean, id and free-text columns, with missing values.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from benchlib import ROOT, Case, alternate, load_average, machine, remove, table

DATA = ROOT / "benchmarks" / ".data"
HEADER = "customer_id,tenure,monthly charges,contract,paper,notes,churned\n"


def make_csv(megabytes: int) -> Path:
    """A CSV of about `megabytes` MB, written once (deterministic content)."""
    path = DATA / f"churn-{megabytes}mb.csv"
    if path.exists() and path.stat().st_size >= megabytes * 1_000_000:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(megabytes)
    contracts = ["month-to-month", "one year", "two year"]
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        row, written = 0, 0
        while written < megabytes * 1_000_000:
            charges = "" if row % 37 == 0 else f"{rng.uniform(18, 120):.2f}"
            line = (
                f"C{row:09d},{rng.randint(0, 72)},{charges},{rng.choice(contracts)},"
                f"{rng.choice(['yes', 'no'])},note {rng.randint(0, 10**6)} about it,"
                f"{rng.choice(['yes', 'no'])}\n"
            )
            out.write(line)
            written += len(line)
            row += 1
    partial.replace(path)
    return path


#: Runs mlops-new in this process and writes its own peak memory (KiB) to argv[1] at exit.
WRAPPER = """
import atexit, resource, sys
peak = sys.argv.pop(1)
def record():
    with open(peak, "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(record)
sys.argv[0] = "mlops-new"
from mlops_new.cli import main
main()
"""


def template_repo(where: Path) -> Path:
    """Our template in a git repository, tagged, its .gitignore letting DVC's files in."""
    remove(where)
    shutil.copytree(ROOT / "template", where / "template", symlinks=True)
    shutil.copy2(ROOT / "copier.yml", where)
    ignore = where / "template" / ".gitignore"
    text = ignore.read_text(encoding="utf-8")
    if "!/data/*/*.dvc" not in text:
        text = text.replace("/data/*/*\n", "/data/*/*\n!/data/*/*.dvc\n!/data/raw/.gitignore\n")
        ignore.write_text(text, encoding="utf-8")
    quiet = {"cwd": where, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **quiet)
    subprocess.run(["git", "add", "-A"], **quiet)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "t"], **quiet
    )
    subprocess.run(["git", "tag", "v0.1.0"], **quiet)
    return where


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default="100,1000", help="MB, comma-separated")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "dataset-results.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tables = {size: make_csv(size) for size in sizes}
    env = dict(os.environ, NO_COLOR="1", UV_PYTHON_DOWNLOADS="never", DVC_NO_ANALYTICS="1")
    scratch = DATA / "scratch"
    remove(scratch)
    template = str(template_repo(DATA / "template"))
    own_peaks: dict[str, list[int]] = {}

    def case(name: str, extra: list[str]) -> Case:
        def prepare(folder: Path) -> tuple[list[str], Path]:
            argv = [args.python, "-c", WRAPPER, str(folder / "peak"), "p", "--defaults",
                    "--no-lock", "--template", template, "--vcs-ref", "v0.1.0", *extra]  # fmt: skip
            return argv, folder

        def inspect(folder: Path) -> None:
            own_peaks.setdefault(name, []).append(int((folder / "peak").read_text()))
            if "--dataset" in extra and "data_versioning=none" not in extra:
                source = Path(extra[extra.index("--dataset") + 1])
                assert (folder / "p" / "data" / "raw" / f"{source.name}.dvc").is_file(), name

        return Case(name, prepare, inspect)

    def dataset(size: int, dvc: bool) -> list[str]:
        versioning = [] if dvc else ["--data", "data_versioning=none"]
        return [*versioning, "--dataset", str(tables[size]), "--target", "churned"]

    cases = [case("plain generation (anchor)", [])]
    for size in sizes:
        cases.append(case(f"{size} MB CSV, no DVC", dataset(size, dvc=False)))
        cases.append(case(f"{size} MB CSV, DVC", dataset(size, dvc=True)))
    print(f"load average {load_average()}", file=sys.stderr)
    stats = alternate(cases, env, scratch, reps=args.reps, warmup=1)
    remove(DATA / "template")
    anchor = stats[cases[0].name]
    own = {name: max(peaks) / 1024 for name, peaks in own_peaks.items()}
    rows = [
        [name, f"{s.median:.2f}", f"{s.cpu:.2f}", f"{own[name]:.0f}", f"{s.peak_mib:.0f}",
         f"{s.median - anchor.median:+.2f}"]
        for name, s in stats.items()
    ]  # fmt: skip
    facts = machine()
    bytecode = "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "unset"
    lines = [
        "# Generation from a large table",
        "",
        f"Machine: {facts['machine']}; Python {facts['python']}; load average {load_average()}; "
        f"{args.reps} runs each after one warm-up, alternating; medians. "
        f"`PYTHONDONTWRITEBYTECODE` is {bytecode} (set, every Python start recompiles its "
        "imports: mlops-new's and DVC's). Every case: `mlops-new p --defaults --no-lock` with "
        "git (the first commit); DVC's `dvc add` through `uv tool run` from a warm uv cache.",
        "",
        *table(
            [
                "case",
                "wall s",
                "CPU s",
                "peak MiB (mlops-new)",
                "peak MiB (any process)",
                "vs anchor s",
            ],
            rows,
        ),
    ]
    if len(sizes) >= 2:
        for dvc in ("no DVC", "DVC"):
            small, large = f"{sizes[0]} MB CSV, {dvc}", f"{sizes[-1]} MB CSV, {dvc}"
            lines += [
                "",
                f"- {dvc}: {sizes[-1]} MB costs mlops-new {own[large] / own[small]:.2f}× its "
                f"peak memory at {sizes[0]} MB (target ≤ 1.10); {sizes[0]} MB adds "
                f"{stats[small].median - anchor.median:+.2f} s to plain generation (target ≤ 3 s)",
            ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
