"""Pipeline stage 3, train: fit the model on the training set and save it to models/."""

from __future__ import annotations

from typing import Any

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from . import config
from .features import split_xy


def build_model(params: dict[str, Any]) -> Pipeline:
    """The model: scaling, then a random forest (replace with your own estimator)."""
    forest = RandomForestClassifier(
        n_estimators=params["n_estimators"],
        max_depth=params["max_depth"],
        random_state=params["seed"],
    )
    return Pipeline([("scale", StandardScaler()), ("model", forest)])


def train(frame: pd.DataFrame, params: dict[str, Any]) -> Pipeline:
    """Fit a new model on a validated data set."""
    features, target = split_xy(frame)
    return build_model(params).fit(features, target)


def main() -> None:
    """Train on data/processed/train.csv and write models/model.joblib."""
    params = config.load_params()["train"]
    model = train(pd.read_csv(config.TRAIN_DATA), params)
    config.MODELS_DIR.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, config.MODEL_FILE)
    print(f"train: model written to {config.MODEL_FILE}")


if __name__ == "__main__":
    main()
