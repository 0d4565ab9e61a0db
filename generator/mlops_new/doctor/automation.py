"""What runs a check: CI jobs → make targets → `dvc repro` stages → the modules they run.

Read from files only. A file or command reached from a CI job is automated; one reached only
from a make target that no CI job runs is a manual, documented procedure (`make help` lists
it). Each carries how it is reached, e.g. `CI job pipeline (.github/workflows/ci.yml:70) →
make pipeline → dvc stage gates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mlops_new.doctor.ci import make_calls, make_targets, reached, strings
from mlops_new.doctor.repo import Repo
from mlops_new.doctor.versioning import dvc_stages, paths

#: GitLab CI's top-level keys that are not jobs.
_GITLAB_KEYWORDS = frozenset({"stages", "default", "variables", "workflow", "include",
                              "image", "services", "cache", "before_script", "after_script",
                              "pages"})  # fmt: skip
_MODULE = re.compile(
    r"\bpython[\d.]*\s+(?:-[A-Za-ln-z]\S*\s+)*-m\s+([\w.$()]+)(\s+[a-z][\w-]*\b(?![/.]))?"
)
_SCRIPT = re.compile(r"\bpython[\d.]*\s+(?:-\S+\s+)*([\w./$()-]+\.py)\b")
_ASGI = re.compile(r"\b(?:uvicorn|gunicorn|fastapi\s+run)\s+(?:\S+\s+)*?([\w.$()]+):\w+")
_PYTEST = re.compile(r"\bpytest\b")
_DVC = re.compile(r"\bdvc\s+(?:repro|exp\s+run)\b([^\n;&|]*)")


@dataclass(frozen=True)
class Job:
    """A CI job: where it is declared and the shell commands it runs."""

    file: str
    name: str
    line: int
    commands: tuple[str, ...]
    scheduled_only: bool = False
    #: Started by a person only (GitLab `when: manual`, GitHub `workflow_dispatch` alone).
    by_hand: bool = False

    @property
    def label(self) -> str:
        return f"CI job {self.name} ({self.file}:{self.line})"

    def step(self, repo: Repo, command: str) -> str:
        """The job and the line of `command` in its file: `CI job test (ci.yml:57)`."""
        first = command.strip().splitlines()[0] if command.strip() else ""
        text = repo.text(self.file)
        lines = text.data.splitlines() if text is not None and text.ok else []
        found = next(
            (n for n, line in enumerate(lines, 1) if n >= self.line and first and first in line),
            self.line,
        )
        how = ", started by hand" if self.by_hand else ""
        if self.scheduled_only and not self.by_hand:
            how = ", only from a schedule set up by hand"
        return f"CI job {self.name} ({self.file}:{found}{how})"

    @property
    def manual(self) -> bool:
        """Whether a person must start it, or set up the schedule it runs from (GitLab's
        pipeline schedules live outside the repository; GitHub's cron is in it)."""
        return self.by_hand or self.scheduled_only


@dataclass
class Reach:
    """What a set of starting commands runs: files, command lines, stages, each with how."""

    files: dict[str, str] = field(default_factory=dict)
    commands: list[tuple[str, str]] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)


@dataclass
class Automation:
    """What CI runs (`automated`) and what only a make target runs (`manual`)."""

    jobs: list[Job]
    automated: Reach
    manual: Reach


def automation(repo: Repo) -> Automation:
    """The repository's automation chain, derived once."""
    return repo.memo("automation", _automation)


def _automation(repo: Repo) -> Automation:
    found = jobs(repo)
    automated, manual = Reach(), Reach()
    for job in found:
        for command in job.commands:
            into = manual if job.manual else automated
            follow(repo, command, job.step(repo, command), into, all_options=job.manual)
    # Every target, with every option a person may pass: what CI also runs is found there
    # first, so this adds only what a person alone does (`make monitor FEEDBACK=...`).
    for target in make_targets(repo):
        if re.fullmatch(r"[\w-]+", target):
            where = f"make {target} (Makefile:{_line_of(repo, 'Makefile', f'{target}:')})"
            follow(repo, f"make {target}", where, manual, all_options=True)
    manual.files = {f: how for f, how in manual.files.items() if f not in automated.files}
    manual.stages = {s: how for s, how in manual.stages.items() if s not in automated.stages}
    return Automation(found, automated, manual)


def jobs(repo: Repo) -> list[Job]:
    """Every GitHub Actions and GitLab CI job with the commands it runs."""
    found: list[Job] = []
    for name in repo.matching(r"^\.github/workflows/[^/]+\.ya?ml$"):
        loaded = repo.yaml(name)
        data = loaded.data if loaded is not None and loaded.ok else None
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
            continue
        triggers = data.get("on", data.get(True))
        by_hand = triggers == "workflow_dispatch" or (
            isinstance(triggers, dict | list) and list(triggers) == ["workflow_dispatch"]
        )
        for job_id, job in data["jobs"].items():
            if isinstance(job, dict):
                steps = [s for s in job.get("steps") or [] if isinstance(s, dict)]
                runs = tuple(s["run"] for s in steps if isinstance(s.get("run"), str))
                line = _line_of(repo, name, f"{job_id}:")
                # A job switched on by a repository variable (`if: vars.RETRAIN == 'true'`)
                # runs only once someone sets it: a manual step until then.
                opt_in = "vars." in str(job.get("if", ""))
                found.append(Job(name, str(job_id), line, runs, by_hand=by_hand or opt_in))
    loaded = repo.yaml(".gitlab-ci.yml")
    data = loaded.data if loaded is not None and loaded.ok else None
    if isinstance(data, dict):
        default = data.get("default") if isinstance(data.get("default"), dict) else {}
        for job_id, job in data.items():
            if str(job_id) in _GITLAB_KEYWORDS or str(job_id).startswith("."):
                continue
            if not isinstance(job, dict) or "script" not in job:
                continue
            parts = [job.get("before_script", default.get("before_script")), job["script"]]
            runs = tuple(s for part in parts for s in strings(part))
            rules = [r for r in job.get("rules") or [] if isinstance(r, dict)]
            conditions = [str(r.get("if", "")) for r in rules]
            scheduled = bool(rules) and all("schedule" in c for c in conditions)
            by_hand = job.get("when") == "manual" or (
                bool(rules) and all(r.get("when") == "manual" for r in rules)
            )
            line = _line_of(repo, ".gitlab-ci.yml", f"{job_id}:")
            found.append(Job(".gitlab-ci.yml", str(job_id), line, runs, scheduled, by_hand))
    return found


