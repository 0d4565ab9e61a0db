"""Free-text answers lose their surrounding whitespace in mlops-new, from every entry point;
plain copier keeps refusing them (copier.yml's validators are unchanged)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from mlops_new import presets
from mlops_new.errors import UsageError
from mlops_new.questions import load

from .helpers import BIN, ROOT, run

QUESTIONS = load(ROOT / "copier.yml")
DEST = Path("/tmp/spaced-project")


def recorded(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def test_the_free_text_questions_of_copier_yml() -> None:
    free = {q.name for q in QUESTIONS if q.free_text}
    # The one-line names and addresses a person types; none is a secret or multiline.
    assert {"project_name", "project_slug", "package_name", "description"} <= free
    assert {"author_name", "author_email", "preset"} <= free
    assert not {"license", "python_version", "ci", "docker", "pre_commit"} & free
    for question in QUESTIONS:
        if question.free_text:
            assert question.type == "str" and not question.choices
            assert not question.extra.get("secret") and not question.extra.get("multiline")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Churn  Predictor ", "Churn  Predictor"),  # inner spaces are the user's
        ("\tChurn Predictor\n", "Churn Predictor"),
        ("Churn Predictor", "Churn Predictor"),
        (42, "42"),  # a YAML number in a data file
    ],
)
def test_cast_strips_free_text(raw, expected) -> None:
    assert QUESTIONS.cast("project_name", raw) == expected


def test_cast_leaves_choices_bools_and_ints_alone() -> None:
    assert QUESTIONS.cast("license", " MIT") == " MIT"  # an exact value: still refused
    assert QUESTIONS.cast("docker", " yes ") is True
    with pytest.raises(UsageError, match="is not one of"):
        QUESTIONS.resolve({"license": " MIT"}, DEST)


def test_resolve_strips_given_answers_and_defaults() -> None:
    answers = QUESTIONS.resolve(
        {"project_name": "  Spaced  ", "description": " One line. ", "author_email": " a@b.org "},
        DEST,
        defaults={"author_name": "Ada Lovelace  "},  # e.g. git config's user.name
    )
    assert answers["project_name"] == "Spaced"
    assert answers["project_slug"] == "spaced"  # derived from the stripped name
    assert answers["description"] == "One line."
    assert answers["author_email"] == "a@b.org"
    assert answers["author_name"] == "Ada Lovelace"


def test_whitespace_only_is_still_empty() -> None:
    with pytest.raises(UsageError, match="project_name: The project name must not be empty"):
        QUESTIONS.resolve({"project_name": "   "}, DEST)


def test_secrets_and_multiline_text_keep_their_spaces(tmp_path: Path) -> None:
    copier_yml = tmp_path / "copier.yml"
    copier_yml.write_text(
        "name: {type: str}\n"
        "token: {type: str, secret: true, default: ''}\n"
        "notes: {type: str, multiline: true, default: ''}\n"
        "count: {type: int, default: 1}\n",
        encoding="utf-8",
    )
    questions = load(copier_yml)
    given = {"name": " n ", "token": " s3cret ", "notes": "line one\nline two\n", "count": " 3 "}
    assert questions.resolve(given, DEST) == {
        "name": "n",
        "token": " s3cret ",
        "notes": "line one\nline two\n",
        "count": 3,
    }


def test_a_preset_file_with_spaces(tmp_path: Path) -> None:
    kit = tmp_path / "kit.yml"
    kit.write_text("# a kit\nauthor_name: '  The Teachers '\nci: gitlab\n", encoding="utf-8")
    answers = presets.answers_for(presets.load(str(kit)), QUESTIONS, DEST)
    assert QUESTIONS.resolve(answers, DEST)["author_name"] == "The Teachers"


def test_create_in_process_records_stripped_answers(tmp_path: Path, monkeypatch, gitconfig):
    from mlops_new.create import create

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    kit = tmp_path / "kit.yml"
    kit.write_text("description: ' From the kit. '\n", encoding="utf-8")
    result = create(
        tmp_path / "p", {"project_name": "  Spaced  "}, preset=str(kit), git=False, lock=False
    )
    answers = recorded(tmp_path / "p")
    assert answers["project_name"] == result.answers["project_name"] == "Spaced"
    assert answers["description"] == "From the kit."
    assert "Spaced" in (tmp_path / "p" / "README.md").read_text(encoding="utf-8")


def test_data_and_data_file_with_spaces(cli, tmp_path: Path) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text("author_name: '  Ada Lovelace '\n", encoding="utf-8")
    cli(
        "p",
        "--data",
        "project_name=  Spaced  ",
        "--data-file",
        data_file,
        "--no-lock",
        "--no-git",
        check=True,
    )
    answers = recorded(tmp_path / "p")
    assert (answers["project_name"], answers["author_name"]) == ("Spaced", "Ada Lovelace")


def test_a_preset_file_with_spaces_from_the_cli(cli, tmp_path: Path) -> None:
    kit = tmp_path / "kit.yml"
    kit.write_text("author_name: ' The Teachers '\n", encoding="utf-8")
    cli("p", "--preset", kit, "--no-lock", "--no-git", check=True)
    assert recorded(tmp_path / "p")["author_name"] == "The Teachers"


def test_plain_copier_still_refuses_spaces(tmp_path: Path, env) -> None:
    # A plain folder holding the template (copier.yml + template/), as copier reads it.
    template = tmp_path / "template-folder"
    template.mkdir()
    shutil.copy2(ROOT / "copier.yml", template / "copier.yml")
    shutil.copytree(ROOT / "template", template / "template")
    dest = tmp_path / "dest"
    copier = [BIN / "copier", "copy", "--defaults", "--data", "project_name=  Spaced  "]
    proc = run([*copier, template, dest], cwd=tmp_path, env=env)
    assert proc.returncode != 0
    assert (
        "Validation error for question 'project_name': "
        "The project name must not start or end with spaces."
    ) in proc.stderr
    assert not dest.exists()
