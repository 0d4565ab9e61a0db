"""The interactive flow in a real terminal (pexpect): arrow keys, defaults, inline validation."""

from __future__ import annotations

import io
from pathlib import Path

import pexpect
import pytest
import yaml

from .conftest import CLI

DOWN = "\x1b[B"
# The tool questions after the basics, in copier.yml's order; Enter keeps each default.
TOOL_PROMPTS = (
    "Machine-learning framework",
    "Data versioning",
    "Where `make push` stores",
    "Experiment tracking",
    "Model serving",
    "Continuous integration",
    "Add a Dockerfile",
    "Project documentation site",
    "Add pre-commit hooks",
)


def keep_defaults(child: pexpect.spawn, prompts=TOOL_PROMPTS) -> None:
    for prompt in prompts:
        child.expect_exact(prompt)
        child.send("\r")


@pytest.fixture
def terminal(env, tmp_path: Path):
    children = []

    def spawn(*args: str) -> pexpect.spawn:
        child = pexpect.spawn(
            str(CLI),
            list(args),
            cwd=str(tmp_path),
            env=env,
            encoding="utf-8",
            timeout=30,
            dimensions=(40, 120),
        )
        child.logfile_read = io.StringIO()  # the whole transcript, for assertions
        children.append(child)
        return child

    yield spawn
    for child in children:
        child.close(force=True)


def test_answer_prompts_with_keys(terminal, tmp_path: Path) -> None:
    child = terminal("weather-model", "--no-lock")
    child.expect("Project name")
    child.send("\r")  # keep the default: the folder name
    child.expect("Distribution name")
    child.send("\r")
    child.expect("Python package name")
    child.send("\r")
    child.expect("One-line description")
    child.send("\x15Predicts the weather\r")  # Ctrl-U clears the default, then type
    child.expect("Author or team name")
    child.send("\r")
    child.expect("Author e-mail")
    child.send("\x15not-an-email\r")
    child.expect("is not an e-mail address")  # validated inline, before moving on
    child.send("\x15ada@example.org\r")
    child.expect("License")
    child.send(DOWN + "\r")  # MIT -> Apache-2.0
    child.expect("Lowest supported Python")
    child.send(DOWN + "\r")  # from the default 3.12 to 3.13
    child.expect_exact("Machine-learning framework")
    child.send(DOWN + DOWN + "\r")  # scikit-learn -> pytorch -> none
    child.expect_exact("Data versioning")
    child.send(DOWN + "\r")  # DVC -> none: the DVC remote question is then not asked
    keep_defaults(child, TOOL_PROMPTS[3:])
    child.expect("next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    answers = yaml.safe_load((tmp_path / "weather-model" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "weather-model"
    assert answers["description"] == "Predicts the weather"
    assert answers["author_email"] == "ada@example.org"
    assert answers["license"] == "Apache-2.0"
    assert answers["python_version"] == "3.13"
    assert answers["ml_framework"] == "none"
    assert answers["data_versioning"] == "none"
    assert "dvc_remote" not in answers and "model_file" not in answers
    assert "Where `make push` stores" not in child.logfile_read.getvalue()


def test_ctrl_c_at_a_prompt_writes_nothing(terminal, tmp_path: Path) -> None:
    child = terminal("abandoned", "--no-lock")
    child.expect("Project name")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_data_answers_are_not_asked(terminal, tmp_path: Path) -> None:
    child = terminal(
        "given", "--no-lock", "--no-git", "-d", "license=Proprietary", "-d", "python_version=3.11"
    )
    for prompt in (
        "Project name",
        "Distribution name",
        "Python package name",
        "One-line description",
        "Author or team name",
        "Author e-mail",
    ):
        child.expect(prompt)
        child.send("\r")
    keep_defaults(child)
    child.expect("next steps")
    child.expect(pexpect.EOF)
    answers = yaml.safe_load((tmp_path / "given" / ".copier-answers.yml").read_text())
    assert answers["license"] == "Proprietary"
    transcript = child.logfile_read.getvalue()
    assert "Author e-mail" in transcript
    assert "License" not in transcript
    assert "Lowest supported Python" not in transcript
