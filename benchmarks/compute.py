"""The pipeline with compute=local against compute=dask on two local workers (issue 20), at
10^5, 10^6 and 10^7 rows: wall time and peak memory of each process.

Two projects are generated from the same small table (`--dataset`, six numeric features and a
class), set up once; for each size the same generated table replaces their raw data and each
stage runs as dvc.yaml runs it (`python -m PACKAGE.STAGE`, or `PACKAGE.on_cluster.STAGE`
pointed at the cluster by DASK_SCHEDULER_ADDRESS), without DVC's own hashing (the same for
both). For each size a fresh cluster (a scheduler and two single-threaded worker processes
on 127.0.0.1) is started, so that the workers' peak memory is that size's. Peak memory is
Linux's ru_maxrss: of the stage's process (local: the only one; dask: the driver), and of
each worker, read from the worker itself at the end. The data stages (prepare, validate) run
at every size, the whole pipeline (tune, train, evaluate, gates too) up to `--full-max` rows:
the random-forest grid search on 7.5 million rows takes hours on two cores. Run:

    .venv/bin/python benchmarks/compute.py [--sizes 100000,1000000,10000000] [--full-max 100000]

Writes benchmarks/compute-results.md. PYTHONDONTWRITEBYTECODE is reported: with it set, every
process compiles its imports again (a few seconds per stage), as `make setup` does not help.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import ROOT, CommandFailed, Run, load_average, machine, table, timed

DATA = ROOT / "benchmarks" / ".data"
CLI = Path(sys.executable).parent / "mlops-new"
TARGET = "label"
DATA_STAGES = ["prepare", "validate"]
MODEL_STAGES = ["tune", "train", "evaluate", "gates"]
ON_CLUSTER = {"prepare", "validate", "tune", "train"}
#: Writes argv[2] rows of the benchmark's table to argv[1] (in the project's own Python).
WRITE = """
import sys
import numpy as np, pandas as pd
rows, path = int(sys.argv[2]), sys.argv[1]
rng = np.random.default_rng(rows)
header = True
for start in range(0, rows, 1_000_000):
    n = min(1_000_000, rows - start)
    f = pd.DataFrame(rng.uniform(0, 10, (n, 6)).round(3), columns=[f"f{i}" for i in range(1, 7)])
    band = f.f1 + f.f2
    f["label"] = np.where(band < 8, "a", np.where(band < 12, "b", "c"))
    f.to_csv(path, index=False, header=header, mode="w" if header else "a")
    header = False
"""
#: Prints each worker's peak resident memory (KiB) as JSON.
WORKER_PEAKS = """
import json, sys
from distributed import Client
def peak():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with Client(sys.argv[1], timeout=60) as client:
    print(json.dumps(client.run(peak)))
"""


def _seed_table(path: Path) -> None:
    """The small table the projects are generated from; its first two rows hold each
    feature's bounds (0 and 10), so the inferred schema accepts every larger table."""
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([*(f"f{i}" for i in range(1, 7)), TARGET])
        writer.writerow([0.0] * 6 + ["a"])
        writer.writerow([10.0] * 6 + ["c"])
        for _ in range(598):
            values = [round(rng.uniform(0, 10), 3) for _ in range(6)]
            band = values[0] + values[1]
            writer.writerow([*values, "a" if band < 8 else "b" if band < 12 else "c"])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS")}
    env.update(UV_PYTHON_DOWNLOADS="never", DVC_NO_ANALYTICS="1", NO_COLOR="1")
    env.setdefault("PYENV_VERSION", "3.11.7:3.12.1:3.13.0:3.10.13")
    return env


def _projects(parent: Path, env: dict[str, str], python: str) -> dict[str, Path]:
    seed = parent / "shapes.csv"
    _seed_table(seed)
    result = {}
    for compute in ("local", "dask"):
        name = f"bench-{compute}"
        answers = ["-d", f"python_version={python}", "-d", f"compute={compute}"]
        subprocess.run(
            [CLI, name, "--defaults", *answers, "--dataset", seed, "--target", TARGET],
            cwd=parent,
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["make", "setup"], cwd=parent / name, env=env, check=True, capture_output=True
        )
        result[compute] = parent / name
    return result


def _table(rows: int, python: Path, env: dict[str, str]) -> Path:
    path = DATA / f"shapes-{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        subprocess.run([python, "-c", WRITE, partial, str(rows)], env=env, check=True)
        partial.replace(path)
    return path


