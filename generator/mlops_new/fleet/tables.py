"""A fleet's status and update outcomes as text: an aligned table, or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from mlops_new.fleet.status import Row
from mlops_new.fleet.update import Outcome

STATUS_COLUMNS = (
    "name", "source", "recorded", "latest", "behind", "clean", "conflicts", "level",
    "checks", "ml_test_score", "last_commit", "error",
)  # fmt: skip
OUTCOME_COLUMNS = ("name", "action", "branch", "from", "to", "pushed", "conflicts", "reason")


def _yes(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _status_cells(row: Row) -> list[str]:
    from mlops_new.releases import short

    behind = _yes(row.behind) + (f" ({row.behind_by})" if row.behind else "")
    checks = "" if row.checks is None else f"{row.checks_passed}/{row.checks}"
    return [
        row.name, short(row.source) if row.source else "", row.recorded, row.latest, behind,
        _yes(row.clean), " ".join(row.conflicts), "" if row.level is None else str(row.level),
        checks, "" if row.ml_test_score is None else f"{row.ml_test_score:g}",
        row.last_commit[:10], row.error,
    ]  # fmt: skip


def _outcome_cells(outcome: Outcome) -> list[str]:
    return [
        outcome.name, outcome.action, outcome.branch, outcome.from_version, outcome.to_version,
        _yes(outcome.pushed) if outcome.action == "updated" else "",
        " ".join(outcome.conflicts), outcome.reason,
    ]  # fmt: skip


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column runs free."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *rows]
    ]
    return "\n".join(lines)


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *rows])
    return out.getvalue()


def as_table(rows: Sequence[Row]) -> str:
    """`fleet status`'s table, with a summary line."""
    behind = sum(bool(r.behind) for r in rows)
    failing = sum(r.failing for r in rows)
    body = aligned(STATUS_COLUMNS, [_status_cells(r) for r in rows])
    return f"{body}\n{len(rows)} repositories: {behind} behind, {failing} failing"


def as_csv(rows: Sequence[Row]) -> str:
    """`fleet status --format csv`."""
    return _csv(STATUS_COLUMNS, [_status_cells(r) for r in rows])


def outcomes_table(outcomes: Sequence[Outcome]) -> str:
    """`fleet update`'s table, with a summary line."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    body = aligned(OUTCOME_COLUMNS, [_outcome_cells(o) for o in outcomes])
    return f"{body}\n{len(outcomes)} repositories: {summary}"


def outcomes_csv(outcomes: Sequence[Outcome]) -> str:
    """`fleet update --format csv`."""
    return _csv(OUTCOME_COLUMNS, [_outcome_cells(o) for o in outcomes])
