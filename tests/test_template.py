"""The generated project, statically: exact files, no leftover Jinja, configs parse, ruff."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from mlops_new import create

from . import static
from .helpers import BIN, ROOT, run, tree

DEFAULT_ANSWERS = {"package_name": "iris_demo"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("render") / "iris-demo"
    create(
        dest, {"author_name": "Test Author", "author_email": "t@example.org"}, git=False, lock=False
    )
    return dest


def test_exact_file_set(project: Path) -> None:
    assert tree(project) == static.expected_files(DEFAULT_ANSWERS)
    # The defaults are the full project: the file count the docs quote.
    assert len(tree(project)) == 80  # 81 with the uv.lock that `create` writes


def test_defaults_are_statically_sound(project: Path) -> None:
    """No leftover Jinja, every TOML/YAML/JSON parses, COPY sources, no dead references."""
    assert static.problems(project, DEFAULT_ANSWERS, lock_written=False) == []


def test_pyproject_declares_pinned_dependencies(project: Path) -> None:
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["name"] == "iris-demo"
    assert meta["requires-python"] == ">=3.12"
    assert meta["authors"] == [{"name": "Test Author", "email": "t@example.org"}]
    assert all("==" in dep for dep in meta["dependencies"]), meta["dependencies"]


def test_answers_file_records_an_updatable_source(project: Path) -> None:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_src_path"].startswith("https://")
    assert re.fullmatch(r"v\d+\.\d+\.\d+", answers["_commit"])


def test_generated_python_is_ruff_clean(project: Path, env) -> None:
    ruff = BIN / "ruff"
    run([ruff, "check", "--no-cache", "."], cwd=project, env=env, check=True)
    run([ruff, "format", "--no-cache", "--check", "."], cwd=project, env=env, check=True)


def test_makefile_help_lists_every_target(project: Path, env) -> None:
    out = re.sub(r"\x1b\[[0-9;]*m", "", run(["make"], cwd=project, env=env, check=True).stdout)
    targets = ("setup", "data", "train", "pipeline", "test", "lint", "format", "monitor", "serve")
    targets += ("explain",)
    targets += ("docker-build", "push", "pull", "clean", "exp", "docs")
    for target in targets:
        assert re.search(rf"^\s+{target}\s", out, re.M), target


def test_template_uses_nothing_that_needs_trust() -> None:
    settings = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    assert not {"_tasks", "_jinja_extensions", "_migrations"} & set(settings)
    assert (ROOT / "template" / "{{ _copier_conf.answers_file }}.jinja").is_file()


def test_every_question_has_help_and_default() -> None:
    settings = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    for name, spec in settings.items():
        if not name.startswith("_"):
            assert spec.get("help") and "default" in spec, name


def test_workflows_pass_schema_and_zizmor(project: Path, env) -> None:
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert [w.name for w in workflows] == [
        "ci.yml",
        "monitor.yml",
        "release.yml",
        "template-check.yml",
    ]
    check = BIN / "check-jsonschema"
    run(
        [check, "--builtin-schema", "vendor.github-workflows", *workflows],
        cwd=project,
        env=env,
        check=True,
    )
    run(
        [check, "--builtin-schema", "vendor.dependabot", project / ".github" / "dependabot.yml"],
        cwd=project,
        env=env,
        check=True,
    )
    out = run(
        [BIN / "zizmor", "--offline", "--no-progress", *workflows], cwd=project, env=env, check=True
    )
    assert "No findings" in out.stdout + out.stderr
    run([BIN / "actionlint", "-no-color", *workflows], cwd=project, env=env, check=True)


def test_actionlint_catches_a_broken_workflow(tmp_path: Path, env) -> None:
    """The actionlint build we use really checks: a typo in an expression fails."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n",
        encoding="utf-8",
    )
    out = run([BIN / "actionlint", "-no-color", broken], cwd=tmp_path, env=env)
    assert out.returncode == 1 and "nope" in out.stdout


def test_gitlab_ci_passes_schema(tmp_path: Path, env) -> None:
    dest = tmp_path / "gitlab-demo"
    create(dest, {"ci": "gitlab"}, git=False, lock=False)
    assert not (dest / ".github").exists()
    run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", dest / ".gitlab-ci.yml"],
        cwd=dest,
        env=env,
        check=True,
    )


def test_dockerfile_passes_hadolint(project: Path, env) -> None:
    run(
        [BIN / "hadolint", "--failure-threshold", "info", "Dockerfile"],
        cwd=project,
        env=env,
        check=True,
    )


def test_dvc_config_has_the_local_remote(project: Path) -> None:
    config = (project / ".dvc" / "config").read_text(encoding="utf-8")
    assert "['remote \"local\"']" in config
    assert "remote = local" in config


@pytest.mark.parametrize(
    "remote, scheme, package",
    [
        ("s3", "s3://", "dvc-s3"),
        ("gcs", "gs://", "dvc-gs"),
        ("azure", "azure://", "dvc-azure"),
        ("ssh", "ssh://", "dvc-ssh"),
    ],
)
def test_dvc_remote_choice_renders_config_and_dependency(
    tmp_path: Path, remote, scheme, package
) -> None:
    dest = tmp_path / "remote-demo"
    create(dest, {"dvc_remote": remote}, git=False, lock=False)
    assert f"url = {scheme}" in (dest / ".dvc" / "config").read_text(encoding="utf-8")
    deps = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    assert any(d.startswith(package + "==") for d in deps), deps
