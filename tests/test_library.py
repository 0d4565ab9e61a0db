"""The library layers in-process (docs/architecture.md): questions, presets, source, releases,
project and check, without the CLI in between."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlops_new import presets, releases
from mlops_new.check import check
from mlops_new.errors import AnswerError, UnknownQuestion, UsageError
from mlops_new.project import ANSWERS_FILE, read
from mlops_new.questions import load
from mlops_new.source import git_url, is_url, resolve

from .helpers import ROOT, template_repo, write_tree

QUESTIONS = load(ROOT / "copier.yml")
DEST = Path("/tmp/My Project")


# ---- questions ------------------------------------------------------------------------------


def test_cast_of_an_unknown_question_names_it_and_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQuestion) as caught:
        QUESTIONS.cast("colour", "blue")
    assert isinstance(caught.value, AnswerError)
    assert caught.value.question == "colour"
    assert "unknown question 'colour'" in str(caught.value)
    assert all(name in str(caught.value) for name in QUESTIONS.names)


@pytest.mark.parametrize(("raw", "expected"), [("yes", True), ("OFF", False), (" 1 ", True)])
def test_cast_reads_yes_no_answers(raw, expected) -> None:
    assert QUESTIONS.cast("docker", raw) is expected


def test_cast_of_a_bad_bool_carries_the_question() -> None:
    with pytest.raises(AnswerError, match="'maybe' is not yes/no") as caught:
        QUESTIONS.cast("docker", "maybe")
    assert caught.value.question == "docker"
    assert not isinstance(caught.value, UnknownQuestion)


def test_cast_of_a_bad_whole_number_carries_the_question(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text("epochs:\n  type: int\n  default: 3\n")
    questions = load(tmp_path / "copier.yml")
    assert questions.cast("epochs", "12") == 12
    with pytest.raises(AnswerError, match="'many' is not a whole number") as caught:
        questions.cast("epochs", "many")
    assert caught.value.question == "epochs"


def test_resolve_derives_names_from_the_folder_and_takes_copier_yml_defaults() -> None:
    answers = QUESTIONS.resolve({}, DEST)
    assert (answers["project_name"], answers["project_slug"], answers["package_name"]) == (
        "My Project",
        "my-project",
        "my_project",
    )
    for name in ("license", "python_version", "ci", "docker", "data_versioning", "dvc_remote"):
        assert answers[name] == QUESTIONS.cast(name, QUESTIONS[name].default), name
    assert "preset" not in answers  # asked only when a preset is given
    assert not {q.name for q in QUESTIONS if q.computed} & set(answers)


def test_resolve_skips_a_question_its_condition_rules_out() -> None:
    assert "dvc_remote" not in QUESTIONS.resolve({"data_versioning": "none"}, DEST)
    assert QUESTIONS.resolve({"dvc_remote": "s3"}, DEST)["dvc_remote"] == "s3"


def test_resolve_refuses_a_given_answer_outside_the_choices() -> None:
    with pytest.raises(AnswerError) as caught:
        QUESTIONS.resolve({"license": "WTFPL"}, DEST)
    assert caught.value.question == "license"
    assert "'WTFPL' is not one of: MIT, Apache-2.0" in str(caught.value)
    assert "--data" not in str(caught.value)  # the user gave it: no hint to pass it


def test_resolve_hints_at_data_for_a_bad_default() -> None:
    with pytest.raises(AnswerError, match=r"\(pass --data license=\.\.\.\)") as caught:
        QUESTIONS.resolve({}, DEST, defaults={"license": "WTFPL"})
    assert caught.value.question == "license"


def test_resolve_refuses_an_unknown_question_before_anything_else() -> None:
    with pytest.raises(UnknownQuestion) as caught:
        QUESTIONS.resolve({"zzz": 1, "colour": "blue", "license": "WTFPL"}, DEST)
    assert caught.value.question == "colour"


def test_resolve_refuses_a_retired_choice_only_for_a_new_project() -> None:
    (retired,) = QUESTIONS.retired("python_version")
    with pytest.raises(AnswerError, match="is retired") as caught:
        QUESTIONS.resolve({"python_version": retired}, DEST)
    assert caught.value.question == "python_version"
    kept = QUESTIONS.resolve({"python_version": retired}, DEST, new_project=False)
    assert kept["python_version"] == retired


def test_resolve_asks_for_what_is_not_given() -> None:
    asked = []

    def ask(question, default, answers):
        asked.append(question.name)
        return "Apache-2.0" if question.name == "license" else default

    answers = QUESTIONS.resolve({"project_name": "X"}, DEST, ask=ask)
    assert answers["license"] == "Apache-2.0"
    assert "project_name" not in asked and "license" in asked


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "cannot read the template's questions"), ("- a\n- b\n", "is not a mapping")],
)
def test_load_refuses_a_missing_or_malformed_copier_yml(tmp_path: Path, text, message) -> None:
    if text is not None:
        (tmp_path / "copier.yml").write_text(text)
    with pytest.raises(UsageError, match=message):
        load(tmp_path / "copier.yml")


# ---- presets ----------------------------------------------------------------------------------


def test_builtin_presets_load_in_their_listed_order() -> None:
    found = presets.builtin()
    assert [p.name for p in found] == list(presets.BUILTIN)
    for preset in found:
        assert preset.path.parent == presets.BUILTIN_DIR
        assert preset.description, preset.name
        assert set(preset.answers) <= set(QUESTIONS.names), preset.name


def test_a_preset_file_is_named_from_its_stem_and_described_by_its_first_line(tmp_path) -> None:
    path = tmp_path / "My Course!.yml"
    path.write_text("# The course's answers\nci: gitlab\ndocker: false\n")
    preset = presets.load(str(path))
    assert (preset.name, preset.description, preset.path) == (
        "my-course",
        "The course's answers",
        path,
    )
    assert preset.answers == {"ci": "gitlab", "docker": False}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("nosuch", None, "no such preset (built-in: minimal, standard, full, course"),
        ("missing.yml", None, "cannot read"),
        ("broken.yml", "a: [\n", "is not valid YAML at line"),
        ("list.yml", "- a\n", "must be a mapping of question: answer"),
    ],
)
def test_preset_load_errors(tmp_path: Path, monkeypatch, name, text, message) -> None:
    monkeypatch.chdir(tmp_path)
    if text is not None:
        (tmp_path / name).write_text(text)
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        presets.load(name)


def test_answers_for_adds_the_preset_answer_and_checks_every_value(tmp_path: Path) -> None:
    assert presets.answers_for(presets.load("minimal"), QUESTIONS, DEST)["preset"] == "minimal"
    for text, message in (
        ("colour: blue\n", "unknown question 'colour'"),
        ("ci: jenkins\n", "ci:"),
    ):
        path = tmp_path / "bad.yml"
        path.write_text(text)
        with pytest.raises(UsageError, match=f"preset {path}: {message}"):
            presets.answers_for(presets.load(str(path)), QUESTIONS, DEST)


# ---- source -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "url", "git"),
    [
        ("gh:owner/repo", True, "https://github.com/owner/repo.git"),
        ("gl:owner/repo", True, "https://gitlab.com/owner/repo.git"),
        ("https://github.com/o/r", True, "https://github.com/o/r.git"),
        ("git+https://git.example.org/t", True, "https://git.example.org/t"),
        ("git@github.com:o/r.git", True, "git@github.com:o/r.git"),
        ("/nonexistent/template", False, None),
        ("./template", False, None),
    ],
)
def test_is_url_and_git_url_read_sources_as_copier_does(source, url, git) -> None:
    assert is_url(source) is url
    assert git_url(source) == git


def test_resolve_takes_a_tagged_git_template_by_absolute_path(tmp_path, env, monkeypatch) -> None:
    repo = template_repo(tmp_path / "tpl", {"v1.0.0": {"copier.yml": "name: x\n"}}, env)
    monkeypatch.chdir(tmp_path)
    assert resolve("tpl").render_from == str(repo.resolve())
    assert not resolve("tpl").bundled


def test_resolve_marks_a_plain_web_address_as_git() -> None:
    assert resolve("https://git.example.org/tpl").render_from == "git+https://git.example.org/tpl"
    assert resolve("https://github.com/o/r").render_from == "https://github.com/o/r"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "no such folder or git URL"),
        ({"README.md": "x\n"}, "no copier.yml at its root"),
        ({"copier.yml": "name: x\n"}, "is a plain folder, not a git repository"),
    ],
)
def test_resolve_refuses_what_could_not_be_updated_from(tmp_path: Path, files, message) -> None:
    if files is not None:
        write_tree(tmp_path / "tpl", files)
    with pytest.raises(UsageError, match=message):
        resolve(str(tmp_path / "tpl"))


# ---- releases ---------------------------------------------------------------------------------


def test_parse_version_reads_tags_and_git_describe() -> None:
    from packaging.version import Version

    assert releases.parse_version("v1.2.0") == Version("1.2.0")
    assert releases.parse_version("v1.2.0-3-gabc123") == Version("1.2.0.post3+abc123")
    assert releases.parse_version("main") is None
    assert releases.parse_version("abc123def") is None


def test_newest_takes_the_highest_release_tag_and_skips_pre_releases() -> None:
    refs = [
        "refs/heads/main",
        "refs/tags/v1.9.0",
        "refs/tags/v1.10.0",
        "refs/tags/v2.0.0rc1",
        "refs/tags/latest",
        "refs/heads/v9.0.0",
    ]
    assert releases.newest(refs) == "v1.10.0"
    assert releases.newest(["refs/heads/main", "refs/tags/v3.0.0a1"]) is None


@pytest.mark.parametrize(
    ("tag", "than", "newer"),
    [("v1.10.0", "v1.9.0", True), ("v1.0.0", "v1.0.0", False), ("v1.0.0", "v2.0.0", False),
     ("v2.0.0", "main", False), ("main", "v1.0.0", False)],
)  # fmt: skip
def test_is_newer(tag, than, newer) -> None:
    assert releases.is_newer(tag, than) is newer


def test_latest_release_of_a_local_template(tmp_path: Path, env) -> None:
    tags = {tag: {"copier.yml": f"# {tag}\n"} for tag in ("v0.1.0", "v0.2.0", "v0.3.0rc1")}
    assert releases.latest_release(str(template_repo(tmp_path / "t", tags, env))) == "v0.2.0"
    untagged = template_repo(tmp_path / "u", [], env)
    with pytest.raises(UsageError, match="has no release tag"):
        releases.latest_release(str(untagged))
    with pytest.raises(UsageError, match="does not exist"):
        releases.latest_release(str(tmp_path / "gone"))


# ---- project ----------------------------------------------------------------------------------

GOOD = "_commit: v1.0.0\n_src_path: /srv/template\nproject_name: P\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "has no .copier-answers.yml"),
        ("- a\n", "is not a mapping of answers"),
        ("a: [\n", "cannot read"),
        ("_commit: v1.0.0\n", "records no _src_path"),
        ("_src_path: /srv/template\n", "records no _commit"),
        ("_commit: v1.0.0\n_src_path: ../template\n", "relative _src_path '../template'"),
    ],
)
def test_project_read_errors(tmp_path: Path, text, message) -> None:
    if text is not None:
        (tmp_path / ANSWERS_FILE).write_text(text)
    with pytest.raises(UsageError, match=message):
        read(tmp_path)


def test_project_read_returns_the_record(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        read(tmp_path / "missing")
    (tmp_path / ANSWERS_FILE).write_text(GOOD)
    recorded = read(tmp_path)
    assert (recorded.path, recorded.source, recorded.commit) == (
        tmp_path,
        "/srv/template",
        "v1.0.0",
    )
    assert recorded.answers == {"project_name": "P"}


# ---- check ------------------------------------------------------------------------------------


def test_check_tells_behind_from_up_to_date(tmp_path: Path, env) -> None:
    tags = {tag: {"copier.yml": f"# {tag}\n"} for tag in ("v1.0.0", "v1.1.0", "v2.0.0rc1")}
    template = template_repo(tmp_path / "template", tags, env)
    project = tmp_path / "project"
    steps: list[str] = []
    for commit, behind in (("v1.0.0", True), ("v1.1.0", False)):
        write_tree(project, {ANSWERS_FILE: f"_commit: {commit}\n_src_path: {template}\n"})
        found = check(project, progress=steps.append)
        assert found.as_dict() == {
            "path": str(project),
            "source": str(template),
            "current": commit,
            "latest": "v1.1.0",
            "behind": behind,
        }
    assert steps == [f"Asking {template} for its releases"] * 2


def test_check_refuses_a_commit_that_is_not_a_release(tmp_path: Path) -> None:
    (tmp_path / ANSWERS_FILE).write_text("_commit: main\n_src_path: /srv/template\n")
    with pytest.raises(UsageError, match="records _commit 'main', which is not a release tag"):
        check(tmp_path)
