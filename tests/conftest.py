"""Shared fixtures: thin wrappers around tests/helpers.py (a user's environment, the CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import CLI, PAIRWISE_FIXED, run, user_environment

# The template history of the update and check tests, with its fixtures.
pytest_plugins = ("tests.update_history", "tests.fleet_world")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tiers are markers: `exhaustive` tests run only when `-m` names them (make
    test-exhaustive), so neither `make test` nor `make test-fast` picks them up."""
    if "exhaustive" in (config.option.markexpr or ""):
        return
    kept = [item for item in items if item.get_closest_marker("exhaustive") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


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


@pytest.fixture
def env(gitconfig: Path) -> dict[str, str]:
    """A user's shell (see `helpers.user_environment`), for one test."""
    return user_environment(gitconfig)


@pytest.fixture(scope="session")
def session_env(gitconfig: Path) -> dict[str, str]:
    """A user's shell for session and module fixtures (read-only: copy it to change it), with
    a wide terminal so that no report or --help line wraps."""
    return user_environment(gitconfig, columns=200)


@pytest.fixture
def cli(env: dict[str, str], tmp_path: Path):
    """Run `mlops-new ARGS` in a temporary folder, as a subprocess with no terminal."""

    def call(*args, cwd: Path | None = None, check: bool = False, **kw):
        return run([CLI, *args], cwd=cwd or tmp_path, env=env, check=check, **kw)

    return call


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
