"""Static checks of a rendered project, for any answers: what files it must have, and that
nothing in it is broken or refers to a tool that was not chosen.

Each check returns a list of problems (empty: fine), so that one test can report every
combination that fails at once. The linters (ruff, zizmor, ...) run batched over many
projects in test_combinations.py.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from mlops_new.questions import load

from .helpers import ROOT

# `${{ ... }}` is a GitHub Actions expression, meant to be there; anything else is Jinja left.
JINJA_LEFTOVER = re.compile(r"(?<!\$)\{\{|\{%|\{#|%\}|#\}")
BINARY = {".png", ".jpg", ".joblib", ".pt"}
#: copier.yml's questions: every default and choice below is read from there, never restated.
QUESTIONS = load(ROOT / "copier.yml")


def complete(answers: Mapping[str, Any], project: Path | None = None) -> dict[str, Any]:
    """The answers a project rendered with `answers` holds: the given ones, and copier.yml's
    defaults for the rest (derived ones such as package_name from the project's folder name).

    Keys that are not questions (`_commit`, `_src_path` of a recorded answers file) are left
    out; questions copier.yml would not ask (dvc_remote without DVC) have no answer.
    """
    given = {k: v for k, v in answers.items() if k in QUESTIONS.names}
    return dict(_complete(tuple(sorted(given.items())), str(project or "project")))


@functools.lru_cache(maxsize=4096)  # the full product checks many projects per answer set
def _complete(given: tuple[tuple[str, Any], ...], project: str) -> tuple[tuple[str, Any], ...]:
    resolved = QUESTIONS.resolve(dict(given), Path(project), new_project=False)
    return tuple(resolved.items())


def files(project: Path) -> set[str]:
    """Every file of the project, as POSIX paths relative to it (the .git folder left out)."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts[:1]
    }


#: compute=dask: the modules of src/PACKAGE/on_cluster/, the stages that run on the cluster.
CLUSTER_STAGES = ("__init__", "prepare", "validate", "tune", "train")


def expected_files(answers: Mapping[str, Any], project: Path | None = None) -> set[str]:
    """The files a rendered project must have, exactly, for these answers (no uv.lock)."""
    answers = complete(answers, project)
    package = answers["package_name"]
    src, tests = f"src/{package}", "tests"
    result = {
        ".copier-answers.yml",
        ".editorconfig",
        ".gitattributes",
        ".gitignore",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        "LICENSE",
        "docs/model-card.md",
        "docs/gates.md",
        "Makefile",
        "README.md",
        "params.yaml",
        "pyproject.toml",
        "data/raw/.gitkeep",
        "data/interim/.gitkeep",
        "data/processed/.gitkeep",
        "data/external/.gitkeep",
        "models/.gitkeep",
        "notebooks/README.md",
        "reports/figures/.gitkeep",
        *(
            f"{src}/{module}.py"
            for module in (
                "__init__",
                "config",
                "data",
                "schema",
                "validation",
                "features",
                "modeling",
                "prepare",
                "validate",
                "tune",
                "train",
                "evaluate",
                "gates",
                "predict",
                "metadata",
                "tracking",
                "monitor",
                "datasource",
                "retrain",
            )
        ),
        f"{src}/py.typed",
        *(
            f"{tests}/{module}.py"
            for module in (
                "__init__",
                "conftest",
                "test_data",
                "test_features",
                "test_model",
                "test_predict",
                "test_monitor",
                "test_config",
                "test_gates",
                "test_metadata",
                "test_datasource",
                "test_retrain",
            )
        ),
    }
    if not answers.get("dataset"):
        result.add("data/schema.yaml")  # with a data set, mlops-new writes it
        # The penguins ship in the package; diabetes does without scikit-learn's copy.
        if answers["task"] == "classification":
            result.add(f"{src}/penguins.csv")
        elif answers["ml_framework"] == "none":
            result.add(f"{src}/diabetes.csv")
    if answers["serving"] == "fastapi":
        result |= {f"{src}/serve.py", f"{tests}/test_api.py"}
        result |= {f"{src}/predictions.py", f"{tests}/test_predictions.py"}
        result |= {f"{src}/canary.py", f"{tests}/test_canary.py"}
        if answers["docs"] == "mkdocs":
            result.add("docs/api.md")
    if answers["compute"] == "dask":
        result |= {f"{src}/cluster.py", f"{src}/partitions.py", "docs/compute.md"}
        result |= {f"{src}/on_cluster/{module}.py" for module in CLUSTER_STAGES}
        result.add(f"{tests}/test_partitions.py")
    if answers["data_versioning"] == "dvc":
        result |= {".dvc/.gitignore", ".dvc/config", ".dvcignore", "dvc.yaml"}
        result.add(f"{tests}/test_pipeline.py")
    docker = answers["docker"]
    if docker:
        result |= {".dockerignore", "Dockerfile"}
    ci = answers["ci"]
    if ci in ("github", "both"):
        result |= {
            ".github/dependabot.yml",
            ".github/pull_request_template.md",
            ".github/workflows/ci.yml",
            ".github/workflows/monitor.yml",
            ".github/workflows/template-check.yml",
        }
        if docker:
            result.add(".github/workflows/release.yml")
    if ci in ("gitlab", "both"):
        result.add(".gitlab-ci.yml")
    if answers["pre_commit"]:
        result.add(".pre-commit-config.yaml")
    if answers.get("preset") == "course":  # asked only when a preset is given
        result.add("COURSE.md")
    if answers["agents"]:
        result.add("AGENTS.md")
    if answers["docs"] == "mkdocs":
        result |= {"mkdocs.yml", "docs/index.md", "docs/pipeline.md", "docs/data.md"}
    return result


