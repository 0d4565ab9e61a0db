"""Load the raw data set.

The starter project trains on the iris data set that ships inside scikit-learn, so it runs
with no download. To use your own data, replace `load_raw` (keep its contract: one row per
sample, the feature columns of `schema.FEATURES` and a `target` column) and update
`validation.py` to describe your columns.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_iris

TARGET = "target"

# scikit-learn's column names, renamed to valid Python identifiers (the API uses them).
_COLUMNS = {
    "sepal length (cm)": "sepal_length",
    "sepal width (cm)": "sepal_width",
    "petal length (cm)": "petal_length",
    "petal width (cm)": "petal_width",
}


def load_raw() -> pd.DataFrame:
    """Return the raw data set: four numeric features and an integer `target` class."""
    # ---- REPLACE THIS WITH YOUR OWN DATA (e.g. pd.read_csv(config.EXTERNAL_DIR / "x.csv")) ----
    frame = load_iris(as_frame=True).frame.rename(columns=_COLUMNS)
    return frame.astype({name: "float64" for name in _COLUMNS.values()} | {TARGET: "int64"})
