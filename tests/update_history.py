"""A real template history for the update and check tests, and ways to read an update.

Our own template committed to a git repository and released three times: v1.0.0 (as it is),
v1.1.0 (files changed, a new question with a default, a new file) and v2.0.0 (more changes,
a file removed), plus a broken pre-release v3.0.0a1 and a pre-release v2.1.0rc1 that no
longer offers GitLab CI. A second history (`moving`) has releases that each remove, rename or
move files from v1.0.0, where plain copier loses the user's edits. Loaded as a pytest plugin
by conftest.py; the fixtures are built once per session and are read-only (a test that
changes a project works on a copy).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from .helpers import (
    CLI,
    commit,
    contents,
    copy_template,
    generate,
    git,
    release,
    run,
    template_repo,
    write_tree,
)

PKG = "template/src/{{ package_name }}"
ANSWERS = ".copier-answers.yml"
FEATURES_NOTE = "# Template v1.1.0: a note on features.\n"
PARAMS_NOTE = "# Template v1.1.0: every stage reads this file.\n"
TRAIN_LINE = '"""Train the model (wording of template v1.1.0)."""'
EVALUATE_NOTE = "# Template v2.0.0: a note on evaluation.\n"
NEW_QUESTION = """
security_policy:
  type: bool
  help: "Add a SECURITY.md saying how to report a vulnerability?"
  default: true
"""
MY_TRAIN_LINE = '"""Train: my own wording."""'


def edited(path: Path, *, append: str = "", prepend: str = "", first_line: str = "") -> str:
    """The text of `path` with a first line replaced, or text added before or after."""
    text = path.read_text(encoding="utf-8")
    if first_line:
        text = first_line + "\n" + text.split("\n", 1)[1]
    return prepend + text + append


def edit(path: Path, **change: str) -> None:
    """Change a file in place (see `edited`)."""
    path.write_text(edited(path, **change), encoding="utf-8")


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    """Our own template, released as v1.0.0, v1.1.0 and v2.0.0 (and two pre-releases)."""
    env = session_env
    repo = copy_template(tmp_path_factory.mktemp("history") / "template")
    template_repo(repo, {"v1.0.0": {}}, env)
    pkg = repo / PKG
    v1_1 = {
        f"{PKG}/features.py": edited(pkg / "features.py", append=FEATURES_NOTE),
        f"{PKG}/train.py": edited(pkg / "train.py", first_line=TRAIN_LINE),
        f"{PKG}/validation.py.jinja": edited(
            pkg / "validation.py.jinja", append="# Template v1.1.0: validation note.\n"
        ),
        "template/params.yaml.jinja": edited(
            repo / "template/params.yaml.jinja", prepend=PARAMS_NOTE
        ),
        "copier.yml": edited(repo / "copier.yml", append=NEW_QUESTION),
        "template/{% if security_policy %}SECURITY.md{% endif %}.jinja": (
            "# Security policy of {{ project_name }}\n"
        ),
    }
    release(repo, "v1.1.0", v1_1, env)
    v2 = {
        f"{PKG}/evaluate.py.jinja": edited(pkg / "evaluate.py.jinja", append=EVALUATE_NOTE),
        "template/Makefile.jinja": edited(
            repo / "template/Makefile.jinja", append="# Template v2.0.0: a Makefile note.\n"
        ),
        "template/notebooks/README.md": None,
    }
    release(repo, "v2.0.0", v2, env)

    # A pre-release on a side branch that fails to render after writing several files; being
    # a pre-release, it is never picked as the latest.
    git("checkout", "-q", "-b", "broken", cwd=repo, env=env)
    broken = {
        f"{PKG}/features.py": edited(pkg / "features.py", append="# A broken pre-release.\n"),
        "template/a-early.txt.jinja": "{{ project_name }}\n",
        "template/b-early.txt.jinja": "{{ project_name }}\n",
        "template/zz-late.txt.jinja": "{{ project_name.missing.attribute }}\n",
    }
    release(repo, "v3.0.0a1", broken, env)
    git("checkout", "-q", "-", cwd=repo, env=env)

    # A pre-release that no longer offers GitLab CI: a recorded `ci: gitlab` is refused.
    git("checkout", "-q", "-b", "narrowed", "v2.0.0", cwd=repo, env=env)
    conf = yaml.safe_load((repo / "copier.yml").read_text(encoding="utf-8"))
    choices = conf["ci"]["choices"]
    conf["ci"]["choices"] = {k: v for k, v in choices.items() if v in {"github", "none"}}
    release(repo, "v2.1.0rc1", {"copier.yml": yaml.safe_dump(conf, sort_keys=False)}, env)
    git("checkout", "-q", "-", cwd=repo, env=env)
    return repo


def mlops(*args, cwd: Path, env: dict[str, str], check: bool = False):
    """Run `mlops-new ARGS`."""
    return run([CLI, *args], cwd=cwd, env=env, check=check, timeout=300)


def project_at(where: Path, history: Path, env, ref: str, *extra) -> Path:
    """A project `p` made in `where` from release `ref` of the history, with every default."""
    args = ["--template", history, "--vcs-ref", ref, "--defaults", "--no-lock", *extra]
    return generate(where, *args, env=env)


@pytest.fixture(scope="session")
def base(tmp_path_factory, history, session_env) -> Path:
    """A project generated at v1.0.0 with every default, committed."""
    return project_at(tmp_path_factory.mktemp("base"), history, session_env, "v1.0.0")


@pytest.fixture(scope="session")
def fresh_v2(tmp_path_factory, history, session_env) -> Path:
    """A fresh copy at v2.0.0 with every default."""
    where = tmp_path_factory.mktemp("fresh")
    return project_at(where, history, session_env, "v2.0.0", "--no-git")


@pytest.fixture
def project(tmp_path: Path, base: Path) -> Path:
    """A copy of the v1.0.0 project, git history included, for one test to change."""
    shutil.copytree(base, tmp_path / "p", symlinks=True)
    return tmp_path / "p"


def state(path: Path, env) -> tuple:
    """Everything an update could touch: files (ignored ones included), index and HEAD."""
    status = git("status", "--porcelain", "--untracked-files=all", cwd=path, env=env)
    return contents(path), status, git("rev-parse", "HEAD", cwd=path, env=env)


LABELS = {"added", "changed", "removed", "conflict", "kept", "carried", "moved"}


def summary(stdout: str) -> dict[str, set[str]]:
    """The file lists of the update report, by label ("carried" files as "old → new")."""
    found: dict[str, set[str]] = {}
    for line in stdout.splitlines():
        label, value = line[2:16].strip(), line[17:]
        if not line.startswith("  ") or line.startswith("   ") or not value:
            continue
        if label in LABELS or label.startswith("would "):
            found.setdefault(label, set()).add(value)
    return found


def answers(project: Path) -> dict:
    """The answers file of a project."""
    return yaml.safe_load((project / ANSWERS).read_text(encoding="utf-8"))


def set_answer(project: Path, env, key: str, value: str | None) -> None:
    """Change (or with None remove) one line of the answers file, and commit."""
    lines = (project / ANSWERS).read_text().splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(f"{key}:")]
    if value is not None:
        kept.insert(1, f"{key}: {value}\n")
    (project / ANSWERS).write_text("".join(kept), encoding="utf-8")
    commit(project, env, f"Set {key}")


#: A template source that never answers (the .invalid domain cannot exist).
UNREACHABLE = "https://git.invalid/mlops-new.git"


def record_unreachable_source(project: Path, env) -> None:
    """Point the project at a template source that cannot be reached, and commit."""
    set_answer(project, env, "_src_path", UNREACHABLE)


# ---- releases that remove, rename or move files the user edited ---------------------------

#: Each release of the `moving` history, on a branch of its own from v1.0.0: what it does.
MOVES = {
    "v1.1.0": "removes notebooks/README.md",
    "v1.2.0": "renames features.py to featurize.py, same content",
    "v1.3.0": "renames train.py to fit.py, first line changed",
    "v1.4.0": "moves CHANGELOG.md into docs/",
    "v1.5.0": "removes a file, renames predict.py changing the line the user changed, and "
    "changes the line of params.yaml that the user changed",
}
# First lines of predict.py's two-line docstring: it stays valid Python (make test runs it).
PREDICT_LINE = '"""Predict (wording of template v1.5.0),'
MY_PREDICT_LINE = '"""Predict: my own wording,'
#: The user's edits to the v1.0.0 project of the `moving` history.
USER_EDITS = {
    "notebooks/README.md": {"append": "\nMy notebook notes.\n"},
    "src/p/features.py": {"append": "# my features note\n"},
    "src/p/train.py": {"append": "\n\ndef my_train_helper() -> int:\n    return 1\n"},
    "CHANGELOG.md": {"append": "\n- my own changelog entry\n"},
    "src/p/predict.py": {"first_line": MY_PREDICT_LINE},
}
#: The user's own files in the package of that project.
USER_MODULES = {
    "src/p/mine.py": "def mine() -> int:\n    return 7\n",
    "src/p/extras/helpers.py": "def helper() -> str:\n    return 'mine'\n",
}


