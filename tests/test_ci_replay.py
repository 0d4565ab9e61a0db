"""Tier 3: the generated CI, replayed for real (DESIGN §4c, "green where users run it").

The replayed project is made as a course fork's students make theirs: from a tagged git
repository of this checkout (`--template <repo> --vcs-ref v<version>`), so the template
source and release it records in `.copier-answers.yml` are reachable here, and `make doctor`
and `make template-check` install mlops-new from them, as they do on a real runner.

- GitLab: `gitlab-ci-local --force-shell-executor` runs every job of `.gitlab-ci.yml`, each
  on a fresh clone, with the variables that make its rules select it (a schedule, a tag).
- GitHub: every job of every workflow (each matrix value), its steps in order on a fresh
  clone: `run:` steps through bash as the runner runs them, `uses:` steps emulated as little
  as possible (printed: run pytest with -s to see them).

A job that needs a Docker daemon or a registry, or a Python this machine lacks, is skipped
with the reason. The CI files are replayed exactly as generated, never an edited copy.
"""

from __future__ import annotations

import csv
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlops_new import __version__

from .helpers import BIN, CLI, PYENV_VERSIONS, ROOT, git, run, template_repo, user_environment

pytestmark = pytest.mark.slow

TAG = f"v{__version__}"
# .ci/run installs gitlab-ci-local there (4.74 and 4.75 crash on Node 20) and sets
# MLOPS_NEW_REQUIRE_CI_REPLAY=1, so that a missing tool fails CI instead of skipping.
GITLAB_CI_LOCAL = ROOT / ".tools" / "npm" / "node_modules" / ".bin" / "gitlab-ci-local"
REQUIRED = os.environ.get("MLOPS_NEW_REQUIRE_CI_REPLAY") == "1"
# The jobs a default project with ci=both has; test_every_job_is_replayed keeps these lists
# equal to what the generated files hold, so that no job goes unreplayed.
GITHUB_JOBS = [
    "ci.yml/lint",
    "ci.yml/test[3.12]",
    "ci.yml/test[3.14]",
    "ci.yml/pipeline",
    "monitor.yml/data",
    "monitor.yml/traffic",
    "monitor.yml/retrain",
    "release.yml/image",
    "template-check.yml/check",
]
GITLAB_JOBS = [
    "lint",
    "test: [3.12]",
    "test: [3.14]",
    "pipeline",
    "docker-image",
    "data-check",
    "monitor-traffic",
    "retrain",
    "template-check",
]
#: The repository variables of the replayed GitHub project (`vars.`): scheduled retraining
#: on, and recent traffic in a folder (set by the `replay` fixture).
GITHUB_VARS = {"RETRAIN": "true", "TRAFFIC_SOURCE": "", "RETRAIN_REMOTE": ""}
JOB_TIMEOUT = 900  # seconds, for a job with no timeout-minutes of its own
DOCKER = "needs a Docker daemon (and buildx) or a registry, which this machine does not have"

# Untracked files that belong in the tagged copy (new work in the template and the package).
NEW_FILES_FROM = ["template", "generator", "copier.yml", "pyproject.toml", "README.md"]

RESULTS: list[str] = []


def _record(system: str, job: str, outcome: str, seconds: float, notes: list[str]) -> None:
    line = f"{system:6} {job:28} {outcome:4} {seconds:6.1f} s"
    RESULTS.append(line + "".join(f"\n{'':47}{note}" for note in notes))
    print(f"\n[ci-replay] {line}" + "".join(f"\n[ci-replay]   {note}" for note in notes))


@pytest.fixture(scope="module", autouse=True)
def _summary() -> Iterator[None]:
    yield
    if RESULTS:
        print("\n[ci-replay] summary (system, job, outcome, time, emulated or skipped):")
        print("\n".join(f"[ci-replay] {line}" for r in RESULTS for line in r.splitlines()))


# ---- the replayed project ------------------------------------------------------------------


