"""Predict with the trained model: from Python, or `python -m <package>.predict '<json>'`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from . import config, modeling
from .features import MODEL_FEATURES, add_features
from .validation import FEATURE_SCHEMA


def load_model(path: Path = config.MODEL_FILE) -> modeling.Model:
    """Load the model written by the train stage (run `make train` first)."""
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}; run `make train` first")
    return modeling.load(path)


def predict(model: modeling.Model, records: Iterable[Mapping[str, float]]) -> list[int]:
    """Predict the class of each record (a mapping of feature name to value).

    Raises:
        pandera.errors.SchemaError: a record misses a feature or has an invalid value.
    """
    frame = FEATURE_SCHEMA.validate(pd.DataFrame(list(records)))
    labels = modeling.predict(model, add_features(frame)[MODEL_FEATURES])
    return [int(label) for label in labels]


def main(argv: list[str] | None = None) -> int:
    """Print the predicted class of each JSON record given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        example = json.dumps(dict.fromkeys(MODEL_FEATURES[:4], 1.0))
        print(f"usage: python -m {__package__}.predict '{example}' [...]")
        return 2
    records = [json.loads(arg) for arg in args]
    for record, label in zip(records, predict(load_model(), records), strict=True):
        print(json.dumps({"input": record, "class": label}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
