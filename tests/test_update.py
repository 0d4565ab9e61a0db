"""`mlops-new update` and `mlops-new check` against a real template history.

The template history is our own template committed to a git repository and released three
times: v1.0.0 (as it is), v1.1.0 (files changed, a new question with a default, a new file)
and v2.0.0 (more changes, a file removed), plus a broken pre-release v3.0.0a1. Projects are
generated at v1.0.0 with the CLI, committed, edited the way users edit them, and updated; the
results are compared with fresh copies of the newer release. No command here passes --trust.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import BIN, CLI, ROOT, run, tree, user_environment

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


@pytest.fixture(scope="module")
def uenv(gitconfig: Path) -> dict[str, str]:
    return user_environment(gitconfig, columns=200)


def git(*args, cwd: Path, env: dict[str, str]) -> str:
    return run(["git", *args], cwd=cwd, env=env, check=True).stdout


def _edit(path: Path, *, append: str = "", prepend: str = "", first_line: str = "") -> None:
    text = path.read_text(encoding="utf-8")
    if first_line:
        text = first_line + "\n" + text.split("\n", 1)[1]
    path.write_text(prepend + text + append, encoding="utf-8")


def _release(repo: Path, tag: str, env: dict[str, str]) -> None:
    git("add", "-A", cwd=repo, env=env)
    git("commit", "-qm", f"Release {tag}", cwd=repo, env=env)
    git("tag", tag, cwd=repo, env=env)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, uenv) -> Path:
    """Our own template, released as v1.0.0, v1.1.0 and v2.0.0."""
    repo = tmp_path_factory.mktemp("history") / "template"
    repo.mkdir()
    shutil.copy2(ROOT / "copier.yml", repo)
    shutil.copytree(ROOT / "template", repo / "template", symlinks=True)
    git("init", "-q", cwd=repo, env=uenv)
    _release(repo, "v1.0.0", uenv)

    _edit(repo / PKG / "features.py", append=FEATURES_NOTE)
    _edit(repo / PKG / "train.py", first_line=TRAIN_LINE)
    _edit(repo / PKG / "validation.py", append="# Template v1.1.0: validation note.\n")
    _edit(repo / "template/params.yaml.jinja", prepend=PARAMS_NOTE)
    _edit(repo / "copier.yml", append=NEW_QUESTION)
    policy = repo / "template/{% if security_policy %}SECURITY.md{% endif %}.jinja"
    policy.write_text("# Security policy of {{ project_name }}\n", encoding="utf-8")
    _release(repo, "v1.1.0", uenv)

    _edit(repo / PKG / "evaluate.py", append=EVALUATE_NOTE)
    _edit(repo / "template/Makefile.jinja", append="# Template v2.0.0: a Makefile note.\n")
    git("rm", "-q", "template/notebooks/README.md", cwd=repo, env=uenv)
    _release(repo, "v2.0.0", uenv)

    # A pre-release on a side branch that fails to render after writing several files; being
    # a pre-release, it is never picked as the latest.
    git("checkout", "-q", "-b", "broken", cwd=repo, env=uenv)
    _edit(repo / PKG / "features.py", append="# A broken pre-release.\n")
    for name in ("a-early.txt.jinja", "b-early.txt.jinja"):
        (repo / "template" / name).write_text("{{ project_name }}\n", encoding="utf-8")
    (repo / "template/zz-late.txt.jinja").write_text("{{ project_name.missing.attribute }}\n")
    _release(repo, "v3.0.0a1", uenv)
    git("checkout", "-q", "-", cwd=repo, env=uenv)

    # A pre-release that no longer offers GitLab CI: a recorded `ci: gitlab` is refused.
    git("checkout", "-q", "-b", "narrowed", "v2.0.0", cwd=repo, env=uenv)
    conf = yaml.safe_load((repo / "copier.yml").read_text(encoding="utf-8"))
    choices = conf["ci"]["choices"]
    conf["ci"]["choices"] = {k: v for k, v in choices.items() if v in {"github", "none"}}
    (repo / "copier.yml").write_text(yaml.safe_dump(conf, sort_keys=False), encoding="utf-8")
    _release(repo, "v2.1.0rc1", uenv)
    git("checkout", "-q", "-", cwd=repo, env=uenv)
    return repo


def mlops(*args, cwd: Path, env: dict[str, str], check: bool = False):
    return run([CLI, *args], cwd=cwd, env=env, check=check, timeout=300)


def generate(where: Path, history: Path, env, ref: str, *extra) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    mlops("p", "--template", history, "--vcs-ref", ref, "--defaults", "--no-lock", *extra,
          cwd=where, env=env, check=True)  # fmt: skip
    return where / "p"


@pytest.fixture(scope="module")
def base(tmp_path_factory, history, uenv) -> Path:
    """A project generated at v1.0.0 with every default, committed."""
    return generate(tmp_path_factory.mktemp("base"), history, uenv, "v1.0.0")


@pytest.fixture(scope="module")
def fresh_v2(tmp_path_factory, history, uenv) -> Path:
    """A fresh copy at v2.0.0 with every default."""
    return generate(tmp_path_factory.mktemp("fresh"), history, uenv, "v2.0.0", "--no-git")


@pytest.fixture
def project(tmp_path: Path, base: Path) -> Path:
    """A copy of the v1.0.0 project, git history included, for one test to change."""
    shutil.copytree(base, tmp_path / "p", symlinks=True)
    return tmp_path / "p"


def commit(project: Path, env, message: str = "My changes") -> None:
    git("add", "-A", cwd=project, env=env)
    git("commit", "-qm", message, cwd=project, env=env)


def files(path: Path) -> dict[str, bytes]:
    return {name: (path / name).read_bytes() for name in tree(path)}


def state(path: Path, env) -> tuple:
    """Everything an update could touch: files (ignored ones included), index and HEAD."""
    status = git("status", "--porcelain", "--untracked-files=all", cwd=path, env=env)
    return files(path), status, git("rev-parse", "HEAD", cwd=path, env=env)


def summary(stdout: str) -> dict[str, set[str]]:
    """The file lists of the update report, by label."""
    found: dict[str, set[str]] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) >= 2 and not line.startswith("   "):
            label = " ".join(parts[:-1])
            if label in {"added", "changed", "removed", "conflict"} or label.startswith("would"):
                found.setdefault(label, set()).add(parts[-1])
    return found


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ANSWERS).read_text(encoding="utf-8"))


def test_a_relative_template_path_is_recorded_absolute(history, uenv, tmp_path) -> None:
    relative = os.path.relpath(history, tmp_path)
    mlops("p", "--template", relative, "--vcs-ref", "v1.0.0", "--defaults", "--no-lock",
          "--no-git", cwd=tmp_path, env=uenv, check=True)  # fmt: skip
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
def edited(tmp_path_factory, base, uenv) -> tuple[Path, object]:
    project = tmp_path_factory.mktemp("edited") / "p"
    shutil.copytree(base, project, symlinks=True)
    _edit(project / "src/p/predict.py", append="\n\ndef my_helper() -> str:\n    return 'mine'\n")
    _edit(project / "params.yaml", append="# My note at the end of params.yaml\n")
    (project / "src/p/validation.py").unlink()  # the template changes it in v1.1.0
    (project / "tests/test_monitor.py").unlink()  # the template never changes it
    for name, text in USER_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    git("add", "-f", "data/external/reference.csv", cwd=project, env=uenv)
    commit(project, uenv)
    proc = mlops("update", cwd=project, env=uenv)
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


def test_check_after_update_and_commit_says_up_to_date(edited, uenv, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(edited[0], project, symlinks=True)
    commit(project, uenv, "Update from template v2.0.0")
    proc = mlops("check", cwd=project, env=uenv)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "up to date" in proc.stdout
    again = mlops("update", cwd=project, env=uenv)
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    assert git("status", "--porcelain", cwd=project, env=uenv) == ""


# ---- fresh copy -----------------------------------------------------------------------------


def test_update_without_user_edits_equals_a_fresh_copy(project, fresh_v2, uenv) -> None:
    proc = mlops("update", cwd=project, env=uenv)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert files(project) == files(fresh_v2)


def test_plain_copier_update_needs_no_trust_and_equals_a_fresh_copy(project, fresh_v2, uenv):
    proc = run([BIN / "copier", "update", "--defaults", "--conflict", "inline"], cwd=project,
               env=uenv)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert files(project) == files(fresh_v2)


# ---- conflicts: v1.0.0 -> v1.1.0 with the same line changed on both sides -------------------

MY_TRAIN_LINE = '"""Train: my own wording."""'


@pytest.fixture(scope="module")
def conflicted(tmp_path_factory, base, uenv):
    project = tmp_path_factory.mktemp("conflicted") / "p"
    shutil.copytree(base, project, symlinks=True)
    _edit(project / "src/p/train.py", first_line=MY_TRAIN_LINE)
    _edit(project / "src/p/predict.py", append="# my predict note\n")
    commit(project, uenv)
    before = state(project, uenv)
    proc = mlops("update", "--vcs-ref", "v1.1.0", cwd=project, env=uenv)
    return project, proc, before


def test_conflict_is_reported_with_markers_and_exit_1(conflicted, uenv) -> None:
    project, proc, _ = conflicted
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert summary(proc.stdout)["conflict"] == {"src/p/train.py"}
    text = (project / "src/p/train.py").read_text()
    assert text.startswith(f"<<<<<<< before updating\n{MY_TRAIN_LINE}\n=======\n{TRAIN_LINE}\n")
    assert ">>>>>>> after updating\n" in text
    unmerged = git("ls-files", "--unmerged", cwd=project, env=uenv)
    assert {line.split("\t")[1] for line in unmerged.splitlines()} == {"src/p/train.py"}
    for hint in ("git checkout --ours", "git checkout --theirs", "git add -A", "git restore"):
        assert hint in proc.stdout, hint


def test_conflict_loses_nothing_else(conflicted) -> None:
    project = conflicted[0]
    assert (project / "src/p/predict.py").read_text().endswith("# my predict note\n")
    assert (project / "src/p/features.py").read_text().endswith(FEATURES_NOTE)
    assert (project / "SECURITY.md").is_file()
    assert answers(project)["_commit"] == "v1.1.0"


def test_conflict_abort_command_restores_the_project(conflicted, uenv, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(conflicted[0], project, symlinks=True)
    abort = conflicted[1].stdout.splitlines()[-1].strip()
    run(["sh", "-c", abort], cwd=project, env=uenv, check=True)
    assert state(project, uenv) == conflicted[2]


def test_conflict_resolved_with_theirs_commits_cleanly(conflicted, uenv, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(conflicted[0], project, symlinks=True)
    git("checkout", "--theirs", "--", "src/p/train.py", cwd=project, env=uenv)
    commit(project, uenv, "Update from template v1.1.0")
    assert (project / "src/p/train.py").read_text().startswith(TRAIN_LINE + "\n")
    proc = mlops("check", "--format", "json", cwd=project, env=uenv)
    assert proc.returncode == 1  # v2.0.0 is out
    assert json.loads(proc.stdout)["current"] == "v1.1.0"


@pytest.mark.slow
def test_generated_pre_commit_hook_refuses_markers_left_by_update(conflicted, uenv) -> None:
    """copier leaves markers outside a git merge: the hook must look for them all the same."""
    project = conflicted[0]
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    hook = next(h for h in hooks if h["id"] == "check-merge-conflict")
    (requirement,) = hook["additional_dependencies"]
    command = [BIN / "uvx", "--from", requirement, *hook["entry"].split(), "src/p/train.py"]
    proc = run(command, cwd=project, env=uenv)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Merge conflict string" in proc.stdout


# ---- answers changed during an update ------------------------------------------------------


def test_update_data_removes_a_tool_and_switches_ci(project, history, uenv, tmp_path) -> None:
    proc = mlops("update", "--vcs-ref", ":current:", "-d", "docker=no", "-d", "ci=gitlab",
                 cwd=project, env=uenv)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert {"Dockerfile", ".dockerignore", ".github/workflows/ci.yml"} <= found["removed"]
    assert ".gitlab-ci.yml" in found["added"]
    recorded = answers(project)
    assert (recorded["_commit"], recorded["docker"], recorded["ci"]) == ("v1.0.0", False, "gitlab")
    same = generate(tmp_path / "same", history, uenv, "v1.0.0", "--no-git", "-d", "docker=no",
                    "-d", "ci=gitlab")  # fmt: skip
    assert files(project) == files(same)


@pytest.fixture(scope="module")
def preset(tmp_path_factory, history, uenv):
    """A project with non-default answers everywhere, edited, then updated to v2.0.0."""
    where = tmp_path_factory.mktemp("preset")
    data_file = where / "answers.yml"
    data_file.write_text(yaml.safe_dump(PRESET), encoding="utf-8")
    project = generate(where, history, uenv, "v1.0.0", "--data-file", data_file)
    _edit(project / "README.md", append="\n## Our team's notes\n\nKeep these.\n")
    commit(project, uenv)
    proc = mlops("update", cwd=project, env=uenv)
    return project, proc, data_file


def test_update_keeps_non_default_answers(preset, history, uenv, tmp_path) -> None:
    project, proc, data_file = preset
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = answers(project)
    assert {k: recorded[k] for k in PRESET} == PRESET
    for absent in ("Dockerfile", "dvc.yaml", ".github", "mkdocs.yml", ".pre-commit-config.yaml"):
        assert not (project / absent).exists(), absent
    fresh = generate(tmp_path, history, uenv, "v2.0.0", "--no-git", "--data-file", data_file)
    ours, theirs = files(project), files(fresh)
    assert ours.pop("README.md").endswith(b"Keep these.\n")
    theirs.pop("README.md")
    assert ours == theirs


def test_update_data_adds_docker_and_dvc(preset, history, uenv, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(preset[0], project, symlinks=True)
    commit(project, uenv, "Update from template v2.0.0")
    proc = mlops("update", "-d", "docker=yes", "-d", "data_versioning=dvc", cwd=project, env=uenv)
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
    fresh = generate(tmp_path / "fresh", history, uenv, "v2.0.0", "--no-git", "--data-file",
                     preset[2], "-d", "docker=yes", "-d", "data_versioning=dvc")  # fmt: skip
    ours, theirs = files(project), files(fresh)
    ours.pop("README.md"), theirs.pop("README.md")
    assert ours == theirs


def test_recorded_answer_the_new_release_refuses_stops_the_update(preset, uenv, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(preset[0], project, symlinks=True)
    commit(project, uenv, "Update from template v2.0.0")
    before = state(project, uenv)
    proc = mlops("update", "--vcs-ref", "v2.1.0rc1", cwd=project, env=uenv)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refuses an answer recorded in .copier-answers.yml: ci: 'gitlab'" in proc.stderr
    assert "--data ci=" in proc.stderr
    assert state(project, uenv) == before
    # Plain copier silently replaces the refused answer with the default: GitLab CI is gone.
    run([BIN / "copier", "update", "--defaults", "--vcs-ref", "v2.1.0rc1"], cwd=project,
        env=uenv, check=True)  # fmt: skip
    assert answers(project)["ci"] == "github"
    assert not (project / ".gitlab-ci.yml").exists()


# ---- dry run and check ----------------------------------------------------------------------


def test_pretend_lists_changes_and_writes_nothing(project, uenv) -> None:
    _edit(project / "src/p/train.py", first_line=MY_TRAIN_LINE)
    commit(project, uenv)
    before = state(project, uenv)
    proc = mlops("update", "--pretend", "--vcs-ref", "v1.1.0", cwd=project, env=uenv)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert found["would add"] == {"SECURITY.md"}
    assert found["would conflict"] == {"src/p/train.py"}
    assert "src/p/features.py" in found["would change"]
    assert "nothing was written" in proc.stdout
    assert state(project, uenv) == before


def test_check_before_update_says_behind(project, history, uenv) -> None:
    proc = mlops("check", cwd=project, env=uenv)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "v1.0.0 → v2.0.0" in proc.stdout and "mlops-new update" in proc.stdout
    as_json = mlops("check", "p", "--format", "json", cwd=project.parent, env=uenv)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {
        "path": str(project),
        "source": str(history),
        "current": "v1.0.0",
        "latest": "v2.0.0",
        "behind": True,
    }


# ---- refusals and errors: exit 2, one line, nothing changed --------------------------------


def _set_answer(project: Path, env, key: str, value: str | None) -> None:
    lines = (project / ANSWERS).read_text().splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(f"{key}:")]
    if value is not None:
        kept.insert(1, f"{key}: {value}\n")
    (project / ANSWERS).write_text("".join(kept), encoding="utf-8")
    commit(project, env, f"Set {key}")


def _modify(project: Path, env) -> None:
    _edit(project / "src/p/predict.py", append="# not committed\n")


def _untracked(project: Path, env) -> None:
    (project / "notes.md").write_text("not committed\n", encoding="utf-8")


ERRORS = {
    "dirty tree": (_modify, [], "uncommitted changes (src/p/predict.py)"),
    "untracked file": (_untracked, [], "uncommitted changes (notes.md)"),
    "unreachable source": (
        lambda p, e: _set_answer(p, e, "_src_path", "https://git.invalid/mlops-new.git"),
        [],
        "cannot reach the template at https://git.invalid/mlops-new.git",
    ),
    "moved source": (
        lambda p, e: _set_answer(p, e, "_src_path", "/nonexistent/template"),
        [],
        "does not exist (moved or deleted?)",
    ),
    "relative source": (
        lambda p, e: _set_answer(p, e, "_src_path", "../template"),
        [],
        "relative _src_path",
    ),
    "missing _commit": (lambda p, e: _set_answer(p, e, "_commit", None), [], "no _commit"),
    "not a git repository": (
        lambda p, e: shutil.rmtree(p / ".git"),
        [],
        "is not a git repository",
    ),
    "downgrade": (
        lambda p, e: _set_answer(p, e, "_commit", "v2.0.0"),
        ["--vcs-ref", "v1.0.0"],
        "cannot downgrade",
    ),
    "unknown ref (copier's bare ValueError)": (None, ["--vcs-ref", "v9.9.9"], "v9.9.9"),
    "render fails mid-update (undone)": (None, ["--vcs-ref", "v3.0.0a1"], "missing"),
    "invalid answer": (None, ["-d", "docker=maybe"], "docker: 'maybe' is not yes/no"),
    "unknown question": (None, ["-d", "colour=blue"], "unknown question 'colour'"),
    "answer without =": (None, ["-d", "docker"], "expected key=value"),
}


@pytest.mark.parametrize("prepare, args, message", ERRORS.values(), ids=ERRORS.keys())
def test_update_refuses_with_one_line_and_changes_nothing(
    project, uenv, prepare, args, message
) -> None:
    if prepare:
        prepare(project, uenv)
    before = files(project)
    status = run(["git", "status", "--porcelain"], cwd=project, env=uenv).stdout
    proc = mlops("update", *args, cwd=project, env=uenv)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert message in lines[0]
    assert files(project) == before
    assert run(["git", "status", "--porcelain"], cwd=project, env=uenv).stdout == status


CHECK_ERRORS = {
    "not a project": (lambda p, e: (p / ANSWERS).unlink(), [], "has no .copier-answers.yml"),
    "unreachable source": (ERRORS["unreachable source"][0], [], "cannot reach the template"),
    "unknown format": (None, ["--format", "xml"], "choose text or json"),
}


@pytest.mark.parametrize("prepare, args, message", CHECK_ERRORS.values(), ids=CHECK_ERRORS.keys())
def test_check_errors_exit_2_with_one_line(project, uenv, prepare, args, message) -> None:
    if prepare:
        prepare(project, uenv)
    proc = mlops("check", *args, cwd=project, env=uenv)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_help_explains_update_and_check(uenv, tmp_path) -> None:
    update = mlops("update", "--help", cwd=tmp_path, env=uenv, check=True).stdout
    for text in ("--data", "--vcs-ref", "--pretend", "clean git tree", "conflict"):
        assert text in update, text
    check = mlops("check", "--help", cwd=tmp_path, env=uenv, check=True).stdout
    assert "--format" in check and "behind" in check


@pytest.mark.parametrize("name", ["update", "check"])
def test_a_project_named_like_the_new_commands(name, uenv, tmp_path) -> None:
    mlops(f"./{name}", "--defaults", "--no-git", "--no-lock", cwd=tmp_path, env=uenv, check=True)
    assert (tmp_path / name / ANSWERS).is_file()


# ---- releases -------------------------------------------------------------------------------


def test_changelog_has_an_entry_for_this_version_with_manual_steps() -> None:
    from mlops_new import __version__

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    assert sections, "CHANGELOG.md has no release section"
    assert __version__ in {section.split()[0] for section in sections}
    for section in sections:
        assert "**Manual steps after updating:**" in section, section.splitlines()[0]


def test_bundled_template_matches_its_release_tag(env) -> None:
    """A build whose version names a release carries exactly that tag's template."""
    from mlops_new import __version__

    tag = f"v{__version__}"
    if not (ROOT / ".git").exists():
        pytest.skip("needs this repository as a git clone")
    if run(["git", "rev-parse", "--quiet", "--verify", f"refs/tags/{tag}"], cwd=ROOT,
           env=env).returncode != 0:  # fmt: skip
        pytest.skip(f"{tag} is not tagged yet (a release in the making)")
    diff = run(["git", "diff", "--stat", tag, "--", "copier.yml", "template"], cwd=ROOT, env=env)
    assert diff.stdout == "", (
        f"the template changed since {tag} but the version is still {__version__}: set the "
        f"next .dev0 version (docs/releasing.md)\n{diff.stdout}"
    )


