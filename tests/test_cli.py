"""The CLI as a user meets it: help, version, generation, and every user error."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from mlops_new import __version__
from mlops_new.source import TEMPLATE_URL

from .helpers import CLI, contents, git, release, run, template_repo, tree


def test_help_explains_usage(cli) -> None:
    out = cli("--help", check=True).stdout
    assert "mlops-new PATH" in out
    assert "--defaults" in out
    assert "new" in out


def test_new_help_lists_every_option(cli) -> None:
    out = cli("new", "--help", check=True).stdout
    for option in (
        "--defaults",
        "--data",
        "--data-file",
        "--template",
        "--vcs-ref",
        "--no-git",
        "--force",
        "--no-lock",
    ):
        assert option in out, option


def test_version(cli) -> None:
    proc = cli("--version", check=True)
    assert proc.stdout.strip() == f"mlops-new {__version__}"


def test_defaults_create_a_committed_project(cli, tmp_path: Path, env) -> None:
    proc = cli("iris-demo", "--defaults", "--no-lock", check=True)
    project = tmp_path / "iris-demo"
    assert "next steps" in proc.stdout
    assert "make setup" in proc.stdout
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == TEMPLATE_URL
    assert answers["_commit"] == f"v{__version__}"
    assert answers["project_name"] == "iris-demo"
    assert answers["package_name"] == "iris_demo"
    assert answers["author_name"] == "Test Author"  # from git config
    log = git("log", "--oneline", cwd=project, env=env)
    assert len(log.splitlines()) == 1
    status = git("status", "--porcelain", cwd=project, env=env)
    assert status == ""
    assert [p.name for p in tmp_path.iterdir()] == ["iris-demo"]  # no temporary folder left


def test_without_a_terminal_it_uses_defaults_and_never_waits(cli, tmp_path: Path) -> None:
    proc = cli("quiet-project", "--no-git", "--no-lock", timeout=60, check=True)
    assert (tmp_path / "quiet-project" / "src" / "quiet_project" / "train.py").is_file()
    assert not (tmp_path / "quiet-project" / ".git").exists()
    assert "git init" in proc.stdout  # the next steps tell the user to do it


def test_data_and_data_file_answer_questions(cli, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("license: BSD-3-Clause\ndescription: From a file\n", encoding="utf-8")
    cli(
        "p",
        "--data-file",
        answers,
        "-d",
        "description=From the command line",
        "--data",
        "python_version=3.11",
        "--no-lock",
        check=True,
    )
    recorded = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert recorded["license"] == "BSD-3-Clause"
    assert recorded["description"] == "From the command line"  # --data wins over the file
    assert recorded["python_version"] == "3.11"
    assert "BSD 3-Clause" in (tmp_path / "p" / "LICENSE").read_text()


def test_a_project_named_like_a_subcommand(cli, tmp_path: Path) -> None:
    cli("./new", "--defaults", "--no-git", "--no-lock", check=True)
    assert (tmp_path / "new" / "Makefile").is_file()


def test_force_adds_files_and_keeps_the_users(cli, tmp_path: Path) -> None:
    project = tmp_path / "existing"
    project.mkdir()
    (project / "README.md").write_text("my notes\n", encoding="utf-8")
    (project / "mine.txt").write_text("mine\n", encoding="utf-8")
    proc = cli("existing", "--defaults", "--force", "--no-lock", check=True)
    assert (project / "README.md").read_text() == "my notes\n"
    assert (project / "mine.txt").read_text() == "mine\n"
    assert (project / "Makefile").is_file()
    assert "README.md" in proc.stdout  # reported as kept


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("precious\n", encoding="utf-8")
    (tmp_path / "afile").write_text("x\n", encoding="utf-8")
    (tmp_path / "broken.yml").write_text("license: [unclosed\n", encoding="utf-8")
    (tmp_path / "list.yml").write_text("- a\n- b\n", encoding="utf-8")
    return {}


USER_ERRORS = {
    "python keyword as package": (["p", "-d", "package_name=class"], "keyword"),
    "stdlib clash": (["p", "-d", "package_name=json"], "shadows"),
    "leading digit": (["p", "-d", "package_name=1abc"], "not a valid package name"),
    "dependency clash": (["p", "-d", "package_name=pandas"], "shadows"),
    "path separator in package": (["p", "-d", "package_name=a/b"], "e.g. 'ml_a_b'"),
    "windows name as package": (["p", "-d", "package_name=aux"], "reserved name on Windows"),
    "path separator in slug": (["p", "-d", "project_slug=a/b"], "not a valid slug"),
    "dot-dot slug": (["p", "-d", "project_slug=.."], "not a valid slug"),
    "empty package name": (["p", "-d", "package_name="], "not a valid package name"),
    "bad yes/no": (["p", "-d", "docker=maybe"], "not yes/no"),
    "computed value": (["p", "-d", "model_file=x.bin"], "unknown question 'model_file'"),
    "bad slug": (["p", "-d", "project_slug=Bad Slug"], "not a valid slug"),
    "windows reserved name": (["con", "--defaults"], "reserved name on Windows"),
    "empty project name": (["p", "-d", "project_name= "], "must not be empty"),
    "bad email": (["p", "-d", "author_email=nobody"], "not an e-mail"),
    "unknown option value": (["p", "-d", "license=GPL"], "license: 'GPL' is not one of"),
    "unknown question": (["p", "-d", "colour=blue"], "unknown question 'colour'"),
    "data without =": (["p", "-d", "license"], "expected key=value"),
    "unreadable data file": (["p", "--data-file", "missing.yml"], "cannot read"),
    "malformed data file": (["p", "--data-file", "broken.yml"], "not valid YAML"),
    "data file not a mapping": (["p", "--data-file", "list.yml"], "expected a mapping"),
    "non-empty target": (["taken", "--defaults"], "not empty"),
    "target is a file": (["afile", "--defaults"], "is a file"),
    "dot-dot": (["..", "--defaults"], "does not name a new folder"),
    "missing template": (["p", "--template", "nowhere"], "no such folder"),
    "template without git": (["p", "--template", "."], "not a template"),
    "vcs-ref without template": (["p", "--vcs-ref", "v1"], "--vcs-ref needs --template"),
}


@pytest.mark.parametrize("args, message", USER_ERRORS.values(), ids=USER_ERRORS.keys())
def test_user_errors_exit_2_with_one_line_and_write_nothing(
    cli, tmp_path, bad_inputs, args, message
) -> None:
    before = tree(tmp_path)
    proc = cli(*args, "--no-lock")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr
    assert tree(tmp_path) == before
    assert (tmp_path / "taken" / "keep.txt").read_text() == "precious\n"


def _git_template(path: Path, env, copier_yml: str) -> Path:
    files = {"copier.yml": copier_yml, "README.md.jinja": "# {{ name }}\n"}
    return template_repo(path, {"v1.0.0": files}, env)


def test_copier_errors_become_one_line(cli, tmp_path, env) -> None:
    fork = _git_template(tmp_path / "fork", env, "name:\n  type: str\n  default: x\n")
    before = tree(tmp_path)
    proc = cli("p", "--template", fork, "--vcs-ref", "no-such-ref", "--no-lock")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree(tmp_path) == before


def test_copier_value_error_becomes_one_line(cli, tmp_path, env) -> None:
    # A question whose type copier cannot apply makes copier raise its bare ValueError.
    fork = _git_template(tmp_path / "fork", env, "name:\n  type: int\n  default: not-a-number\n")
    proc = cli("p", "--template", fork, "--no-lock")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "p").exists()


def test_fork_template_is_rendered_and_recorded(cli, tmp_path, env) -> None:
    fork = _git_template(tmp_path / "fork", env, "name:\n  type: str\n  default: course\n")
    cli("p", "--template", fork, "--defaults", "--no-lock", check=True)
    assert (tmp_path / "p" / "README.md").read_text() == "# course\n"


def test_name_errors_suggest_a_fix(cli) -> None:
    for args in (["p", "-d", "package_name=class"], ["p", "-d", "project_slug=My Project"]):
        proc = cli(*args, "--no-lock")
        assert proc.returncode == 2 and "e.g. '" in proc.stderr, proc.stderr


def test_sigterm_mid_generation_leaves_nothing(env, tmp_path: Path) -> None:
    """SIGTERM while `uv lock` runs (after rendering): no project, no temporary folder."""
    proc = subprocess.Popen(
        [CLI, "stopped", "--defaults", "--no-git"],
        cwd=tmp_path,
        env=env | {"UV_OFFLINE": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    # The staging folder holds the rendered project once the answers file is there.
    while not list(tmp_path.glob(".mlops-new-*/stopped/.copier-answers.yml")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "rendering did not start"
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert list(tmp_path.iterdir()) == []


def test_render_error_mid_way_writes_nothing(cli, tmp_path: Path, env) -> None:
    fork = _git_template(tmp_path / "fork", env, "name:\n  type: str\n  default: x\n")
    # Files render in order: several are written before this one fails.
    files = {f"{letter}.txt.jinja": "{{ name }}\n" for letter in "abcdefgh"}
    files["zz.txt.jinja"] = "{{ name.missing.attribute }}\n"
    release(fork, "v2.0.0", files, env)
    (tmp_path / "existing").mkdir()
    (tmp_path / "existing" / "a.txt").write_text("mine\n", encoding="utf-8")
    before = contents(tmp_path)
    for target, extra in (("fresh", []), ("existing", ["--force"])):
        proc = cli(target, "--template", fork, "--defaults", "--no-lock", *extra)
        assert proc.returncode == 2, proc.stderr
        assert "missing" in proc.stderr and "Traceback" not in proc.stderr
        assert contents(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_target_is_refused_and_left_unchanged(env) -> None:
    command = [str(CLI), "--no-lock", "--no-git", "--defaults"]
    if os.geteuid() == 0:  # root writes anywhere: run as an unprivileged user
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv (util-linux) is not installed")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    # pytest's tmp_path is private to root: use a folder every user can reach.
    base = Path(tempfile.mkdtemp(prefix="mlops-new-ro-", dir="/tmp"))
    base.chmod(0o755)
    locked = base / "locked"
    (locked / "existing").mkdir(parents=True)
    (locked / "existing" / "notes.txt").write_text("mine\n", encoding="utf-8")
    for folder in (locked / "existing", locked):
        folder.chmod(0o555)
    # A folder the user may write to, but whose src/ is read-only: --force adds the top-level
    # files, then fails inside src/, and must take back what it added.
    partly = base / "partly"
    (partly / "src").mkdir(parents=True)
    (partly / "notes.txt").write_text("mine\n", encoding="utf-8")
    partly.chmod(0o777)
    (partly / "src").chmod(0o555)
    before = contents(base)
    targets = ((locked / "new", []), (locked / "existing", ["--force"]), (partly, ["--force"]))
    try:
        for target, extra in targets:
            proc = run([*command, *extra, target], cwd=base, env=env | {"HOME": str(base)})
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr.startswith("Error: cannot write"), proc.stderr
            assert "Traceback" not in proc.stderr
            assert contents(base) == before
    finally:
        for folder in (locked, locked / "existing", partly / "src"):
            folder.chmod(0o755)
        shutil.rmtree(base)


def test_presets_are_listed_with_their_answers(cli) -> None:
    out = cli("presets", check=True).stdout
    for name in ("minimal", "standard", "full", "course"):
        assert f"\n{name} " in f"\n{out}"
    assert "data_versioning=none" in out and "ci=both" in out


@pytest.mark.parametrize("name", ["minimal", "standard", "full", "course"])
def test_preset_sets_answers_and_is_recorded(cli, tmp_path: Path, name: str) -> None:
    from mlops_new import presets

    from . import static

    cli("p", "--preset", name, "--no-lock", "--no-git", check=True)
    recorded = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    expected = presets.load(name).answers
    assert {k: recorded[k] for k in expected} == expected
    assert recorded["preset"] == name
    answers = recorded | {"package_name": "p"}
    assert static.problems(tmp_path / "p", answers, lock_written=False) == []
    assert (tmp_path / "p" / "COURSE.md").exists() == (name == "course")


def test_data_wins_over_a_preset_file(cli, tmp_path: Path) -> None:
    kit = tmp_path / "Course 2027.yml"
    kit.write_text("# Our course\nci: gitlab\ndocker: false\n", encoding="utf-8")
    cli("p", "--preset", kit, "-d", "docker=true", "--no-lock", "--no-git", check=True)
    recorded = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert (recorded["ci"], recorded["docker"], recorded["preset"]) == (
        "gitlab",
        True,
        "course-2027",
    )


PRESET_ERRORS = {
    "unknown key": ("colour: blue\n", "preset bad.yml: unknown question 'colour'"),
    "invalid value": ("ci: jenkins\n", "preset bad.yml: ci: 'jenkins' is not one of"),
    "not a mapping": ("- ci\n", "must be a mapping"),
    "malformed": ("ci: [github\n", "not valid YAML at line"),
}


@pytest.mark.parametrize("content, message", PRESET_ERRORS.values(), ids=PRESET_ERRORS.keys())
def test_bad_preset_file_names_file_and_key(cli, tmp_path: Path, content, message) -> None:
    (tmp_path / "bad.yml").write_text(content, encoding="utf-8")
    before = tree(tmp_path)
    proc = cli("p", "--preset", "bad.yml", "--no-lock")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert tree(tmp_path) == before


def test_unknown_preset_name(cli) -> None:
    proc = cli("p", "--preset", "huge", "--no-lock")
    assert proc.returncode == 2 and "no such preset" in proc.stderr


@pytest.mark.parametrize(
    ("given", "rendered"),
    [
        ("https://git.example.org/teacher/tpl", "git+https://git.example.org/teacher/tpl"),
        ("http://git.example.org/tpl", "git+http://git.example.org/tpl"),
        ("https://git.example.org/teacher/tpl.git", "https://git.example.org/teacher/tpl.git"),
        ("https://github.com/o/tpl", "https://github.com/o/tpl"),
        ("git+https://git.example.org/tpl", "git+https://git.example.org/tpl"),
        ("gh:o/tpl", "gh:o/tpl"),
    ],
)
def test_template_web_addresses_reach_copier_as_git(given: str, rendered: str) -> None:
    """Without the git+ prefix, copier would look for a local folder named like the URL."""
    from copier._vcs import get_repo
    from mlops_new.source import resolve

    source = resolve(given)
    assert source.render_from == rendered
    assert get_repo(source.render_from) is not None  # copier sees a git repository
