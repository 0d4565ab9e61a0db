"""mlops-new: generate and maintain reproducible machine-learning repositories."""

from mlops_new.check import check
from mlops_new.create import create
from mlops_new.doctor import diagnose
from mlops_new.errors import UsageError
from mlops_new.update import update

__version__ = "0.1.0"

__all__ = ["UsageError", "__version__", "check", "create", "diagnose", "update"]