def _line_of(repo: Repo, name: str, text: str) -> int:
    hit = repo.grep(rf"^\s*{re.escape(text)}", [name])
    return hit[1] if hit else 1


def follow(repo: Repo, command: str, how: str, into: Reach, *, all_options: bool) -> None:
    """Add to `into` what `command` runs: make recipes, dvc stages, Python modules, tests."""
    targets = make_targets(repo)
    variables = make_variables(repo)
    into.commands.append((command, how))
    lines = [(command, how)]
    ran = reached(make_calls(command), targets)
    given = {k: v for _, assigned in make_calls(command) for k, v in assigned.items()}
    for target in ran:
        path = [target]
        while (parent := ran[path[-1]]) is not None and parent not in path:
            path.append(parent)
        if how.startswith(f"make {path[-1]} "):
            path.pop()
        step = " → ".join([how, *(f"make {t}" for t in reversed(path))])
        for recipe in targets[target][1]:
            line = expand(recipe, variables, given, all_options=all_options)
            into.commands.append((line, step))
            lines.append((line, step))
    for line, step in lines:
        _run_line(repo, line, step, into)
        for match in _DVC.finditer(line):
            for stage in repro_stages(repo, match.group(1).split()):
                stage_how = f"{step} → dvc stage {stage}"
                into.stages.setdefault(stage, stage_how)
                body = dvc_stages(repo)[1][stage]
                cmds = strings(body.get("cmd"))
                into.commands += [(cmd, stage_how) for cmd in cmds]
                for cmd in cmds:
                    _run_line(repo, cmd, stage_how, into)
                for dep in paths(body.get("deps")):
                    if dep.endswith(".py") and repo.exists(dep):
                        into.files.setdefault(dep, stage_how)


def _run_line(repo: Repo, line: str, how: str, into: Reach) -> None:
    modules = [*_MODULE.findall(line), *((m, "") for m in _ASGI.findall(line))]
    for module, subcommand in modules:
        for name in module_files(repo, module):
            # A module run for one subcommand only (`gates lock`) is not the whole file.
            if not subcommand.strip():
                into.files.setdefault(name, how)
    for script in _SCRIPT.findall(line):
        if repo.exists(script):
            into.files.setdefault(script, how)
    if _PYTEST.search(line):
        for name in repo.test_files:
            into.files.setdefault(name, f"{how} → pytest")


def module_files(repo: Repo, module: str) -> list[str]:
    """The file(s) `python -m module` runs, in the repository (a src/ layout or flat)."""
    base = module.replace(".", "/")
    candidates = [f"{base}.py", f"{base}/__main__.py"]
    candidates += [f"src/{c}" for c in candidates]
    return [c for c in candidates if repo.exists(c)][:1]


def repro_stages(repo: Repo, args: list[str]) -> list[str]:
    """The stages `dvc repro ARGS` runs: the named ones and the stages they depend on."""
    stages = dvc_stages(repo)[1]
    named = [a for a in args if not a.startswith("-") and a in stages]
    if not named:
        return list(stages)
    producer = {out: name for name, body in stages.items() for out in _outputs(body)}
    todo, seen = list(named), []
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.append(stage)
        todo += [producer[dep] for dep in paths(stages[stage].get("deps")) if dep in producer]
    return seen


def _outputs(body: dict) -> list[str]:
    return [p for key in ("outs", "metrics", "plots") for p in paths(body.get(key))]


def make_variables(repo: Repo) -> dict[str, str]:
    """The Makefile's one-line variable assignments (`NAME := value`, `=`, `?=`)."""
    name = repo.first("Makefile", "makefile", "GNUmakefile")
    text = repo.text(name) if name else None
    if text is None or not text.ok:
        return {}
    found = re.findall(r"^([A-Za-z_][\w]*)\s*[:?]?=\s*(.*?)\s*$", text.data, re.M)
    return {key: value for key, value in found if "$(shell" not in value}


def expand(
    line: str, variables: dict[str, str], given: dict[str, str], *, all_options: bool
) -> str:
    """A recipe line with `$(NAME)` expanded and each `$(if $(X),A)` kept only when X is set
    (by the call, e.g. `make monitor LOG=x`; `all_options`: as a person may set any)."""
    out, index = [], 0
    while (start := line.find("$(if ", index)) >= 0:
        end, depth = start + 2, 1
        while end < len(line) and depth:
            depth += {"(": 1, ")": -1}.get(line[end], 0)
            end += 1
        condition, _, then = line[start + 5 : end - 1].partition(",")
        name = condition.strip().removeprefix("$(").removesuffix(")")
        active = all_options or name in given or name in variables
        out += [line[index:start], then.split(",")[0] if active else ""]
        index = end
    line = "".join([*out, line[index:]])
    values = {**variables, **given}
    for _ in range(3):
        line = re.sub(r"\$\((\w+)\)", lambda m: values.get(m.group(1), m.group(0)), line)
    return line
