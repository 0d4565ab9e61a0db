"""Features: turn validated data into the model's inputs, the same way in training and serving.

`preprocessor()` is fitted on the training split only and saved inside the model, so
prediction applies exactly what training learnt: missing numbers take the training median
and are scaled by the training mean and spread; missing categories take the most frequent
one, and categories are one-hot encoded (one never seen in training encodes as all zeros).
Derive new features in `add_features` (and list them in `MODEL_FEATURES`).
"""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .schema import CATEGORICAL, NUMERIC, SCHEMA, TARGET


def add_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with derived features added (none yet: add yours here)."""
    return frame.copy()


MODEL_FEATURES = [*NUMERIC, *CATEGORICAL]


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
        [("numeric", numeric, NUMERIC), ("categorical", categorical, CATEGORICAL)],
        remainder="drop",
    )


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Split a data set into the model's feature table and its target vector."""
    features = add_features(frame)
    return features[MODEL_FEATURES], frame[TARGET]
