"""Pipeline stage 4, evaluate: score the model on the test set and plot its errors."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import config, modeling
from .features import split_xy
from .validation import CLASSES


def confusion(actual: NDArray[Any], predicted: NDArray[Any]) -> NDArray[Any]:
    """Counts of (actual class, predicted class) pairs, rows and columns ordered by CLASSES."""
    index = {label: position for position, label in enumerate(CLASSES)}
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    for truth, guess in zip(actual, predicted, strict=True):
        matrix[index[int(truth)], index[int(guess)]] += 1
    return matrix


def score(model: modeling.Model, frame: pd.DataFrame) -> dict[str, float]:
    """Accuracy and macro-averaged F1 of `model` on a labelled data set."""
    features, target = split_xy(frame)
    matrix = confusion(target.to_numpy(), modeling.predict(model, features))
    hits = np.diag(matrix)
    precision = hits / np.maximum(matrix.sum(axis=0), 1)
    recall = hits / np.maximum(matrix.sum(axis=1), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return {
        "accuracy": round(float(hits.sum() / matrix.sum()), 4),
        "f1_macro": round(float(f1.mean()), 4),
    }


def plot_confusion(matrix: NDArray[Any]) -> None:
    """Save the confusion matrix as a picture (reports/figures/confusion_matrix.png)."""
    # Imported here: plotting is slow to import, and only the pipeline stage needs it.
    import matplotlib

    matplotlib.use("Agg")  # render to files; no display needed
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 4))
    axes.imshow(matrix, cmap="Blues")
    axes.set(xlabel="predicted", ylabel="actual", xticks=CLASSES, yticks=CLASSES)
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(column, row, str(count), ha="center", va="center")
    config.FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    figure.savefig(config.CONFUSION_MATRIX, dpi=100, bbox_inches="tight")
    plt.close(figure)


def main() -> int:
    """Write metrics.json and the confusion matrix; return 1 below the accuracy threshold."""
    from . import tracking  # the tracker's library is only needed here

    params = config.load_params()
    threshold = params["evaluate"]["min_accuracy"]
    model = modeling.load(config.MODEL_FILE)
    test = pd.read_csv(config.TEST_DATA)
    metrics = score(model, test)
    config.METRICS_FILE.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")

    features, target = split_xy(test)
    predicted = modeling.predict(model, features)
    plot_confusion(confusion(target.to_numpy(), predicted))
    tracking.log_run(params["train"], metrics, target.tolist(), predicted.tolist())

    print(f"evaluate: {metrics} (minimum accuracy {threshold})")
    if metrics["accuracy"] < threshold:
        print(f"evaluate: accuracy {metrics['accuracy']} is below {threshold}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
