"""Infer a data schema from a table: each column's kind and role, and the target's task.

The schema is the one file a generated project reads its data's description from (training,
validation, features, the API, the tests and the drift check). It is inferred from pyarrow's
statistics of the whole file (`table.read`); what the inference cannot know is left to the
user, with a note on the column: an identifier or a constant is not a feature, a date or free
text needs features engineered from it.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError
from mlops_new.table import MAX_CATEGORIES, ColumnStats, Table

TASKS = ("classification", "regression")
#: Fewer rows with a target than this, and a train/test split leaves too little to test on.
MIN_ROWS = 20
#: An integer target with at most this many distinct values is a class label.
MAX_CLASSES = 20
#: Ranges are widened by this share of the observed span, so that new data near the edges
#: of the training data passes validation.
MARGIN = 0.1
_ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key)$|^id([_\W]|$)", re.I)
#: Names of personal data (ML Test Score D5); the generated gates.py uses the same patterns,
#: on the field name: tests/test_schema.py keeps the two alike.
PERSONAL_NAME = re.compile(
    r"(^|_)(e_?mail|phone|mobile|tel|(first|last|full|sur|given|user)_?name|name|address|"
    r"street|zip|postcode|ssn|passport|birth|dob|ip(_address)?|iban|card_?number)($|_)",
    re.I,
)
#: Values that are e-mail addresses, phone numbers (9 digits or more) or IP addresses.
PERSONAL_VALUE = re.compile(
    r"^\s*([\w.+-]+@[\w-]+\.[\w.-]+|(?=(\D*\d){9})\+?[\d(][\d ().-]{7,}\d"
    r"|\d{1,3}(\.\d{1,3}){3})\s*$"
)


@dataclass
class Column:
    """One column: what it holds (`kind`) and what the project does with it (`role`)."""

    name: str
    #: The name as a Python identifier (the API's field name).
    field: str
    #: numeric, categorical, boolean, date, text, empty or other.
    kind: str
    #: feature, target, id, personal, constant, date, text, empty or other; only features
    #: reach the model.
    role: str
    nullable: bool = False
    dtype: str | None = None
    min: float | int | None = None
    max: float | int | None = None
    categories: list[Any] | None = None
    note: str | None = None
    #: Personal data (gate D5): never a feature, and its values are never written here.
    pii: bool | None = None


@dataclass
class Schema:
    """A table's schema: the columns, the target and the task."""

    dataset: str
    format: str
    rows: int
    target: str
    task: str
    columns: list[Column] = field(default_factory=list)
    #: A CSV's field separator, for the project to read the file with.
    delimiter: str | None = None

    @property
    def features(self) -> list[Column]:
        """The columns the model sees."""
        return [column for column in self.columns if column.role == "feature"]

    def as_dict(self) -> dict[str, Any]:
        """The schema as the YAML file holds it (empty fields left out)."""
        data = asdict(self)
        data["columns"] = [{k: v for k, v in c.items() if v is not None} for c in data["columns"]]
        columns = data.pop("columns")
        if data["delimiter"] is None:
            del data["delimiter"]
        return {"version": 1, **data, "columns": columns}


