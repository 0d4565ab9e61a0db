"""A generated project's API with and without its prediction log, and `make monitor` on a
large log (issue 17).

Targets: logging costs a prediction at most 10% (median latency with the log over without,
single row and a batch of 100, timed alternately in one process: ratio <= 1.10), and the
monitor reads 10^6 logged rows in under 30 s with memory flat in the row count (peak at
10^6 rows no more than 1.5 x the peak at 10^5: it keeps the last `monitor: log_rows`).
Run:

    .venv/bin/python benchmarks/serving.py PROJECT [--requests 300] [--out FILE]

PROJECT is a generated project with FastAPI serving, set up (`make setup`) and trained
(`make pipeline`); the timings run in its own environment (`uv run`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from benchlib import load_average, machine

#: Runs inside the project: alternate rounds with and without the log, print medians (ms).
LATENCY = textwrap.dedent(
    """
    import json, os, statistics, sys, tempfile, time
    from fastapi.testclient import TestClient
    from {package}.serve import app
    from {package}.predict import example

    requests, out = int(sys.argv[1]), {{}}
    one = {{"instances": [example()]}}
    batch = {{"instances": [example()] * 100}}
    times = {{(log, size): [] for log in (False, True) for size in ("1", "100")}}
    with tempfile.TemporaryDirectory() as where:
        for round_ in range(6):
            for log in (False, True):
                os.environ["PREDICTION_LOG"] = os.path.join(where, "p.jsonl") if log else ""
                with TestClient(app) as client:
                    for size, body in (("1", one), ("100", batch)):
                        for _ in range(requests // 6):
                            started = time.perf_counter()
                            assert client.post("/predict", json=body).status_code == 200
                            times[(log, size)].append(1000 * (time.perf_counter() - started))
    for size in ("1", "100"):
        off = statistics.median(times[(False, size)])
        on = statistics.median(times[(True, size)])
        out[size] = {{"without_ms": round(off, 3), "with_ms": round(on, 3),
                      "ratio": round(on / off, 3)}}
    print(json.dumps(out))
    """
)

#: Writes a log of `rows` predictions like the API's (one request per row).
WRITE_LOG = textwrap.dedent(
    """
    import json, sys
    from {package}.predict import example
    from {package}.predictions import PredictionLog
    rows, path = int(sys.argv[1]), sys.argv[2]
    log = PredictionLog(__import__("pathlib").Path(path), 10**12, 0)
    features = example()
    for number in range(rows):
        log.record(f"r{{number}}", [features], [0], "bench", 1.5)
    log.close()
    """
)


def _package(project: Path) -> str:
    return next(project.glob("src/*/serve.py")).parent.name


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"UV_OFFLINE": "1"}
    return subprocess.run(
        ["uv", "run", "--no-sync", *args], cwd=project, env=env, capture_output=True, text=True
    )


def latency(project: Path, requests: int) -> dict[str, dict[str, float]]:
    """Median request latency with and without the prediction log."""
    code = LATENCY.format(package=_package(project))
    done = _run(project, "python", "-c", code, str(requests))
    if done.returncode:
        sys.exit(f"serving benchmark failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def monitor(project: Path, rows: int) -> dict[str, float]:
    """`python -m PACKAGE.monitor --log` on a log of `rows` rows: wall time and peak MiB."""
    package = _package(project)
    log = project / "logs" / f"bench-{rows}.jsonl"
    if not log.exists():
        done = _run(project, "python", "-c", WRITE_LOG.format(package=package), str(rows), str(log))
        if done.returncode:
            sys.exit(f"writing the log failed:\n{done.stderr[-3000:]}")
    timer = (
        "import resource, subprocess, sys, time; s = time.perf_counter();"
        "subprocess.run(sys.argv[1:]); w = time.perf_counter() - s;"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    report = project / "logs" / "bench-drift.json"
    command = ["python", "-m", f"{package}.monitor", "--log", str(log), "--report", str(report)]
    python = str(project / ".venv" / "bin" / "python")
    done = _run(project, "python", "-c", timer, python, *command[1:])
    wall, peak = done.stdout.split()[-2:]
    return {"seconds": round(float(wall), 2), "peak_mib": round(int(peak) / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("serving-results.md"))
    args = parser.parse_args()
    project = args.project.resolve()
    before = load_average()
    host = ", ".join(f"{key}: {value}" for key, value in machine().items())
    timed = latency(project, args.requests)
    memory = {rows: monitor(project, rows) for rows in (100_000, 1_000_000)}
    lines = [
        "# Serving: the prediction log's cost, and the monitor on a large log",
        "",
        f"Project: `{project.name}`; {args.requests} requests per case, alternating with",
        f"and without the log. {host}; load average {before} → {load_average()}.",
        "",
        "| request | without log (ms, median) | with log | ratio (target ≤ 1.10) |",
        "|---|---|---|---|",
        *(
            f"| {size} row{'s' if size != '1' else ''} | {row['without_ms']} | {row['with_ms']} "
            f"| {row['ratio']} |"
            for size, row in timed.items()
        ),
        "",
        "| logged rows | `monitor --log` (s, target < 30) | peak MiB |",
        "|---|---|---|",
        *(f"| {rows:,} | {row['seconds']} | {row['peak_mib']} |" for rows, row in memory.items()),
        "",
        "Peak memory ratio, 10^6 over 10^5 rows (target ≤ 1.5): "
        f"{memory[1_000_000]['peak_mib'] / memory[100_000]['peak_mib']:.2f}.",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
