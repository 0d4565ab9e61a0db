"""Python versions: 3.11 to 3.14 are offered; 3.10 (end of life in October 2026) is refused for
new projects, yet a project that recorded it still updates with plain `copier update`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from mlops_new.questions import load

from .helpers import BIN, ROOT, commit, copy_template, release, run, template_repo

QUESTIONNAIRE = load(ROOT / "copier.yml")
# The last release that offered 3.10 as a normal choice.
OFFERED_310 = "7a03e55"


def test_offered_pythons_are_311_to_314() -> None:
    question = QUESTIONNAIRE["python_version"]
    retired = QUESTIONNAIRE.retired("python_version")
    offered = [v for v in question.choice_values if v not in retired]
    assert offered == ["3.11", "3.12", "3.13", "3.14"]
    assert retired == ["3.10"]
    assert question.default == "3.12"


def test_new_project_with_python_310_is_refused(cli, tmp_path: Path) -> None:
    out = cli("old-py", "--defaults", "--no-lock", "--data", "python_version=3.10")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1].endswith("choose one of: 3.11, 3.12, 3.13, 3.14")
    assert not (tmp_path / "old-py").exists()


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs this repository as a git clone")
def test_project_that_recorded_python_310_updates_with_plain_copier(tmp_path: Path, env) -> None:
    known = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{OFFERED_310}^{{commit}}"], check=False
    )
    if known.returncode != 0:
        pytest.skip(f"this clone lacks commit {OFFERED_310} (a shallow clone)")
    template = tmp_path / "template"
    template.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", OFFERED_310, "copier.yml", "template"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(template)], input=archive, check=True)
    template_repo(template, {"v0.1.0": {}}, env)  # offers 3.10

    project = tmp_path / "legacy"
    copy = [BIN / "copier", "copy", "--defaults", "--vcs-ref", "v0.1.0"]
    run(
        [*copy, "-d", "python_version=3.10", template, project],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    commit(project, env, "start")

    # The next release: today's template, where 3.10 is retired.
    shutil.rmtree(template / "template")
    copy_template(template)
    release(template, "v0.2.0", {}, env)  # retires 3.10

    out = run([BIN / "copier", "update", "--defaults"], cwd=project, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == "v0.2.0"
    assert answers["python_version"] == "3.10"
    assert 'requires-python = ">=3.10"' in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert (project / "AGENTS.md").is_file()  # the new release's files arrived