@dataclass
class Replay:
    """A generated project (ci=both) and a runner-like environment to replay its CI in."""

    project: Path
    template: Path
    work: Path
    env: dict[str, str]
    python: str
    uv_cache: str
    #: The hosted repository (bare, as on GitHub or GitLab): jobs clone it, and the
    #: retraining jobs push their review branch to it.
    hosted: Path
    #: A folder of served traffic (predictions.jsonl, feedback.csv), for TRAFFIC_SOURCE.
    traffic: Path
    clones: int = field(default=0)

    def clone(self, name: str) -> Path:
        """A fresh clone of the project, as a runner checks it out for one job."""
        self.clones += 1
        dest = self.work / f"{self.clones:02d}-{re.sub(r'[^A-Za-z0-9.]+', '-', name)}"
        run(["git", "clone", "--quiet", self.hosted, dest], cwd=self.work, env=self.env, check=True)
        return dest

    def branches(self) -> dict[str, str]:
        """The hosted repository's branches and their commits."""
        listed = git(
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads",
            cwd=self.hosted,
            env=self.env,
        )
        return dict(line.split() for line in listed.splitlines())


def _tagged_template(dest: Path, env: dict[str, str]) -> Path:
    """A git repository of this checkout's working tree (tracked files, plus new ones of the
    template and the package), committed and tagged as the release mlops-new carries."""
    listed = git("ls-files", "-z", cwd=ROOT, env=env).split("\0")
    others = ["git", "ls-files", "-z", "--others", "--exclude-standard", "--", *NEW_FILES_FROM]
    new = run(others, cwd=ROOT, env=env, check=True).stdout.split("\0")
    for name in sorted({n for n in listed + new if n}):
        source = ROOT / name
        if not (source.is_file() or source.is_symlink()):  # deleted in the working tree
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / name, follow_symlinks=False)
    # Forced: the template's own .gitignore must not drop its files.
    return template_repo(dest, {TAG: {}}, env, force=True)


def _runner_path(*first: Path) -> str:
    """PATH on a runner: this machine's, without the venv that holds mlops-new and its tools
    (CI must find uv, mlops-new and every tool the way the generated files say)."""
    ours = {BIN.resolve()}
    kept = [p for p in os.environ["PATH"].split(os.pathsep) if p and Path(p).resolve() not in ours]
    return os.pathsep.join([*(str(p) for p in first), *kept])


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory, gitconfig: Path) -> Replay:
    started = time.monotonic()
    root = tmp_path_factory.mktemp("ci-replay")
    env = user_environment(gitconfig)
    template = _tagged_template(root / "template", env)
    create = [CLI, "replayed", "--template", template, "--vcs-ref", TAG, "--defaults"]
    run([*create, "--data", "ci=both"], cwd=root, env=env, check=True)
    project = root / "replayed"
    tracked = git("ls-files", cwd=project, env=env).split()
    assert "uv.lock" in tracked and ".gitlab-ci.yml" in tracked, tracked
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["_src_path"], answers["_commit"]) == (str(template), TAG)
    python = answers["python_version"]

    # A venv first on PATH: a job's `pip install` or `python3 -m venv` never touches the
    # system Python (with the shell executor, jobs run on this machine).
    venv = root / "runner-venv"
    made = run(
        [BIN / "uv", "venv", "--quiet", "--seed", "--python", python, venv], cwd=root, env=env
    )
    if made.returncode != 0:
        pytest.skip(f"Python {python} (the project's) is not installed here: {made.stderr}")
    uv_cache = run([BIN / "uv", "cache", "dir"], cwd=root, env=env, check=True).stdout.strip()
    runner = {k: v for k, v in env.items() if not k.startswith(("PYTEST_", "MLOPS_NEW_", "UV_"))}
    runner.pop("PYTHONDONTWRITEBYTECODE", None)  # a runner caches bytecode
    runner.update(
        PATH=_runner_path(venv / "bin"),
        CI="true",
        UV_PYTHON_DOWNLOADS="never",  # this machine: no interpreter downloads
        UV_CACHE_DIR=uv_cache,  # one warm cache for every job (a runner's is restored)
        PYENV_VERSION=env.get("PYENV_VERSION", PYENV_VERSIONS),
        DVC_NO_ANALYTICS="1",
    )
    work = root / "jobs"
    work.mkdir()
    hosted = root / "hosted.git"
    run(["git", "clone", "--quiet", "--bare", project, hosted], cwd=root, env=env, check=True)
    traffic = _traffic(root / "traffic")
    # The retraining job pushes there, as it would with its token to GitHub.
    GITHUB_VARS.update(TRAFFIC_SOURCE=str(traffic), RETRAIN_REMOTE=str(hosted))
    print(
        f"\n[ci-replay] template {template} at {TAG}; project generated in "
        f"{time.monotonic() - started:.0f} s"
    )
    return Replay(project, template, work, runner, python, uv_cache, hosted, traffic)


