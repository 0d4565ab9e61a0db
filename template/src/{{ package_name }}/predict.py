"""Predict with the trained model: from Python, or `python -m <package>.predict '<json>'`
(`--explain '<json>'`: the record stepped through, from raw input to prediction)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config, modeling
from .data import RENAMED, conform, load_raw, read
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


def _typical(column: pd.Series) -> Any:
    """A column's typical training value: the median of numbers, else the most frequent."""
    values = column.dropna()
    if pd.api.types.is_numeric_dtype(values):
        return float(values.median())
    return values.mode().iloc[0]


def explain(model: modeling.Model, record: Mapping[str, Any]) -> dict[str, Any]:
    """One record stepped through (gate I5): as received, validated and typed by the schema,
    as the model's features, the prediction, and the prediction with each feature in turn
    set to its typical training value (where data/processed/train.csv exists): how much
    each feature moves this prediction."""
    frame = pd.DataFrame([{RENAMED.get(k, k): v for k, v in record.items()}])
    validated = FEATURE_SCHEMA.validate(conform(frame))
    features = add_features(validated)[MODEL_FEATURES]
    prediction = predict(model, [record])[0]
    steps: dict[str, Any] = {
        "input": dict(record),
        "validated": json.loads(validated.to_json(orient="records"))[0],
        "features": json.loads(features.to_json(orient="records"))[0],
        "prediction": prediction,
    }
    train = read(config.TRAIN_DATA) if config.TRAIN_DATA.exists() else None
    missing = [] if train is None else [n for n in FEATURES if n not in train.columns]
    if train is None or missing:  # not prepared yet, or before a feature was added
        lacks = "does not exist" if train is None else f"lacks {missing}"
        steps["prediction_with_typical_value"] = (
            f"not computed: data/processed/train.csv {lacks}: run the pipeline"
        )
        return steps
    typical = {}
    for name in FEATURES:
        changed = dict(steps["validated"]) | {name: _typical(train[name])}
        typical[name] = predict(model, [changed])[0]
    steps["prediction_with_typical_value"] = typical
    return steps


def main(argv: list[str] | None = None) -> int:
    """Print the prediction for each JSON record given on the command line (`--explain`:
    each record stepped through)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--explain"]:
        records = [json.loads(arg) for arg in args[1:]] or [example()]
        model = load_model()
        for record in records:
            print(json.dumps(explain(model, record), indent=2, default=str))
        return 0
    if not args:
        print(f"usage: python -m {__package__}.predict '{json.dumps(example())}' [...]")
        return 2
    records = [json.loads(arg) for arg in args]
    for record, label in zip(records, predict(load_model(), records), strict=True):
        print(json.dumps({"input": record, "prediction": label}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
