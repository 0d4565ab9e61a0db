"""Pipeline stage 1, prepare: load the raw data and split it into train and test sets."""

from __future__ import annotations

from sklearn.model_selection import train_test_split

from . import config
from .data import TARGET, load_raw


def main() -> None:
    """Write data/raw/iris.csv and the stratified train/test split in data/processed/."""
    params = config.load_params()["prepare"]
    raw = load_raw()
    config.RAW_DIR.mkdir(parents=True, exist_ok=True)
    raw.to_csv(config.RAW_DATA, index=False)
    train, test = train_test_split(
        raw, test_size=params["test_size"], random_state=params["seed"], stratify=raw[TARGET]
    )
    config.PROCESSED_DIR.mkdir(parents=True, exist_ok=True)
    train.to_csv(config.TRAIN_DATA, index=False)
    test.to_csv(config.TEST_DATA, index=False)
    print(f"prepare: {len(train)} training and {len(test)} test rows in {config.PROCESSED_DIR}")


if __name__ == "__main__":
    main()
