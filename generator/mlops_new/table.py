"""Read a user's table (CSV or Parquet) once, streamed, into per-column statistics.

pyarrow reads it: a CSV in blocks of 1 MiB (every column as text, so a value late in the
file can never break a type guessed from its start), a Parquet file row group by row group.
What is kept per column is bounded (counts, extremes, at most `MAX_CATEGORIES` + 1 distinct
values, the first `SAMPLE_ROWS` values for uniqueness), so a 10 GB file costs the memory of a
10 MB one. `schema.infer` turns the statistics into a schema.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Distinct values kept per column: more, and a text column is not a category.
MAX_CATEGORIES = 50
#: Rows whose values are kept to tell an identifier (unique per row) from a feature.
SAMPLE_ROWS = 100_000
#: Text a CSV writes for a boolean (lowercased).
BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "t": True, "f": False}


@dataclass
class ColumnStats:
    """What one pass over a column learned (text columns: which types every value fits)."""

    name: str
    #: "text" (a CSV column), or the Parquet type: "integer", "float", "boolean", "date".
    stored: str
    rows: int = 0
    missing: int = 0
    fits: set[str] = field(default_factory=lambda: {"integer", "float", "boolean", "date"})
    low: float = math.inf
    high: float = -math.inf
    #: Distinct values as text, up to MAX_CATEGORIES + 1 (then: "more than the maximum").
    distinct: set[str] = field(default_factory=set)
    #: Distinct values among the first SAMPLE_ROWS non-missing values, and how many those were.
    sample_distinct: set[str] = field(default_factory=set)
    sampled: int = 0
    #: Sampled values with a space inside: words, not codes.
    spaced: int = 0
    #: Counts of each distinct value while there are at most MAX_CATEGORIES of them.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def present(self) -> int:
        """Values that are not missing."""
        return self.rows - self.missing


@dataclass
class Table:
    """A table's columns, in file order, and its size."""

    path: Path
    format: str
    rows: int
    columns: list[ColumnStats]
    #: A CSV's field separator (detected from its start); None for Parquet.
    delimiter: str | None = None


def read(path: Path) -> Table:
    """Stream `path` once and return its columns' statistics.

    Raises:
        UsageError: a missing, unreadable, empty or duplicate-headed file, or one that is
            neither CSV nor Parquet.
    """
    kind = _format(path)
    columns: list[ColumnStats] | None = None
    rows = 0
    names, delimiter = _header(path) if kind == "csv" else ([], None)
    batches = _csv_batches(path, names, delimiter) if delimiter else _parquet_batches(path)
    try:
        for names, batch in batches:
            if columns is None:
                stored = ["text" if kind == "csv" else _stored(c.type) for c in batch.columns]
                columns = [ColumnStats(n, s) for n, s in zip(names, stored, strict=True)]
            for stats, array in zip(columns, batch.columns, strict=True):
                _update(stats, array)
            rows += batch.num_rows
    except UsageError:
        raise
    except Exception as error:  # pyarrow: ArrowInvalid, OSError, UnicodeDecodeError, ...
        from mlops_new.errors import one_line

        raise UsageError(f"{path}: cannot be read as {kind.upper()} ({one_line(error)})") from None
    if not columns or rows == 0:
        raise UsageError(f"{path} has no rows of data")
    return Table(path, kind, rows, columns, delimiter)


def _format(path: Path) -> str:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    try:
        with path.open("rb") as stream:
            magic = stream.read(4)
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not magic:
        raise UsageError(f"{path} is empty")
    if magic == b"PAR1":
        return "parquet"
    kind = FORMATS.get(path.suffix.lower())
    if kind is None or kind == "parquet":
        raise UsageError(f"{path}: not a CSV or Parquet file (.csv, .tsv, .parquet)")
    return kind


