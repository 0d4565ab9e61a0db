"""Tier 2: a generated project (defaults) installs, and its own tools prove it green."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import BIN, CLI, PYENV_VERSIONS, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def menv(gitconfig: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        UV_PYTHON_DOWNLOADS="never",
        DVC_NO_ANALYTICS="1",
        PYENV_VERSION=env.get("PYENV_VERSION", PYENV_VERSIONS),
    )
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, menv) -> Path:
    parent = tmp_path_factory.mktemp("full")
    run([CLI, "iris-full", "--defaults"], cwd=parent, env=menv, check=True)
    path = parent / "iris-full"
    run(["make", "setup"], cwd=path, env=menv, check=True)
    return path


def make(project: Path, env, *targets: str, check: bool = True):
    return run(["make", *targets], cwd=project, env=env, check=check)


def test_first_commit_includes_the_lock_file(project: Path, menv) -> None:
    files = run(["git", "ls-files"], cwd=project, env=menv, check=True).stdout.split()
    assert "uv.lock" in files


def test_make_test_passes(project: Path, menv) -> None:
    out = make(project, menv, "test").stdout
    assert " passed" in out and "failed" not in out


def test_make_lint_is_clean(project: Path, menv) -> None:
    make(project, menv, "lint")


def test_pipeline_runs_then_has_nothing_to_do(project: Path, menv) -> None:
    first = make(project, menv, "pipeline").stdout
    assert "Running stage 'train'" in first
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    assert (project / "models" / "model.joblib").is_file()
    assert (project / "reports" / "figures" / "confusion_matrix.png").stat().st_size > 1000
    assert (project / "dvclive" / "metrics.json").is_file()
    second = make(project, menv, "pipeline").stdout
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in second


def test_push_then_pull_restores_data_and_model(project: Path, menv) -> None:
    make(project, menv, "pipeline")
    make(project, menv, "push")
    model = (project / "models" / "model.joblib").read_bytes()
    shutil.rmtree(project / ".dvc" / "cache")
    (project / "models" / "model.joblib").unlink()
    (project / "data" / "processed" / "train.csv").unlink()
    make(project, menv, "pull")
    assert (project / "models" / "model.joblib").read_bytes() == model
    assert (project / "data" / "processed" / "train.csv").is_file()


def test_dvc_exp_run_works(project: Path, menv) -> None:
    run(["git", "add", "-A"], cwd=project, env=menv, check=True)
    run(["git", "commit", "-qm", "pipeline outputs"], cwd=project, env=menv, check=True)
    out = run(
        ["uv", "run", "dvc", "exp", "run", "--set-param", "train.n_estimators=20"],
        cwd=project,
        env=menv,
        check=True,
    )
    assert "Ran experiment" in out.stdout + out.stderr
    shown = run(
        ["uv", "run", "dvc", "exp", "show", "--json"], cwd=project, env=menv, check=True
    ).stdout
    assert "n_estimators" in shown


def test_monitor_passes_on_reference_and_fails_on_shifted_data(project: Path, menv) -> None:
    make(project, menv, "pipeline")
    assert make(project, menv, "monitor").returncode == 0
    shifted = project / "data" / "interim" / "shifted.csv"
    lines = (project / "data" / "processed" / "test.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]] + [
        ",".join(f"{float(v) + 4:.2f}" for v in ln.split(",")[:4]) + "," + ln.split(",")[4]
        for ln in lines[1:]
    ]
    shifted.write_text("\n".join(rows) + "\n", encoding="utf-8")
    failed = make(project, menv, "monitor", f"CURRENT={shifted}", check=False)
    assert failed.returncode != 0
    report = json.loads((project / "reports" / "drift.json").read_text(encoding="utf-8"))
    assert len(report["drifted_features"]) == 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_api_answers_health_and_predict(project: Path, menv) -> None:
    make(project, menv, "pipeline")
    port = _free_port()
    server = subprocess.Popen(
        ["make", "serve", f"PORT={port}"],
        cwd=project,
        env=menv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = json.load(urllib.request.urlopen(f"{base}/health", timeout=2))
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the API did not start within 60 s"
                time.sleep(0.5)
        assert health == {"status": "ok", "model_loaded": True}

        def post(payload: dict) -> tuple[int, dict]:
            request = urllib.request.Request(
                f"{base}/predict",
                json.dumps(payload).encode(),
                {"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status, json.load(response)
            except urllib.error.HTTPError as error:
                return error.code, json.load(error)

        flower = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
        status, body = post({"instances": [flower]})
        assert (status, body["predictions"]) == (200, [0])
        status, _ = post({"instances": [{"sepal_length": "long"}]})
        assert status == 422
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)


def test_pre_commit_passes_on_all_files(project: Path, menv) -> None:
    out = run(
        ["uv", "run", "pre-commit", "run", "--all-files"], cwd=project, env=menv, check=True
    ).stdout
    assert "merge-conflict" in out and "private keys" in out


def test_docs_build_strictly(project: Path, menv) -> None:
    make(project, menv, "docs")
    assert (project / "site" / "index.html").is_file()


def test_every_dockerfile_copy_source_exists(project: Path) -> None:
    for line in (project / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (project / source).exists(), source