class Cluster:
    """A scheduler and two worker processes on 127.0.0.1, from a project's environment."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project, self.env = project, env
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = str(project / ".venv/bin/dask")
        host = ["--host", "127.0.0.1", "--no-dashboard"]
        self.processes = [
            subprocess.Popen(
                command,
                cwd=project,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for command in (
                [dask, "scheduler", "--port", str(port), *host],
                [dask, "worker", self.address, "--nworkers", "2", "--nthreads", "1", *host],
            )
        ]
        wait = "import sys; from distributed import Client; Client(sys.argv[1]).wait_for_workers(2)"
        subprocess.run([self.python, "-c", wait, self.address], env=env, check=True, timeout=180)

    @property
    def python(self) -> Path:
        return self.project / ".venv/bin/python"

    def worker_peaks(self) -> list[int]:
        out = subprocess.run(
            [self.python, "-c", WORKER_PEAKS, self.address],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return sorted(json.loads(out.stdout).values())

    def stop(self) -> None:
        for process in reversed(self.processes):
            os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _stage(project: Path, compute: str, stage: str, env: dict[str, str]) -> Run:
    package = project.name.replace("-", "_")
    module = (
        f"{package}.on_cluster.{stage}"
        if compute == "dask" and stage in ON_CLUSTER
        else f"{package}.{stage}"
    )
    return timed([str(project / ".venv/bin/python"), "-m", module], project, env)


def _measure(projects: dict[str, Path], rows: int, stages: list[str], env: dict[str, str]) -> dict:
    data = _table(rows, projects["dask"] / ".venv/bin/python", env)
    result: dict[str, dict] = {}
    for compute, project in projects.items():
        raw = project / "data/raw/shapes.csv"
        raw.unlink(missing_ok=True)
        os.link(data, raw)
        cluster = Cluster(project, env) if compute == "dask" else None
        stage_env = {**env, "DASK_SCHEDULER_ADDRESS": cluster.address} if cluster else env
        runs = {}
        try:
            for stage in stages:
                runs[stage] = _stage(project, compute, stage, stage_env)
            workers = cluster.worker_peaks() if cluster else []
        finally:
            if cluster:
                cluster.stop()
        result[compute] = {"runs": runs, "workers": workers}
        print(
            f"{rows} rows, {compute}: "
            + ", ".join(f"{s} {r.seconds:.1f}s {r.peak_kib // 1024}MiB" for s, r in runs.items())
            + (f"; workers {[w // 1024 for w in workers]} MiB" if workers else ""),
            flush=True,
        )
    for name in ("train.csv", "test.csv"):
        same = (projects["dask"] / "data/processed" / name).read_bytes() == (
            projects["local"] / "data/processed" / name
        ).read_bytes()
        result.setdefault("identical", []).append(same)
    if "evaluate" in stages:
        metrics = [json.loads((p / "metrics.json").read_text()) for p in projects.values()]
        result["metrics"] = metrics
    return result


def _mib(kib: int) -> str:
    return f"{kib / 1024:,.0f}"


def report(results: dict[int, dict], started: str, ended: str, full_max: int) -> str:
    lines = [
        "# Compute: `local` against `dask` (two workers)",
        "",
        "Written by `benchmarks/compute.py` (issue 20). One run per size (10^7 rows: once, as",
        "the issue allows). Wall time in seconds; peak memory (ru_maxrss) in MiB: of the stage's",
        "process (`local`: the only one; `dask`: the driver, which holds no data) and of the",
        "larger of the two workers (each a fresh process per size).",
        "",
    ]
    for group, stages in (
        ("Data stages (prepare + validate)", DATA_STAGES),
        (f"Whole pipeline (up to {full_max:,} rows)", DATA_STAGES + MODEL_STAGES),
    ):
        rows = []
        for size, result in results.items():
            if not all(stage in result["local"]["runs"] for stage in stages):
                continue
            local, dask = result["local"], result["dask"]
            seconds = [sum(r["runs"][s].seconds for s in stages) for r in (local, dask)]
            peaks = [max(r["runs"][s].peak_kib for s in stages) for r in (local, dask)]
            worker = max(dask["workers"]) if dask["workers"] else 0
            rows.append(
                [
                    f"{size:,}",
                    f"{seconds[0]:.1f}",
                    f"{seconds[1]:.1f}",
                    f"{seconds[1] / seconds[0]:.2f}",
                    _mib(peaks[0]),
                    _mib(peaks[1]),
                    _mib(worker),
                ]
            )
        if rows:
            lines += [f"## {group}", ""]
            lines += table(
                [
                    "rows",
                    "local s",
                    "dask s",
                    "dask/local",
                    "local peak MiB",
                    "dask driver peak MiB",
                    "dask worker peak MiB",
                ],
                rows,
            )
            lines.append("")
    lines += ["## Per stage", ""]
    rows = []
    for size, result in results.items():
        for stage in result["local"]["runs"]:
            local, dask = result["local"]["runs"][stage], result["dask"]["runs"][stage]
            rows.append(
                [
                    f"{size:,} {stage}",
                    f"{local.seconds:.1f}",
                    f"{dask.seconds:.1f}",
                    _mib(local.peak_kib),
                    _mib(dask.peak_kib),
                ]
            )
    lines += table(
        ["rows, stage", "local s", "dask s", "local peak MiB", "dask driver peak MiB"], rows
    )
    lines += ["", "## Same results", ""]
    for size, result in results.items():
        note = (
            "train.csv and test.csv byte-identical"
            if all(result["identical"])
            else "PREPARED FILES DIFFER"
        )
        if "metrics" in result:
            note += "; metrics.json " + (
                "equal" if result["metrics"][0] == result["metrics"][1] else "DIFFERENT"
            )
        lines.append(f"- {size:,} rows: {note}")
    info = machine()
    lines += [
        "",
        "## Environment",
        "",
        f"- {info['date']}; {info['machine']}; mlops-new tree {info['mlops-new tree']}",
        f"- the projects' Python: {results and next(iter(results.values()))['python']}",
        f"- PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}: "
        "bytecode compiled by `make setup` (`uv sync --compile-bytecode`)",
        f"- load average (1 min) at the start {started}, at the end {ended}: the machine is shared",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--full-max", type=int, default=100_000)
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "compute-results.md")
    args = parser.parse_args()
    env, started = _env(), load_average()
    results: dict[int, dict] = {}
    DATA.mkdir(parents=True, exist_ok=True)  # the tables are hard-linked into the projects
    with tempfile.TemporaryDirectory(prefix="compute-bench-", dir=DATA) as parent:
        projects = _projects(Path(parent), env, args.python)
        for size in (int(s) for s in args.sizes.split(",")):
            stages = DATA_STAGES + (MODEL_STAGES if size <= args.full_max else [])
            try:
                results[size] = _measure(projects, size, stages, env)
            except CommandFailed as error:
                print(f"{size} rows: {error}", file=sys.stderr)
                break
            results[size]["python"] = args.python
            args.out.write_text(report(results, started, load_average(), args.full_max))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
