"""`mlops-new check`: whether a generated project is behind its template's newest release."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlops_new import releases
from mlops_new._steps import Progress, quiet
from mlops_new.errors import UsageError
from mlops_new.project import ANSWERS_FILE
from mlops_new.project import read as read_recorded


@dataclass(frozen=True)
class Freshness:
    """Where a project stands against its template."""

    path: str
    source: str
    current: str
    latest: str
    behind: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready mapping."""
        return asdict(self)


def check(path: Path | str = ".", *, progress: Progress | None = None) -> Freshness:
    """Say whether a project is behind the newest release of its template.

    Args:
        path: the generated project.
        progress: called with a description of each slow step.

    Raises:
        UsageError: not a generated project, an unusable record, or an unreachable source.
    """
    recorded = read_recorded(path)
    if releases.parse_version(recorded.commit) is None:
        raise UsageError(
            f"{ANSWERS_FILE} records _commit '{recorded.commit}', which is not a "
            "release tag, so whether the project is behind cannot be told"
        )
    (progress or quiet)(f"Asking {recorded.source} for its releases")
    latest = releases.latest_release(recorded.source)
    return Freshness(
        path=str(recorded.path),
        source=recorded.source,
        current=recorded.commit,
        latest=latest,
        behind=releases.is_newer(latest, recorded.commit),
    )