def _traffic(folder: Path) -> Path:
    """What the API of the replayed (penguins) project could have served: every penguin
    logged as predictions.jsonl (predicted right, 5 ms each), its features as the API
    validated them (missing: null), and feedback.csv with its labels."""
    penguins = next((ROOT / "template" / "src").glob("*/*penguins.csv*"))
    rows = list(csv.DictReader(penguins.read_text(encoding="utf-8").splitlines()))
    folder.mkdir()
    lines, labels = [], ["request_id,index,species"]
    for number, row in enumerate(rows):
        target = row["species"]
        features: dict[str, str | float | None] = {"island": row["island"]}
        for name in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"):
            features[name] = None if row[name] == "NA" else float(row[name])
        lines.append(
            json.dumps(
                {
                    "request_id": f"r{number}",
                    "index": 0,
                    "time": "2026-12-01T00:00:00Z",
                    "model_version": "replayed",
                    "latency_ms": 5.0,
                    "features": features,
                    "prediction": target,
                }
            )
        )
        labels.append(f"r{number},0,{target}")
    (folder / "predictions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "feedback.csv").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return folder


def _python_missing(version: str, env: dict[str, str]) -> str | None:
    """Why Python `version` cannot run a job here, or None when it is installed."""
    found = run([BIN / "uv", "python", "find", version], cwd=Path.cwd(), env=env)
    if found.returncode == 0:
        return None
    return f"Python {version} is not installed on this machine, and uv may not download it"


# ---- which jobs there are ------------------------------------------------------------------


@dataclass(frozen=True)
class GitHubJob:
    workflow: str
    job: str
    matrix: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        values = ",".join(v for _, v in self.matrix)
        return f"{self.workflow}/{self.job}" + (f"[{values}]" if values else "")


def _workflows(project: Path) -> dict[str, dict[str, Any]]:
    folder = project / ".github" / "workflows"
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.y*ml"))
    }


def _github_jobs(project: Path) -> list[GitHubJob]:
    jobs = []
    for name, workflow in _workflows(project).items():
        for job_id, job in workflow["jobs"].items():
            matrix = (job.get("strategy") or {}).get("matrix") or {}
            unsupported = {"include", "exclude"} & set(matrix)
            assert not unsupported, f"{name}/{job_id}: matrix {unsupported} is not replayed yet"
            keys = sorted(matrix)
            values = [[str(v) for v in matrix[k]] for k in keys]
            for combination in _product(values):
                jobs.append(GitHubJob(name, job_id, tuple(zip(keys, combination, strict=True))))
    return jobs


def _product(values: list[list[str]]) -> list[tuple[str, ...]]:
    result: list[tuple[str, ...]] = [()]
    for options in values:
        result = [(*r, o) for r in result for o in options]
    return result


def _gitlab_list(clone: Path, env: dict[str, str], variables: dict[str, str]) -> list[dict]:
    """gitlab-ci-local's own list of the jobs, with their `when` under these variables."""
    out = run(
        [GITLAB_CI_LOCAL, "--list-json", *_gitlab_args(variables)], cwd=clone, env=env, check=True
    ).stdout
    return json.loads(out[out.index("[") :])


