"""mlops-new: generate and maintain reproducible machine-learning repositories.

The library API mirrors the CLI: `create`, `update`, `check`, `diagnose`. They are imported
on first use (PEP 562), so that `mlops-new --help` does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mlops_new.errors import UsageError

if TYPE_CHECKING:
    from mlops_new.check import check
    from mlops_new.create import create
    from mlops_new.doctor import diagnose
    from mlops_new.update import update

__version__ = "0.1.0"

__all__ = ["UsageError", "__version__", "check", "create", "diagnose", "update"]

_LAZY = {
    "check": "mlops_new.check",
    "create": "mlops_new.create",
    "diagnose": "mlops_new.doctor",
    "update": "mlops_new.update",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlops_new' has no attribute {name!r}")
