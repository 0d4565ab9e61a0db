"""Tier 2: a generated project (defaults) installs, and its own tools prove it green."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from . import static
from .helpers import CLI, free_port, git, run

pytestmark = pytest.mark.slow

# CI sets this so that a missing image builder fails the run instead of skipping the test.
REQUIRE_IMAGE_BUILD = os.environ.get("MLOPS_NEW_REQUIRE_IMAGE_BUILD") == "1"
IMAGE_TOOLS = ("podman", "buildah", "mmdebstrap")
# The host's CA bundle: registry traffic may go through a TLS proxy that only it trusts.
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# A local base image (no registry needed): Debian trixie's Python 3.13 satisfies the
# default python_version (3.12, the lowest the project supports).
BASE_IMAGE = "localhost/mlops-new-test-base:trixie"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    parent = tmp_path_factory.mktemp("full")
    run([CLI, "iris-full", "--defaults"], cwd=parent, env=session_env, check=True)
    path = parent / "iris-full"
    run(["make", "setup"], cwd=path, env=session_env, check=True)
    return path


def make(project: Path, env, *targets: str, check: bool = True):
    return run(["make", *targets], cwd=project, env=env, check=check)


def test_first_commit_includes_the_lock_file(project: Path, session_env) -> None:
    files = git("ls-files", cwd=project, env=session_env).split()
    assert "uv.lock" in files


def test_make_test_passes(project: Path, session_env) -> None:
    out = make(project, session_env, "test").stdout
    assert " passed" in out and "failed" not in out


def test_make_lint_is_clean(project: Path, session_env) -> None:
    make(project, session_env, "lint")


def test_pipeline_runs_then_has_nothing_to_do(project: Path, session_env) -> None:
    first = make(project, session_env, "pipeline").stdout
    assert "Running stage 'train'" in first
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    assert (project / "models" / "model.joblib").is_file()
    assert (project / "reports" / "figures" / "confusion_matrix.png").stat().st_size > 1000
    assert (project / "dvclive" / "metrics.json").is_file()
    second = make(project, session_env, "pipeline").stdout
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in second


def test_push_then_pull_restores_data_and_model(project: Path, session_env) -> None:
    make(project, session_env, "pipeline")
    make(project, session_env, "push")
    model = (project / "models" / "model.joblib").read_bytes()
    shutil.rmtree(project / ".dvc" / "cache")
    (project / "models" / "model.joblib").unlink()
    (project / "data" / "processed" / "train.csv").unlink()
    make(project, session_env, "pull")
    assert (project / "models" / "model.joblib").read_bytes() == model
    assert (project / "data" / "processed" / "train.csv").is_file()


def test_dvc_exp_run_works(project: Path, session_env) -> None:
    git("add", "-A", cwd=project, env=session_env)
    git("commit", "-qm", "pipeline outputs", cwd=project, env=session_env)
    out = run(
        ["uv", "run", "dvc", "exp", "run", "--set-param", "train.n_estimators=20"],
        cwd=project,
        env=session_env,
        check=True,
    )
    assert "Ran experiment" in out.stdout + out.stderr
    shown = run(
        ["uv", "run", "dvc", "exp", "show", "--json"], cwd=project, env=session_env, check=True
    ).stdout
    assert "n_estimators" in shown


def test_monitor_passes_on_reference_and_fails_on_shifted_data(project: Path, session_env) -> None:
    make(project, session_env, "pipeline")
    assert make(project, session_env, "monitor").returncode == 0
    # The penguins' four measurements pushed towards their largest values, within the
    # schema's ranges: drift, not a schema failure.
    shifted = project / "data" / "interim" / "shifted.csv"
    with (project / "data" / "processed" / "test.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for name in MEASUREMENTS:
        top = max(float(row[name]) for row in rows if row[name])
        for row in rows:
            if row[name]:
                row[name] = f"{top - (top - float(row[name])) * 0.2:.2f}"
    with shifted.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    failed = make(project, session_env, "monitor", f"CURRENT={shifted}", check=False)
    assert failed.returncode != 0
    report = json.loads((project / "reports" / "drift.json").read_text(encoding="utf-8"))
    assert sorted(report["drifted_features"]) == sorted(MEASUREMENTS), report
    assert not report["schema_failures"], report


@contextlib.contextmanager
def _server(command: list[str], *, port: int, cwd: Path, env):
    """Start a server, wait for its /health answer, yield (base URL, health); stop it."""
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
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
                assert server.poll() is None, "the server exited before answering"
                assert time.monotonic() < deadline, "the API did not start within 60 s"
                time.sleep(0.5)
        yield base, health
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def _post(base: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/predict", json.dumps(payload).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
PENGUIN = {
    "island": "Torgersen",
    "bill_length_mm": 39.1,
    "bill_depth_mm": 18.7,
    "flipper_length_mm": 181,
    "body_mass_g": 3750,
}


def test_api_answers_health_and_predict(project: Path, session_env) -> None:
    make(project, session_env, "pipeline")
    port = free_port()
    with _server(["make", "serve", f"PORT={port}"], port=port, cwd=project, env=session_env) as (
        base,
        health,
    ):
        trained = json.loads((project / "models/metadata.json").read_text(encoding="utf-8"))
        served = {"model_version": trained["model_version"], "trained_at": trained["trained_at"]}
        assert health == {"status": "ok", "model_loaded": True, **served}
        status, body = _post(base, {"instances": [PENGUIN]})
        assert (status, body["predictions"]) == (200, ["Adelie"])
        status, _ = _post(base, {"instances": [PENGUIN | {"bill_length_mm": "long"}]})
        assert status == 422


def test_pre_commit_passes_on_all_files(project: Path, session_env) -> None:
    out = run(
        ["uv", "run", "pre-commit", "run", "--all-files"], cwd=project, env=session_env, check=True
    ).stdout
    assert "merge-conflict" in out and "private keys" in out


def test_docs_build_strictly(project: Path, session_env) -> None:
    make(project, session_env, "docs")
    assert (project / "site" / "index.html").is_file()


def test_every_dockerfile_copy_source_exists(project: Path) -> None:
    assert static.dockerfile_context(project, lock_written=True) == []


@pytest.fixture(scope="module")
def base_image(tmp_path_factory: pytest.TempPathFactory, session_env) -> str:
    """A minimal Debian with Python, made by mmdebstrap and imported into podman (kept)."""
    missing = [tool for tool in IMAGE_TOOLS if shutil.which(tool) is None]
    if missing:
        install = " ".join(IMAGE_TOOLS)
        reason = f"building the image needs {', '.join(missing)}: apt-get install {install}"
        if REQUIRE_IMAGE_BUILD:
            pytest.fail(reason)
        pytest.skip(reason)
    where = tmp_path_factory.mktemp("base")
    if run(["podman", "image", "exists", BASE_IMAGE], cwd=where, env=session_env).returncode != 0:
        include = "--include=python3,python3-venv,ca-certificates"
        mirror = "http://deb.debian.org/debian"
        debootstrap = ["mmdebstrap", "--variant=minbase", include, "trixie", "rootfs.tar", mirror]
        run(debootstrap, cwd=where, env=session_env, check=True)
        run(["podman", "import", "rootfs.tar", BASE_IMAGE], cwd=where, env=session_env, check=True)
    return BASE_IMAGE


def test_image_builds_and_serves_predictions(project: Path, session_env, base_image: str) -> None:
    def sh(*args: str, check: bool = True):
        return run(args, cwd=project, env=session_env, check=check)

    make(project, session_env, "pipeline")
    image = "localhost/iris-full:test"
    build_args = [
        "--isolation=chroot",
        "--format=docker",  # keeps HEALTHCHECK, which the OCI format drops
        f"--build-arg=BASE_IMAGE={base_image}",
    ]
    if HOST_CA.is_file():
        build_args.append(f"--volume={HOST_CA}:{HOST_CA}:ro")
    make(
        project,
        session_env,
        "docker-build",
        "CONTAINER=podman",
        f"BUILD_ARGS={' '.join(build_args)}",
        f"IMAGE={image}",
        "MODEL_IMAGE=localhost/iris-full",
    )
    metadata = json.loads((project / "models/metadata.json").read_text(encoding="utf-8"))
    model_tag = f"localhost/iris-full:model-{metadata['model_version']}"
    assert sh("podman", "image", "exists", model_tag, check=False).returncode == 0, model_tag
    config = json.loads(sh("buildah", "inspect", "--type=image", image).stdout)["Docker"]["config"]
    assert config["User"] == "10001"
    # The image's own command and health check, moved to a free port (chroot isolation
    # shares the host's network).
    port = free_port()
    command = [part.replace("8000", str(port)) for part in config["Cmd"]]
    assert config["Healthcheck"]["Test"][0] == "CMD"
    probe = [part.replace(":8000/", f":{port}/") for part in config["Healthcheck"]["Test"][1:]]
    container = sh("buildah", "from", image).stdout.strip()
    inside = ["buildah", "run", "--isolation=chroot", container, "--"]
    try:
        with _server([*inside, *command], port=port, cwd=project, env=session_env) as (
            base,
            health,
        ):
            assert health["model_loaded"] is True
            assert health["model_version"] == metadata["model_version"]
            # I6: the image answers the golden requests recorded at training like the model.
            package = next(project.glob("src/*/canary.py")).parent.name
            canary = sh("uv", "run", "python", "-m", f"{package}.canary", base, check=False)
            assert canary.returncode == 0, canary.stdout + canary.stderr
            status, body = _post(base, {"instances": [PENGUIN]})
            assert (status, body["predictions"]) == (200, ["Adelie"])
            assert sh(*inside, *probe, check=False).returncode == 0, "the HEALTHCHECK fails"
            assert sh(*inside, "id", "-u").stdout.strip() == "10001"
        _gitlab_canary_passes_then_catches_another_model(project, image, session_env)
    finally:
        sh("buildah", "rm", container, check=False)
        sh("podman", "rmi", image, model_tag, check=False)


def _gitlab_canary_passes_then_catches_another_model(project: Path, image: str, env) -> None:
    """I6 on GitLab: the `docker-image` job's own canary lines (rendered with ci=gitlab, the
    same package), run in order as its shell would, `docker` played by buildah
    (tests/docker_on_buildah.py). They pass on the image just built; once the checkout's
    model is another one than the image carries, the job fails."""
    gitlab = project.parent / "gitlab" / project.name
    if not gitlab.exists():
        run([CLI, str(gitlab), "--defaults", "-d", "ci=gitlab", "--no-lock", "--no-git"],
            cwd=project.parent, env=env, check=True)  # fmt: skip
    job = yaml.safe_load((gitlab / ".gitlab-ci.yml").read_text(encoding="utf-8"))["docker-image"]
    build, *canary = job["script"]
    assert build.startswith("docker build ") and any(".canary " in line for line in canary)
    shim = project.parent / "docker-on-buildah"
    shim.mkdir(exist_ok=True)
    player = Path(__file__).with_name("docker_on_buildah.py")
    (shim / "docker").write_text(f'#!/bin/sh\nexec {sys.executable} {player} "$@"\n')
    (shim / "docker").chmod(0o755)
    registry, tag = image.rsplit(":", 1)
    job_env = env | {
        "PATH": f"{shim}{os.pathsep}{env['PATH']}",
        "CI_REGISTRY_IMAGE": registry,
        "CI_COMMIT_TAG": tag,
        "DOCKER_ON_BUILDAH_STATE": str(shim / "state"),
    }

    def job_runs() -> subprocess.CompletedProcess:
        # GitLab's shell stops at the first failing line; `docker rm -f` cleans up either way.
        script = "set -e\n" + "\n".join(canary)
        done = run(["sh", "-c", script], cwd=project, env=job_env)
        run(["sh", "-c", "docker rm -f canary"], cwd=project, env=job_env)
        return done

    passed = job_runs()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "answers all 5 golden requests" in passed.stdout, passed.stdout
    trained = project / "models" / "metadata.json"
    saved = trained.read_text(encoding="utf-8")
    try:
        other = json.loads(saved) | {"model_version": "0" * 12}
        trained.write_text(json.dumps(other, indent=2) + "\n", encoding="utf-8")
        failed = job_runs()
        assert failed.returncode != 0, failed.stdout + failed.stderr
        assert "differ" in failed.stdout + failed.stderr, failed.stdout + failed.stderr
    finally:
        trained.write_text(saved, encoding="utf-8")


def test_doctor_step_of_the_generated_ci_passes(project: Path, session_env) -> None:
    """The generated workflow's doctor step (`make doctor`) passes on the project, with this
    checkout's mlops-new: the source the project records (the public repository) is not
    reachable here; tests/test_ci_replay.py runs `make doctor` itself, from a reachable one."""
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert "      - run: make doctor\n" in workflow
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndoctor:", 1)[1].split("\n\n", 1)[0]
    assert "doctor --min-level $(DOCTOR_LEVEL) --offline" in recipe
    level = makefile.split("\nDOCTOR_LEVEL := ", 1)[1].split()[0]
    assert level == "2"
    run(
        [CLI, "doctor", "--min-level", level, "--offline"], cwd=project, env=session_env, check=True
    )
