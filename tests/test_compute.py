"""Tier 3: compute=dask on a real local cluster (a scheduler and two worker processes on
127.0.0.1): the pipeline gives the metrics of compute=local, the work ran on the workers (their
own task records), and data too big for the stage's memory cap goes through preparation."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import free_port, generate, run

pytestmark = pytest.mark.slow

#: The small data set both projects are generated with (`--dataset`), and its target.
ROWS = 600
TARGET = "label"
#: The data set the memory test prepares: about 150 MB of CSV, which pandas needs about
#: 550 MB to load whole; the prepare stage runs under MEMORY_CAP.
BIG_ROWS = 4_000_000
MEMORY_CAP = 400 * 2**20
#: The stages that run on the cluster, and a task each of them leaves in the workers' records
#: (Dask names a task after its function, less leading underscores; joblib's tasks are
#: batches of calls of one function).
CLUSTER_TASKS = {
    "prepare": "rows",
    "validate": "check",
    "tune": "batch_of_cross_validate_",
    "train": "batch_of__parallel_build_trees_",
}
# Each worker's record of the tasks it ran: its transition log, long enough for a whole run.
LOG_LENGTH = {"DASK_DISTRIBUTED__ADMIN__LOW_LEVEL_LOG_LENGTH": "1000000"}
TASKS_RUN = """
import json, sys
from dask.utils import key_split
from distributed import Client

def executed(dask_worker):
    names = {}
    for entry in dask_worker.state.log:
        # A task that submits tasks itself (joblib's, nested) ran "long-running".
        if len(entry) == 7 and entry[1] in ("executing", "long-running") and entry[2] == "memory":
            names[key_split(entry[0])] = names.get(key_split(entry[0]), 0) + 1
    return names

with Client(sys.argv[1], timeout=60) as client:
    print(json.dumps(client.run(executed)))
