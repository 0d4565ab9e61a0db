"""Pipeline stage 4, train: fit the model on the training set and save it to models/."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import config, metadata, modeling
from .data import read
from .features import split_xy


def train(frame: pd.DataFrame, params: dict[str, Any]) -> modeling.Model:
    """Fit a new model on a validated data set (`params`: the hyper-parameters)."""
    features, target = split_xy(frame)
    return modeling.fit(features, target, params)


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
    metadata.write(saved)
    print(f"train: model {saved['model_version']} written to {config.MODEL_FILE}")


if __name__ == "__main__":
    main()
