"""Tier 2: a project generated with dvc_remote=s3 pushes to and pulls from real object storage.

The storage is moto's S3-compatible server, started on 127.0.0.1 by the test; DVC is pointed at
it the way a MinIO user would (`dvc remote modify --local ... endpointurl`), so no tracked file
of the project changes.
"""

from __future__ import annotations

import configparser
import contextlib
import hashlib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from .helpers import AWS_CREDENTIALS, AWS_REGION, BIN, CLI, free_port, run, user_environment

pytestmark = pytest.mark.slow

MOTO_SERVER = BIN / "moto_server"
CREDENTIALS, REGION = AWS_CREDENTIALS, AWS_REGION


@pytest.fixture(scope="module")
def senv(gitconfig: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A user's shell with fake AWS credentials, no AWS config files and no proxy for 127.0.0.1."""
    return user_environment(gitconfig, columns=200, fake_aws=tmp_path_factory.mktemp("no-aws"))


def _answers(endpoint: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{endpoint}/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory, senv) -> str:
    """moto's S3 server on a free port of 127.0.0.1 (a few tries if the port is taken)."""
    log_path = tmp_path_factory.mktemp("moto") / "server.log"
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(log_path.open("w", encoding="utf-8"))
        for _ in range(3):
            port = free_port()
            server = subprocess.Popen(
                [MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                cwd=log_path.parent,
                env=senv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            stack.callback(_stop, server)
            endpoint = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while server.poll() is None and time.monotonic() < deadline:
                if _answers(endpoint):
                    yield endpoint
                    return
                time.sleep(0.2)
            _stop(server)
        pytest.fail(f"moto_server did not answer:\n{log_path.read_text(encoding='utf-8')}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, 15)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait(timeout=20)


def _s3(endpoint: str):
    """A client of the test's server only: explicit credentials and region, no proxy."""
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, config=Config(proxies={}), **CREDENTIALS
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, senv) -> Path:
    parent = tmp_path_factory.mktemp("s3")
    run([CLI, "s3-demo", "--defaults", "--data", "dvc_remote=s3"], cwd=parent, env=senv, check=True)
    path = parent / "s3-demo"
    run(["make", "setup"], cwd=path, env=senv, check=True)
    return path


def _default_remote(project: Path) -> tuple[str, str, str]:
    """(remote name, bucket, key prefix) of the default remote in the rendered .dvc/config."""
    config = configparser.ConfigParser()
    config.read(project / ".dvc" / "config", encoding="utf-8")
    name = config["core"]["remote"]
    url = urlsplit(config[f"'remote \"{name}\"'"]["url"])
    assert url.scheme == "s3", url.geturl()
    return name, url.netloc, url.path.strip("/")


def test_push_to_and_pull_from_s3_compatible_storage(project: Path, senv, s3_endpoint) -> None:
    def sh(*args: str):
        return run(args, cwd=project, env=senv, check=True)

    name, bucket, prefix = _default_remote(project)
    s3 = _s3(s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    sh("uv", "run", "dvc", "remote", "modify", "--local", name, "endpointurl", s3_endpoint)
    assert sh("git", "status", "--porcelain", "--", ".dvc").stdout == "", "a tracked file changed"

    sh("make", "pipeline")
    sh("make", "push")
    model_path = project / "models" / "model.joblib"
    train_path = project / "data" / "processed" / "train.csv"
    model, train = model_path.read_bytes(), train_path.read_bytes()
    listed = s3.list_objects_v2(Bucket=bucket)
    keys = {item["Key"] for item in listed.get("Contents", [])}
    for content in (model, train):
        digest = hashlib.md5(content).hexdigest()  # DVC 3 stores files by the MD5 of their bytes
        assert f"{prefix}/files/md5/{digest[:2]}/{digest[2:]}" in keys, sorted(keys)

    shutil.rmtree(project / ".dvc" / "cache")
    model_path.unlink()
    train_path.unlink()
    sh("make", "pull")
    assert model_path.read_bytes() == model
    assert train_path.read_bytes() == train