# ---- the docs page walks through a real run ---------------------------------------------


@pytest.mark.slow
def test_updating_page_walkthrough_is_a_real_run(tmp_path, uenv) -> None:
    """docs/updating.md's console blocks are the output of this very scenario."""
    from mlops_new.source import TEMPLATE_URL

    repo = tmp_path / "mlops-new"
    repo.mkdir()
    shutil.copy2(ROOT / "copier.yml", repo)
    shutil.copytree(ROOT / "template", repo / "template", symlinks=True)
    git("init", "-q", cwd=repo, env=uenv)
    _release(repo, "v0.1.0", uenv)
    params = repo / "template/params.yaml.jinja"
    assert "  n_estimators: 100\n" in params.read_text()
    params.write_text(params.read_text().replace("  n_estimators: 100\n", "  n_estimators: 200\n"))
    note = (
        "# Batch predictions: `python -m <package>.predict --file rows.jsonl` (added in 0.2.0).\n"
    )
    _edit(repo / PKG / "predict.py", append=note)
    _release(repo, "v0.2.0", uenv)
    mlops("iris-classifier", "--template", repo, "--vcs-ref", "v0.1.0", "--defaults",
          "--no-lock", cwd=tmp_path, env=uenv, check=True)  # fmt: skip
    project = tmp_path / "iris-classifier"
    mine = project / "params.yaml"
    mine.write_text(mine.read_text().replace("  n_estimators: 100\n", "  n_estimators: 300\n"))
    _edit(
        project / "src/iris_classifier/data.py", append='\n\ndef load_my_data():\n    """Ours."""\n'
    )
    commit(project, uenv, "More trees; our own data loader")

    page = (ROOT / "docs" / "updating.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in page.split("```console\n")[1:]]
    steps = [step for block in blocks for step in block.split("$ ")[1:]]
    assert len(steps) == 5, steps
    for step in steps:
        command, _, expected = step.partition("\n")
        if command.startswith("git add"):  # resolve as the page says: keep 300
            text = mine.read_text()
            conflict = (
                "<<<<<<< before updating\n  n_estimators: 300\n=======\n"
                "  n_estimators: 200\n>>>>>>> after updating\n"
            )
            assert conflict in text
            mine.write_text(text.replace(conflict, "  n_estimators: 300\n"))
        proc = run(["bash", "-c", command], cwd=project, env=uenv)
        assert proc.returncode in (0, 1), proc.stderr
        if command.startswith("mlops-new"):  # git's own chatter is not shown on the page
            shown = proc.stdout.replace(str(repo), TEMPLATE_URL)
            assert shown.strip() == expected.strip(), command
    assert (project / "src/iris_classifier/data.py").read_text().endswith('"""Ours."""\n')
    assert "  n_estimators: 300\n" in mine.read_text()
