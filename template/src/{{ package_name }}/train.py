"""Pipeline stage 4, train: fit the model on the training set and save it to models/."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import config, modeling
from .data import read
from .features import split_xy


def train(frame: pd.DataFrame, params: dict[str, Any]) -> modeling.Model:
    """Fit a new model on a validated data set (`params`: the hyper-parameters)."""
    features, target = split_xy(frame)
    return modeling.fit(features, target, params)


def main() -> None:
    """Train on data/processed/train.csv with the tuned hyper-parameters (the tune stage's
    reports/tuning.json) and write the model file (config.MODEL_FILE)."""
    params = config.train_params(config.load_params())
    print(f"train: {params}")
    model = train(read(config.TRAIN_DATA), params)
    config.MODELS_DIR.mkdir(parents=True, exist_ok=True)
    modeling.save(model, config.MODEL_FILE)
    print(f"train: model written to {config.MODEL_FILE}")


if __name__ == "__main__":
    main()