def _gitlab_args(variables: dict[str, str]) -> list[str]:
    args = [
        "--force-shell-executor",
        "--no-color",
        "--ignore-predefined-vars",
        "CI_PIPELINE_SOURCE,CI_COMMIT_TAG,CI_COMMIT_REF_NAME",
    ]
    for key, value in variables.items():
        args += ["--variable", f"{key}={value}"]
    return args


def _need_gitlab_ci_local() -> None:
    missing = [
        what
        for what, ok in (
            (
                "gitlab-ci-local (npm install --prefix .tools/npm gitlab-ci-local@4.73.0)",
                GITLAB_CI_LOCAL.exists(),
            ),
            ("rsync (apt-get install rsync)", shutil.which("rsync") is not None),
        )
        if not ok
    ]
    if missing:
        message = f"the GitLab replay needs {' and '.join(missing)}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)


def test_every_job_is_replayed(replay: Replay) -> None:
    """The jobs the tests below replay are all the jobs the generated CI files hold."""
    assert [job.id for job in _github_jobs(replay.project)] == GITHUB_JOBS
    _need_gitlab_ci_local()
    listed = _gitlab_list(replay.clone("gitlab-list"), replay.env, {})
    assert [job["name"] for job in listed] == GITLAB_JOBS


# ---- GitHub Actions ------------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class _Skip(Exception):
    """The rest of the job cannot run on this machine (the reason is the message)."""