def _renamed(repo: Path, old: str, new: str, **change: str) -> dict[str, str | None]:
    return {old: None, new: edited(repo / old, **change)}


@pytest.fixture(scope="session")
def moving(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    """Our own template at v1.0.0, and releases (see MOVES) that remove, rename or move files."""
    env = session_env
    repo = copy_template(tmp_path_factory.mktemp("moving") / "template")
    template_repo(repo, {"v1.0.0": {}}, env)
    params = (repo / "template/params.yaml.jinja").read_text(encoding="utf-8")
    releases = {
        "v1.1.0": {"template/notebooks/README.md": None},
        "v1.2.0": _renamed(repo, f"{PKG}/features.py", f"{PKG}/featurize.py"),
        "v1.3.0": _renamed(repo, f"{PKG}/train.py", f"{PKG}/fit.py", first_line=TRAIN_LINE),
        "v1.4.0": _renamed(repo, "template/CHANGELOG.md", "template/docs/CHANGELOG.md"),
        "v1.5.0": {
            "template/notebooks/README.md": None,
            **_renamed(repo, f"{PKG}/predict.py", f"{PKG}/inference.py", first_line=PREDICT_LINE),
            "template/params.yaml.jinja": params.replace(
                "  n_estimators: 100\n", "  n_estimators: 200\n", 1
            ),
        },
    }
    for tag, files in releases.items():
        git("checkout", "-q", "-b", f"branch-{tag}", "v1.0.0", cwd=repo, env=env)
        release(repo, tag, files, env)
    return repo


@pytest.fixture(scope="session")
def moving_base(tmp_path_factory, moving, session_env) -> Path:
    """A project made at v1.0.0 of the `moving` history, with USER_EDITS, USER_MODULES and
    n_estimators raised to 300, committed."""
    project = project_at(tmp_path_factory.mktemp("moving-base"), moving, session_env, "v1.0.0")
    for name, change in USER_EDITS.items():
        edit(project / name, **change)
    params = (project / "params.yaml").read_text(encoding="utf-8")
    assert "  n_estimators: 100\n" in params
    (project / "params.yaml").write_text(
        params.replace("  n_estimators: 100\n", "  n_estimators: 300\n", 1), encoding="utf-8"
    )
    write_tree(project, USER_MODULES)
    commit(project, session_env)
    return project
