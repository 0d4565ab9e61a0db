"""Pipeline stage 4, train: fit the model on the training set and save it to models/."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import config, metadata, modeling
from .data import read
from .features import split_xy
from .predict import load_model, predict
from .validation import FEATURES

#: How many golden requests the metadata records.
GOLDEN_ROWS = 5


def train(frame: pd.DataFrame, params: dict[str, Any]) -> modeling.Model:
    """Fit a new model on a validated data set (`params`: the hyper-parameters)."""
    features, target = split_xy(frame)
    return modeling.fit(features, target, params)


def golden(frame: pd.DataFrame, rows: int = GOLDEN_ROWS) -> dict[str, list[Any]]:
    """Golden requests: the first training rows' features and what the saved model file
    predicts for them, through the same code the API uses. Whatever serves this model (an
    image, a canary) must answer them the same (gate I6)."""
    records = [
        {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        for row in frame[FEATURES].head(rows).to_dict(orient="records")
    ]
    return {"instances": records, "predictions": predict(load_model(config.MODEL_FILE), records)}


def main() -> None:
    """Train on data/processed/train.csv with the tuned hyper-parameters (the tune stage's
    reports/tuning.json); write the model file (config.MODEL_FILE) and its metadata."""
    params = config.train_params(config.load_params())
    print(f"train: {params}")
    frame = read(config.TRAIN_DATA)
    model = train(frame, params)
    config.MODELS_DIR.mkdir(parents=True, exist_ok=True)
    modeling.save(model, config.MODEL_FILE)
    saved = metadata.record(config.MODEL_FILE, config.TRAIN_DATA, len(frame), params)
    saved["golden"] = golden(frame)
    metadata.write(saved)
    print(f"train: model {saved['model_version']} written to {config.MODEL_FILE}")


if __name__ == "__main__":
    main()
