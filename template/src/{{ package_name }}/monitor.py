"""Drift check: does new data still look like the data the model was trained on?

For each feature, a two-sample Kolmogorov-Smirnov test compares the new data with the training
reference. `make monitor` (or `python -m <package>.monitor [NEW.csv]`) writes
reports/drift.json and exits with 1 when more features drift than params.yaml allows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from scipy.stats import ks_2samp

from . import config
from .validation import FEATURES

DRIFT_REPORT = config.REPORTS_DIR / "drift.json"


def drift_report(
    reference: pd.DataFrame, current: pd.DataFrame, *, p_value: float
) -> dict[str, Any]:
    """Compare every feature of `current` with `reference`; a low p-value means drift."""
    features = {}
    for name in FEATURES:
        result = ks_2samp(reference[name], current[name])
        features[name] = {
            "statistic": round(float(result.statistic), 4),
            "p_value": float(result.pvalue),
            "drifted": bool(result.pvalue < p_value),
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

    report = drift_report(
        pd.read_csv(args.reference), pd.read_csv(args.current), p_value=params["p_value"]
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    drifted = report["drifted_features"]
    allowed = params["max_drifted_features"]
    print(f"monitor: {len(drifted)} of {len(FEATURES)} features drifted {drifted or ''}")
    if len(drifted) > allowed:
        print(f"monitor: more than {allowed} drifted; see {args.report}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
