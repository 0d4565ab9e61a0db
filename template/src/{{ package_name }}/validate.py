"""Pipeline stage 2, validate: check the prepared data against the schema before training."""

from __future__ import annotations

import json
import sys

import pandera.errors

from . import config
from .data import read
from .validation import validate


def main() -> int:
    """Validate the train and test sets; write a report; return 1 if any check fails."""
    report = {}
    for name, path in (("train", config.TRAIN_DATA), ("test", config.TEST_DATA)):
        frame = read(path)
        try:
            validate(frame)
            report[name] = {"rows": len(frame), "valid": True, "failures": []}
        except pandera.errors.SchemaErrors as error:
            failures = error.failure_cases.astype(str).to_dict(orient="records")
            report[name] = {"rows": len(frame), "valid": False, "failures": failures[:50]}
    config.REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    config.VALIDATION_REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    invalid = [name for name, part in report.items() if not part["valid"]]
    if invalid:
        print(f"validate: {', '.join(invalid)} failed; see {config.VALIDATION_REPORT}")
        return 1
    print("validate: train and test data satisfy the schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
