"""What counts as evidence of a practice: data and model files, trackers, tests of data."""

from __future__ import annotations

import re

from mlops_new.doctor.repo import Repo

DATA_EXTENSIONS = (".csv", ".tsv", ".parquet", ".feather", ".arrow", ".avro", ".orc", ".h5",
                   ".hdf5", ".npy", ".npz", ".xlsx", ".xls", ".jsonl", ".sqlite", ".db", ".zip",
                   ".tar", ".gz", ".tgz", ".7z")  # fmt: skip
MODEL_EXTENSIONS = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".onnx", ".keras",
                    ".safetensors", ".h5", ".cbm", ".ubj", ".model")  # fmt: skip
# Files that describe data rather than hold it: placeholders, DVC pointers, the schema.
PLACEHOLDER = re.compile(
    r"(^|/)(\.gitkeep|\.keep|\.gitignore|README[^/]*|[^/]+\.dvc|schema\.ya?ml)$", re.I
)
#: Experiment trackers: import name -> display name.
TRACKERS = {"dvclive": "DVCLive", "mlflow": "MLflow", "wandb": "Weights & Biases",
            "neptune": "Neptune", "comet_ml": "Comet", "clearml": "ClearML", "aim": "Aim",
            "tensorboardX": "TensorBoard", "torch.utils.tensorboard": "TensorBoard",
            "sacred": "Sacred"}  # fmt: skip
DATA_TEST = re.compile(
    r"\b(pandera|great_expectations|pydantic|jsonschema|deepchecks|pointblank|frictionless|"
    r"cerberus|schema|validate|validation)\b|\.isna\(|\.isnull\(|\.dtypes\b|\bexpect_column",
    re.I,
)
METRIC = re.compile(
    r"\b(accuracy|acc|f1|f1_score|auc|roc_auc|precision|recall|r2|rmse|mse|mae|mape|score|"
    r"loss|error|metrics?|threshold|min_\w+|max_\w+)\b",
    re.I,
)


#: A model logged to a registry (MLflow's `log_model`/`register_model` calls).
MODEL_LOG = r"(\.log_model|\bregister_model)\s*\(|\bregistered_model_name\s*="


def file_size(repo: Repo, rel: str) -> int:
    try:
        return (repo.local / rel).stat().st_size if repo.local else 0
    except OSError:
        return 0


def tests_with(repo: Repo, found) -> tuple[str, str] | None:
    ordered = sorted(repo.test_files, key=lambda f: ("data" not in f.rsplit("/", 1)[-1], f))
    for name in ordered:
        text = repo.text(name)
        if text is None or not text.ok or not re.search(r"def test|class Test", text.data):
            continue
        evidence = found(text.data)
        if evidence:
            return name, evidence
    return None


def is_model(path: str) -> bool:
    path = path.strip("/")
    return path == "models" or path.startswith("models/") or path.endswith(MODEL_EXTENSIONS)
