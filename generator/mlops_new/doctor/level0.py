"""Level 0, manual process: code in git, dependencies declared and locked, a README to run it."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from typing import Any

from mlops_new.doctor.base import Check, Outcome, failed, is_ours, listed, passed
from mlops_new.doctor.repo import Repo

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PINNED = re.compile(r"===?\s*[^\s;,*]+\s*(;.*)?$|\s@\s|--hash=")
#: Lock files and how each is parsed (to tell a real lock from a broken one).
LOCK_FILES = {"uv.lock": "toml", "poetry.lock": "toml", "pdm.lock": "toml",
              "Pipfile.lock": "json", "pixi.lock": "yaml", "conda-lock.yml": "yaml",
              "requirements.lock": "text", "pylock.toml": "toml"}  # fmt: skip


class Level0(Check):
    level = 0


@dataclass
class Declared:
    """Where a repository declares its dependencies, and what could not be read."""

    #: file -> the distribution names it declares (normalized: lower case, `-`).
    sources: dict[str, list[str]]
    #: "file: why" for every declaration file that exists but cannot be parsed.
    errors: list[str]

    @property
    def names(self) -> set[str]:
        """Every declared distribution name."""
        return {name for names in self.sources.values() for name in names}


def normalize(requirement: str) -> str | None:
    """The distribution name of a requirement string (`scikit-learn>=1` -> `scikit-learn`)."""
    match = _NAME.match(requirement)
    return re.sub(r"[._]+", "-", match.group(1)).lower() if match else None


def _names(items: Any) -> list[str]:
    if isinstance(items, dict):
        items = list(items)
    if not isinstance(items, list):
        return []
    found = (normalize(item) for item in items if isinstance(item, str))
    return [name for name in found if name and name != "python"]


def _pyproject(data: dict[str, Any]) -> list[str]:
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    groups: list[Any] = [project.get("dependencies"), poetry.get("dependencies")]
    for table in (project.get("optional-dependencies"), data.get("dependency-groups")):
        groups += list(table.values()) if isinstance(table, dict) else []
    poetry_groups = poetry.get("group") if isinstance(poetry.get("group"), dict) else {}
    groups += [g.get("dependencies") for g in poetry_groups.values() if isinstance(g, dict)]
    return sorted({name for group in groups for name in _names(group)})


def _requirements(text: str) -> list[str]:
    lines = (line.split(" #")[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def _conda(data: Any) -> list[str]:
    deps = data.get("dependencies") if isinstance(data, dict) else None
    names: list[str] = []
    for dep in deps if isinstance(deps, list) else []:
        if isinstance(dep, dict):
            names += _names(dep.get("pip"))
        elif isinstance(dep, str):
            names += _names([dep.split("::")[-1].replace("=", "==", 1)])
    return names


def requirement_files(repo: Repo) -> list[str]:
    """requirements*.txt at the root and requirements/*.txt."""
    return [
        f
        for f in repo.files
        if re.fullmatch(r"(requirements/[^/]+|requirements[^/]*)\.(txt|in)", f)
    ]


def declared(repo: Repo) -> Declared:
    """Every dependency declaration the repository has (parsed, never executed)."""
    return repo.memo("declared", _declared)


def _declared(repo: Repo) -> Declared:
    result = Declared({}, [])

    def add(loaded, names_of) -> None:
        if loaded is None:
            return
        if not loaded.ok:
            result.errors.append(f"{loaded.path} {loaded.error}")
            return
        result.sources[loaded.path] = sorted(set(names_of(loaded.data)))

    add(repo.toml("pyproject.toml"), lambda d: _pyproject(d))
    for name in requirement_files(repo):
        add(repo.text(name), lambda t: _names(_requirements(t)))
    for name in ("environment.yml", "environment.yaml"):
        add(repo.yaml(name), _conda)
    add(repo.toml("Pipfile"), lambda d: _names(d.get("packages")) + _names(d.get("dev-packages")))
    setup_cfg = repo.text("setup.cfg")
    if setup_cfg is not None and setup_cfg.ok:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(setup_cfg.data)
            install = parser.get("options", "install_requires", fallback="")
        except configparser.Error:
            install = ""
        if install.strip():
            result.sources["setup.cfg"] = _names(_requirements(install))
    setup_py = repo.text("setup.py")
    if setup_py is not None and setup_py.ok and "install_requires" in setup_py.data:
        result.sources.setdefault("setup.py", ["(install_requires)"])
    return result


class MLO001(Level0):
    """Code is under version control"""

    def evaluate(self, repo: Repo) -> Outcome:
        if repo.local is None:
            return passed("read from a hosted git repository")
        git = repo.git
        first_commit = "git add -A && git commit -m 'Initial commit'"
        if git is None:
            if repo.exists(".git"):
                return failed("there is a .git folder, but git cannot read it", "git status")
            return failed("not a git repository", f"git init && {first_commit}")
        if git.commits == 0:
            return failed("a git repository without any commit yet", first_commit)
        commits = f"{git.commits} commit{'s' if git.commits != 1 else ''}"
        return passed(f"git: {commits}, {len(git.tracked)} files tracked")


class MLO002(Level0):
    """Dependencies are declared"""

    def evaluate(self, repo: Repo) -> Outcome:
        found = declared(repo)
        if found.errors:
            return failed(found.errors[0], "fix the file: every installer must be able to read it")
        sources = {name: names for name, names in found.sources.items() if names}
        if not sources:
            empty = f" ({listed(sorted(found.sources))} declares none)" if found.sources else ""
            return failed(
                f"no declared dependencies{empty}",
                "uv add <packages> (writes them to pyproject.toml; uv init first if needed)",
            )
        return passed(
            ", ".join(f"{name} ({len(names)} packages)" for name, names in sources.items())
        )


class MLO003(Level0):
    """Dependencies are locked"""

    requires = frozenset({"MLO002"})

    def evaluate(self, repo: Repo) -> Outcome:
        locks = [name for name in LOCK_FILES if repo.exists(name)]
        locks += [f for f in repo.files if re.fullmatch(r"pylock\.[^/]+\.toml", f)]
        fix = "uv lock" if is_ours(repo) else "uv lock (or pip-compile, poetry lock, pdm lock)"
        for lock in locks:
            loaded = getattr(repo, LOCK_FILES.get(lock, "toml"))(lock)
            if loaded is not None and not loaded.ok:
                return failed(f"{lock} {loaded.error}", f"regenerate it: {fix}")
            git = repo.git
            if git is not None and lock not in git.tracked:
                return failed(
                    f"{lock} is not committed, so others resolve other versions",
                    f"git add {lock} && git commit -m 'Lock dependencies'",
                )
            return passed(f"{lock}" + (" (committed)" if git is not None else ""))
        for name in requirement_files(repo):
            text = repo.text(name)
            if name.endswith(".in") or text is None or not text.ok:
                continue
            if re.search(r"autogenerated by pip-compile|uv pip compile", text.data):
                return passed(f"{name} is compiled with every version pinned")
            lines = _requirements(text.data)
            loose = [line for line in lines if not _PINNED.search(line)]
            if lines and not loose:
                return passed(f"{name} pins every package (==)")
            if loose:
                names = [normalize(line) or line for line in loose]
                return failed(
                    f"no lock file, and {name} leaves {len(loose)} of {len(lines)} packages "
                    f"unpinned ({listed(names)})",
                    f"{fix}, and commit the lock file",
                )
        return failed("no lock file (uv.lock, poetry.lock, ...)", f"{fix}, and commit it")


_COMMAND = re.compile(
    r"^(\$\s*)?(make|python3?|py|pip3?|uv|uvx|poetry|pdm|pixi|conda|mamba|micromamba|pipenv|"
    r"hatch|tox|nox|dvc|docker|podman|pytest|jupyter|bash|sh|streamlit|uvicorn|kedro|"
    r"snakemake|mlflow|mlops-new|npm|just|task|\./[\w.-]+)(\s|$)"
)


def run_commands(text: str) -> list[str]:
    """Shell commands a README shows: in code blocks, indented blocks or inline code."""
    candidates: list[str] = []
    in_fence = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith(("    ", "\t")) or stripped.startswith("$ "):
            candidates.append(stripped)
        else:
            candidates += re.findall(r"`([^`\n]+)`", line)
    commands = [c.removeprefix("$").split(" #")[0].strip() for c in candidates]
    return list(dict.fromkeys(c for c in commands if _COMMAND.match(c)))


class MLO004(Level0):
    """The README explains how to install and run the project"""

    def evaluate(self, repo: Repo) -> Outcome:
        readmes = [f for f in repo.files if "/" not in f and f.lower().startswith("readme")]
        fix = "add a 'Quick start' section with the commands to install, train and test"
        if not readmes:
            return failed("no README", f"write README.md: what it is, then {fix[4:]}")
        name = sorted(readmes, key=lambda f: (not f.lower().endswith(".md"), f))[0]
        text = repo.text(name)
        if text is None or not text.ok:
            return failed(f"{name} {text.error if text else 'cannot be read'}", fix)
        commands = run_commands(text.data)
        if not commands:
            return failed(f"{name} shows no command to install or run the project", fix)
        more = ", ..." if len(commands) > 2 else ""
        return passed(f"{name} shows how to run it: {', '.join(commands[:2])}{more}")
