"""Level 2, CI/CD automation: CI runs everything, builds an image, hooks, hygiene, monitoring."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlops_new.doctor.base import Check, Outcome, failed, hint, listed, not_applicable, passed
from mlops_new.doctor.repo import Loaded, Repo, strings
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
_OTHER_CI = (".circleci/config.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml",
             ".travis.yml", ".woodpecker.yml", ".drone.yml", "Jenkinsfile")  # fmt: skip
_UNTRUSTED = re.compile(
    r"\$\{\{\s*(github\.head_ref|github\.event\.(issue|pull_request|comment|review|"
    r"review_comment|head_commit|discussion|pages|commits)[\w.\[\]*]*"
    r"\.(title|body|message|ref|label|name|email|head_ref|default_branch))\s*\}\}"
)
#: Libraries for drift detection and model monitoring (import names).
MONITORS = ("evidently", "nannyml", "alibi_detect", "whylogs", "deepchecks", "frouros",
            "prometheus_client")  # fmt: skip


class Level2(Check):
    level = 2


@dataclass
class CI:
    """The repository's CI configuration files and the commands they run."""

    files: dict[str, Loaded] = field(default_factory=dict)
    #: file -> the commands (all strings of the YAML, plus the recipes of `make` targets run).
    commands: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[str]:
        """One "file: why" per CI file that cannot be read."""
        return [f"{name} {loaded.error}" for name, loaded in self.files.items() if not loaded.ok]


def ci(repo: Repo) -> CI:
    """Every CI file the repository has (GitHub, GitLab and others), parsed."""
    return repo.memo("ci", _ci)


def _ci(repo: Repo) -> CI:
    found = CI()
    names = repo.matching(r"^\.github/workflows/[^/]+\.ya?ml$")
    names += [name for name in (".gitlab-ci.yml", *_OTHER_CI) if repo.exists(name)]
    targets = make_targets(repo)
    for name in names:
        loaded = repo.text(name) if name == "Jenkinsfile" else repo.yaml(name)
        if loaded is None:
            continue
        found.files[name] = loaded
        if loaded.ok:
            text = loaded.data if isinstance(loaded.data, str) else "\n".join(strings(loaded.data))
            found.commands[name] = text + "\n" + "\n".join(expand_make(text, targets))
    return found


def make_targets(repo: Repo) -> dict[str, tuple[list[str], list[str]]]:
    """Makefile targets -> (prerequisites, recipe lines), parsed as text."""
    return repo.memo("make", _make_targets)


def _make_targets(repo: Repo) -> dict[str, tuple[list[str], list[str]]]:
    targets: dict[str, tuple[list[str], list[str]]] = {}
    name = repo.first("Makefile", "makefile", "GNUmakefile")
    text = repo.text(name) if name else None
    if text is None or not text.ok:
        return targets
    current: list[str] = []
    for line in text.data.splitlines():
        if line.startswith("\t"):
            for target in current:
                targets[target][1].append(line.strip())
            continue
        match = re.match(r"^([\w.%/$()-]+(?:[ \t]+[\w.%/$()-]+)*)[ \t]*::?(?!=)(.*)$", line)
        if match:
            prereqs = match.group(2).split("#")[0].split(";")[0].split()
            current = match.group(1).split()
            for target in current:
                targets.setdefault(target, ([], []))[0].extend(prereqs)
        elif line.strip() and not line.lstrip().startswith("#"):
            current = []
    return targets


def expand_make(text: str, targets: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """The recipe lines that `make TARGET` calls in `text` run (and their prerequisites')."""
    lines: list[str] = []
    todo = []
    for match in re.finditer(r"(\bmake\b|\$\(MAKE\))([^\n;&|]*)", text):
        todo += [t for t in match.group(2).split() if not t.startswith("-") and "=" not in t]
    seen: set[str] = set()
    while todo and len(seen) < 200:
        target = todo.pop()
        if target in seen or target not in targets:
            continue
        seen.add(target)
        prereqs, recipe = targets[target]
        lines += recipe
        todo += prereqs
        for line in recipe:
            todo += [t for t in re.findall(r"\$\(MAKE\)\s+([\w.-]+)", line)]
    return lines


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


def _github_findings(name: str, data: Any) -> tuple[list[str], int]:
    findings: list[str] = []
    pinned = 0
    if not isinstance(data, dict):
        return [f"{name} is not a workflow (a mapping)"], 0
    jobs = data.get("jobs") if isinstance(data.get("jobs"), dict) else {}
    jobs = {k: v for k, v in jobs.items() if isinstance(v, dict)}
    top = data.get("permissions")
    if top == "write-all" or any(job.get("permissions") == "write-all" for job in jobs.values()):
        findings.append(f"{name} grants write-all permissions")
    elif top is None and not all("permissions" in job for job in jobs.values()):
        findings.append(f"{name} sets no permissions (the token gets the default, often write)")
    triggers = data.get("on", data.get(True))
    if isinstance(triggers, dict | list | str) and "pull_request_target" in triggers:
        findings.append(f"{name} runs on pull_request_target (secrets next to untrusted code)")
    for job in jobs.values():
        steps = [s for s in job.get("steps") or [] if isinstance(s, dict)]
        uses = [(job.get("uses"), None)] + [(s.get("uses"), s) for s in steps]
        for action, step in uses:
            if not isinstance(action, str):
                continue
            if action.startswith("./") or re.search(
                r"@[0-9a-f]{40}$|@sha256:[0-9a-f]{64}$", action
            ):
                pinned += 1
            else:
                findings.append(f"{name}: {action} is not pinned by commit SHA")
            options = step.get("with") if step and isinstance(step.get("with"), dict) else {}
            persist = str(options.get("persist-credentials", "true")).lower()
            if action.startswith("actions/checkout@") and persist != "false":
                findings.append(f"{name}: checkout keeps the token (persist-credentials: false)")
        for step in steps:
            run = step.get("run")
            if isinstance(run, str) and _UNTRUSTED.search(run):
                expr = _UNTRUSTED.search(run).group(1)
                findings.append(f"{name}: run expands ${{{{ {expr} }}}}; pass it via env:")
    return findings, pinned


def _gitlab_findings(name: str, data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [f"{name} is not a mapping"]
    findings = []
    default = data.get("default") if isinstance(data.get("default"), dict) else {}
    jobs = [v for v in data.values() if isinstance(v, dict)]
    images: list[Any] = [data.get("image"), default.get("image")]
    for job in [default, *jobs]:
        images.append(job.get("image"))
        services = job.get("services")
        images += services if isinstance(services, list) else []
    for image in images:
        image = image.get("name") if isinstance(image, dict) else image
        if not isinstance(image, str):
            continue
        last = image.rsplit("/", 1)[-1]
        if "@sha256:" not in image and (":" not in last or last.endswith(":latest")):
            findings.append(f"{name}: image {image} has no fixed tag")
    includes = data.get("include")
    for include in includes if isinstance(includes, list) else [includes]:
        if isinstance(include, dict) and "remote" in include:
            findings.append(f"{name}: include remote {include['remote']} is not pinned")
        elif isinstance(include, dict) and "project" in include and "ref" not in include:
            findings.append(f"{name}: include of {include['project']} has no ref")
    return findings


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
                findings += _gitlab_findings(name, loaded.data)
            else:
                more, count = _github_findings(name, loaded.data)
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
