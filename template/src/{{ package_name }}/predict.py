"""Predict with the trained model: from Python, or `python -m <package>.predict '<json>'`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config, modeling
from .data import RENAMED, conform, load_raw
from .features import MODEL_FEATURES, add_features
from .validation import FEATURE_SCHEMA, FEATURES


def load_model(path: Path = config.MODEL_FILE) -> modeling.Model:
    """Load the model written by the train stage (run `make train` first)."""
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}; run `make train` first")
    return modeling.load(path)


def predict(model: modeling.Model, records: Iterable[Mapping[str, Any]]) -> list[Any]:
    """Predict each record: a mapping of feature (its field, or its name in the data file)
    to value; a missing optional value may be None.

    Raises:
        pandera.errors.SchemaError: a record misses a feature or has an invalid value.
        FloatingPointError: the model predicted NaN or infinity (Mon5).
    """
    frame = pd.DataFrame([{RENAMED.get(k, k): v for k, v in r.items()} for r in records])
    frame = FEATURE_SCHEMA.validate(conform(frame))
    predicted = np.asarray(modeling.predict(model, add_features(frame)[MODEL_FEATURES]))
    if predicted.dtype.kind == "f" and not np.isfinite(predicted).all():
        raise FloatingPointError("Mon5: the model predicted a value that is not finite")
    labels: list[Any] = predicted.tolist()
    return labels


def example() -> dict[str, Any]:
    """A record to try: the first row of the data set's features."""
    row = load_raw()[FEATURES].iloc[:1].to_dict(orient="records")[0]
    return {str(name): (None if pd.isna(value) else value) for name, value in row.items()}


def main(argv: list[str] | None = None) -> int:
    """Print the prediction for each JSON record given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(f"usage: python -m {__package__}.predict '{json.dumps(example())}' [...]")
        return 2
    records = [json.loads(arg) for arg in args]
    for record, label in zip(records, predict(load_model(), records), strict=True):
        print(json.dumps({"input": record, "prediction": label}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