@dataclass
class _GitHubRun:
    """One job of one workflow, replayed on a fresh clone."""

    replay: Replay
    workflow_file: str
    workflow: dict[str, Any]
    job_id: str
    matrix: dict[str, str]
    clone: Path
    env: dict[str, str] = field(default_factory=dict)
    deadline: float = 0.0

    def before(self) -> str:
        """The commit before the clone's HEAD, as a push reports it; zeros for a first push."""
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD~1"],
            cwd=self.clone,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() if done.returncode == 0 else "0" * 40

    def context(self) -> dict[str, Any]:
        on = self.workflow.get("on", self.workflow.get(True))
        events = list(on) if isinstance(on, dict | list) else [on]
        event = events[0]
        tags = on.get("push", {}).get("tags") if isinstance(on, dict) and on.get("push") else None
        # A tag push for a workflow that runs on tags, else a push to main.
        ref, ref_name = (f"refs/tags/{TAG}", TAG) if tags else ("refs/heads/main", "main")
        return {
            "github.workflow": self.workflow.get("name", self.workflow_file),
            "github.event_name": event,
            "github.ref": ref,
            "github.ref_name": ref_name,
            "github.workspace": str(self.clone),
            # A push, not a pull request; `before` is the tip the push moved (zeros: a new branch).
            "github.event.pull_request.base.sha": "",
            "github.event.before": self.before(),
            "runner.os": "Linux",
            "github.token": "",  # the replay has no token: nothing here may need one
            **{f"matrix.{k}": v for k, v in self.matrix.items()},
            **{f"vars.{k}": v for k, v in GITHUB_VARS.items()},
        }

    def expand(self, value: Any, where: str) -> str:
        context = self.context() | {f"env.{k}": v for k, v in self.env.items()}

        def one(match: re.Match[str]) -> str:
            # `a || b`: the first operand that is not empty (all we use of the language).
            values = []
            for expr in match.group(1).split(" || "):
                if expr.strip() not in context:
                    raise AssertionError(f"{where}: the replay cannot evaluate ${{{{ {expr} }}}}")
                values.append(str(context[expr.strip()]))
            return next((value for value in values if value), values[-1])

        return _EXPRESSION.sub(one, str(value))

    def condition(self, expression: Any, where: str) -> bool:
        """An `if:`: `always()`, or `a == 'b'` terms joined by `||` (all we use of it)."""
        context = self.context() | {f"env.{k}": v for k, v in self.env.items()}
        for term in _EXPRESSION.sub(r"\1", str(expression)).split(" || "):
            term = term.strip()
            if term in ("always()", "success()"):
                return True
            match = re.fullmatch(r"([\w.-]+) == '([^']*)'", term)
            if match is None or match.group(1) not in context:
                raise AssertionError(f"{where}: the replay cannot evaluate `{term}`")
            if str(context[match.group(1)]) == match.group(2):
                return True
        return False

    def start(self) -> None:
        job = self.workflow["jobs"][self.job_id]
        unsupported = set(job) - {
            "name",
            "runs-on",
            "timeout-minutes",
            "strategy",
            "steps",
            "env",
            "permissions",
            "concurrency",
            "if",
        }
        assert not unsupported, f"{self.job_id}: the replay does not know {sorted(unsupported)}"
        assert str(job["runs-on"]).startswith("ubuntu-"), job["runs-on"]
        self.deadline = time.monotonic() + 60 * float(job.get("timeout-minutes", JOB_TIMEOUT / 60))
        temp = self.clone.parent / f"{self.clone.name}.runner"
        temp.mkdir()
        files = {
            name: temp / name.lower()
            for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
        }
        for path in files.values():
            path.touch()
        context = self.context()
        self.env = dict(self.replay.env) | {
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.clone),
            "GITHUB_WORKFLOW": context["github.workflow"],
            "GITHUB_EVENT_NAME": context["github.event_name"],
            "GITHUB_REF": context["github.ref"],
            "GITHUB_REF_NAME": context["github.ref_name"],
            "GITHUB_JOB": self.job_id,
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(temp),
            **{name: str(path) for name, path in files.items()},
        }
        for scope in (self.workflow.get("env") or {}, job.get("env") or {}):
            for key, value in scope.items():
                self.env[key] = self.expand(value, f"env {key}")

    def steps(self) -> Iterator[tuple[int, dict[str, Any]]]:
        yield from enumerate(self.workflow["jobs"][self.job_id]["steps"], start=1)

    def run_step(self, number: int, step: dict[str, Any]) -> str:
        unsupported = set(step) - {
            "name",
            "uses",
            "with",
            "run",
            "env",
            "shell",
            "working-directory",
            "if",
        }
        assert not unsupported, f"step {number}: the replay does not know {sorted(unsupported)}"
        if "if" in step and not self.condition(step["if"], f"step {number}"):
            return f"skipped: if: {step['if']} is false"
        if "uses" in step:
            return self.uses(step)
        env = self.env | {
            k: self.expand(v, f"step {number} env {k}") for k, v in (step.get("env") or {}).items()
        }
        script = self.expand(step["run"], f"step {number}")
        path = Path(env["RUNNER_TEMP"]) / f"step-{number}.sh"
        path.write_text(script + "\n", encoding="utf-8")
        # GitHub's commands for `shell: bash` and for no shell (bash is on the runner).
        shell = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"], None: ["bash", "-e"]}
        assert step.get("shell") in shell, f"step {number}: shell {step.get('shell')!r}"
        cwd = self.clone / step.get("working-directory", ".")
        remaining = self.deadline - time.monotonic()
        out = run([*shell[step.get("shell")], path], cwd=cwd, env=env, timeout=max(remaining, 1))
        assert out.returncode == 0, (
            f"{self.job_id} step {number} `{script.strip()}` exited {out.returncode}\n"
            f"--- stdout\n{out.stdout[-6000:]}\n--- stderr\n{out.stderr[-6000:]}"
        )
        self.after_step(env)
        return f"run: {script.strip()}"

    def after_step(self, env: dict[str, str]) -> None:
        """What the runner does between steps: GITHUB_ENV and GITHUB_PATH take effect."""
        lines = Path(env["GITHUB_ENV"]).read_text(encoding="utf-8").splitlines()
        while lines:
            line = lines.pop(0)
            if "<<" in line and "=" not in line.split("<<")[0]:
                key, marker = line.split("<<", 1)
                end = lines.index(marker)
                self.env[key], lines = "\n".join(lines[:end]), lines[end + 1 :]
            elif "=" in line:
                key, value = line.split("=", 1)
                self.env[key] = value
        Path(env["GITHUB_ENV"]).write_text("", encoding="utf-8")
        added = Path(env["GITHUB_PATH"]).read_text(encoding="utf-8").split()
        if added:
            self.env["PATH"] = os.pathsep.join([*reversed(added), self.env["PATH"]])
            Path(env["GITHUB_PATH"]).write_text("", encoding="utf-8")

    def uses(self, step: dict[str, Any]) -> str:
        action = step["uses"].split("@")[0]
        inputs = {k: self.expand(v, f"{action} {k}") for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            assert set(inputs) <= {"persist-credentials", "fetch-depth"}, inputs
            # fetch-depth 0 is the whole history, which the clone has (1, the default: HEAD).
            assert inputs.get("fetch-depth", "0") == "0", inputs
            note = "actions/checkout: the fresh git clone of the project this job runs in"
        elif action == "astral-sh/setup-uv":
            assert set(inputs) <= {"version", "enable-cache", "python-version"}, inputs
            # One uv pin: the workflows install the release that the Makefile bootstraps.
            makefile = (self.clone / "Makefile").read_text(encoding="utf-8")
            pinned = re.search(r"^UV_VERSION := (\S+)", makefile, re.M)
            assert "version" in inputs, "setup-uv without `version` installs the latest uv"
            assert pinned is None or inputs["version"] == pinned.group(1), (inputs, pinned)
            tools = self.clone.parent / f"{self.clone.name}.uv"
            tools.mkdir()
            for name in ("uv", "uvx"):
                (tools / name).symlink_to(BIN / name)
            self.env["PATH"] = os.pathsep.join([str(tools), self.env["PATH"]])
            ours = run([BIN / "uv", "--version"], cwd=self.clone, env=self.env).stdout.split()[1]
            note = f"astral-sh/setup-uv: uv {ours} on PATH"
            if ours != inputs["version"]:
                note += f" (the workflow installs {inputs['version']})"
            if "python-version" in inputs:
                python = inputs["python-version"]
                self.env["UV_PYTHON"] = python
                note += f", UV_PYTHON={python}"
                missing = _python_missing(python, self.env)
                if missing:
                    raise _Skip(missing)
            if inputs.get("enable-cache"):
                note += f" (cache: the shared uv cache {self.replay.uv_cache})"
        elif action == "actions/upload-artifact":
            paths = [p.strip() for p in inputs["path"].splitlines() if p.strip()]
            empty = [p for p in paths if not glob.glob(str(self.clone / p))]
            assert not empty, f"upload-artifact {inputs.get('name')}: nothing at {empty}"
            note = f"actions/upload-artifact {inputs.get('name')}: checked that {paths} exist"
        else:
            raise AssertionError(f"the replay has no emulation of {step['uses']}")
        return f"uses: {note}"


@pytest.mark.parametrize("job_id", GITHUB_JOBS)
def test_github_job_passes(replay: Replay, job_id: str) -> None:
    """Each job's steps, in order, on a fresh clone, as a GitHub-hosted runner runs them."""
    job = next((j for j in _github_jobs(replay.project) if j.id == job_id), None)
    assert job is not None, f"{job_id} is not in the generated workflows"
    workflows = _workflows(replay.project)
    started = time.monotonic()
    clone = replay.clone(job_id)
    replayed = _GitHubRun(
        replay, job.workflow, workflows[job.workflow], job.job, dict(job.matrix), clone
    )
    replayed.start()
    job_if = workflows[job.workflow]["jobs"][job.job].get("if")
    assert job_if is None or replayed.condition(job_if, job_id), (
        f"{job_id}: its `if: {job_if}` is false with {GITHUB_VARS}: the replay must run it"
    )
    before = replay.branches()
    docker = [
        s["uses"].split("@")[0] for _, s in replayed.steps() if "docker/" in s.get("uses", "")
    ]
    if docker:
        reason = f"{', '.join(docker)}: {DOCKER}"
        _record("github", job_id, "skip", time.monotonic() - started, [f"skipped: {reason}"])
        pytest.skip(f"{job_id}: {reason}")
    done: list[str] = []
    try:
        for number, step in replayed.steps():
            done.append(f"step {number} {replayed.run_step(number, step)}")
    except _Skip as skip:
        notes = [*done, f"skipped from step {len(done) + 1}: {skip}"]
        _record("github", job_id, "skip", time.monotonic() - started, notes)
        pytest.skip(f"{job_id}: {skip} (steps 1-{len(done)} passed)" if done else str(skip))
    done += _scheduled_outcome(replay, job.job, clone, before)
    summary = Path(replayed.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8").strip()
    notes = done + ([f"step summary: {summary.splitlines()[0]} ..."] if summary else [])
    _record("github", job_id, "pass", time.monotonic() - started, notes)


def _scheduled_outcome(
    replay: Replay, job: str, outputs: Path, before: dict[str, str]
) -> list[str]:
    """What a scheduled job must have done, beyond exiting 0 (notes for the summary)."""
    if job in ("traffic", "monitor-traffic"):
        report = json.loads((outputs / "reports" / "drift.json").read_text(encoding="utf-8"))
        assert not report["failures"] and "skipped" not in report, report
        assert report["online"]["rows"] == report["current_rows"] > 0, report
        return [f"checked {report['current_rows']} served rows and their labels: no failure"]
    if job != "retrain":
        return []
    after = replay.branches()
    assert after["main"] == before["main"], "retraining pushed to the default branch"
    new = sorted(set(after) - set(before))
    assert len(new) == 1 and new[0].startswith("retrain/"), (before, after)
    files = git("ls-tree", "-r", "--name-only", new[0], cwd=replay.hosted, env=replay.env)
    for name in ("dvc.lock", "metrics.json", "reports/retrain.md", "reports/gates.json"):
        assert name in files.split(), f"{new[0]} lacks {name}"
    message = git("log", "-1", "--format=%B", new[0], cwd=replay.hosted, env=replay.env)
    assert "| accuracy |" in message, message
    return [f"pushed {new[0]} to the hosted repository, main untouched"]


# ---- GitLab CI -----------------------------------------------------------------------------

#: Variables under which GitLab would run a job whose rules exclude it from a push pipeline.
TRIGGERS: list[dict[str, str]] = [
    {},
    {"CI_PIPELINE_SOURCE": "schedule"},
    {"CI_COMMIT_TAG": TAG, "CI_COMMIT_REF_NAME": TAG},
    {"CI_PIPELINE_SOURCE": "schedule", "RETRAIN": "true"},
]


def _gitlab_job(config: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A job's definition and its matrix variables (`test: [3.12]` is one job of `test`)."""
    base, _, values = name.partition(": [")
    job = config[base]
    if not values:
        return job, {}
    wanted = values.rstrip("]").split(", ")
    for entry in (job.get("parallel") or {}).get("matrix") or []:
        keys = list(entry)
        for combination in _product([[str(v) for v in _as_list(entry[k])] for k in keys]):
            if list(combination) == wanted:
                return job, dict(zip(keys, combination, strict=True))
    raise AssertionError(f"{name}: no such matrix entry in .gitlab-ci.yml")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resolve(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), value)


@pytest.mark.parametrize("name", GITLAB_JOBS)
def test_gitlab_job_passes(replay: Replay, name: str) -> None:
    """Each job through gitlab-ci-local's shell executor, on a fresh clone."""
    _need_gitlab_ci_local()
    started = time.monotonic()
    clone = replay.clone(f"gitlab-{name}")
    config = yaml.safe_load((clone / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job, matrix = _gitlab_job(config, name)
    notes = [
        "--force-shell-executor: the job runs on this machine, not in its image "
        f"({_resolve(str(job.get('image', config['default']['image'])), matrix)}), with "
        "a venv first on PATH and no uv on it"
    ]

    uses_docker = bool(job.get("services")) or str(job.get("image", "")).startswith("docker")
    if uses_docker or any(re.match(r"docker\b", line) for line in job.get("script", [])):
        _record("gitlab", name, "skip", time.monotonic() - started, [f"skipped: it {DOCKER}"])
        pytest.skip(f"{name}: {DOCKER}")
    variables = {k: str(v) for k, v in (config.get("variables") or {}).items()}
    variables |= matrix | {k: str(v) for k, v in (job.get("variables") or {}).items()}
    python = _resolve(variables.get("UV_PYTHON", replay.python), variables)
    missing = _python_missing(python, replay.env)
    if missing:
        _record("gitlab", name, "skip", time.monotonic() - started, [f"skipped: {missing}"])
        pytest.skip(f"{name}: {missing}")

    trigger = next(
        (
            t
            for t in TRIGGERS
            if any(
                j["name"] == name and j["when"] != "never"
                for j in _gitlab_list(clone, replay.env, t)
            )
        ),
        None,
    )
    assert trigger is not None, f"{name}: no push, schedule or tag pipeline runs it"
    if trigger:
        notes.append(f"run as GitLab would in a pipeline with {trigger}")
    # The shared uv cache instead of the job's own .uv-cache (a runner restores its cache).
    given = trigger | {"UV_CACHE_DIR": replay.uv_cache}
    notes.append(f"--variable UV_CACHE_DIR={replay.uv_cache}: the shared uv cache")
    # The project's CI/CD variables: traffic to check, and where retraining pushes.
    given |= {"TRAFFIC_SOURCE": str(replay.traffic), "RETRAIN_REMOTE": str(replay.hosted)}
    before = replay.branches()
    command = [
        GITLAB_CI_LOCAL,
        *_gitlab_args(given),
        "--shell-isolation",
        "--no-artifacts-to-source",
        name,
    ]
    out = run(command, cwd=clone, env=replay.env, timeout=JOB_TIMEOUT)
    log = out.stdout + out.stderr
    assert out.returncode == 0 and re.search(rf"PASS\s+{re.escape(name)}", log), (
        f"{shlex.join(map(str, command))} exited {out.returncode}\n{log[-8000:]}"
    )
    # GitLab only warns about a missing artifact path; an empty artifact here is a bug.
    artifacts = clone / ".gitlab-ci-local" / "artifacts" / name
    paths = (job.get("artifacts") or {}).get("paths") or []
    empty = [p for p in paths if not glob.glob(str(artifacts / p))]
    assert not empty, f"{name}: its artifacts {empty} were not written"
    if paths:
        notes.append(f"artifacts {paths} written")
    notes += _scheduled_outcome(replay, name, artifacts, before)
    _record("gitlab", name, "pass", time.monotonic() - started, notes)


def test_ci_both_replays_what_each_ci_option_generates(
    replay: Replay, tmp_path: Path, env: dict[str, str]
) -> None:
    """ci=github and ci=gitlab projects get the very CI files replayed above (ci=both)."""
    for ci, files in (("github", ".github"), ("gitlab", ".gitlab-ci.yml")):
        run(
            [
                CLI,
                f"p-{ci}",
                "--template",
                replay.template,
                "--vcs-ref",
                TAG,
                "--defaults",
                "--no-git",
                "--data",
                f"ci={ci}",
                "--data",
                "project_name=replayed",
            ],
            cwd=tmp_path,
            env=env,
            check=True,
        )
        ours, theirs = replay.project / files, tmp_path / f"p-{ci}" / files
        if ours.is_dir():
            mine = {p.relative_to(ours): p.read_bytes() for p in ours.rglob("*") if p.is_file()}
            other = {
                p.relative_to(theirs): p.read_bytes() for p in theirs.rglob("*") if p.is_file()
            }
            assert mine == other, f"ci={ci}: {files} differs from the replayed project's"
        else:
            assert ours.read_bytes() == theirs.read_bytes(), f"ci={ci}: {files} differs"
        assert not (
            tmp_path / f"p-{ci}" / (".gitlab-ci.yml" if ci == "github" else ".github")
        ).exists()
