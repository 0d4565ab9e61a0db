"""`docker`, as far as the GitLab `docker-image` job's canary uses it, played by buildah.

Tests only. There is no Docker daemon here, and podman cannot start a container in this
sandbox (crun may not set its rlimits); buildah's chroot isolation runs a command in an
image's container, on the host's network. Put on PATH as `docker`, this lets the job's own
script lines run unchanged:

    docker run -d --name NAME IMAGE    the image's command, in the background (its log kept)
    docker exec NAME COMMAND...        COMMAND in that container (stdin and stdout passed on)
    docker logs NAME                   what the background command wrote
    docker rm -f NAME                  stop it and remove the container

Anything else exits 2, naming what is not played. The container's ports are the host's:
`run -d` refuses to start when the image's port is taken. State (logs, process ids) lives
in $DOCKER_ON_BUILDAH_STATE.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

RUN = ["buildah", "run", "--isolation=chroot"]


def _state(name: str, suffix: str) -> Path:
    folder = Path(os.environ["DOCKER_ON_BUILDAH_STATE"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.{suffix}"


def _config(image: str) -> dict:
    found = subprocess.run(
        ["buildah", "inspect", "--type=image", image], capture_output=True, text=True, check=True
    )
    return json.loads(found.stdout)["Docker"]["config"]


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def run_detached(name: str, image: str) -> int:
    config = _config(image)
    for exposed in config.get("ExposedPorts") or {}:
        port = int(exposed.split("/")[0])
        if _port_taken(port):
            print(f"docker (buildah): port {port} is taken on this host", file=sys.stderr)
            return 1
    subprocess.run(["buildah", "from", "--name", name, image], check=True, capture_output=True)
    command = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
    with _state(name, "log").open("wb") as log:
        server = subprocess.Popen(
            [*RUN, name, "--", *command],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _state(name, "pid").write_text(str(server.pid), encoding="utf-8")
    print(name)
    return 0


def remove(name: str) -> int:
    pid = _state(name, "pid")
    if pid.exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(pid.read_text(encoding="utf-8")), signal.SIGTERM)
        pid.unlink()
    return subprocess.run(["buildah", "rm", name], capture_output=True).returncode


def main(args: list[str]) -> int:
    match args:
        case ["run", "-d", "--name", name, image]:
            return run_detached(name, image)
        case ["exec", name, *command] if command:
            return subprocess.run([*RUN, name, "--", *command]).returncode
        case ["logs", name]:
            sys.stdout.write(_state(name, "log").read_text(encoding="utf-8", errors="replace"))
            return 0
        case ["rm", "-f", name]:
            return remove(name)
    print(f"docker (buildah): not played: docker {' '.join(args)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