def _text_files(project: Path) -> dict[str, str]:
    return {
        name: (project / name).read_text(encoding="utf-8")
        for name in sorted(files(project))
        if Path(name).suffix not in BINARY
    }


def leftover_jinja(project: Path, texts: Mapping[str, str] | None = None) -> list[str]:
    """Files that still hold Jinja syntax (a template bug)."""
    texts = _text_files(project) if texts is None else texts
    return [f"{name}: unrendered Jinja" for name, text in texts.items() if _has_jinja(text)]


@functools.lru_cache(maxsize=4096)  # many combinations share most files' texts
def _has_jinja(text: str) -> bool:
    return bool(JINJA_LEFTOVER.search(text))


@functools.lru_cache(maxsize=4096)  # many combinations share most files' texts
def _parse_error(name: str, text: str) -> str:
    try:
        if name.endswith(".toml"):
            tomllib.loads(text)
        elif name.endswith((".yml", ".yaml")):
            # mkdocs.yml may use !!python/name tags (material emoji); FullLoader reads them.
            list(yaml.load_all(text, Loader=yaml.FullLoader))
        elif name.endswith(".json"):
            json.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as error:
        return f"{name}: {' '.join(str(error).split())[:200]}"
    return ""


def unparsable(project: Path, texts: Mapping[str, str] | None = None) -> list[str]:
    """TOML, YAML and JSON files that do not parse."""
    texts = _text_files(project) if texts is None else texts
    errors = (_parse_error(name, text) for name, text in texts.items())
    return [error for error in errors if error]


def dockerfile_context(project: Path, *, lock_written: bool) -> list[str]:
    """COPY sources that are missing, or that .dockerignore keeps out of the build context."""
    dockerfile = project / "Dockerfile"
    if not dockerfile.exists():
        return []
    allowed = {
        line[1:].rstrip("/")
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.startswith("!")
    }
    problems = []
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                # uv.lock is written after rendering (uv lock), metrics.json by the pipeline
                # (make docker-build runs it first), not by the template.
                missing = not (project / source).exists() and source != "metrics.json"
                if missing and (lock_written or source != "uv.lock"):
                    problems.append(f"Dockerfile: COPY {source}: no such file")
                if source.rstrip("/") not in allowed:
                    problems.append(f"Dockerfile: COPY {source}: excluded by .dockerignore")
    problems += [
        f".dockerignore lets {secret} into the image"
        for secret in (".env", ".git", "data", ".dvc")
        if secret in allowed
    ]
    return problems


# Words that must not appear in the files people read and run (Makefile, README, CI, docs,
# Dockerfile, pyproject) when the tool they name was not chosen.
_SURFACE = re.compile(
    r"^(Makefile|README\.md|AGENTS\.md|COURSE\.md|CONTRIBUTING\.md|CHANGELOG\.md|Dockerfile|pyproject\.toml"
    r"|mkdocs\.yml|\.gitlab-ci\.yml|\.pre-commit-config\.yaml|\.github/.*|docs/.*)$"
)


