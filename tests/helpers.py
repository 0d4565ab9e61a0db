"""Test helpers shared by every test file: a user's environment, git, throwaway templates.

The fixtures in conftest.py are thin wrappers around these functions; a test file imports the
functions directly where it needs one with other options.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = BIN / "mlops-new"
# The Pythons a generated project may ask for; pyenv's shims answer for them when listed here.
PYENV_VERSIONS = "3.11.7:3.12.1:3.13.0:3.10.13"
# Set when the suite runs under our own `make test`; a user's shell has none of them, and
# with MAKELEVEL set every make they run prints "Entering/Leaving directory" lines.
MAKE_VARIABLES = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")

#: The fixed answers of every pairwise render (the option values vary).
PAIRWISE_FIXED = {"project_name": "Combo Project", "package_name": "combo"}

#: The fake AWS account of the S3 tests (moto accepts any credentials).
AWS_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
AWS_REGION = "us-east-1"
# Settings of the host that would send DVC elsewhere than the test's server, or with other
# credentials.
AWS_LEAKS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CA_BUNDLE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def user_environment(
    gitconfig: Path, *, columns: int = 120, fake_aws: Path | None = None
) -> dict[str, str]:
    """The environment of a user's shell: our tools on PATH, their git identity, no prompts,
    no colours, no interpreter downloads, no DVC analytics.

    Args:
        gitconfig: the global git configuration (the user's identity).
        columns: the terminal's width, which `--help` texts wrap at.
        fake_aws: a folder for empty AWS config files; given, the environment holds the fake
            credentials of `AWS_CREDENTIALS` and nothing of the host's AWS settings, and
            127.0.0.1 bypasses any proxy (the S3 server runs there).
    """
    result = dict(os.environ)
    result.update(
        PATH=f"{BIN}{os.pathsep}{result.get('PATH', '')}",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        UV_PYTHON_DOWNLOADS="never",
        PYENV_VERSION=result.get("PYENV_VERSION", PYENV_VERSIONS),
        DVC_NO_ANALYTICS="1",
        NO_COLOR="1",
        COLUMNS=str(columns),
    )
    for leaking in ("VIRTUAL_ENV", *MAKE_VARIABLES):
        result.pop(leaking, None)
    if fake_aws is not None:
        host = result.get("NO_PROXY", result.get("no_proxy"))
        no_proxy = ",".join(filter(None, [host, "127.0.0.1"]))
        result.update(
            AWS_ACCESS_KEY_ID=AWS_CREDENTIALS["aws_access_key_id"],
            AWS_SECRET_ACCESS_KEY=AWS_CREDENTIALS["aws_secret_access_key"],
            AWS_DEFAULT_REGION=AWS_REGION,
            AWS_CONFIG_FILE=str(fake_aws / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(fake_aws / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            NO_PROXY=no_proxy,
            no_proxy=no_proxy,
        )
        for name in AWS_LEAKS:
            result.pop(name, None)
    return result


def run(args, *, cwd: Path, env: dict[str, str], timeout: float = 600, check: bool = False, **kw):
    """Run a command, capturing text output."""
    proc = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
        **kw,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{args} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def git(*args, cwd: Path, env: dict[str, str]) -> str:
    """Run git (failing the test on an error) and return its output."""
    return run(["git", *args], cwd=cwd, env=env, check=True).stdout


def commit(path: Path, env: dict[str, str], message: str = "My changes") -> None:
    """Commit everything in `path`, making it a git repository first if it is none."""
    if not (path / ".git").exists():
        git("init", "-q", cwd=path, env=env)
    git("add", "-A", cwd=path, env=env)
    git("commit", "-qm", message, "--allow-empty", cwd=path, env=env)


def generate(where: Path, *args, env: dict[str, str], name: str = "p", cli: Path = CLI) -> Path:
    """`mlops-new NAME ARGS` run in `where` (created if missing); the new project's path."""
    where.mkdir(parents=True, exist_ok=True)
    run([cli, name, *args], cwd=where, env=env, check=True)
    return where / name


def tree(path: Path) -> set[str]:
    """Every file under `path` (relative, POSIX), without .git."""
    return {
        p.relative_to(path).as_posix()
        for p in path.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(path).parts
    }


def contents(path: Path) -> dict[str, bytes]:
    """Every file under `path` (see `tree`) with its bytes."""
    return {name: (path / name).read_bytes() for name in tree(path)}


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under root: its permission bits and its bytes."""
    return {
        str(path.relative_to(root)): (path.stat().st_mode & 0o777, path.read_bytes())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


#: Files to write, by path relative to a folder: their text, or None to delete one.
Files = Mapping[str, str | None]


def write_tree(root: Path, files: Files) -> None:
    """Write text files under `root` (a file mapped to None is deleted), in the spirit of
    copier's own test helper `build_file_tree`."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def copy_template(dest: Path) -> Path:
    """Our own template (copier.yml and template/) copied into `dest`, for a repository."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "copier.yml", dest)
    shutil.copytree(ROOT / "template", dest / "template", symlinks=True)
    return dest


def release(
    repo: Path, tag: str, files: Files, env: dict[str, str], *, force: bool = False
) -> None:
    """Write `files` into the template repository, commit everything and tag it `tag`.

    With `force`, files the template's own .gitignore matches are committed too.
    """
    write_tree(repo, files)
    git("add", "-A", *(["--force"] if force else []), cwd=repo, env=env)
    git("commit", "-q", "--no-verify", "--allow-empty", "-m", f"Release {tag}", cwd=repo, env=env)
    git("tag", tag, cwd=repo, env=env)


def template_repo(
    path: Path,
    releases: Mapping[str, Files] | Iterable[tuple[str, Files]],
    env: dict[str, str],
    *,
    force: bool = False,
) -> Path:
    """A throwaway git template: `path` (with what it already holds) made a git repository,
    then each release's files written, committed and tagged in order.

        template_repo(tmp_path / "t", {"v1.0.0": {"copier.yml": "name: x\\n"}}, env)
    """
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", cwd=path, env=env)
    items = releases.items() if isinstance(releases, Mapping) else releases
    for tag, files in items:
        release(path, tag, files, env, force=force)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# PyTorch's CPU index (download.pytorch.org) is not reachable here; this machine keeps a CPU
# build of torch for Python 3.11 in pip's find-links folder. Projects with PyTorch are
# therefore installed for Python 3.11, with uv taking torch from a local index of that file.
TORCH_PYTHON = "3.11"


def _find_links() -> list[Path]:
    """pip's find-links folders, from the environment or pip's own configuration."""
    value = os.environ.get("PIP_FIND_LINKS", "")
    if not value:
        pip = [sys.executable, "-m", "pip", "config", "get", "global.find-links"]
        value = subprocess.run(pip, capture_output=True, text=True, check=False).stdout
    return [Path(part) for part in value.split() if Path(part).is_dir()]


def torch_index(where: Path) -> str:
    """A PEP 503 index in `where` holding this machine's CPU torch wheel (skip if none)."""
    tag = "cp" + TORCH_PYTHON.replace(".", "")
    wheels = [w for d in _find_links() for w in sorted(d.glob(f"torch-*+cpu-{tag}-*.whl"))]
    if not wheels:
        pytest.skip(
            "ml_framework=pytorch: download.pytorch.org is unreachable and no CPU torch wheel "
            f"for Python {TORCH_PYTHON} is in pip's find-links folders"
        )
    (where / "torch").mkdir(parents=True, exist_ok=True)
    (where / "torch" / "index.html").write_text(
        f'<html><body><a href="{wheels[-1].as_uri()}">{wheels[-1].name}</a></body></html>\n',
        encoding="utf-8",
    )
    return where.as_uri()
