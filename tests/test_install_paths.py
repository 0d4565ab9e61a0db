"""Tier 2: mlops-new works however it was installed, and so does the project's `make setup`.

Each test installs mlops-new from one wheel of this checkout, the way a user would (pip into
an activated venv, pipx, `uv tool install`, `pip install --user`), then runs it with a PATH
that holds only the system's folders and what that install path adds: a uv elsewhere on this
machine's PATH cannot hide a project that needs one. Where no uv is on PATH, the project's
`make setup` installs a pinned uv into .tools/ and says so.

Where the Python a project asks for is not installed, generation still writes the project,
names the missing interpreter in one line, and does not wait on a network: a local server
stands in for the package index and the interpreter downloads, and records every request.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import BIN, MAKE_VARIABLES, ROOT, generate, git, run

pytestmark = pytest.mark.slow

SYSTEM_PATH = "/usr/bin:/bin"
UV = BIN / "uv"
BOOTSTRAP = "uv is not on PATH: installing uv"


def _python_at(path: str) -> tuple[str, tuple[int, int]] | None:
    """The `python3` found on `path`, with its version; None if there is none."""
    found = shutil.which("python3", path=path)
    if found is None:
        return None
    out = subprocess.run(
        [found, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        return None
    major, minor = map(int, out.stdout.split())
    return found, (major, minor)


SYSTEM_PYTHON = _python_at(SYSTEM_PATH)
needs_system_python = pytest.mark.skipif(
    SYSTEM_PYTHON is None or SYSTEM_PYTHON[1] < (3, 11),
    reason=f"no python3 >= 3.11 on {SYSTEM_PATH} (mlops-new needs one; .tools/ is made with it)",
)
PROJECT_PYTHON = "{}.{}".format(*SYSTEM_PYTHON[1]) if SYSTEM_PYTHON else "3.11"


def _offered_pythons() -> list[str]:
    """The python_version choices a new project may take, lowest first."""
    from mlops_new.questions import load

    questions = load(ROOT / "copier.yml")
    retired = questions.retired("python_version")
    offered = [str(v) for v in questions["python_version"].choice_values if v not in retired]
    return sorted(offered, key=lambda v: tuple(map(int, v.split("."))))


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory, gitconfig: Path) -> Path:
    """One wheel of this checkout for every install path."""
    out = tmp_path_factory.mktemp("install-wheel")
    env = _environment(gitconfig, path=f"{BIN}{os.pathsep}{SYSTEM_PATH}")
    run([UV, "build", "--wheel", "--quiet", "--out-dir", out, ROOT], cwd=out, env=env, check=True)
    return next(out.glob("mlops_new-*.whl"))


@pytest.fixture(scope="session")
def pip_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip's cache, shared by the installs that use pip (the first one downloads)."""
    return tmp_path_factory.mktemp("pip-cache")


