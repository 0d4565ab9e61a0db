"""A teacher's course kit, end to end (docs/presets.md): a fork of the template with the
course's defaults; two students start from it with one command and edit their projects
differently; the teacher tags a fix mid-course; each student updates and keeps their work.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from .helpers import CLI, commit, copy_template, release, run, template_repo

FIX = "\n## Step 7: ask for help\n\nPost in the course forum with the output of `make test`.\n"


@pytest.fixture
def fork(tmp_path: Path, env) -> Path:
    """The teacher's fork: our template with the course's own default, released as v1.0.0."""
    repo = copy_template(tmp_path / "mlops101-template")
    conf = (repo / "copier.yml").read_text(encoding="utf-8")
    # The course uses GitLab: change the default, the way a teacher would.
    conf = conf.replace("  default: github\n", "  default: gitlab\n", 1)
    return template_repo(repo, {"v1.0.0": {"copier.yml": conf}}, env)


def test_students_get_the_kit_and_the_teachers_fix_keeping_their_work(
    fork: Path, tmp_path: Path, env
) -> None:
    students = {"ada": tmp_path / "ada", "grace": tmp_path / "grace"}
    for name in students:
        # `--data preset=course`: the fork's defaults, plus the course guide (COURSE.md).
        run(
            [CLI, name, "--template", fork, "--defaults", "--data", "preset=course", "--no-lock"],
            cwd=tmp_path,
            env=env,
            check=True,
        )
    # Identical kits, recording the fork and the preset.
    ada, grace = students["ada"], students["grace"]
    for project in students.values():
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        assert answers["_src_path"] == str(fork) and answers["_commit"] == "v1.0.0"
        assert answers["preset"] == "course" and answers["ci"] == "gitlab"
        assert (project / "COURSE.md").is_file() and (project / ".gitlab-ci.yml").is_file()
    assert (ada / "COURSE.md").read_bytes() == (grace / "COURSE.md").read_bytes()

    # Different work in each.
    params = ada / "params.yaml"
    params.write_text(
        params.read_text(encoding="utf-8").replace("test_size: 0.25", "test_size: 0.3"),
        encoding="utf-8",
    )
    (grace / "notebooks" / "explore.md").write_text("# Grace's notes\n", encoding="utf-8")
    readme = grace / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nGrace was here.\n", "utf-8")
    for project in students.values():
        commit(project, env, "My work")

    # Mid-course fix, released as v1.0.1.
    course = "template/{% if preset == 'course' %}COURSE.md{% endif %}.jinja"
    release(fork, "v1.0.1", {course: (fork / course).read_text(encoding="utf-8") + FIX}, env)

    for project in students.values():
        behind = run([CLI, "check", "--format", "json"], cwd=project, env=env)
        assert behind.returncode == 1, behind.stderr
        assert json.loads(behind.stdout)["latest"] == "v1.0.1"
        run([CLI, "update"], cwd=project, env=env, check=True)
        assert (project / "COURSE.md").read_text(encoding="utf-8").endswith(FIX)
        answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
        assert answers["_commit"] == "v1.0.1" and answers["preset"] == "course"
        commit(project, env, "Kit v1.0.1")
        assert run([CLI, "check"], cwd=project, env=env).returncode == 0
    assert "test_size: 0.3" in params.read_text(encoding="utf-8")
    assert (grace / "notebooks" / "explore.md").read_text(encoding="utf-8") == "# Grace's notes\n"
    assert readme.read_text(encoding="utf-8").endswith("Grace was here.\n")
