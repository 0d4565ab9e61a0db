"""`mlops-new update` against a real template history (tests/update_history.py).

Projects are generated at v1.0.0 with the CLI, committed, edited the way users edit them, and
updated; the results are compared with fresh copies of the newer release. No command here
passes --trust. Conflicts, refusals and `mlops-new check` have files of their own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from .helpers import BIN, commit, contents, git, run
from .update_history import (
    ANSWERS,
    PARAMS_NOTE,
    answers,
    edit,
    mlops,
    project_at,
    state,
    summary,
)

# Non-default answers for every tool (presets are not built yet: an answers file stands in).
PRESET = {
    "license": "Apache-2.0",
    "python_version": "3.11",
    "ml_framework": "none",
    "data_versioning": "none",
    "experiment_tracking": "mlflow",
    "serving": "none",
    "ci": "gitlab",
    "docker": False,
    "docs": "none",
    "pre_commit": False,
}


def test_a_relative_template_path_is_recorded_absolute(history, session_env, tmp_path) -> None:
    relative = os.path.relpath(history, tmp_path)
    mlops(
        "p",
        "--template",
        relative,
        "--vcs-ref",
        "v1.0.0",
        "--defaults",
        "--no-lock",
        "--no-git",
        cwd=tmp_path,
        env=session_env,
        check=True,
    )
    recorded = answers(tmp_path / "p")
    assert (recorded["_src_path"], recorded["_commit"]) == (str(history), "v1.0.0")


# ---- one update, many user changes: v1.0.0 -> v2.0.0 (two releases at once) ----------------

USER_FILES = {
    "src/p/extra.py": "def mine() -> int:\n    return 42\n",
    "notes/ideas.md": "# Ideas\n",
    "data/raw/mine.csv": "a,b\n1,2\n",  # ignored by git: data is DVC's
    "models/mine.joblib": "not really a model\n",  # ignored by git
    "data/external/reference.csv": "x\n1\n",  # force-added to git
}


@pytest.fixture(scope="module")
def edited(tmp_path_factory, base, session_env) -> tuple[Path, object]:
    project = tmp_path_factory.mktemp("edited") / "p"
    shutil.copytree(base, project, symlinks=True)
    edit(project / "src/p/predict.py", append="\n\ndef my_helper() -> str:\n    return 'mine'\n")
    edit(project / "params.yaml", append="# My note at the end of params.yaml\n")
    (project / "src/p/validation.py").unlink()  # the template changes it in v1.1.0
    (project / "tests/test_monitor.py").unlink()  # the template never changes it
    for name, text in USER_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    git("add", "-f", "data/external/reference.csv", cwd=project, env=session_env)
    commit(project, session_env)
    proc = mlops("update", cwd=project, env=session_env)
    return project, proc


def test_update_across_two_releases_succeeds(edited) -> None:
    project, proc = edited
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert answers(project)["_commit"] == "v2.0.0"
    assert "v1.0.0 → v2.0.0" in proc.stdout
    assert summary(proc.stdout) == {
        "added": {"SECURITY.md"},
        "changed": {
            ANSWERS,
            "Makefile",
            "params.yaml",
            "src/p/evaluate.py",
            "src/p/features.py",
            "src/p/train.py",
        },
        "removed": {"notebooks/README.md"},
    }
    assert "git commit" in proc.stdout


def test_update_keeps_user_edit_to_a_file_the_template_does_not_change(edited) -> None:
    project, _ = edited
    assert (project / "src/p/predict.py").read_text().endswith("return 'mine'\n")


def test_update_brings_template_change_to_untouched_files(edited, fresh_v2) -> None:
    project, _ = edited
    for name in ("src/p/features.py", "src/p/evaluate.py", "Makefile", "src/p/train.py"):
        assert (project / name).read_bytes() == (fresh_v2 / name).read_bytes(), name


def test_update_keeps_both_changes_to_different_parts_of_one_file(edited) -> None:
    text = (edited[0] / "params.yaml").read_text()
    assert text.startswith(PARAMS_NOTE)
    assert text.endswith("# My note at the end of params.yaml\n")
    assert "<<<<<<<" not in text


def test_update_does_not_bring_back_files_the_user_deleted(edited) -> None:
    project, _ = edited
    assert not (project / "src/p/validation.py").exists()  # though the template changed it
    assert not (project / "tests/test_monitor.py").exists()


def test_update_keeps_the_users_own_files_in_data_and_models(edited) -> None:
    project, _ = edited
    for name, text in USER_FILES.items():
        assert (project / name).read_text() == text, name


def test_new_question_takes_its_default_and_its_file_arrives(edited) -> None:
    project, _ = edited
    assert answers(project)["security_policy"] is True
    assert (project / "SECURITY.md").read_text() == "# Security policy of p\n"


def test_file_removed_by_the_template_is_removed(edited) -> None:
    assert not (edited[0] / "notebooks/README.md").exists()


def test_check_after_update_and_commit_says_up_to_date(edited, session_env, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(edited[0], project, symlinks=True)
    commit(project, session_env, "Update from template v2.0.0")
    proc = mlops("check", cwd=project, env=session_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout
    again = mlops("update", cwd=project, env=session_env)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    assert git("status", "--porcelain", cwd=project, env=session_env) == ""


# ---- fresh copy -----------------------------------------------------------------------------


def test_update_without_user_edits_equals_a_fresh_copy(project, fresh_v2, session_env) -> None:
    proc = mlops("update", cwd=project, env=session_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert contents(project) == contents(fresh_v2)


def test_plain_copier_update_needs_no_trust_and_equals_a_fresh_copy(project, fresh_v2, session_env):
    proc = run(
        [BIN / "copier", "update", "--defaults", "--conflict", "inline"],
        cwd=project,
        env=session_env,
    )
    assert proc.returncode == 0, proc.stderr
    assert contents(project) == contents(fresh_v2)


# ---- answers changed during an update ------------------------------------------------------


def test_update_data_strips_free_text_as_creation_does(project, session_env) -> None:
    """`-d "project_name= Churn X "` records "Churn X", as `mlops-new new` would."""
    proc = mlops(
        "update", "--vcs-ref", ":current:", "-d", "project_name= Churn X ",
        cwd=project, env=session_env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert answers(project)["project_name"] == "Churn X"
    assert (project / "README.md").read_text(encoding="utf-8").startswith("# Churn X\n")


def test_update_data_removes_a_tool_and_switches_ci(
    project, history, session_env, tmp_path
) -> None:
    proc = mlops(
        "update",
        "--vcs-ref",
        ":current:",
        "-d",
        "docker=no",
        "-d",
        "ci=gitlab",
        cwd=project,
        env=session_env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert {"Dockerfile", ".dockerignore", ".github/workflows/ci.yml"} <= found["removed"]
    assert ".gitlab-ci.yml" in found["added"]
    recorded = answers(project)
    assert (recorded["_commit"], recorded["docker"], recorded["ci"]) == ("v1.0.0", False, "gitlab")
    same = project_at(
        tmp_path / "same",
        history,
        session_env,
        "v1.0.0",
        "--no-git",
        "-d",
        "docker=no",
        "-d",
        "ci=gitlab",
    )
    assert contents(project) == contents(same)


@pytest.fixture(scope="module")
def preset(tmp_path_factory, history, session_env):
    """A project with non-default answers everywhere, edited, then updated to v2.0.0."""
    where = tmp_path_factory.mktemp("preset")
    data_file = where / "answers.yml"
    data_file.write_text(yaml.safe_dump(PRESET), encoding="utf-8")
    project = project_at(where, history, session_env, "v1.0.0", "--data-file", data_file)
    edit(project / "README.md", append="\n## Our team's notes\n\nKeep these.\n")
    commit(project, session_env)
    proc = mlops("update", cwd=project, env=session_env)
    return project, proc, data_file


def test_update_keeps_non_default_answers(preset, history, session_env, tmp_path) -> None:
    project, proc, data_file = preset
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = answers(project)
    assert {k: recorded[k] for k in PRESET} == PRESET
    for absent in ("Dockerfile", "dvc.yaml", ".github", "mkdocs.yml", ".pre-commit-config.yaml"):
        assert not (project / absent).exists(), absent
    fresh = project_at(
        tmp_path, history, session_env, "v2.0.0", "--no-git", "--data-file", data_file
    )
    ours, theirs = contents(project), contents(fresh)
    assert ours.pop("README.md").endswith(b"Keep these.\n")
    theirs.pop("README.md")
    assert ours == theirs


def test_update_data_adds_docker_and_dvc(preset, history, session_env, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(preset[0], project, symlinks=True)
    commit(project, session_env, "Update from template v2.0.0")
    proc = mlops(
        "update", "-d", "docker=yes", "-d", "data_versioning=dvc", cwd=project, env=session_env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    added = summary(proc.stdout)["added"]
    assert {"Dockerfile", ".dockerignore", "dvc.yaml", ".dvc/config", ".dvcignore"} <= added
    recorded = answers(project)
    assert (recorded["docker"], recorded["data_versioning"], recorded["dvc_remote"]) == (
        True,
        "dvc",
        "local",
    )
    readme = (project / "README.md").read_text()
    assert readme.endswith("Keep these.\n") and "<<<<<<<" not in readme
    fresh = project_at(
        tmp_path / "fresh",
        history,
        session_env,
        "v2.0.0",
        "--no-git",
        "--data-file",
        preset[2],
        "-d",
        "docker=yes",
        "-d",
        "data_versioning=dvc",
    )
    ours, theirs = contents(project), contents(fresh)
    ours.pop("README.md"), theirs.pop("README.md")
    assert ours == theirs


def test_recorded_answer_the_new_release_refuses_stops_the_update(preset, session_env, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(preset[0], project, symlinks=True)
    commit(project, session_env, "Update from template v2.0.0")
    before = state(project, session_env)
    proc = mlops("update", "--vcs-ref", "v2.1.0rc1", cwd=project, env=session_env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refuses an answer recorded in .copier-answers.yml: ci: 'gitlab'" in proc.stderr
    assert "--data ci=" in proc.stderr
    assert state(project, session_env) == before
    # Plain copier silently replaces the refused answer with the default: GitLab CI is gone.
    run(
        [BIN / "copier", "update", "--defaults", "--vcs-ref", "v2.1.0rc1"],
        cwd=project,
        env=session_env,
        check=True,
    )
    assert answers(project)["ci"] == "github"
    assert not (project / ".gitlab-ci.yml").exists()


@pytest.mark.parametrize("name", ["update", "check"])
def test_a_project_named_like_the_new_commands(name, session_env, tmp_path) -> None:
    mlops(
        f"./{name}",
        "--defaults",
        "--no-git",
        "--no-lock",
        cwd=tmp_path,
        env=session_env,
        check=True,
    )
    assert (tmp_path / name / ANSWERS).is_file()
