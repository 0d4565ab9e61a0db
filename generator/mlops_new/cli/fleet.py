"""`mlops-new fleet`: status, update, new kits and a report, for many repositories at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mlops_new.cli.options import data_option, parse_data, status, vcs_ref_option
from mlops_new.errors import UsageError

app = typer.Typer(
    help="Many projects at once: a team's repositories, or a class of student repositories.\n\n"
    "A fleet is a list of repositories: paths or git URLs as arguments, --list FILE (one "
    "a line, # comments), or every generated project found --under DIR.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

Repos = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="REPO", help="Repositories: local paths or git URLs.", show_default=False
    ),
]
ListFile = Annotated[
    Path | None,
    typer.Option(
        "--list", metavar="FILE", help="A file of repositories, one path or git URL a line."
    ),
]
Under = Annotated[
    Path | None,
    typer.Option("--under", metavar="DIR", help="Every generated project found under DIR."),
]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, metavar="N", help="Repositories at once (default: CPUs)."),
]
FORMATS = ("table", "json", "csv")


def _format(value: str) -> str:
    if value not in FORMATS:
        raise UsageError(f"--format {value}: choose {', '.join(FORMATS)}")
    return value


Format = Annotated[
    str,
    typer.Option(
        "--format", metavar="FORMAT", parser=_format, help="table (default), json or csv."
    ),
]


def _members(repos, list_file, under):
    from mlops_new.fleet.members import fleet

    return fleet(repos or [], list_file=list_file, under=under)


def _progress(spinner, verb: str):
    def done(count: int, total: int, item) -> None:
        spinner.update(f"{verb} {count}/{total} (last: {getattr(item, 'name', '') or item.id})…")

    return done


def _jobs(jobs: int | None) -> int:
    from mlops_new.fleet.parallel import default_jobs

    return jobs or default_jobs()


def _rows(repos, list_file, under, jobs, doctor: bool = True):
    from mlops_new.fleet.status import status as fleet_status

    members = _members(repos, list_file, under)
    with status(f"Asking {len(members)} repositories…") as spinner:
        done = _progress(spinner, "Asked")
        return fleet_status(members, jobs=_jobs(jobs), doctor=doctor, done=done)


@app.command("status")
def status_command(
    repos: Repos = None,
    list_file: ListFile = None,
    under: Under = None,
    jobs: Jobs = None,
    output: Format = "table",
    no_doctor: Annotated[
        bool, typer.Option("--no-doctor", help="Leave out the doctor's level and scores.")
    ] = False,
) -> None:
    """One row per repository: template, releases, behind?, clean?, conflicts, doctor level.

    Reads only; changes nothing (a git URL is cloned shallowly into a temporary folder). Each
    template source is asked for its releases once. Exit 0: every repository is current and
    sound; 1: some are behind or failing (an error, unresolved conflict markers); 2: could
    not run (bad input, on one line).
    """
    from mlops_new.fleet.status import exit_code
    from mlops_new.fleet.tables import as_csv, as_table

    rows = _rows(repos, list_file, under, jobs, doctor=not no_doctor)
    if output == "json":
        typer.echo(json.dumps([row.as_dict() for row in rows], indent=2))
    elif output == "csv":
        typer.echo(as_csv(rows), nl=False)
    else:
        typer.echo(as_table(rows))
    raise typer.Exit(exit_code(rows))


@app.command("update")
def update_command(
    repos: Repos = None,
    list_file: ListFile = None,
    under: Under = None,
    jobs: Jobs = None,
    branch: Annotated[
        str,
        typer.Option("--branch", metavar="NAME", help="Update branch; {version} is the release."),
    ] = "template/{version}",
    pretend: Annotated[
        bool, typer.Option("--pretend", "--dry-run", help="Say what would be done; write nothing.")
    ] = False,
    output: Format = "table",
) -> None:
    """Put each repository that is behind on an update branch (template/vX.Y.Z).

    The branch is made from HEAD in a worktree of its own, so your checkout, branch and files
    are never touched; copier's update runs there (your edits are kept) and is committed
    with a message listing the files. A git URL is cloned and the branch pushed to it; a
    local repository gets the branch only. Conflicts are committed with their markers (and
    pushed) and listed, to resolve in the pull request. Skipped, with the reason: dirty
    trees, unresolved markers, a branch that exists already (so a second run does nothing).
    Exit 0: all done; 1: skips, failures or conflicts to look at; 2: bad input.
    """
    from mlops_new.fleet.tables import outcomes_csv, outcomes_table
    from mlops_new.fleet.update import update_all

    members = _members(repos, list_file, under)
    with status(f"Updating {len(members)} repositories…") as spinner:
        done = _progress(spinner, "Updated")
        outcomes = update_all(members, branch=branch, pretend=pretend, jobs=_jobs(jobs), done=done)
    if output == "json":
        typer.echo(json.dumps([o.as_dict() for o in outcomes], indent=2))
    elif output == "csv":
        typer.echo(outcomes_csv(outcomes), nl=False)
    else:
        typer.echo(outcomes_table(outcomes))
    raise typer.Exit(1 if any(o.needs_attention for o in outcomes) else 0)


@app.command("new")
def new_command(
    roster: Annotated[
        Path,
        typer.Argument(
            metavar="ROSTER", help="CSV: id,name,email[,question...].", show_default=False
        ),
    ],
    into: Annotated[
        Path, typer.Option("--into", metavar="DIR", help="Where the kits go (DIR/ID).")
    ] = Path("."),
    template: Annotated[
        str | None,
        typer.Option("--template", metavar="SRC", help="The course's template (a fork)."),
    ] = None,
    vcs_ref: Annotated[str | None, vcs_ref_option("Tag of --template (default: latest).")] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", metavar="NAME|FILE", help="Answers preset, e.g. course."),
    ] = None,
    data: Annotated[list[str] | None, data_option("Answer for every kit (repeatable).")] = None,
    push: Annotated[
        str | None,
        typer.Option(
            "--push", metavar="URL", help="Push each kit to URL, {id} replaced per student."
        ),
    ] = None,
    no_lock: Annotated[
        bool, typer.Option("--no-lock", help="Do not run uv lock in each kit.")
    ] = False,
    jobs: Jobs = None,
) -> None:
    """One starter kit per student of a roster, each a git repository the student authored.

    Columns id, name and email are required; any other column answers the template question
    of that name. Every row, answer and --push address is checked before any kit is written.
    A kit that exists already is left alone: re-run with an extended roster to add students.
    Exit 0: every kit made or there already; 1: some failed; 2: bad input, nothing written.
    """
    from mlops_new.fleet.roster import check_push, new_kits, plan_kits

    given = parse_data(data)
    with status("Reading the roster…"):
        plan = plan_kits(
            roster, into, template=template, vcs_ref=vcs_ref, preset=preset, data=given
        )
        missing = [student for student, dest, _ in plan if not dest.exists()]
        if push:
            check_push(push, missing)
    with status(f"Making {len(missing)} kits…") as spinner:
        kits = new_kits(
            plan, template=template, vcs_ref=vcs_ref, preset=preset, push=push,
            lock=not no_lock, jobs=_jobs(jobs), done=_progress(spinner, "Made"),
        )  # fmt: skip
    for kit in kits:
        where = f" → {kit.pushed_to}" if kit.pushed_to else ""
        typer.echo(f"{kit.action:<8} {kit.id:<16} {kit.path}{where} {kit.reason}".rstrip())
    raise typer.Exit(1 if any(kit.action == "failed" for kit in kits) else 0)


@app.command("report")
def report_command(
    repos: Repos = None,
    list_file: ListFile = None,
    under: Under = None,
    jobs: Jobs = None,
    html_file: Annotated[
        Path, typer.Option("--html", metavar="FILE", help="The page to write.", show_default=False)
    ] = Path("fleet-report.html"),
    title: Annotated[
        str, typer.Option("--title", metavar="TEXT", help="The page's title.")
    ] = "Fleet report",
) -> None:
    """A self-contained HTML page of the fleet: charts by level and releases behind, and a
    table (release, behind, doctor level, checks passed, last activity) sorted by clicking
    a header. Needs no network to view. Exit 0 once written.
    """
    from mlops_new.fleet.report import render

    rows = _rows(repos, list_file, under, jobs)
    try:
        html_file.write_text(render(rows, title=title), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--html {html_file}: cannot write it ({error.strerror})") from None
    typer.echo(f"Wrote {html_file} ({len(rows)} repositories).")