def _environment(gitconfig: Path, *, path: str, **extra: str) -> dict[str, str]:
    """A user's shell with an explicit PATH: no venv, pyenv, pipx or uv settings leak in.

    uv's cache is this machine's default one (installs from it take seconds). Where this
    machine sets PYTHONDONTWRITEBYTECODE, `make setup` compiles every module (about 25 s);
    most users do not set it, and neither do these tests.
    """
    cache = subprocess.run([UV, "cache", "dir"], capture_output=True, text=True, check=True)
    leaking = ("UV_", "PIPX_", "VIRTUAL_ENV", "CONDA", "PYENV_VERSION", "PYTHONUSERBASE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(leaking)}
    for key in ("PYTHONDONTWRITEBYTECODE", *MAKE_VARIABLES):
        env.pop(key, None)
    env.update(
        PATH=path,
        UV_CACHE_DIR=cache.stdout.strip(),
        UV_PYTHON_DOWNLOADS="never",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        DVC_NO_ANALYTICS="1",
        NO_COLOR="1",
        COLUMNS="250",  # the report's lines unwrapped
    )
    env.update(extra)
    return env


def _which_uv(env: dict[str, str]) -> str | None:
    return shutil.which("uv", path=env["PATH"])


def _generate(mlops_new: Path, where: Path, env: dict[str, str], *args: str) -> Path:
    """`mlops-new proj --defaults ...` in `where`; the project's path."""
    data = ["--data", f"python_version={PROJECT_PYTHON}"]
    return generate(where, "--defaults", *data, *args, env=env, name="proj", cli=mlops_new)


def _setup_uses_path_uv(project: Path, env: dict[str, str]) -> None:
    """With a uv on PATH, `make setup` uses it and installs nothing into .tools/."""
    uv = _which_uv(env)
    assert uv, "this install path puts uv on PATH"
    planned = run(["make", "-n", "setup"], cwd=project, env=env, check=True).stdout
    assert f"{uv} sync" in planned, planned
    assert BOOTSTRAP not in planned
    setup = run(["make", "setup"], cwd=project, env=env, check=True)
    assert BOOTSTRAP not in setup.stdout
    assert not (project / ".tools").exists()
    assert (project / ".venv").is_dir()


def _setup_bootstraps_uv(project: Path, env: dict[str, str]) -> None:
    """With no uv on PATH, `make setup` installs the pinned uv into .tools/ (once), then
    `make test` passes with it."""
    assert _which_uv(env) is None, f"no uv may be on PATH here: {env['PATH']}"
    setup = run(["make", "setup"], cwd=project, env=env, check=True)
    assert f"{BOOTSTRAP} " in setup.stdout, setup.stdout
    assert ".tools/bin/uv sync" in setup.stdout
    pinned = run([project / ".tools/bin/uv", "--version"], cwd=project, env=env, check=True)
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    version = next(ln.split()[-1] for ln in makefile.splitlines() if ln.startswith("UV_VERSION"))
    assert pinned.stdout.split()[1] == version
    assert (project / ".venv").is_dir()
    again = run(["make", "setup"], cwd=project, env=env, check=True)
    assert BOOTSTRAP not in again.stdout, "uv is installed into .tools/ once"
    tested = run(["make", "test"], cwd=project, env=env, check=True)
    assert " passed" in tested.stdout.splitlines()[-1], tested.stdout[-2000:]
    status = git("status", "--porcelain", cwd=project, env=env)
    assert ".tools" not in status, "git ignores .tools/"


@needs_system_python
def test_pip_into_an_activated_venv(tmp_path: Path, wheel: Path, pip_cache: Path, gitconfig):
    assert SYSTEM_PYTHON
    venv = tmp_path / "venv"
    env = _environment(
        gitconfig,
        path=f"{venv / 'bin'}{os.pathsep}{SYSTEM_PATH}",
        VIRTUAL_ENV=str(venv),
        PIP_CACHE_DIR=str(pip_cache),
    )
    run([SYSTEM_PYTHON[0], "-m", "venv", venv], cwd=tmp_path, env=env, check=True)
    run(["pip", "install", "--quiet", wheel], cwd=tmp_path, env=env, check=True)
    assert shutil.which("mlops-new", path=env["PATH"]) == str(venv / "bin" / "mlops-new")

    project = _generate(Path("mlops-new"), tmp_path / "work", env)
    assert (project / "uv.lock").is_file()
    _setup_uses_path_uv(project, env)


def _pipx(tmp_path: Path, wheel: Path, pip_cache: Path, gitconfig) -> Path:
    """pipx (from PyPI, in a venv of its own) installs mlops-new; its `mlops-new` link."""
    assert SYSTEM_PYTHON
    tools = tmp_path / "pipx-tool"
    env = _environment(gitconfig, path=SYSTEM_PATH, PIP_CACHE_DIR=str(pip_cache))
    run(
        [UV, "venv", "--quiet", "--python", SYSTEM_PYTHON[0], tools],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    run(
        [UV, "pip", "install", "--quiet", "--python", tools / "bin" / "python", "pipx"],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    env.update(
        PIPX_HOME=str(tmp_path / "pipx"),
        PIPX_BIN_DIR=str(tmp_path / "pipx-bin"),
        PIPX_MAN_DIR=str(tmp_path / "pipx-man"),
        PIPX_DEFAULT_PYTHON=SYSTEM_PYTHON[0],
    )
    run([tools / "bin" / "pipx", "install", wheel], cwd=tmp_path, env=env, check=True)
    return tmp_path / "pipx-bin"


def _uv_tool(tmp_path: Path, wheel: Path, pip_cache: Path, gitconfig) -> Path:
    """`uv tool install` installs mlops-new; the folder of its `mlops-new` link."""
    assert SYSTEM_PYTHON
    env = _environment(
        gitconfig,
        path=SYSTEM_PATH,
        UV_TOOL_DIR=str(tmp_path / "uv-tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "uv-tools-bin"),
    )
    run(
        [UV, "tool", "install", "--quiet", "--python", SYSTEM_PYTHON[0], wheel],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    return tmp_path / "uv-tools-bin"


@needs_system_python
@pytest.mark.parametrize("installer", [_pipx, _uv_tool], ids=["pipx", "uv-tool"])
def test_tool_install_without_uv_on_path(
    installer, tmp_path: Path, wheel: Path, pip_cache: Path, gitconfig
) -> None:
    bin_dir = installer(tmp_path, wheel, pip_cache, gitconfig)
    assert sorted(p.name for p in bin_dir.iterdir()) == ["mlops-new"], "only mlops-new exposed"
    env = _environment(gitconfig, path=f"{bin_dir}{os.pathsep}{SYSTEM_PATH}")

    project = _generate(Path("mlops-new"), tmp_path / "work", env)
    assert (project / "uv.lock").is_file(), "mlops-new locks with its own uv"
    _setup_bootstraps_uv(project, env)


def _user_python() -> str | None:
    """A Python >= 3.11 whose pip allows `--user` (Debian's refuses: PEP 668)."""
    candidates = [SYSTEM_PYTHON[0]] if SYSTEM_PYTHON else []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(p) for p in sorted(pyenv.glob("3.1[1-9]*/bin/python3"))]
    for python in candidates:
        probe = (
            "import sys, sysconfig, pathlib; "
            "ok = sys.version_info >= (3, 11) and not "
            "pathlib.Path(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED').exists(); "
            "sys.exit(0 if ok else 1)"
        )
        if subprocess.run([python, "-c", probe], check=False).returncode == 0:
            return python
    return None


@needs_system_python
def test_pip_install_user(tmp_path: Path, wheel: Path, pip_cache: Path, gitconfig) -> None:
    python = _user_python()
    if python is None:
        pytest.skip("no Python >= 3.11 here whose pip installs with --user (PEP 668)")
    home = tmp_path / "home"
    home.mkdir()
    user_base = home / ".local"
    env = _environment(
        gitconfig,
        path=f"{user_base / 'bin'}{os.pathsep}{SYSTEM_PATH}",
        HOME=str(home),
        PYTHONUSERBASE=str(user_base),
        PIP_CACHE_DIR=str(pip_cache),
    )
    run([python, "-m", "pip", "install", "-q", "--user", wheel], cwd=tmp_path, env=env, check=True)
    assert (user_base / "bin" / "mlops-new").is_file()
    shown = run([python, "-m", "pip", "show", "mlops-new"], cwd=tmp_path, env=env, check=True)
    location = next(ln for ln in shown.stdout.splitlines() if ln.startswith("Location:"))
    assert Path(location.split(":", 1)[1].strip()).is_relative_to(user_base), location

    project = _generate(Path("mlops-new"), tmp_path / "work", env)
    assert (project / "uv.lock").is_file()
    _setup_uses_path_uv(project, env)


# ----- the chosen Python is not installed -----


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with 503 (which uv retries), and records it."""

    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(503)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def network() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the package index and the interpreter downloads: its URL and hits."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def uv_tool_mlops_new(tmp_path_factory: pytest.TempPathFactory, wheel: Path, gitconfig) -> Path:
    """mlops-new installed with `uv tool install`, for the tests that only generate."""
    where = tmp_path_factory.mktemp("uv-tool")
    return _uv_tool(where, wheel, where, gitconfig) / "mlops-new"


def _broken_pyenv_shim(where: Path, version: str) -> Path:
    """A folder with what pyenv leaves on PATH for a version it has but has not selected."""
    where.mkdir()
    shim = where / f"python{version}"
    shim.write_text(
        "#!/bin/sh\n"
        f'echo "pyenv: python{version}: command not found" >&2\n'
        "echo 'Note: See pyenv help global for tips on allowing multiple' >&2\n"
        "echo '      Python versions to be found at the same time.' >&2\n"
        "exit 127\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return where


def _missing_python() -> tuple[str, str | None]:
    """An offered Python that the system folders lack, and the installed one to suggest."""
    assert SYSTEM_PYTHON
    offered = _offered_pythons()
    have = PROJECT_PYTHON
    above = [v for v in offered if tuple(map(int, v.split("."))) > SYSTEM_PYTHON[1]]
    if not above or any(shutil.which(f"python{v}", path=SYSTEM_PATH) for v in above):
        pytest.skip(f"an offered Python above {have} is installed in {SYSTEM_PATH}")
    return above[0], have if have in offered else None


@needs_system_python
@pytest.mark.parametrize("shims", [False, True], ids=["plain", "pyenv-shim"])
@pytest.mark.parametrize("downloads", ["never", "manual", "automatic"])
def test_missing_python_is_named_and_the_project_written(
    downloads: str, shims: bool, tmp_path: Path, uv_tool_mlops_new: Path, network, gitconfig
) -> None:
    url, hits = network
    wanted, instead = _missing_python()
    folders = [uv_tool_mlops_new.parent]
    if shims:
        folders.append(_broken_pyenv_shim(tmp_path / "shims", wanted))
    env = _environment(
        gitconfig,
        path=os.pathsep.join([*map(str, folders), SYSTEM_PATH]),
        UV_PYTHON_DOWNLOADS=downloads,
        UV_DEFAULT_INDEX=f"{url}/simple",
        UV_PYTHON_INSTALL_MIRROR=f"{url}/python",
        UV_PYTHON_INSTALL_DIR=str(tmp_path / "no-managed-pythons"),
    )
    if downloads == "automatic":
        del env["UV_PYTHON_DOWNLOADS"]  # uv's default
    started = time.monotonic()
    made = run(
        [uv_tool_mlops_new, "proj", "--defaults", "--data", f"python_version={wanted}"],
        cwd=tmp_path,
        env=env,
    )
    took = time.monotonic() - started
    print(f"\nmissing Python {wanted}, downloads {downloads}, shims {shims}: {took:.2f} s")

    assert made.returncode == 0, made.stderr
    project = tmp_path / "proj"
    assert (project / "pyproject.toml").is_file()
    assert not (project / "uv.lock").exists()
    log = git("log", "--oneline", cwd=project, env=env)
    assert len(log.splitlines()) == 1, "the first commit is made without uv.lock"
    advice = "install it" + (f", or choose --data python_version={instead}" if instead else "")
    skipped = [ln for ln in made.stdout.splitlines() if ln.startswith("skipped: uv lock")]
    if downloads == "automatic":
        # uv may download it: one try (no retries, no back-off), which the stand-in refuses.
        assert len(skipped) == 1, made.stdout
        assert skipped[0].startswith(
            f"skipped: uv lock: Python {wanted} is not installed and could not be downloaded ("
        ), skipped
        assert skipped[0].endswith(f"): {advice}")
        assert len(hits) == 1, hits
        assert hits[0].startswith("/python/"), hits
    else:
        assert skipped == [
            f"skipped: uv lock: Python {wanted} is not installed and downloads are off: {advice}"
        ], made.stdout
        assert hits == [], "nothing went to the network"


@needs_system_python
def test_present_python_still_locks_from_the_cache(
    tmp_path: Path, uv_tool_mlops_new: Path, network, gitconfig
) -> None:
    """The check costs nothing where the interpreter is there: the offline lock succeeds."""
    url, hits = network
    env = _environment(
        gitconfig,
        path=f"{uv_tool_mlops_new.parent}{os.pathsep}{SYSTEM_PATH}",
        UV_PYTHON_INSTALL_MIRROR=f"{url}/python",
    )
    _generate(uv_tool_mlops_new, tmp_path, env)
    assert (tmp_path / "proj" / "uv.lock").is_file()
    assert hits == []


@needs_system_python
def test_setup_without_python_venv_says_what_to_do(tmp_path: Path, gitconfig) -> None:
    """Where .tools/ cannot be made (no python3, Debian without python3-venv), setup fails
    with what to do and leaves no half-made .tools/ (which would stop the next attempt)."""
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    broken = fake / "python3"
    broken.write_text(
        "#!/bin/sh\necho 'The virtual environment was not created (ensurepip)' >&2\n"
        "mkdir -p .tools/bin\nexit 1\n",
        encoding="utf-8",
    )
    broken.chmod(0o755)
    env = _environment(gitconfig, path=f"{BIN}{os.pathsep}{SYSTEM_PATH}")
    run(
        [BIN / "mlops-new", "proj", "--defaults", "--no-lock", "--no-git"],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    env["PATH"] = f"{fake}{os.pathsep}{SYSTEM_PATH}"
    setup = run(["make", "setup"], cwd=tmp_path / "proj", env=env)
    assert setup.returncode != 0
    assert "could not install uv into .tools/: install uv (https://docs.astral.sh/uv/)" in (
        setup.stderr
    )
    assert not (tmp_path / "proj" / ".tools").exists()
