"""Drift check: does new data still look like the data the model was trained on?

For each feature, a test compares the new data with the training reference: two-sample
Kolmogorov-Smirnov for numbers, chi-square on the counts of each value for categories.
Before that, the new data must pass the checks of data/schema.yaml that requests pass (gate
D1). `make monitor` (or `python -m <package>.monitor [NEW.csv]`) writes reports/drift.json
and exits with 1 when the data fails those checks or more features drift than params.yaml
allows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors
from scipy.stats import chi2_contingency, ks_2samp

from . import config
from .data import read
from .schema import NUMERIC
from .validation import FEATURE_SCHEMA, FEATURES

DRIFT_REPORT = config.REPORTS_DIR / "drift.json"


def _test(reference: pd.Series, current: pd.Series, numeric: bool) -> tuple[float, float]:
    """The test's statistic and p-value (1.0 when a side has no values to compare)."""
    if reference.empty or current.empty:
        return 0.0, 1.0
    if numeric:
        result = ks_2samp(reference, current)
        return float(result.statistic), float(result.pvalue)
    counts = pd.concat(
        [reference.value_counts(), current.value_counts()], axis=1, keys=["ref", "cur"]
    ).fillna(0)
    if len(counts) < 2:  # one value on both sides: nothing moved
        return 0.0, 1.0
    statistic, p, _, _ = chi2_contingency(counts.to_numpy().T)
    return float(statistic), float(p)


def drift_report(
    reference: pd.DataFrame, current: pd.DataFrame, *, p_value: float
) -> dict[str, Any]:
    """Compare every feature of `current` with `reference`; a low p-value means drift."""
    features = {}
    for name in FEATURES:
        statistic, p = _test(reference[name].dropna(), current[name].dropna(), name in NUMERIC)
        features[name] = {
            "statistic": round(statistic, 4),
            "p_value": p,
            "drifted": bool(p < p_value),
        }
    drifted = [name for name, row in features.items() if row["drifted"]]
    return {
        "reference_rows": len(reference),
        "current_rows": len(current),
        "p_value_threshold": p_value,
        "drifted_features": drifted,
        "features": features,
    }


def main(argv: list[str] | None = None) -> int:
    """Check a data set for drift; return 1 when too many features drifted."""
    # Not __doc__: `python -OO` strips docstrings.
    parser = argparse.ArgumentParser(
        description="Drift check: does new data still look like the data the model was trained on?"
    )
    parser.add_argument(
        "current",
        nargs="?",
        type=Path,
        default=config.TEST_DATA,
        help="CSV of new data to check (default: the held-out test set)",
    )
    parser.add_argument("--reference", type=Path, default=config.TRAIN_DATA)
    parser.add_argument("--report", type=Path, default=DRIFT_REPORT)
    args = parser.parse_args(argv)
    params = config.load_params()["monitor"]

    current = read(args.current)
    try:
        # A missing column becomes NaN, and fails unless the schema allows missing values.
        FEATURE_SCHEMA.validate(current.reindex(columns=FEATURES), lazy=True)
        invalid: list[dict[str, Any]] = []
    except pandera.errors.SchemaErrors as error:
        invalid = error.failure_cases.astype(str).to_dict(orient="records")
    report = drift_report(read(args.reference), current, p_value=params["p_value"])
    report["schema_failures"] = invalid[:50]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    drifted = report["drifted_features"]
    allowed = params["max_drifted_features"]
    if invalid:
        print(f"monitor: D1: {len(invalid)} values fail data/schema.yaml; see {args.report}")
        return 1
    print(f"monitor: {len(drifted)} of {len(FEATURES)} features drifted {drifted or ''}")
    if len(drifted) > allowed:
        print(f"monitor: more than {allowed} drifted; see {args.report}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
