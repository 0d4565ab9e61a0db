"""`mlops-new fleet`: status, update, new and report over the 30-repository fleet of
tests/fleet_world.py (bare remotes and clones, mixed states), and its bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .fleet_world import COURSE_FIX, MY_NOTEBOOK, MY_PARAMS_LINE, STATES, mlops_fleet
from .helpers import git

BEHIND_BY = {"v2.0.0": 0, "v1.1.0": 1, "v1.0.0": 2}


def _rows(stdout: str) -> dict[str, dict]:
    return {row["name"].removesuffix(".git"): row for row in json.loads(stdout)}


def test_status_reports_each_repository_correctly(world, history, course_fork, session_env) -> None:
    root, entries = world
    assert len(entries) >= 30
    proc = mlops_fleet(
        "status", "--list", "fleet.txt", "--format", "json", "-j", "2", cwd=root, env=session_env
    )
    assert proc.returncode == 1, proc.stderr
    rows = _rows(proc.stdout)
    assert set(rows) == set(STATES)
    for name, (ref, what, _) in STATES.items():
        row = rows[name]
        if what == "unreachable":
            assert row["error"].startswith("unreachable:"), row
            continue
        if what == "plain":
            assert row["error"].startswith("not a generated project:") and row["behind"] is None, (
                row
            )
            continue
        assert row["error"] == "", row
        assert row["recorded"] == ref and row["clean"] is (what != "dirty"), row
        assert row["level"] in {0, 1, 2} and row["checks"] > 0 and row["last_commit"], row
        assert row["ml_test_score"] is not None, row
        if what == "fork":
            assert (row["source"], row["latest"], row["behind_by"]) == (
                str(course_fork),
                COURSE_FIX,
                1,
            )
        else:
            assert row["source"] == str(history) and row["latest"] == "v2.0.0", row
            assert row["behind_by"] == BEHIND_BY[ref] and row["behind"] is (ref != "v2.0.0"), row
        assert row["conflicts"] == (["src/p/features.py"] if what == "markers" else []), row


def test_status_as_table_and_csv_and_all_current_exits_0(world, session_env) -> None:
    root, entries = world
    whats = [what for _, what, _ in STATES.values()]
    current = [e for e, what in zip(entries, whats, strict=True) if what == "current"]
    proc = mlops_fleet("status", *current, cwd=root, env=session_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == f"{len(current)} repositories: 0 behind, 0 failing"
    as_csv = mlops_fleet(
        "status", "--list", "fleet.txt", "--format", "csv", "--no-doctor", cwd=root, env=session_env
    )
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert as_csv.returncode == 1 and len(table) == len(STATES)
    assert {r["name"].removesuffix(".git") for r in table} == set(STATES)
    assert {r["level"] for r in table} == {""}


def test_status_asks_each_template_source_once_and_changes_nothing(world, session_env) -> None:
    from mlops_new.fleet.latest import Releases
    from mlops_new.fleet.members import fleet
    from mlops_new.fleet.status import status

    root, _ = world
    before = _state(root, session_env)
    cache = Releases()
    rows = status(fleet(list_file=root / "fleet.txt"), jobs=4, doctor=False, cache=cache)
    assert len(rows) == len(STATES)
    assert cache.asked == 2  # the history and the course's fork, for 26 generated projects
    assert _state(root, session_env) == before


def test_under_finds_every_generated_project(world, session_env) -> None:
    root, _ = world
    proc = mlops_fleet(
        "status", "--under", "work", "--format", "json", "--no-doctor", cwd=root, env=session_env
    )
    found = set(_rows(proc.stdout))
    made = {n for n, (_, what, _) in STATES.items() if what not in {"plain", "unreachable"}}
    assert found == made, proc.stderr


def _state(root: Path, env) -> dict[str, tuple[str, str]]:
    """Every repository's refs and status, the bare remotes' included."""
    found = {}
    for repo in sorted([*root.glob("work/*"), *root.glob("remotes/*.git")]):
        refs = git("for-each-ref", "--format=%(refname) %(objectname)", cwd=repo, env=env)
        bare = repo.suffix == ".git"
        status = (
            "" if bare else git("status", "--porcelain", "--untracked-files=all", cwd=repo, env=env)
        )
        found[str(repo.relative_to(root))] = (refs, status)
    return found


def _show(repo: Path, ref: str, path: str, env) -> str:
    return git("show", f"{ref}:{path}", cwd=repo, env=env)


EXPECTED_ACTION = {
    "current": "current",
    "edited": "updated",
    "conflict": "updated",
    "fork": "updated",
    "dirty": "skipped",
    "markers": "skipped",
    "plain": "skipped",
    "unreachable": "failed",
}


@pytest.mark.slow
def test_update_branches_pushes_keeps_edits_skips_and_is_idempotent(world, session_env) -> None:
    root, _ = world
    heads = {
        n: git("rev-parse", "HEAD", cwd=root / "work" / n, env=session_env)
        for n, s in STATES.items()
        if s[1] != "unreachable"
    }
    proc = mlops_fleet(
        "update", "--list", "fleet.txt", "-j", "2", "--format", "json", cwd=root, env=session_env
    )
    assert proc.returncode == 1, proc.stderr
    outcomes = _rows(proc.stdout)
    for name, (ref, what, as_url) in STATES.items():
        outcome = outcomes[name]
        expected = "current" if ref == "v2.0.0" and what != "fork" else EXPECTED_ACTION[what]
        assert outcome["action"] == expected, outcome
        work = root / "work" / name
        if what == "unreachable":
            continue
        # Nothing of the user's is touched: same branch, same HEAD, same files.
        assert git("rev-parse", "HEAD", cwd=work, env=session_env) == heads[name]
        assert git("symbolic-ref", "--short", "HEAD", cwd=work, env=session_env).strip() == "main"
        if outcome["action"] != "updated":
            continue
        version = COURSE_FIX if what == "fork" else "v2.0.0"
        branch = f"template/{version}"
        assert outcome["branch"] == branch and outcome["pushed"] is as_url, outcome
        repo = root / "remotes" / f"{name}.git" if as_url else work
        assert f"_commit: {version}" in _show(repo, branch, ".copier-answers.yml", session_env)
        message = git("log", "-1", "--format=%B", branch, cwd=repo, env=session_env)
        assert message.startswith(f"Update from template {ref} to {version}"), message
        if what == "edited":
            assert _show(repo, branch, "params.yaml", session_env).endswith(MY_PARAMS_LINE)
            assert _show(repo, branch, MY_NOTEBOOK[0], session_env) == MY_NOTEBOOK[1]
            assert outcome["conflicts"] == [] and "Makefile" in message
        if what == "conflict":
            assert outcome["conflicts"] == ["src/p/train.py"]
            assert "<<<<<<< before updating" in _show(repo, branch, "src/p/train.py", session_env)
            assert "- src/p/train.py" in message
    assert "uncommitted changes" in outcomes["dirty-0"]["reason"]
    assert "unresolved conflict markers" in outcomes["markers-0"]["reason"]

    before = _state(root, session_env)
    again = mlops_fleet(
        "update", "--list", "fleet.txt", "-j", "2", "--format", "json", cwd=root, env=session_env
    )
    for name, outcome in _rows(again.stdout).items():
        if outcomes[name]["action"] == "updated":
            assert outcome["action"] == "already" and "already on branch" in outcome["reason"]
    assert _state(root, session_env) == before


def test_update_pretend_writes_nothing(world, session_env) -> None:
    root, entries = world
    picked = [entries[list(STATES).index(n)] for n in ("two-behind-0", "two-behind-5", "current-3")]
    before = _state(root, session_env)
    proc = mlops_fleet(
        "update", "--pretend", *picked, "--format", "json", cwd=root, env=session_env
    )
    assert proc.returncode == 0, proc.stderr
    outcomes = _rows(proc.stdout)
    assert [o["action"] for o in outcomes.values()] == ["would update", "would update", "current"]
    assert "Makefile" in outcomes["two-behind-5"]["files"]
    assert _state(root, session_env) == before


ROSTER = (
    "id,name,email,license\n"
    "ada,Ada Lovelace,ada@example.org,Apache-2.0\n"
    "grace,Grace Hopper,grace@example.org,\n"
)


def _bare(where: Path, *names: str) -> None:
    for name in names:
        subprocess.run(["git", "init", "-q", "--bare", str(where / f"{name}.git")], check=True)


def _kit_files(kit: Path) -> dict[str, bytes]:
    from .helpers import contents

    return contents(kit)


@pytest.mark.slow
def test_new_makes_identical_kits_then_only_the_missing_ones(
    tmp_path, history, session_env
) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER)
    _bare(tmp_path / "remotes", "ada", "grace", "alan")
    args = [
        "--template",
        history,
        "--vcs-ref",
        "v2.0.0",
        "--data",
        "ci=gitlab",
        "--data",
        "project_name=MLOps 101",
        "--no-lock",
        "--into",
        "kits",
    ]
    push = ["--push", f"file://{tmp_path}/remotes/{{id}}.git"]
    proc = mlops_fleet("new", "roster.csv", *args, *push, "-j", "2", cwd=tmp_path, env=session_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kits = {name: tmp_path / "kits" / name for name in ("ada", "grace")}
    for name, who in (
        ("ada", "Ada Lovelace <ada@example.org>"),
        ("grace", "Grace Hopper <grace@example.org>"),
    ):
        kit = kits[name]
        assert git("log", "-1", "--format=%an <%ae>", cwd=kit, env=session_env).strip() == who
        remote = tmp_path / "remotes" / f"{name}.git"
        assert git("rev-parse", "main", cwd=remote, env=session_env) == git(
            "rev-parse", "HEAD", cwd=kit, env=session_env
        )
        assert (kit / ".gitlab-ci.yml").is_file()
    assert "license: Apache-2.0" in (kits["ada"] / ".copier-answers.yml").read_text()
    assert "license: MIT" in (kits["grace"] / ".copier-answers.yml").read_text()
    # Identical but for what names the student (the author) and the licence they chose.
    ada, grace = _kit_files(kits["ada"]), _kit_files(kits["grace"])
    assert set(ada) == set(grace)
    personal = [b"Ada Lovelace", b"Grace Hopper", b"Apache", b"MIT"]
    differing = {n for n in ada if ada[n] != grace[n]}
    assert all(any(word in ada[n] + grace[n] for word in personal) for n in differing), differing
    assert {n for n in ada if ada[n] == grace[n]} >= {"Makefile", "params.yaml", "dvc.yaml"}

    head = git("rev-parse", "HEAD", cwd=kits["ada"], env=session_env)
    (tmp_path / "roster.csv").write_text(ROSTER + "alan,Alan Turing,alan@example.org,\n")
    again = mlops_fleet("new", "roster.csv", *args, *push, cwd=tmp_path, env=session_env)
    assert again.returncode == 0, again.stderr
    actions = {line.split()[1]: line.split()[0] for line in again.stdout.splitlines()}
    assert actions == {"ada": "exists", "grace": "exists", "alan": "created"}
    assert git("rev-parse", "HEAD", cwd=kits["ada"], env=session_env) == head


BAD_INPUT = {
    "malformed list": ("list", "a b\n", ["status", "--list", "list"], "line 1: expected one path"),
    "missing list": (None, "", ["status", "--list", "nope.txt"], "cannot read it"),
    "twice listed": ("list", "x\n./x\n", ["status", "--list", "list"], "listed twice"),
    "no repositories": (None, "", ["status"], "no repositories"),
    "bad format": (None, "", ["status", ".", "--format", "xml"], "choose table, json, csv"),
    "duplicate ids": (
        "roster.csv",
        "id,name,email\na,A,a@x.org\na,B,b@x.org\n",
        ["new", "roster.csv"],
        "line 3: id a is given twice",
    ),
    "unknown column": (
        "roster.csv",
        "id,name,email,shoe_size\na,A,a@x.org,42\n",
        ["new", "roster.csv"],
        "unknown column shoe_size",
    ),
    "missing column": ("roster.csv", "id,name\na,A\n", ["new", "roster.csv"], "no column email"),
    "short row": ("roster.csv", "id,name,email\na,A\n", ["new", "roster.csv"], "line 2: 2 fields"),
    "bad id": (
        "roster.csv",
        "id,name,email\n../x,A,a@x.org\n",
        ["new", "roster.csv"],
        "not usable as a folder name",
    ),
    "bad answer": (
        "roster.csv",
        "id,name,email,license\na,A,a@x.org,WTFPL\n",
        ["new", "roster.csv"],
        "roster student a:",
    ),
    "unreachable push": (
        "roster.csv",
        ROSTER,
        ["new", "roster.csv", "--push", "file:///nonexistent/{id}.git"],
        "cannot reach it",
    ),
    "push without id": (
        "roster.csv",
        ROSTER,
        ["new", "roster.csv", "--push", "file:///tmp/all.git"],
        "must contain {id}",
    ),
    "branch without version": (
        None,
        "",
        ["update", ".", "--branch", "fixed"],
        "must contain {version}",
    ),
}


@pytest.mark.parametrize("file, text, args, message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path, session_env, file, text, args, message
) -> None:
    if file is not None:
        (tmp_path / file).write_text(text)
    before = sorted(p.name for p in tmp_path.iterdir())
    into = ["--into", "kits"] if args[0] == "new" else []
    proc = mlops_fleet(*args, *into, cwd=tmp_path, env=session_env)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("MLOPS_NEW_REQUIRE_BROWSER"):
        pytest.fail("MLOPS_NEW_REQUIRE_BROWSER is set and Debian's chromium is not installed")
    return found


def test_report_opens_in_chromium_and_shows_every_repository(world, tmp_path, session_env) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    root, _ = world
    page = root / "report.html"
    proc = mlops_fleet(
        "report",
        "--list",
        "fleet.txt",
        "--html",
        page,
        "--title",
        "MLOps 101",
        cwd=root,
        env=session_env,
    )
    assert proc.returncode == 0, proc.stderr
    text = page.read_text()
    assert "http://" not in text and "https://" not in text.replace("https://github.com", "")
    browse = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browse, f"--screenshot={shot}", "--window-size=1400,1800", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.stat().st_size > 10_000
    print(f"screenshot of the fleet report: {shot}")
    dom = subprocess.run(
        [*browse, "--dump-dom", page.as_uri() + "#sort=-behind"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert 'data-sorted="-behind"' in dom and 'aria-sort="descending"' in dom
    names = re.findall(r'<tr [^>]*data-name="([^"]+)"', dom)
    assert {n.removesuffix(".git") for n in names} == set(STATES)
    first = dom.split("<tbody>", 1)[1].split('class="behind" data-sort="', 1)[1].split('"', 1)[0]
    assert first == "2"  # two releases behind, first when sorted by releases behind, descending
    assert 'id="chart-levels"' in dom and 'id="chart-behind"' in dom and "MLOps 101" in dom
