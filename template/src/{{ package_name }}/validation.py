"""Data validation: the schema every data set must satisfy before it reaches the model.

pandera checks types, ranges and missing values, and reports every failing row at once.
The `validate` stage runs it on the prepared data; the tests run it too.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .data import TARGET

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = [0, 1, 2]

# Measurements in centimetres: positive and, for iris flowers, well below 30 cm.
_measurement = pa.Column(float, checks=pa.Check.in_range(0.0, 30.0), nullable=False)

SCHEMA = pa.DataFrameSchema(
    {name: _measurement for name in FEATURES}
    | {TARGET: pa.Column(int, checks=pa.Check.isin(CLASSES), nullable=False)},
    strict=True,
    coerce=False,
)

# Inputs to the model at prediction time have the features but no target.
FEATURE_SCHEMA = SCHEMA.remove_columns([TARGET])


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` if it satisfies the schema; raise `pandera.errors.SchemaErrors` if not."""
    return SCHEMA.validate(frame, lazy=True)
