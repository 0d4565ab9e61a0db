"""Shared helpers: run the CLI as a user would, in an isolated environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = BIN / "mlops-new"
# The Pythons a generated project may ask for; pyenv's shims answer for them when listed here.
PYENV_VERSIONS = "3.11.7:3.12.1:3.13.0:3.10.13"


@pytest.fixture(scope="session", autouse=True)
def template_code_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """mlops-new's compiled-template cache, for this session only (subprocesses inherit it)."""
    path = tmp_path_factory.mktemp("mlops-new-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLOPS_NEW_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def gitconfig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("git") / "gitconfig"
    path.write_text(
        "[user]\n\tname = Test Author\n\temail = test.author@example.org\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    return path


# Set when the suite runs under our own `make test`; a user's shell has none of them, and
# with MAKELEVEL set every make they run prints "Entering/Leaving directory" lines.
MAKE_VARIABLES = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")


def user_environment(gitconfig: Path, *, columns: int = 120) -> dict[str, str]:
    """The environment of a user's shell: our tools on PATH, their git identity, no prompts."""
    result = dict(os.environ)
    result.update(
        PATH=f"{BIN}{os.pathsep}{result.get('PATH', '')}",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        UV_PYTHON_DOWNLOADS="never",
        PYENV_VERSION=result.get("PYENV_VERSION", PYENV_VERSIONS),
        NO_COLOR="1",
        COLUMNS=str(columns),
    )
    for leaking in ("VIRTUAL_ENV", *MAKE_VARIABLES):
        result.pop(leaking, None)
    return result


@pytest.fixture
def env(gitconfig: Path) -> dict[str, str]:
    """A user's shell (see `user_environment`), for one test."""
    return user_environment(gitconfig)


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


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path):
    """Run `mlops-new ARGS` in a temporary folder, as a subprocess with no terminal."""

    def call(*args, cwd: Path | None = None, check: bool = False, **kw):
        return run([CLI, *args], cwd=cwd or tmp_path, env=env, check=check, **kw)

    return call


def tree(path: Path) -> set[str]:
    """Every file under `path` (relative, POSIX), without .git."""
    return {
        p.relative_to(path).as_posix()
        for p in path.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(path).parts
    }


@pytest.fixture(scope="session")
def menv(gitconfig: Path) -> dict[str, str]:
    """The environment to run a generated project's own tools (make, uv, dvc) in."""
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


#: The fixed answers of every pairwise render (the option values vary).
PAIRWISE_FIXED = {"project_name": "Combo Project", "package_name": "combo"}


@pytest.fixture(scope="session")
def pairwise_rendered(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[dict, Path]]:
    """Each combination of the pairwise set rendered once per session by mlops-new's own
    `create` (no git, no lock), in a folder that holds nothing else. Read-only: a test that
    changes a project works on a copy."""
    from mlops_new import create

    from . import combinations

    root = tmp_path_factory.mktemp("pairwise")
    result = []
    for index, combination in enumerate(combinations.pairwise()):
        answers = combinations.answers(combination) | PAIRWISE_FIXED
        dest = root / f"c{index:02d}"
        create(dest, answers, git=False, lock=False)
        result.append((answers, dest))
    return result
