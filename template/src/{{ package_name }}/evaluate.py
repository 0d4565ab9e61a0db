"""Pipeline stage 4, evaluate: score the model on the test set and plot its errors."""

from __future__ import annotations

import json
import sys

import joblib
import matplotlib
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, f1_score
from sklearn.pipeline import Pipeline

from . import config, tracking
from .features import split_xy

matplotlib.use("Agg")  # render to files; no display needed


def score(model: Pipeline, frame: pd.DataFrame) -> dict[str, float]:
    """Accuracy and macro-averaged F1 of `model` on a labelled data set."""
    features, target = split_xy(frame)
    predicted = model.predict(features)
    return {
        "accuracy": round(float(accuracy_score(target, predicted)), 4),
        "f1_macro": round(float(f1_score(target, predicted, average="macro")), 4),
    }


def main() -> int:
    """Write metrics.json and the confusion matrix; return 1 below the accuracy threshold."""
    params = config.load_params()
    threshold = params["evaluate"]["min_accuracy"]
    model = joblib.load(config.MODEL_FILE)
    test = pd.read_csv(config.TEST_DATA)
    metrics = score(model, test)
    config.METRICS_FILE.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")

    features, target = split_xy(test)
    display = ConfusionMatrixDisplay.from_estimator(model, features, target)
    config.FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    display.figure_.savefig(config.CONFUSION_MATRIX, dpi=100)
    tracking.log_run(params["train"], metrics, list(target), list(model.predict(features)))

    print(f"evaluate: {metrics} (minimum accuracy {threshold})")
    if metrics["accuracy"] < threshold:
        print(f"evaluate: accuracy {metrics['accuracy']} is below {threshold}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
