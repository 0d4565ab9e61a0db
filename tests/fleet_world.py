"""A fleet of 30 repositories on disk in mixed states, for tests/test_fleet.py and the
benchmark: built from three projects generated once per session (one per release of the
template history of tests/update_history.py), copied, edited and committed; a third of them
are bare remotes, given to the fleet as file:// URLs, with the user's clone beside them.

    STATES: name -> (release it was made from, what was done to it, given as URL?)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .helpers import commit, git, release, run
from .update_history import ANSWERS, MY_TRAIN_LINE, edit, project_at

#: What each repository of the fleet is: (release, state, reached by git URL).
STATES: dict[str, tuple[str, str, bool]] = {
    **{f"current-{i}": ("v2.0.0", "current", i < 2) for i in range(6)},
    **{f"one-behind-{i}": ("v1.1.0", "edited", i < 3) for i in range(6)},
    **{f"two-behind-{i}": ("v1.0.0", "edited", i < 3) for i in range(6)},
    "dirty-0": ("v1.0.0", "dirty", False),
    "dirty-1": ("v1.1.0", "dirty", False),
    "conflict-0": ("v1.0.0", "conflict", False),
    "conflict-1": ("v1.0.0", "conflict", True),
    "markers-0": ("v1.0.0", "markers", False),
    "markers-1": ("v2.0.0", "markers", False),
    "unreachable-0": ("", "unreachable", False),
    "unreachable-1": ("", "unreachable", True),
    "plain-0": ("", "plain", False),
    "plain-1": ("", "plain", True),
    "course-0": ("v2.0.0", "fork", False),
    "course-1": ("v2.0.0", "fork", True),
}
#: The user's own edits in every "edited" repository: a line added to params.yaml and a
#: notebook of their own; both must survive any update.
MY_PARAMS_LINE = "# my own tuning note\n"
MY_NOTEBOOK = ("notebooks/mine.md", "# My notes\n")
COURSE_FIX = "v2.0.1"


@pytest.fixture(scope="session")
def prototypes(tmp_path_factory, history, session_env) -> dict[str, Path]:
    """One committed project per release of the history, generated once."""
    root = tmp_path_factory.mktemp("fleet-prototypes")
    return {
        ref: project_at(root / ref, history, session_env, ref)
        for ref in ("v1.0.0", "v1.1.0", "v2.0.0")
    }


@pytest.fixture(scope="session")
def course_fork(tmp_path_factory, history, session_env) -> Path:
    """A teacher's fork of the history (a course template) with one more release."""
    fork = tmp_path_factory.mktemp("fleet-fork") / "course-template"
    git("clone", "-q", str(history), str(fork), cwd=fork.parent, env=session_env)
    readme = fork / "template" / "README.md.jinja"
    release(
        fork,
        COURSE_FIX,
        {readme.relative_to(fork).as_posix(): readme.read_text() + "\nCourse fix.\n"},
        session_env,
    )
    return fork


def build(root: Path, prototypes: dict[str, Path], fork: Path, env, states=STATES) -> list[str]:
    """Make each repository of `states` under `root`; returns the fleet's entries (paths or
    file:// URLs), in `states`' order."""
    entries = []
    for name, (ref, what, as_url) in states.items():
        work = root / "work" / name
        if what == "unreachable":
            entries.append(f"file://{root}/remotes/{name}.git" if as_url else str(work))
            continue
        if what == "plain":
            work.mkdir(parents=True)
            (work / "README.md").write_text("# Not made by mlops-new\n")
            commit(work, env, "Initial commit")
        else:
            shutil.copytree(prototypes[ref], work, symlinks=True)
            _prepare(work, what, fork, env)
        if as_url:
            bare = root / "remotes" / f"{name}.git"
            bare.parent.mkdir(parents=True, exist_ok=True)
            git("clone", "-q", "--bare", str(work), str(bare), cwd=root, env=env)
            shutil.rmtree(work)
            git("clone", "-q", str(bare), str(work), cwd=root, env=env)
            entries.append(bare.as_uri())
        else:
            entries.append(str(work))
    return entries


def _prepare(work: Path, what: str, fork: Path, env) -> None:
    """Put a copy of a generated project in the state `what`."""
    if what in {"edited", "dirty"}:
        (work / "params.yaml").write_text((work / "params.yaml").read_text() + MY_PARAMS_LINE)
        (work / MY_NOTEBOOK[0]).write_text(MY_NOTEBOOK[1])
        if what == "edited":
            commit(work, env, "My changes")
    elif what == "conflict":
        edit(work / "src/p/train.py", first_line=MY_TRAIN_LINE)
        commit(work, env, "My wording")
    elif what == "markers":
        path = work / "src/p/features.py"
        path.write_text(
            path.read_text()
            + "<<<<<<< before updating\nmine\n=======\ntheirs\n>>>>>>> after updating\n"
        )
        commit(work, env, "Half a merge")
    elif what == "fork":
        answers = yaml.safe_load((work / ANSWERS).read_text())
        text = (work / ANSWERS).read_text().replace(str(answers["_src_path"]), str(fork))
        (work / ANSWERS).write_text(text)
        commit(work, env, "Move to the course's template")


@pytest.fixture
def world(tmp_path, prototypes, course_fork, session_env) -> tuple[Path, list[str]]:
    """The 30-repository fleet in a fresh folder: (root, entries); `root/fleet.txt` lists it."""
    entries = build(tmp_path, prototypes, course_fork, session_env)
    listing = "# the fleet of tests/fleet_world.py\n" + "".join(f"{e}\n" for e in entries)
    (tmp_path / "fleet.txt").write_text(listing)
    return tmp_path, entries


def mlops_fleet(*args, cwd: Path, env, timeout: float = 600):
    """Run `mlops-new fleet ARGS`."""
    from .helpers import CLI

    return run([CLI, "fleet", *args], cwd=cwd, env=env, timeout=timeout)
