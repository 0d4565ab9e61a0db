"""Drift check: does new data still look like the data the model was trained on?

For each feature, a test compares the new data with the training reference: two-sample
Kolmogorov-Smirnov for numbers, chi-square on the counts of each value for categories.
Before that, the new data must pass the checks of data/schema.yaml that requests pass (gate
D1), have at least `monitor: min_rows` rows and some values in every feature (Mon2), and
the model may be no older than `gates: max_model_age_days` (Mon4). `make monitor` (or
`python -m <package>.monitor [NEW.csv]`) writes reports/drift.json (valid JSON: never NaN)
and exits with 1 when a check fails or more features drift than params.yaml allows.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors
from scipy.stats import chi2_contingency, ks_2samp

from . import config, metadata
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
        values = current[name] if name in current else pd.Series(dtype=float)  # Mon2 fails it
        statistic, p = _test(reference[name].dropna(), values.dropna(), name in NUMERIC)
        finite = math.isfinite(statistic) and math.isfinite(p)  # else: the test is undefined
        features[name] = {
            "statistic": round(statistic, 4) if finite else None,
            "p_value": p if finite else None,
            "drifted": bool(finite and p < p_value),
        }
    drifted = [name for name, row in features.items() if row["drifted"]]
    return {
        "reference_rows": len(reference),
        "current_rows": len(current),
        "p_value_threshold": p_value,
        "drifted_features": drifted,
        "features": features,
    }


def checks(current: pd.DataFrame, params: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """What fails in a batch before any drift test (D1 schema, Mon2 rows and missing columns,
    Mon4 the model's age), and the details for the report."""
    try:
        # A missing column becomes NaN, and fails unless the schema allows missing values.
        FEATURE_SCHEMA.validate(current.reindex(columns=FEATURES), lazy=True)
        invalid: list[dict[str, Any]] = []
    except pandera.errors.SchemaErrors as error:
        rows = error.failure_cases.to_dict(orient="records")
        invalid = [{k: None if pd.isna(v) else str(v) for k, v in row.items()} for row in rows]
    failures = [f"D1: {len(invalid)} values fail data/schema.yaml"] if invalid else []
    minimum = params["monitor"]["min_rows"]
    if len(current) < minimum:
        failures.append(f"Mon2: {len(current)} rows, fewer than min_rows {minimum} to test")
    empty = [name for name in FEATURES if name not in current or current[name].isna().all()]
    if empty:
        failures.append(f"Mon2: no values at all for {empty}")
    saved = metadata.load()
    age = None if saved is None else round(metadata.age_days(saved), 2)
    oldest = params["gates"]["max_model_age_days"]
    if age is not None and age > oldest:
        failures.append(
            f"Mon4: the model is {age:g} days old, more than max_model_age_days {oldest}: "
            "retrain it on recent data (make pipeline)"
        )
    details = {
        "schema_failures": invalid[:50],
        "empty_features": empty,
        "model_age_days": age if saved else "not checked: no models/metadata.json",
    }
    return failures, details


def main(argv: list[str] | None = None) -> int:
    """Check a data set, then test it for drift; return 1 when a check fails or too many
    features drifted."""
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
    params = config.load_params()

    current = read(args.current)
    failures, details = checks(current, params)
    threshold = params["monitor"]["p_value"]
    report = drift_report(read(args.reference), current, p_value=threshold) | details
    drifted = report["drifted_features"]
    allowed = params["monitor"]["max_drifted_features"]
    if len(drifted) > allowed:
        failures.append(f"{len(drifted)} features drifted: more than the {allowed} allowed")
    report["failures"] = failures
    args.report.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, allow_nan=False)  # NaN is not JSON
    args.report.write_text(text + "\n", encoding="utf-8")
    print(f"monitor: {len(drifted)} of {len(FEATURES)} features drifted {drifted or ''}")
    for failure in failures:
        print(f"monitor: {failure}")
    if failures:
        print(f"monitor: FAILED; see {args.report}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
