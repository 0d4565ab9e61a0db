"""`mlops-new fleet new ROSTER`: one starter kit per student of a CSV roster.

Everything that can be refused is refused before the first kit is written: the roster (its
columns, duplicate or unusable ids), every student's answers, and every `--push` address.
A kit that exists already is left alone, so a re-run with an extended roster makes only the
new students' kits.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new import _git
from mlops_new.errors import UsageError, one_line
from mlops_new.fleet.parallel import Done, run_all

#: The columns every roster has; any other column must name a question of the template.
REQUIRED = ("id", "name", "email")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Student:
    """One row of a roster: who, and their answers to the template's questions."""

    id: str
    name: str
    email: str
    answers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Kit:
    """What `fleet new` did for one student."""

    id: str
    path: str
    action: str  # "created", "exists", "failed"
    pushed_to: str = ""
    reason: str = ""


def read_roster(path: Path, questions: Sequence[str]) -> list[Student]:
    """The students of a CSV roster: columns id, name, email, then answers by question name.

    Raises:
        UsageError: an unreadable file, a missing or unknown column, a short or long row, an
            empty or unusable id, or an id given twice (the line says which).
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = list(csv.reader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        why = getattr(error, "strerror", None) or one_line(error)
        raise UsageError(f"roster {path}: cannot read it ({why})") from None
    if not rows:
        raise UsageError(f"roster {path}: empty; expected a header row: id,name,email")
    header = [cell.strip() for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UsageError(f"roster {path}: no column {', '.join(missing)} (header: id,name,email)")
    unknown = [c for c in header if c not in REQUIRED and c not in questions]
    if unknown:
        raise UsageError(
            f"roster {path}: unknown column {', '.join(unknown)}: extra columns must be "
            "names of the template's questions (see docs/options.md)"
        )
    if len(set(header)) != len(header):
        raise UsageError(f"roster {path}: a column is named twice in the header")
    return _students(path, header, rows[1:])


def _students(path: Path, header: list[str], rows: list[list[str]]) -> list[Student]:
    students: dict[str, Student] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise UsageError(
                f"roster {path}, line {number}: {len(row)} fields, the header has {len(header)}"
            )
        cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
        sid = cells["id"]
        if not _ID.fullmatch(sid):
            raise UsageError(
                f"roster {path}, line {number}: id {sid!r} is not usable as a folder name "
                "(letters, digits, . _ -)"
            )
        if sid in students:
            raise UsageError(f"roster {path}, line {number}: id {sid} is given twice")
        extra = {k: v for k, v in cells.items() if k not in REQUIRED and v}
        students[sid] = Student(sid, cells["name"], cells["email"], extra)
    if not students:
        raise UsageError(f"roster {path}: no students (only a header)")
    return list(students.values())


def push_url(pattern: str, student: Student) -> str:
    """The address a student's kit is pushed to: `{id}` replaced by their id."""
    return pattern.replace("{id}", student.id)


def check_push(pattern: str, students: Sequence[Student]) -> None:
    """Refuse a `--push` address without `{id}`, or one that some student's cannot reach.

    Raises:
        UsageError: the first unusable address, with git's reason.
    """
    if "{id}" not in pattern:
        raise UsageError(f"--push {pattern}: must contain {{id}} (one repository per student)")
    for student in students:
        url = push_url(pattern, student)
        answer = _git.attempt("ls-remote", "--heads", "--", url, timeout=60)
        if answer is None or answer.returncode != 0:
            why = _git.reason(answer) if answer is not None else "no answer"
            raise UsageError(f"--push {url} (student {student.id}): cannot reach it ({why})")


def make_kit(
    student: Student,
    dest: Path,
    answers: dict[str, Any],
    template: str | None,
    vcs_ref: str | None,
    options: Mapping[str, Any],
) -> Kit:
    """Create one student's kit (the student as the first commit's author), and push it.

    A kit whose push fails is removed again, so a re-run makes it anew.
    """
    from mlops_new.create import create

    author = {"GIT_AUTHOR_NAME": student.name, "GIT_AUTHOR_EMAIL": student.email}
    saved = {k: os.environ.get(k) for k in author}
    os.environ.update(author)
    try:
        create(
            dest,
            answers,
            template=template,
            vcs_ref=vcs_ref,
            preset=options["preset"],
            lock=options["lock"],
        )
        kit = Kit(student.id, str(dest), "created")
        if options["push"]:
            kit.pushed_to = _push(dest, push_url(options["push"], student))
    except UsageError as error:
        if dest.exists() and options["push"]:
            shutil.rmtree(dest)
        return Kit(student.id, str(dest), "failed", reason=one_line(error))
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.update({key: value})
    return kit


def _push(kit: Path, url: str) -> str:
    """Point the kit's `origin` at `url` and push its branch there."""
    _git.must(_git.run("remote", "add", "origin", url, cwd=kit), f"cannot add remote {url}")
    pushed = _git.run("push", "--quiet", "--set-upstream", "origin", "HEAD", cwd=kit)
    _git.must(pushed, f"cannot push to {url}")
    return url


def new_kits(
    plan: Sequence[tuple[Student, Path, dict[str, Any]]],
    *,
    template: str | None,
    vcs_ref: str | None,
    preset: str | None,
    push: str | None,
    lock: bool,
    jobs: int,
    done: Done | None = None,
) -> list[Kit]:
    """Make the kits of `plan` (student, folder, answers) that do not exist yet."""
    options = {"push": push, "lock": lock, "preset": preset}
    kits: dict[str, Kit] = {
        s.id: Kit(s.id, str(dest), "exists") for s, dest, _ in plan if dest.exists()
    }
    todo = [(s, d, a, template, vcs_ref, options) for s, d, a in plan if s.id not in kits]
    for kit in run_all(make_kit, todo, jobs=jobs, processes=True, done=done):
        kits[kit.id] = kit
    return [kits[s.id] for s, _, _ in plan]


def plan_kits(
    roster: Path,
    into: Path,
    *,
    template: str | None,
    vcs_ref: str | None,
    preset: str | None,
    data: Mapping[str, Any],
) -> list[tuple[Student, Path, dict[str, Any]]]:
    """Read the roster and check every student's answers against the template's questions.

    Returns (student, kit folder, answers to give `create`) for each row, in roster order.

    Raises:
        UsageError: the roster or a student's answers are refused (naming the student).
    """
    from mlops_new.create import open_template, resolve_answers

    plan = []
    with open_template(template, vcs_ref) as opened:
        students = read_roster(roster, opened.questions.names)
        for student in students:
            dest = (into / student.id).absolute()
            given = {**data, "author_name": student.name, "author_email": student.email}
            given |= student.answers
            try:
                resolve_answers(opened, dest, given, preset=preset, identity={})
            except UsageError as error:
                raise UsageError(f"roster student {student.id}: {one_line(error)}") from None
            plan.append((student, dest, given))
    return plan