"""


def _write_data(path: Path, rows: int) -> None:
    """Two informative features (the class is a band of f1 + f2) and four of noise."""
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([*(f"f{i}" for i in range(1, 7)), TARGET])
        for _ in range(rows):
            values = [round(rng.uniform(0, 10), 3) for _ in range(6)]
            band = values[0] + values[1]
            writer.writerow([*values, "a" if band < 8 else "b" if band < 12 else "c"])


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory, session_env) -> dict[str, Path]:
    """The same data set in a compute=local and a compute=dask project, both set up."""
    parent = tmp_path_factory.mktemp("compute")
    data = parent / "shapes.csv"
    _write_data(data, ROWS)
    result = {}
    for compute in ("local", "dask"):
        path = generate(
            parent,
            "--defaults",
            *("-d", f"compute={compute}", "--dataset", data, "--target", TARGET),
            env=session_env,
            name=f"shapes-{compute}",
        )
        run(["make", "setup"], cwd=path, env=session_env, check=True)
        result[compute] = path
    return result


@pytest.fixture(scope="module")
def cluster(projects: dict[str, Path], session_env) -> Iterator[str]:
    """A scheduler and two worker processes on 127.0.0.1, from the dask project's own
    environment (the workers import its package); stopped at the end of the module."""
    project = projects["dask"]
    address = f"tcp://127.0.0.1:{free_port()}"
    dask = project / ".venv" / "bin" / "dask"
    host = ["--host", "127.0.0.1", "--no-dashboard"]
    commands = {
        "scheduler": [dask, "scheduler", "--port", address.rpartition(":")[2], *host],
        "workers": [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", *host],
    }
    env = {**session_env, **LOG_LENGTH}
    processes = []
    try:
        for name, command in commands.items():
            with (project.parent / f"{name}.log").open("w", encoding="utf-8") as log:
                processes.append(
                    subprocess.Popen(
                        [str(part) for part in command],
                        cwd=project,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
        wait = "import sys; from distributed import Client; Client(sys.argv[1]).wait_for_workers(2)"
        run([project / ".venv/bin/python", "-c", wait, address], cwd=project, env=env, check=True)
        yield address
    finally:
        for process in reversed(processes):
            os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_pipeline_on_the_cluster_gives_the_local_results(
    projects: dict[str, Path], cluster: str, session_env
) -> None:
    local = run(["make", "pipeline"], cwd=projects["local"], env=session_env, check=True)
    assert "Dask" not in local.stdout
    env = {**session_env, "DASK_SCHEDULER_ADDRESS": cluster}
    distributed = run(["make", "pipeline"], cwd=projects["dask"], env=env, check=True)
    for stage in CLUSTER_TASKS:
        assert f"{stage}: on the Dask scheduler {cluster} with 2 workers" in distributed.stdout
    # Dask adds no randomness: the same split, scores, model quality and gates.
    for name in ("metrics.json", "reports/tuning.json", "reports/validation.json"):
        got, want = (json.loads((projects[c] / name).read_text()) for c in ("dask", "local"))
        assert got == want, name
    for name in ("data/processed/train.csv", "data/processed/test.csv"):
        assert (projects["dask"] / name).read_bytes() == (projects["local"] / name).read_bytes()
    gates = {c: json.loads((projects[c] / "reports/gates.json").read_text()) for c in projects}
    assert gates["dask"]["passed"] and not gates["dask"]["failed"]
    verdicts = {c: {k: v["passed"] for k, v in gates[c]["gates"].items()} for c in gates}
    assert verdicts["dask"] == verdicts["local"]

    records = run(
        [projects["dask"] / ".venv/bin/python", "-c", TASKS_RUN, cluster],
        cwd=projects["dask"],
        env=env,
        check=True,
    )
    executed: dict[str, dict[str, int]] = json.loads(records.stdout)
    assert len(executed) == 2 and all(executed.values()), executed  # both workers worked
    names = {name for tasks in executed.values() for name in tasks}
    for stage, task in CLUSTER_TASKS.items():
        assert any(task in name for name in names), f"{stage}: no {task} in {names}"

    again = run(["make", "pipeline"], cwd=projects["dask"], env=env, check=True)
    assert "Running stage" not in again.stdout  # DVC's cache: nothing to do


def test_make_test_passes(projects: dict[str, Path], cluster: str, session_env) -> None:
    env = {**session_env, "DASK_SCHEDULER_ADDRESS": cluster}
    run(["make", "test"], cwd=projects["dask"], env=env, check=True)


def _memory_cgroup(limit: int) -> Path | None:
    """A new memory cgroup below this process's own, capped at `limit` bytes (no swap);
    None where there is none to make (not root, no memory controller)."""
    for line in Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines():
        hierarchy, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):  # cgroup v1
            parent, files = Path("/sys/fs/cgroup/memory", path.lstrip("/")), "memory.limit_in_bytes"
        elif hierarchy == "0" and Path("/sys/fs/cgroup/cgroup.controllers").exists():  # v2
            parent, files = Path("/sys/fs/cgroup", path.lstrip("/")), "memory.max"
        else:
            continue
        child = parent / f"mlops-new-test-{os.getpid()}"
        try:
            child.mkdir(exist_ok=True)
            (child / files).write_text(f"{limit}\n", encoding="utf-8")
            for swap in ("memory.memsw.limit_in_bytes", "memory.swap.max"):
                if (child / swap).exists():
                    (child / swap).write_text(f"{limit if 'memsw' in swap else 0}\n")
        except OSError:
            continue
        return child
    return None


def _capped(group: Path, command: list) -> list:
    """`command` run inside the cgroup `group` (the shell joins it, then becomes the command)."""
    return ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$@"', "sh", *command]


def test_data_bigger_than_the_stage_memory_cap_is_prepared_on_the_cluster(
    projects: dict[str, Path], cluster: str, session_env
) -> None:
    project = projects["dask"]
    group = _memory_cgroup(MEMORY_CAP)
    if group is None:
        pytest.skip("no memory cgroup to make here (needs root and a memory controller)")
    python = project / ".venv/bin/python"
    raw = project / "data/raw/shapes.csv"
    write = (
        "import numpy as np, pandas as pd, sys\n"
        "rng = np.random.default_rng(0)\n"
        f"f = pd.DataFrame(rng.uniform(0, 10, ({BIG_ROWS}, 6)).round(3),"
        " columns=[f'f{i}' for i in range(1, 7)])\n"
        "band = f.f1 + f.f2\n"
        f"f[{TARGET!r}] = np.where(band < 8, 'a', np.where(band < 12, 'b', 'c'))\n"
        "f.to_csv(sys.argv[1], index=False)\n"
    )
    try:
        run([python, "-c", write, raw], cwd=project, env=session_env, check=True)
        params = project / "params.yaml"
        params.write_text(params.read_text().replace("blocksize: 64MB", "blocksize: 16MB"))
        # The cap is real: loading the data whole, as compute=local's prepare does, is killed.
        whole = [python, "-c", f"import pandas as pd; pd.read_csv({str(raw)!r})"]
        loaded = run(_capped(group, whole), cwd=project, env=session_env)
        assert loaded.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), loaded.stderr
        # The workers (outside the cap) read and write the partitions; the stage only plans.
        env = {**session_env, "DASK_SCHEDULER_ADDRESS": cluster}
        stage = [python, "-m", "shapes_dask.on_cluster.prepare"]
        prepared = run(_capped(group, stage), cwd=project, env=env, timeout=600)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        lines = [
            (project / "data/processed" / name).read_bytes().count(b"\n") - 1
            for name in ("train.csv", "test.csv")
        ]
        assert sum(lines) == BIG_ROWS and abs(lines[1] - BIG_ROWS * 0.25) < 3, lines
        assert f"prepare: {lines[0]} training and {lines[1]} test rows" in prepared.stdout
    finally:
        for process in (group / "cgroup.procs").read_text().split():
            os.kill(int(process), signal.SIGKILL)
        group.rmdir()