def _forbidden(answers: Mapping[str, Any]) -> dict[str, re.Pattern[str]]:
    """What a project with these (completed) answers must not mention, by reason."""
    rules: dict[str, str] = {}
    if answers["data_versioning"] != "dvc":
        rules["data_versioning=none"] = r"\bdvc\b(?!live)|dvc\.yaml|make (push|pull)"
    if answers["serving"] != "fastapi":
        rules["serving=none"] = r"fastapi|uvicorn|make serve|/predict\b|^serve:"
    if not answers["docker"]:
        rules["docker=no"] = r"docker|container image"
    ci = answers["ci"]
    if ci == "none":
        # gitlab.com as a host is no mention of GitLab CI: the Makefile turns a template source
        # recorded as `gl:owner/repo` into https://gitlab.com/owner/repo.git for uv.
        rules["ci=none"] = r"github actions|\.github/|gitlab(?!\.com/)|badge"
    elif ci == "github":
        rules["ci=github"] = r"gitlab(?!\.com/)"
    elif ci == "gitlab":
        rules["ci=gitlab"] = r"github actions|\.github/workflows|dependabot"
    if answers["docs"] != "mkdocs":
        rules["docs=none"] = r"mkdocs|make docs"
    if not answers["pre_commit"]:
        rules["pre_commit=no"] = r"pre-commit"
    tracking = answers["experiment_tracking"]
    if tracking != "dvclive":
        rules[f"experiment_tracking={tracking}"] = r"dvclive"
    if tracking != "mlflow":
        rules[f"experiment_tracking={tracking} (mlflow)"] = r"mlflow|mlruns"
    framework = answers["ml_framework"]
    # Every framework preprocesses with scikit-learn (features.py); only its model is the forest.
    if framework != "scikit-learn":
        rules[f"ml_framework={framework}"] = r"random forest"
    if answers["compute"] == "local":
        rules["compute=local"] = r"\bdask\b|on_cluster|cluster-up"
    # torch.save writes the model, not joblib; with Dask, joblib spreads the tuning search.
    if framework == "pytorch" and answers["compute"] != "dask":
        rules[f"ml_framework={framework} (joblib)"] = r"joblib"
    if framework != "pytorch":
        rules[f"ml_framework={framework} (torch)"] = r"\btorch\b|pytorch"
    # Without DVC no remote is asked: every remote's plugin is then a dead reference.
    remote = answers.get("dvc_remote", "none")
    for other in set(QUESTIONS["dvc_remote"].choice_values) - {remote, "local"}:
        rules[f"dvc_remote={remote} ({other})"] = rf"dvc-{'gs' if other == 'gcs' else other}\b"
    return {reason: re.compile(pattern, re.IGNORECASE) for reason, pattern in rules.items()}


def dead_references(
    project: Path, answers: Mapping[str, Any], texts: Mapping[str, str] | None = None
) -> list[str]:
    """Mentions of tools that were not chosen, in the files people read and run."""
    rules = _forbidden(complete(answers, project))
    problems = []
    texts = _text_files(project) if texts is None else texts
    for name, text in texts.items():
        if not _SURFACE.match(name):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if "mlops-new update --data" in line:  # how to add the tool later: not dead
                continue
            for reason, pattern in rules.items():
                found = pattern.search(line)
                if found:
                    problems.append(f"{name}:{number}: '{found.group(0)}' with {reason}")
    return problems


def problems(project: Path, answers: Mapping[str, Any], *, lock_written: bool) -> list[str]:
    """Every static problem of a rendered project (linters aside)."""
    texts = _text_files(project)
    have = {name for name in files(project) if name != "uv.lock"}
    want = expected_files(answers, project)
    found = [f"unexpected file {name}" for name in sorted(have - want)]
    found += [f"missing file {name}" for name in sorted(want - have)]
    found += [
        f"empty folder {path.relative_to(project).as_posix()}"
        for path in sorted(project.rglob("*"))
        if path.is_dir()
        and ".git" not in path.relative_to(project).parts[:1]
        and not any(path.iterdir())
    ]
    found += leftover_jinja(project, texts)
    found += unparsable(project, texts)
    found += dockerfile_context(project, lock_written=lock_written)
    found += dead_references(project, answers, texts)
    return found
