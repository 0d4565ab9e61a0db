"""repo-review plugin: `repo-review PATH` runs the doctor's checks (one family per level).

Registered in pyproject.toml under the entry-point groups `repo_review.checks`,
`repo_review.families` and `repo_review.fixtures`. repo-review itself is not a dependency:
its protocol is duck-typed, and `mlops-new doctor` runs the same check objects on its own.
"""

from __future__ import annotations

from typing import Any

from mlops_new.doctor import LEVELS, all_checks
from mlops_new.doctor.base import Check
from mlops_new.doctor.repo import Repo


def repo_review_checks() -> dict[str, Check]:
    """Every check, by code (MLO001 ...)."""
    return {check.code: check for check in all_checks()}


def repo_review_families() -> dict[str, dict[str, Any]]:
    """One family per maturity level, shown after other plugins' families."""
    return {
        f"mlops-level-{level}": {
            "name": f"MLOps level {level}: {name}",
            "order": 100 + level,
            "description": "Checked by `mlops-new doctor` (https://mlops-new.github.io/mlops-new/doctor/).",
        }
        for level, name in LEVELS.items()
    }


def mlops_repo(root: Any) -> Repo:
    """The fixture the checks take: the repository, read defensively.

    repo-review gives no way to pass options, so the template check uses the network (with
    the default timeout); it is not applicable when the source cannot be reached.
    """
    return Repo(root, offline=False)