def _header(path: Path) -> tuple[list[str], str]:
    """The CSV's column names and delimiter, read with the csv module (quotes and all)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            start = stream.read(64 * 1024)
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; save it as UTF-8 CSV") from None
    try:
        delimiter = csv.Sniffer().sniff(start, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    names = next(csv.reader(start.splitlines()[:1], delimiter=delimiter), [])
    if not [n for n in names if n.strip()]:
        raise UsageError(f"{path} has no header row of column names")
    blank = [str(i + 1) for i, n in enumerate(names) if not n.strip()]
    if blank:
        raise UsageError(f"{path}: column {', '.join(blank)} has no name in the header row")
    seen: set[str] = set()
    twice = sorted({n for n in names if n in seen or seen.add(n)})
    if twice:
        raise UsageError(f"{path}: duplicate column names: {', '.join(twice)}")
    return names, delimiter


def _csv_batches(path: Path, names: list[str], delimiter: str) -> Iterator[tuple[list[str], Any]]:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 20, use_threads=False, encoding="utf8"),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
        ),
    )
    for batch in reader:
        yield names, batch


def _parquet_batches(path: Path) -> Iterator[tuple[list[str], Any]]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"{path}: duplicate column names: {', '.join(twice)}")
    for batch in parquet.iter_batches(batch_size=65_536):
        yield names, batch


def _stored(kind: Any) -> str:
    import pyarrow.types as t

    if t.is_boolean(kind):
        return "boolean"
    if t.is_integer(kind):
        return "integer"
    if t.is_floating(kind) or t.is_decimal(kind):
        return "float"
    if t.is_temporal(kind):
        return "date"
    if t.is_dictionary(kind) or t.is_string(kind) or t.is_large_string(kind):
        return "text"
    return "other"


def _update(stats: ColumnStats, array: Any) -> None:
    """Fold one batch of a column into its statistics (skipping what is already settled)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stats.rows += len(array)
    stats.missing += array.null_count
    counting = len(stats.distinct) <= MAX_CATEGORIES or stats.sampled < SAMPLE_ROWS
    if stats.stored == "other" or not (counting or stats.fits or stats.stored != "text"):
        return  # free text or an identifier, already known as such: only count rows
    values = array.drop_null()
    numbers = None
    if stats.stored == "text":
        values = pc.utf8_trim_whitespace(values.cast(pa.string()))
        numbers = _narrow(stats, values)
    elif stats.stored in {"integer", "float"}:
        numbers = values.cast(pa.float64())
    if numbers is not None and len(numbers):
        stats.low = min(stats.low, pc.min(numbers).as_py())
        stats.high = max(stats.high, pc.max(numbers).as_py())
    if counting:
        _count(stats, values.cast(pa.string()))


def _count(stats: ColumnStats, text: Any) -> None:
    """Distinct values (up to the maximum, with counts) and the sample of the first rows."""
    import pyarrow.compute as pc

    if len(stats.distinct) <= MAX_CATEGORIES:
        for item in pc.value_counts(text).to_pylist():
            stats.counts[item["values"]] = stats.counts.get(item["values"], 0) + item["counts"]
        stats.distinct.update(stats.counts)
        if len(stats.distinct) > MAX_CATEGORIES:
            stats.counts.clear()
    if stats.sampled < SAMPLE_ROWS:
        head = text.slice(0, SAMPLE_ROWS - stats.sampled)
        stats.sample_distinct.update(pc.unique(head).to_pylist())
        stats.sampled += len(head)
        stats.spaced += pc.sum(pc.match_substring_regex(head, r"\s")).as_py() or 0


def _narrow(stats: ColumnStats, values: Any) -> Any:
    """Drop from `stats.fits` each type that some value of this batch does not fit; return
    the values as floats while they all are numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not stats.fits or not len(values):
        return None
    numbers = _cast(values, pa.float64()) if "float" in stats.fits else None
    if numbers is None:
        stats.fits -= {"integer", "float"}
    elif "integer" in stats.fits and _cast(values, pa.int64()) is None:
        stats.fits.discard("integer")
    if "boolean" in stats.fits:
        known = pc.is_in(pc.utf8_lower(values), value_set=pa.array(list(BOOLEANS)))
        if not pc.all(known).as_py():
            stats.fits.discard("boolean")
    if "date" in stats.fits and _cast(values, pa.timestamp("s")) is None:
        stats.fits.discard("date")
    return numbers


def _cast(values: Any, target: Any) -> Any:
    try:
        return values.cast(target)
    except Exception:  # pyarrow.lib.ArrowInvalid: a value does not fit
        return None