def infer(table: Table, target: str, *, task: str | None = None, dataset: str = "") -> Schema:
    """The schema of `table`, predicting `target`; `task` is inferred unless given.

    Raises:
        UsageError: the target is not a column, has no values or one value only, a class has
            a single row, too few rows have a target, or `task` does not fit the target.
    """
    names = [c.name for c in table.columns]
    if target not in names:
        close = difflib.get_close_matches(target, names, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else f" (columns: {_some(names)})"
        raise UsageError(f"--target {target}: not a column of {table.path.name}{hint}")
    fields = _fields(names)
    columns = [_column(stats, fields[stats.name], target) for stats in table.columns]
    chosen = _task(next(s for s in table.columns if s.name == target), table, task)
    label = next(c for c in columns if c.role == "target")
    if chosen == "classification":
        label.categories, label.min, label.max = _classes(label, table), None, None
    if not any(c.role == "feature" for c in columns):
        raise UsageError(f"{table.path.name} has no column usable as a feature besides {target}")
    name = dataset or table.path.name
    return Schema(name, table.format, table.rows, target, chosen, columns, table.delimiter)


def _some(names: list[str]) -> str:
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def _fields(names: list[str]) -> dict[str, str]:
    """Each column's name as a distinct, lowercase Python identifier."""
    result: dict[str, str] = {}
    for name in names:
        text = unicodedata.normalize("NFKC", name).strip().lower()
        base = re.sub(r"\W+", "_", text).strip("_") or "column"
        if base[0].isdigit():
            base = f"c_{base}"
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base += "_"
        candidate, number = base, 2
        while candidate in result.values():
            candidate, number = f"{base}_{number}", number + 1
        result[name] = candidate
    return result


def _kind(stats: ColumnStats) -> tuple[str, str | None]:
    """The column's kind, and for a numeric one its dtype (integer or float)."""
    if stats.present == 0:
        return "empty", None
    if stats.stored in {"integer", "float"}:
        return "numeric", stats.stored
    if stats.stored in {"boolean", "date", "other"}:
        return stats.stored, None
    if stats.fits & {"integer", "float"}:  # a text column (every stored type returned above)
        return "numeric", "integer" if "integer" in stats.fits else "float"
    if "boolean" in stats.fits:
        return "boolean", None
    if "date" in stats.fits:
        return "date", None
    return ("categorical" if len(stats.distinct) <= MAX_CATEGORIES else "text"), None


def _column(stats: ColumnStats, name: str, target: str) -> Column:
    kind, dtype = _kind(stats)
    column = Column(stats.name, name, kind, "feature", stats.missing > 0, dtype)
    unique = stats.sampled >= MIN_ROWS and len(stats.sample_distinct) == stats.sampled
    consecutive = dtype == "integer" and stats.high - stats.low + 1 == stats.present
    if kind == "numeric":
        column.min, column.max = _range(stats.low, stats.high, dtype == "integer")
    elif kind == "categorical":
        column.categories = sorted(stats.distinct)
    personal = None if stats.name == target else _personal(stats, name, kind)
    if stats.name == target:
        column.role = "target"
    elif personal:
        column.role, column.pii = "personal", True
        column.categories = column.min = column.max = None
        column.note = f"looks like personal data (by {personal}): never a feature (gate D5)"
    elif kind in {"empty", "date", "other"}:
        column.role, column.note = kind, _NOTES[kind]
    elif kind == "text":
        code = unique and stats.spaced < stats.sampled / 2  # words are free text, not an id
        column.role, column.note = ("id", _NOTES["id"]) if code else ("text", _NOTES["text"])
    elif len(stats.distinct) <= 1:
        column.role, column.note = "constant", _NOTES["constant"]
    elif unique and (kind == "categorical" or _ID_NAME.search(stats.name) or consecutive):
        column.role, column.note = "id", _NOTES["id"]
    elif stats.missing:
        share = 100 * stats.missing / stats.rows
        column.note = f"{share:.3g}% missing: imputed (the training median or most frequent)"
    return column


def _personal(stats: ColumnStats, field: str, kind: str) -> str | None:
    """Why a column looks like personal data (its name, or most of its values), or None."""
    if PERSONAL_NAME.search(field):
        return "its name"
    values = stats.sample_distinct
    if kind in {"categorical", "text"} and values:
        matching = sum(1 for value in values if PERSONAL_VALUE.match(value))
        if matching > len(values) / 2:
            return "its values"
    return None


_NOTES = {
    "id": "unique in every row: an identifier, not a feature",
    "constant": "the same value in every row: not a feature",
    "empty": "every value is missing: not a feature",
    "date": "dates are left out: derive features from them (weekday, age) in features.py",
    "text": f"free text (over {MAX_CATEGORIES} distinct values): left out; derive features "
    "from it in features.py",
    "other": "a type the pipeline cannot use: left out",
}


def _range(low: float, high: float, integer: bool) -> tuple[float | int, float | int]:
    """The observed range widened by MARGIN on each side (never below 0 if none was)."""
    span = high - low or abs(high) or 1.0
    lower, upper = low - MARGIN * span, high + MARGIN * span
    if low >= 0:
        lower = max(0.0, lower)
    if integer:
        return math.floor(lower), math.ceil(upper)
    return float(f"{lower:.6g}"), float(f"{upper:.6g}")


def _task(stats: ColumnStats, table: Table, given: str | None) -> str:
    """The task for this target: `given`, checked, or inferred from its values."""
    name = stats.name
    if stats.present == 0:
        raise UsageError(f"--target {name}: every value is missing; nothing to learn from")
    if len(stats.distinct) <= 1:
        raise UsageError(f"--target {name}: the same value in every row; nothing to predict")
    if stats.present < MIN_ROWS:
        raise UsageError(
            f"{table.path.name} has {stats.present} rows with a {name}; the train/test split "
            f"needs at least {MIN_ROWS}"
        )
    kind, dtype = _kind(stats)
    inferred = "classification"
    if kind == "numeric" and (dtype == "float" or len(stats.distinct) > MAX_CLASSES):
        inferred = "regression"
    if given is not None and given not in TASKS:
        raise UsageError(f"task: '{given}' is not one of: {', '.join(TASKS)}")
    task = given or inferred
    if task == "regression" and kind != "numeric":
        example = sorted(stats.distinct)[0] if stats.distinct else "?"
        raise UsageError(
            f"task=regression needs a numeric target; {name} holds {kind} values (e.g. '{example}')"
        )
    if task == "classification" and len(stats.distinct) > MAX_CATEGORIES:
        raise UsageError(
            f"--target {name} has over {MAX_CATEGORIES} distinct values, too many classes to "
            "classify; for a number to predict, pass --data task=regression"
        )
    single = sorted(value for value, count in stats.counts.items() if count == 1)
    if task == "classification" and single:
        raise UsageError(
            f"--target {name}: class '{single[0]}' has a single row; a stratified train/test "
            "split needs at least 2 rows of each class (drop or merge it)"
        )
    return task


def _classes(label: Column, table: Table) -> list[Any]:
    """The target's classes: numbers where the column holds numbers, else its values."""
    stats = next(s for s in table.columns if s.name == label.name)
    if label.kind == "numeric":
        cast = int if label.dtype == "integer" else float
        return sorted(cast(float(value)) for value in stats.distinct)
    return sorted(stats.distinct)


def to_yaml(schema: Schema, *, version: str, source: Path | None = None) -> str:
    """The schema file: a header that says where it came from and whose it is, then YAML."""
    import yaml

    read = f"{schema.rows} rows of {source or schema.dataset}"
    header = (
        f"# The data's schema, inferred by mlops-new {version} from {read}.\n"
        "# Yours to edit: training, validation, the features, the API, the tests and the drift\n"
        "# check all read this file. `make schema` infers it again (and overwrites your edits).\n"
        "# role: only `feature` columns reach the model; `target` is what it predicts;\n"
        "# `attribute` columns are kept to slice and group the test set by (gates M6, M7),\n"
        "# one `time` column (a date or a year) to backtest over time (M4); `personal` ones\n"
        "# (pii: true) never leave the data file. docs/gates.md explains.\n"
    )
    body = yaml.safe_dump(schema.as_dict(), sort_keys=False, allow_unicode=True, width=100)
    return header + body
