"""Pipeline stage 1, prepare: load the raw data and split it into train and test sets."""

from __future__ import annotations

import pandas as pd

from . import config
from .data import load_raw
from .schema import TARGET, TASK


def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A train/test split drawn with `seed`: `test_size` of the rows go to the test set.

    For classification the split is stratified: `test_size` of each class.
    """
    if TASK == "classification":
        groups = frame.groupby(TARGET, group_keys=False)
        test = groups.sample(frac=test_size, random_state=seed)
    else:
        test = frame.sample(frac=test_size, random_state=seed)
    return frame.drop(index=test.index), test.sort_index()


def main() -> None:
    """Write the train/test split of the raw data set in data/processed/."""
    params = config.load_params()["prepare"]
    raw = load_raw()
    if config.BUILT_IN_DATA:  # keep a copy of the data set the package ships
        config.RAW_DATA.parent.mkdir(parents=True, exist_ok=True)
        raw.to_csv(config.RAW_DATA, index=False)
    train, test = split(raw, params["test_size"], params["seed"])
    config.PROCESSED_DIR.mkdir(parents=True, exist_ok=True)
    train.to_csv(config.TRAIN_DATA, index=False)
    test.to_csv(config.TEST_DATA, index=False)
    print(f"prepare: {len(train)} training and {len(test)} test rows in {config.PROCESSED_DIR}")


if __name__ == "__main__":
    main()
