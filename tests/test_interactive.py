"""The interactive flow in a real terminal (pexpect, tmux): arrow keys, defaults, validation."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
import yaml
from mlops_new.questions import load

from .helpers import CLI, ROOT

DOWN = "\x1b[B"
QUESTIONS = load(ROOT / "copier.yml")


def prompts(**chosen) -> list[tuple[str, str]]:
    """(name, prompt) of each question mlops-new asks, in order, when `chosen` are picked at
    the prompts and every other default is kept: read from copier.yml, so that a question
    added to the template needs no change here."""
    asked = []

    def ask(question, default, answers):
        asked.append((question.name, question.help[:30]))  # short: never wrapped at 120 columns
        return chosen.get(question.name, default)

    QUESTIONS.resolve({}, Path("/tmp/project"), ask=ask)
    return asked


def prompts_after(name: str, **chosen) -> list[str]:
    """The prompts after question `name`'s (see `prompts`)."""
    asked = prompts(**chosen)
    names = [n for n, _ in asked]
    return [label for _, label in asked[names.index(name) + 1 :]]


# The tool questions after the basics, in copier.yml's order; Enter keeps each default.
TOOL_PROMPTS = tuple(prompts_after("python_version"))


def keep_defaults(child: pexpect.spawn, prompts=TOOL_PROMPTS) -> None:
    for prompt in prompts:
        child.expect_exact(prompt)
        child.send("\r")


def recorded(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


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
    child.send("Predicts the weather\r")  # typing replaces the default
    child.expect("Author or team name")
    child.send("\r")
    child.expect("Author e-mail")
    child.send("not-an-email\r")
    child.expect("is not an e-mail address")  # validated inline, before moving on
    child.send("\x15ada@example.org\r")
    child.expect("License")
    child.send(DOWN + "\r")  # MIT -> Apache-2.0
    child.expect("Lowest supported Python")
    child.send(DOWN + "\r")  # from the default 3.12 to 3.13
    child.expect_exact("Machine-learning framework")
    child.send(DOWN + DOWN + "\r")  # scikit-learn -> pytorch -> none
    child.expect_exact("What the model predicts")
    child.send(DOWN + "\r")  # classification -> regression (the diabetes data set)
    child.expect_exact("Where the pipeline's stages compute")
    child.send("\r")  # local
    child.expect_exact("Data versioning")
    child.send(DOWN + "\r")  # DVC -> none: the DVC remote question is then not asked
    keep_defaults(child, prompts_after("data_versioning", data_versioning="none"))
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
    assert answers["task"] == "regression"
    assert answers["compute"] == "local"
    assert "dataset" not in answers and "target" not in answers  # asked only with a data set
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


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Churn Predictor", "Churn Predictor"),  # replaces the default, not appended to it
        ("", "tmuxp"),  # Enter keeps the default: the folder name
        ("  Churn  Predictor ", "Churn  Predictor"),  # outer spaces stripped, inner kept
    ],
    ids=["typed", "enter", "spaces"],
)
def test_typing_replaces_a_text_default(terminal, tmp_path: Path, typed, expected) -> None:
    child = terminal("tmuxp", "--no-lock", "--no-git")
    child.expect_exact("Project name")
    child.expect_exact("tmuxp")  # the default is shown (a placeholder), not in the input
    child.send(typed + "\r")
    keep_defaults(child, prompts_after("project_name"))
    child.expect("next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()[-2000:]
    answers = recorded(tmp_path / "tmuxp")
    assert answers["project_name"] == expected
    # The defaults after it follow the answer, and Enter kept each of them.
    slug = "churn-predictor" if typed else "tmuxp"
    assert (answers["project_slug"], answers["package_name"]) == (slug, slug.replace("-", "_"))
    assert answers["author_name"] == "Test Author"  # git config's, kept on Enter


def test_a_kept_default_is_validated_inline(terminal, tmp_path: Path) -> None:
    # The folder name makes an invalid slug: Enter on it is refused under the prompt, and
    # what is typed next replaces it.
    child = terminal("1st-try", "--no-lock", "--no-git")
    child.expect_exact("Project name")
    child.send("\r")
    child.expect_exact("Distribution name")
    child.send("\r")
    child.expect_exact("'1st-try' is not a valid slug")
    child.send("first-try\r")
    keep_defaults(child, prompts_after("project_slug"))
    child.expect("next steps")
    child.expect(pexpect.EOF)
    answers = recorded(tmp_path / "1st-try")
    assert (answers["project_name"], answers["project_slug"], answers["package_name"]) == (
        "1st-try",
        "first-try",
        "first_try",
    )


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tmux_send_keys_replace_the_default(env, tmp_path: Path) -> None:
    """The defect as it was found: `tmux send-keys 'Churn Predictor' Enter` at the first prompt
    gave "tmuxpChurn Predictor"."""
    socket = f"mlops-new-test-{os.getpid()}"  # a server of our own, never someone's sessions
    screen = ""

    def tmux(*args: str) -> str:
        command = ["tmux", "-L", socket, *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, f"{command}: {done.stderr}"
        return done.stdout

    def wait_for(text: str) -> None:
        nonlocal screen
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            screen = tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "new")
            if text in screen:
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared in the terminal:\n{screen}")

    cli = shlex.quote(str(CLI))
    script = f"{cli} tmuxp --no-lock --no-git; echo mlops-new exited $?; sleep 600"
    tmux("new-session", "-d", "-s", "new", "-x", "120", "-y", "40", "-c", str(tmp_path), script)
    try:
        wait_for("Project name")
        tmux("send-keys", "-t", "new", "Churn Predictor", "Enter")
        for prompt in prompts_after("project_name"):
            wait_for(prompt)
            tmux("send-keys", "-t", "new", "Enter")
        wait_for("mlops-new exited")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], env=env, capture_output=True)
    assert "mlops-new exited 0" in screen, screen
    assert recorded(tmp_path / "tmuxp")["project_name"] == "Churn Predictor"
