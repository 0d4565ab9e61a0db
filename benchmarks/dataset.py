"""Schema inference on large tables: `mlops-new schema` at 100 MB and 1 GB (issue 15).

Targets: at 100 MB at most 3 s over plain generation (`mlops-new p --defaults --no-lock
--no-git`, the anchor, timed alternately with it), and flat memory: the 1 GB file may not
cost more peak memory than the 100 MB one (ratio <= 1.1). Run:

    .venv/bin/python benchmarks/dataset.py [--reps 3] [--sizes 100,1000] [--out FILE]

The tables are written once into benchmarks/.data/ (gitignored; about 1.1 GB): a churn-like
CSV of numeric, categorical, boolean, id and free-text columns, with missing values.
"""

from __future__ import annotations

import argparse
import os
import random
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default="100,1000", help="MB, comma-separated")
    parser.add_argument("--mlops-new", default=str(ROOT / ".venv" / "bin" / "mlops-new"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "dataset-results.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tables = {size: make_csv(size) for size in sizes}
    env = dict(os.environ, NO_COLOR="1", UV_PYTHON_DOWNLOADS="never")
    scratch = DATA / "scratch"
    remove(scratch)

    def generate(folder: Path) -> tuple[list[str], Path]:
        return [args.mlops_new, "p", "--defaults", "--no-lock", "--no-git"], folder

    def infer(size: int):
        def prepare(folder: Path) -> tuple[list[str], Path]:
            out = folder / "schema.yaml"
            return [args.mlops_new, "schema", str(tables[size]), "--target", "churned",
                    "-o", str(out)], folder  # fmt: skip

        return prepare

    cases = [Case("plain generation (anchor)", generate)]
    cases += [Case(f"schema of a {size} MB CSV", infer(size)) for size in sizes]
    print(f"load average {load_average()}", file=sys.stderr)
    stats = alternate(cases, env, scratch, reps=args.reps, warmup=1)
    anchor = stats[cases[0].name]
    facts = machine()
    rows = [
        [name, f"{s.median:.2f}", f"{s.cpu:.2f}", f"{s.peak_mib:.0f}",
         f"{s.median - anchor.median:+.2f}"]
        for name, s in stats.items()
    ]  # fmt: skip
    lines = [
        "# Schema inference on large tables",
        "",
        f"Machine: {facts['machine']}; Python {facts['python']}; load average {load_average()}; "
        f"{args.reps} runs each after one warm-up, alternating; medians. "
        "`PYTHONDONTWRITEBYTECODE` is "
        f"{'set' if os.environ.get('PYTHONDONTWRITEBYTECODE') else 'unset'} "
        "(set, it slows every Python start).",
        "",
        *table(["case", "wall s", "CPU s", "peak MiB", "vs anchor s"], rows),
    ]
    if len(sizes) >= 2:
        small, large = stats[cases[1].name], stats[cases[-1].name]
        lines += [
            "",
            f"- memory: {sizes[-1]} MB costs {large.peak_mib / small.peak_mib:.2f}× the peak "
            f"memory of {sizes[0]} MB (target ≤ 1.10: flat in the file size)",
            f"- time: {sizes[0]} MB adds {small.median - anchor.median:+.2f} s to plain "
            "generation's time (target ≤ 3 s)",
        ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
