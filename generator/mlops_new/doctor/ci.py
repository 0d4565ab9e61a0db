"""CI configuration as the doctor reads it: files, the commands they run, hygiene findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mlops_new.doctor.repo import Loaded, Repo

_OTHER_CI = (".circleci/config.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml",
             ".travis.yml", ".woodpecker.yml", ".drone.yml", "Jenkinsfile")  # fmt: skip
_UNTRUSTED = re.compile(
    r"\$\{\{\s*(github\.head_ref|github\.event\.(issue|pull_request|comment|review|"
    r"review_comment|head_commit|discussion|pages|commits)[\w.\[\]*]*"
    r"\.(title|body|message|ref|label|name|email|head_ref|default_branch))\s*\}\}"
)


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
    return [line for target in reached(make_calls(text), targets) for line in targets[target][1]]


def make_calls(text: str) -> list[tuple[str, dict[str, str]]]:
    """Each target that a `make ...` in `text` names, with the variables that call sets."""
    calls = []
    for match in re.finditer(r"(\bmake\b|\$\(MAKE\))([^\n;&|]*)", text):
        words = [w for w in match.group(2).split() if not w.startswith("-")]
        assigned = dict(_unquoted(*w.split("=", 1)) for w in words if "=" in w)
        calls += [(w, assigned) for w in words if "=" not in w]
    return calls


def _unquoted(name: str, value: str) -> tuple[str, str]:
    """A `NAME=value` of a command line, its value without the shell's quotes around it."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return name, value


def reached(calls: list[tuple[str, dict[str, str]]], targets) -> dict[str, str | None]:
    """The targets that `calls` run (each named one, its prerequisites and its `$(MAKE) x`),
    in the order make meets them, each with the target that runs it (None: a call)."""
    todo: list[tuple[str, str | None]] = [(target, None) for target, _ in calls]
    seen: dict[str, str | None] = {}
    while todo and len(seen) < 200:
        target, parent = todo.pop()
        if target in seen or target not in targets:
            continue
        seen[target] = parent
        prereqs, recipe = targets[target]
        todo += [(p, target) for p in prereqs]
        for line in recipe:
            todo += [(t, target) for t in re.findall(r"\$\(MAKE\)\s+([\w.-]+)", line)]
    return seen


def github_findings(name: str, data: Any) -> tuple[list[str], int]:
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


def gitlab_findings(name: str, data: Any) -> list[str]:
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


def strings(value: Any, *, budget: int = 50_000) -> list[str]:
    """Every string value inside parsed YAML/JSON, visiting each node once.

    YAML anchors can make a small file expand to a huge (or cyclic) tree; the walk visits
    shared nodes once and stops after `budget` nodes.
    """
    found: list[str] = []
    seen: set[int] = set()
    stack = [value]
    while stack and budget > 0:
        node = stack.pop()
        budget -= 1
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict | list):
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.extend(reversed(list(node.values()) if isinstance(node, dict) else node))
    return found
