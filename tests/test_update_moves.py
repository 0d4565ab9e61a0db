"""`mlops-new update` where plain copier loses the user's work: releases that remove, rename
or move files the user edited (the `moving` history of tests/update_history.py).

Each release branches from v1.0.0; a copy of one edited v1.0.0 project is updated to each,
first with --pretend, then for real, then committed and updated again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import BIN, ROOT, commit, git, release, run, template_repo, tree
from .update_history import (
    MOVES,
    MY_PREDICT_LINE,
    PREDICT_LINE,
    TRAIN_LINE,
    USER_MODULES,
    mlops,
    state,
    summary,
)

#: What each release's update reports, beyond `.copier-answers.yml` changed.
EXPECTED = {
    "v1.1.0": {"kept": {"notebooks/README.md"}},
    "v1.2.0": {"carried": {"src/p/features.py → src/p/featurize.py"}},
    "v1.3.0": {"carried": {"src/p/train.py → src/p/fit.py"}},
    "v1.4.0": {"carried": {"CHANGELOG.md → docs/CHANGELOG.md"}},
    "v1.5.0": {
        "kept": {"notebooks/README.md"},
        "carried": {"src/p/predict.py → src/p/inference.py"},
        "conflict": {"params.yaml", "src/p/inference.py"},
    },
    "package_name=q": {
        "carried": {f"src/p/{n}.py → src/q/{n}.py" for n in ("features", "predict", "train")},
        "moved": {f"src/p/{n} → src/q/{n}" for n in ("mine.py", "extras/helpers.py")},
    },
}
#: The labels of the update report for what plain copier would lose.
SAVED = {"kept", "carried", "moved", "conflict"}


@dataclass
class Updated:
    tag: str
    project: Path
    before: tuple
    pretend: object
    after_pretend: tuple
    proc: object


#: The update of each scenario: to a release of MOVES, or an answer that moves the package.
ARGS = {tag: ["--vcs-ref", tag] for tag in MOVES} | {
    "package_name=q": ["--vcs-ref", ":current:", "-d", "package_name=q"]
}


@pytest.fixture(scope="module")
def update_to(tmp_path_factory, moving_base, session_env):
    """A copy of the edited v1.0.0 project updated as ARGS[key] says (once per key)."""
    done: dict[str, Updated] = {}

    def make(key: str) -> Updated:
        if key not in done:
            project = tmp_path_factory.mktemp("moved") / "p"
            shutil.copytree(moving_base, project, symlinks=True)
            before = state(project, session_env)
            pretend = mlops("update", "--pretend", *ARGS[key], cwd=project, env=session_env)
            after_pretend = state(project, session_env)
            proc = mlops("update", *ARGS[key], cwd=project, env=session_env)
            done[key] = Updated(key, project, before, pretend, after_pretend, proc)
        return done[key]

    return make


@pytest.fixture(params=sorted(ARGS))
def updated(request, update_to) -> Updated:
    return update_to(request.param)


def added_lines(project: Path, env) -> set[str]:
    """Every line the user's last commit added, blank ones aside."""
    diff = git("diff", "-U0", "HEAD~1", "HEAD", cwd=project, env=env)
    lines = (ln[1:] for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
    return {ln for ln in lines if ln.strip()}


def lines_of(project: Path) -> set[str]:
    """Every line of every file in the project."""
    found: set[str] = set()
    for name in tree(project):
        found.update((project / name).read_text(encoding="utf-8", errors="replace").splitlines())
    return found


def test_update_loses_no_line_the_user_added(updated, session_env) -> None:
    mine = added_lines(updated.project, session_env)
    assert len(mine) >= 6
    assert mine - lines_of(updated.project) == set()


def test_update_lists_kept_carried_and_conflicts(updated) -> None:
    proc = updated.proc
    expected = EXPECTED[updated.tag]
    found = summary(proc.stdout)
    assert {k: v for k, v in found.items() if k in SAVED} == expected
    if updated.tag in MOVES:
        assert found == {"changed": {".copier-answers.yml"}, **expected}
    attention = bool((SAVED - {"carried"}) & set(expected))
    assert proc.returncode == (1 if attention else 0), proc.stdout + proc.stderr
    if "kept" in expected:
        assert "Files you edited that the template no longer ships (kept):" in proc.stdout
    if "carried" in expected:
        assert "Your edits to files the template renamed or moved (carried):" in proc.stdout


def test_pretend_writes_nothing_and_reports_the_same(updated) -> None:
    assert updated.after_pretend == updated.before
    assert updated.pretend.returncode == 0, updated.pretend.stdout + updated.pretend.stderr
    would = {
        label.removeprefix("would "): files
        for label, files in summary(updated.pretend.stdout).items()
    }
    renamed = {"keep": "kept", "carry": "carried", "move": "moved"}
    renamed |= {"add": "added", "change": "changed", "remove": "removed"}
    assert {renamed.get(k, k): v for k, v in would.items()} == summary(updated.proc.stdout)
    assert "Dry run: nothing was written." in updated.pretend.stdout


def test_old_paths_are_gone_and_kept_files_are_as_committed(updated, session_env) -> None:
    project = updated.project
    expected = EXPECTED[updated.tag]
    for pair in [*expected.get("carried", ()), *expected.get("moved", ())]:
        old, new = pair.split(" → ")
        assert not (project / old).exists() and (project / new).is_file(), pair
    for name in EXPECTED[updated.tag].get("kept", ()):
        committed = git("show", f"HEAD:{name}", cwd=project, env=session_env)
        assert (project / name).read_text(encoding="utf-8") == committed
        assert git("status", "--porcelain", "--", name, cwd=project, env=session_env) == ""


def test_second_update_is_a_no_op(updated, session_env, tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(updated.project, project, symlinks=True)
    commit(project, session_env, f"Update from template {updated.tag}")
    before = state(project, session_env)
    again = mlops("update", "--vcs-ref", ":current:", cwd=project, env=session_env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "up to date" in again.stdout
    assert state(project, session_env) == before


# ---- the merged contents -------------------------------------------------------------------


def test_renamed_file_with_the_same_content_gets_the_users_edit(update_to, moving_base) -> None:
    updated = update_to("v1.2.0")
    project = updated.project
    text = (project / "src/p/featurize.py").read_text(encoding="utf-8")
    assert text == (moving_base / "src/p/features.py").read_text(encoding="utf-8")


def test_renamed_file_with_changed_content_merges_both(update_to) -> None:
    updated = update_to("v1.3.0")
    project = updated.project
    text = (project / "src/p/fit.py").read_text(encoding="utf-8")
    assert text.startswith(TRAIN_LINE + "\n")
    assert text.endswith("def my_train_helper() -> int:\n    return 1\n")
    assert "<<<<<<<" not in text


def test_moved_file_keeps_the_users_entry(update_to) -> None:
    updated = update_to("v1.4.0")
    project = updated.project
    text = (project / "docs/CHANGELOG.md").read_text(encoding="utf-8")
    assert text.endswith("\n- my own changelog entry\n")


def test_carried_conflict_is_inline_and_unmerged(update_to, session_env) -> None:
    updated = update_to("v1.5.0")
    project = updated.project
    text = (project / "src/p/inference.py").read_text(encoding="utf-8")
    assert text.startswith(
        f"<<<<<<< before updating\n{MY_PREDICT_LINE}\n=======\n{PREDICT_LINE}\n"
        ">>>>>>> after updating\n"
    )
    unmerged = git("ls-files", "--unmerged", cwd=project, env=session_env).splitlines()
    stages = {(line.split("\t")[1], line.split()[2]) for line in unmerged}
    assert {s for name, s in stages if name == "src/p/inference.py"} == {"1", "2", "3"}
    assert {name for name, _ in stages} == {"params.yaml", "src/p/inference.py"}
    assert "git checkout --ours" in updated.proc.stdout
    ours = git("show", ":2:src/p/inference.py", cwd=project, env=session_env)
    assert ours.startswith(MY_PREDICT_LINE + "\n")


def test_plain_copier_loses_what_mlops_new_keeps(moving_base, session_env, tmp_path) -> None:
    """The scenarios of docs/updating.md's table, with plain `copier update`."""
    project = tmp_path / "p"
    shutil.copytree(moving_base, project, symlinks=True)
    command = [BIN / "copier", "update", "--defaults", "--conflict", "inline", "-q"]
    run([*command, "--vcs-ref", "v1.5.0"], cwd=project, env=session_env, check=True)
    assert not (project / "notebooks/README.md").exists()
    assert not (project / "src/p/predict.py").exists()
    assert MY_PREDICT_LINE not in (project / "src/p/inference.py").read_text(encoding="utf-8")


def test_abort_command_restores_the_project(update_to, session_env, tmp_path) -> None:
    updated = update_to("v1.5.0")
    project = tmp_path / "p"
    shutil.copytree(updated.project, project, symlinks=True)
    abort = updated.proc.stdout.splitlines()[-1].strip()
    run(["sh", "-c", abort], cwd=project, env=session_env, check=True)
    assert state(project, session_env) == updated.before


def test_updating_page_shows_this_summary(update_to) -> None:
    page = (ROOT / "docs" / "updating.md").read_text(encoding="utf-8")
    shown = page.split("The summary has a section for each:\n\n```text\n", 1)[1].split("```")[0]
    assert update_to("v1.5.0").proc.stdout.startswith(shown)


def test_answer_that_moves_the_package_takes_the_users_modules(update_to, moving_base) -> None:
    project = update_to("package_name=q").project
    assert not [name for name in tree(project) if name.startswith("src/p/")]
    for name in USER_MODULES:
        moved = project / name.replace("src/p/", "src/q/", 1)
        assert moved.read_text(encoding="utf-8") == USER_MODULES[name], name
    text = (project / "src/q/train.py").read_text(encoding="utf-8")
    assert text.endswith("def my_train_helper() -> int:\n    return 1\n")


def test_plain_copier_leaves_the_users_modules_behind(moving_base, session_env, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(moving_base, project, symlinks=True)
    command = [BIN / "copier", "update", "--defaults", "--conflict", "inline", "-q"]
    run([*command, "-d", "package_name=q"], cwd=project, env=session_env, check=True)
    assert (project / "src/p/mine.py").is_file() and not (project / "src/q/mine.py").exists()
    assert "my_train_helper" not in (project / "src/q/train.py").read_text(encoding="utf-8")


# ---- a file git cannot merge ---------------------------------------------------------------

TINY = {
    "copier.yml": "name:\n  type: str\n  default: tiny\n",
    "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers | to_nice_yaml }}",
}
LOGO = bytes(range(256)) * 4


def test_renamed_binary_file_stays_the_users_and_in_conflict(session_env, tmp_path) -> None:
    repo = tmp_path / "t"
    repo.mkdir()
    (repo / "logo.bin").write_bytes(LOGO)
    template_repo(repo, {"v1.0.0": TINY}, session_env)
    (repo / "img").mkdir()
    (repo / "img/logo.bin").write_bytes(LOGO)
    release(repo, "v2.0.0", {"logo.bin": None}, session_env)
    project = tmp_path / "p"
    copy = [BIN / "copier", "copy", "--defaults", "-q", "--vcs-ref", "v1.0.0", repo, project]
    run(copy, cwd=tmp_path, env=session_env, check=True)
    mine = LOGO[::-1]
    (project / "logo.bin").write_bytes(mine)
    commit(project, session_env)
    proc = mlops("update", cwd=project, env=session_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert (found["carried"], found["conflict"]) == ({"logo.bin → img/logo.bin"}, {"img/logo.bin"})
    assert (project / "img/logo.bin").read_bytes() == mine
    assert not (project / "logo.bin").exists()
    unmerged = git("ls-files", "--unmerged", cwd=project, env=session_env)
    assert {line.split("\t")[1] for line in unmerged.splitlines()} == {"img/logo.bin"}


def test_library_result_lists_kept_and_carried(moving_base, session_env, monkeypatch, tmp_path):
    """`mlops_new.update(..., pretend=True)` gives the same lists as typed fields."""
    from mlops_new.update import update

    for key, value in session_env.items():
        monkeypatch.setenv(key, value)
    project = tmp_path / "p"
    shutil.copytree(moving_base, project, symlinks=True)
    result = update(project, vcs_ref="v1.5.0", pretend=True)
    assert (result.pretend, result.needs_attention) == (True, True)
    assert result.kept == ["notebooks/README.md"]
    assert result.carried == [("src/p/predict.py", "src/p/inference.py")]
    assert result.conflicts == ["params.yaml", "src/p/inference.py"]
    assert (result.added, result.removed, result.moved) == ([], [], [])


@pytest.mark.parametrize("key", ["v1.5.0", "package_name=q"])
def test_a_project_in_a_folder_of_a_larger_repository(key, moving_base, session_env, tmp_path):
    mono = tmp_path / "mono"
    shutil.copytree(
        moving_base, mono / "apps/p", symlinks=True, ignore=shutil.ignore_patterns(".git")
    )
    commit(mono, session_env, "A repository of several projects")
    proc = mlops("update", *ARGS[key], cwd=mono / "apps/p", env=session_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert {k: v for k, v in found.items() if k in SAVED} == EXPECTED[key]
    assert added_lines(moving_base, session_env) - lines_of(mono / "apps/p") == set()
    unmerged = git("ls-files", "--unmerged", cwd=mono, env=session_env).splitlines()
    expected = {f"apps/p/{name}" for name in EXPECTED[key].get("conflict", ())}
    assert {line.split("\t")[1] for line in unmerged} == expected


def test_a_tool_turned_off_keeps_its_file_the_user_edited(moving_base, session_env, tmp_path):
    project = tmp_path / "p"
    shutil.copytree(moving_base, project, symlinks=True)
    (project / "Dockerfile").write_text("# my own base image\n", encoding="utf-8")
    commit(project, session_env, "My Dockerfile")
    args = ["--vcs-ref", ":current:", "-d", "docker=no"]
    proc = mlops("update", *args, cwd=project, env=session_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = summary(proc.stdout)
    assert found["kept"] == {"Dockerfile"}
    assert {".dockerignore", ".github/workflows/release.yml"} == found["removed"]
    assert (project / "Dockerfile").read_text(encoding="utf-8") == "# my own base image\n"


@pytest.mark.slow
@pytest.mark.parametrize("key", ["v1.1.0", "v1.4.0", "package_name=q"])
def test_the_updated_project_passes_its_own_tests(update_to, key, session_env, tmp_path) -> None:
    """Where the change allows it (no module renamed under the code that imports it), the
    project, with what was kept, carried and moved, installs and passes its own `make test`."""
    project = tmp_path / "p"
    shutil.copytree(update_to(key).project, project, symlinks=True)
    proc = run(["make", "setup", "test"], cwd=project, env=session_env, timeout=900)
    assert proc.returncode == 0, f"{key}:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
