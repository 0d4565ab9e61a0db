"""Level 2, CI/CD automation: CI runs everything, builds an image, hooks, hygiene, monitoring."""

from __future__ import annotations

import re

from mlops_new.doctor.base import Check, Outcome, failed, hint, listed, not_applicable, passed
from mlops_new.doctor.ci import ci, github_findings, gitlab_findings, make_targets
from mlops_new.doctor.repo import Repo
from mlops_new.doctor.upstream import template_freshness

#: What CI must run, as patterns over its commands (and the make recipes they call).
CI_TASKS = {
    "lint": r"\b(ruff|flake8|pylint|black|mypy|pyright|isort)\b|\b(pre-commit|prek) run\b"
    r"|\bmake\b[^\n]*\blint\b",
    "tests": r"\b(pytest|unittest|tox|nox)\b|\bmake\b[^\n]*\btests?\b",
    "the pipeline": r"\bdvc\s+(repro|exp\s+run)\b|\bsnakemake\b|\bkedro\s+run\b"
    r"|\bmake\b[^\n]*\b(pipeline|repro)\b",
}
_IMAGE_BUILD = (
    r"\b(docker|podman)\s+(buildx\s+)?build\b|\bbuildah\s+(bud|build)\b|docker/build-push-action"
    r"|redhat-actions/buildah-build|\bkaniko\b|\bdocker\s+compose\s+build\b"
    r"|\bmake\b[^\n]*\b(docker|image|container)[\w-]*"
)
#: Libraries for drift detection and model monitoring (import names).
MONITORS = ("evidently", "nannyml", "alibi_detect", "whylogs", "deepchecks", "frouros",
            "prometheus_client")  # fmt: skip


class Level2(Check):
    level = 2


class MLO201(Level2):
    """CI runs lint, tests and the pipeline"""

    def evaluate(self, repo: Repo) -> Outcome:
        found = ci(repo)
        if found.errors:
            return failed(found.errors[0], "fix the file: CI cannot run it as it is")
        if not found.files:
            return failed(
                "no CI configuration (.github/workflows, .gitlab-ci.yml, ...)",
                hint(
                    repo, "add a CI workflow running lint, tests and the pipeline", data="ci=github"
                ),
            )
        runs: dict[str, str] = {}
        for name, commands in found.commands.items():
            for task, pattern in CI_TASKS.items():
                if task not in runs and re.search(pattern, commands):
                    runs[task] = name
        missing = [task for task in CI_TASKS if task not in runs]
        if missing:
            have = f"CI runs {', '.join(runs)}" if runs else "CI runs none of lint, tests, pipeline"
            return failed(
                f"{have}{' but not ' + ' or '.join(missing) if runs else ''}",
                "add CI steps for "
                + ", ".join(missing)
                + " (e.g. make lint, make test, dvc repro)",
            )
        where = {}
        for task, name in runs.items():
            where.setdefault(name, []).append(task)
        return passed("; ".join(f"{name}: {', '.join(tasks)}" for name, tasks in where.items()))


class MLO202(Level2):
    """CI builds a container image"""

    def evaluate(self, repo: Repo) -> Outcome:
        dockerfiles = repo.matching(
            r"^([^/]+/)?((Dockerfile|Containerfile)(\.[\w.-]+)?|[\w.-]+\.Dockerfile)$"
        )
        if not dockerfiles:
            return failed(
                "no Dockerfile: the model cannot be shipped as an image",
                hint(
                    repo, "write a Dockerfile serving the model; build it in CI", data="docker=yes"
                ),
            )
        name = sorted(dockerfiles, key=lambda f: (f.count("/"), f))[0]
        text = repo.text(name)
        if text is None or not text.ok:
            return failed(f"{name} {text.error if text else ''}", "fix the Dockerfile")
        if not re.search(r"^\s*FROM\s", text.data, re.M | re.I):
            return failed(f"{name} has no FROM instruction", "start it with FROM <base image>")
        found = ci(repo)
        builders = [
            f for f, commands in found.commands.items() if re.search(_IMAGE_BUILD, commands)
        ]
        if not builders:
            return failed(
                f"{name} exists, but no CI job builds it",
                "add a CI job that builds the image (docker build, e.g. on release tags)",
            )
        return passed(f"{name}, built by {listed(builders, 2)}")


class MLO203(Level2):
    """pre-commit hooks are configured"""

    def evaluate(self, repo: Repo) -> Outcome:
        name = repo.first(".pre-commit-config.yaml", ".pre-commit-config.yml")
        if name is None:
            return failed(
                "no .pre-commit-config.yaml: nothing checks a commit before it is made",
                hint(
                    repo,
                    "add .pre-commit-config.yaml, then pre-commit install",
                    data="pre_commit=yes",
                ),
            )
        loaded = repo.yaml(name)
        if loaded is None or not loaded.ok:
            return failed(f"{name} {loaded.error if loaded else ''}", f"fix {name}")
        repos = loaded.data.get("repos") if isinstance(loaded.data, dict) else None
        hooks = [
            str(h.get("id"))
            for r in (repos if isinstance(repos, list) else [])
            if isinstance(r, dict)
            for h in (r.get("hooks") if isinstance(r.get("hooks"), list) else [])
            if isinstance(h, dict)
        ]
        if not hooks:
            return failed(f"{name} declares no hooks", "add hooks, e.g. ruff-check and ruff-format")
        return passed(f"{name}: {len(hooks)} hooks ({listed(hooks)})")


class MLO204(Level2):
    """CI workflows follow security hygiene (permissions, pinned actions)"""

    def evaluate(self, repo: Repo) -> Outcome:
        found = ci(repo)
        audited = {
            name: loaded
            for name, loaded in found.files.items()
            if name.startswith(".github/workflows/") or name == ".gitlab-ci.yml"
        }
        if not audited:
            return not_applicable("no GitHub Actions or GitLab CI workflows to audit")
        findings: list[str] = []
        pinned = 0
        for name, loaded in audited.items():
            if not loaded.ok:
                return failed(f"{name} {loaded.error}", "fix the workflow: it cannot run as it is")
            if name == ".gitlab-ci.yml":
                findings += gitlab_findings(name, loaded.data)
            else:
                more, count = github_findings(name, loaded.data)
                findings += more
                pinned += count
        if findings:
            return failed(
                f"{len(findings)} finding(s): {listed(findings, 2)}",
                "set permissions: {contents: read}, pin actions by SHA, checkout with "
                "persist-credentials: false (zizmor --offline lists the rest)",
            )
        pins = f", {pinned} actions pinned by SHA" if pinned else ""
        return passed(f"{len(audited)} workflow file(s): least privilege{pins}")


class MLO205(Level2):
    """The project is up to date with its template"""

    def evaluate(self, repo: Repo) -> Outcome:
        return template_freshness(repo)


class MLO206(Level2):
    """A monitoring or drift check is present"""

    def evaluate(self, repo: Repo) -> Outcome:
        evidence = [f"make {t}" for t in make_targets(repo) if re.search(r"monitor|drift", t)]
        evidence += [
            f
            for f in repo.matching(r"(^|/)[^/]*(monitor|drift)[^/]*\.py$")
            if f not in repo.test_files
        ]
        evidence += [f"{m} ({repo.imports[m]})" for m in MONITORS if m in repo.imports]
        if not evidence:
            return failed(
                "no drift or monitoring check (make target, monitor script, Evidently, ...)",
                "add a drift check of new data against the training data (e.g. Evidently)",
            )
        return passed(listed(evidence, 3))
