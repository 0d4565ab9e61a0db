"""Features: turn validated data into the model's inputs, the same way in training and serving.

`preprocessor()` is fitted on the training split only and saved inside the model, so
prediction applies exactly what training learnt: missing numbers take the training median
and are scaled by the training mean and spread; missing categories take the most frequent
one, and categories are one-hot encoded (one never seen in training encodes as all zeros).
Derive a new feature by adding a function to `DERIVED`: `add_features` computes it, the model
receives it as a number, and the gates stage measures what it costs (D3) and whether it helps
(D2). Columns on the deny-list (params.yaml: `gates: deny`) never reach the model (D4).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import config
from .schema import CATEGORICAL, NUMERIC, SCHEMA, TARGET

#: Derived features: name -> function of the validated table that returns the new column.
#: None yet; for example `"ratio": lambda frame: frame["a"] / frame["b"]`.
DERIVED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {}

#: Columns the model must never use (fields or data-file names), from params.yaml.
DENIED: frozenset[str] = frozenset(config.load_params()["gates"]["deny"] or ())


def add_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with the derived features (`DERIVED`) added."""
    result = frame.copy()
    for name, derive in DERIVED.items():
        result[name] = derive(result)
    return result


#: The model's inputs: the schema's features, then the derived ones (numbers).
MODEL_FEATURES = [*NUMERIC, *CATEGORICAL, *DERIVED]


def preprocessor() -> ColumnTransformer:
    """An unfitted transformer from the model features to a matrix of numbers."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    values = {column.field: list(column.values) for column in SCHEMA.features}
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(
            categories=[values[name] for name in CATEGORICAL],
            handle_unknown="ignore",
            sparse_output=False,
        ),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, [*NUMERIC, *DERIVED]),
            ("categorical", categorical, CATEGORICAL),
        ],
        remainder="drop",
    )


def denied(features: list[str]) -> list[str]:
    """The features (by field) that the deny-list names, by field or by data-file name."""
    names = {column.field: column.name for column in SCHEMA.columns}
    return [f for f in features if f in DENIED or names.get(f, f) in DENIED]


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Split a data set into the model's feature table and its target vector.

    Raises:
        ValueError: a model feature is on the deny-list (gate D4).
    """
    refused = denied(MODEL_FEATURES)
    if refused:
        raise ValueError(
            f"D4: {refused} on the deny-list (params.yaml: gates: deny) must not reach the "
            "model: give the column another role in data/schema.yaml, or remove the feature"
        )
    features = add_features(frame)
    return features[MODEL_FEATURES], frame[TARGET]
