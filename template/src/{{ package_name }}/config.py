"""Paths and parameters in one place: the stages import them instead of hard-coding paths."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

# The project root: overridable (a Docker image sets PROJECT_ROOT) and otherwise the folder
# that holds src/.
ROOT = Path(os.environ.get("PROJECT_ROOT", Path(__file__).resolve().parents[2]))

DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"  # data as received; never edited by hand
INTERIM_DIR = DATA_DIR / "interim"  # intermediate transformations
PROCESSED_DIR = DATA_DIR / "processed"  # the final data sets the model sees
EXTERNAL_DIR = DATA_DIR / "external"  # third-party reference data

MODELS_DIR = ROOT / "models"
REPORTS_DIR = ROOT / "reports"
FIGURES_DIR = REPORTS_DIR / "figures"

PARAMS_FILE = ROOT / "params.yaml"
RAW_DATA = RAW_DIR / "iris.csv"
TRAIN_DATA = PROCESSED_DIR / "train.csv"
TEST_DATA = PROCESSED_DIR / "test.csv"
MODEL_FILE = MODELS_DIR / "model.joblib"
METRICS_FILE = ROOT / "metrics.json"
VALIDATION_REPORT = REPORTS_DIR / "validation.json"
CONFUSION_MATRIX = FIGURES_DIR / "confusion_matrix.png"


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """Read params.yaml: every hyper-parameter and threshold of the pipeline."""
    with path.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)
