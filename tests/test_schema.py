"""Schema inference from a user's table (mlops_new.table, mlops_new.schema) and the
`mlops-new schema` command: kinds, roles, task, and every input it must refuse."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from mlops_new import schema, table
from mlops_new.errors import UsageError

from .helpers import BIN, ROOT


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _churn(tmp_path: Path, rows: int = 60) -> Path:
    """Every kind of column, awkward names included."""
    lines = []
    for i in range(rows):
        charges = "" if i % 10 == 3 else f"{20 + i * 1.5:.2f}"
        lines.append(
            f"C{i:04d},{charges},{'abc'[i % 3]},{i % 7},2024-02-{1 + i % 28:02d},x,"
            f"{'yes' if i % 2 else 'no'},a note about customer {i},{'yes' if i % 3 else 'no'}"
        )
    header = "customer id,Monthly Charges,class,tenure,signup,constant,paid,comment,churned"
    return _csv(tmp_path / "churn.csv", header, lines)


def _infer(path: Path, target: str, **kw) -> schema.Schema:
    return schema.infer(table.read(path), target, **kw)


def _by_name(inferred: schema.Schema) -> dict[str, schema.Column]:
    return {column.name: column for column in inferred.columns}


def test_kinds_and_roles_of_every_column(tmp_path: Path) -> None:
    inferred = _infer(_churn(tmp_path), "churned")
    columns = _by_name(inferred)
    assert {name: (c.kind, c.role) for name, c in columns.items()} == {
        "customer id": ("text", "id"),
        "Monthly Charges": ("numeric", "feature"),
        "class": ("categorical", "feature"),
        "tenure": ("numeric", "feature"),
        "signup": ("date", "date"),
        "constant": ("categorical", "constant"),
        "paid": ("boolean", "feature"),
        "comment": ("text", "text"),
        "churned": ("boolean", "target"),
    }
    assert [c.name for c in inferred.features] == ["Monthly Charges", "class", "tenure", "paid"]
    assert inferred.task == "classification"
    assert columns["churned"].categories == ["no", "yes"]
    assert columns["class"].categories == ["a", "b", "c"]
    # Every column left out says why; a feature with gaps says how they are filled.
    assert all(c.note for c in columns.values() if c.role not in {"feature", "target"})
    assert columns["Monthly Charges"].nullable and "imputed" in columns["Monthly Charges"].note
    assert not columns["tenure"].nullable


def test_ranges_have_a_margin_and_never_go_negative_without_cause(tmp_path: Path) -> None:
    columns = _by_name(_infer(_churn(tmp_path), "churned"))
    tenure, charges = columns["tenure"], columns["Monthly Charges"]
    assert (tenure.dtype, tenure.min, tenure.max) == ("integer", 0, 7)  # 0..6 widened
    assert charges.dtype == "float"
    assert charges.min < 20.0 and charges.max > 20 + 59 * 1.5
    assert charges.min >= 0


def test_field_names_are_distinct_python_identifiers(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "odd.csv",
        "class,Größe (cm),2nd value,a b,a-b,y",
        [f"{i},{i}.5,{i * 2},{i % 3},{i % 4},{i % 2}" for i in range(30)],
    )
    fields = [c.field for c in _infer(path, "y").columns]
    assert fields == ["class_", "größe_cm", "c_2nd_value", "a_b", "a_b_2", "y"]
    assert all(f.isidentifier() for f in fields)


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["red", "green", "blue"], "classification"),
        (["0", "1", "2"], "classification"),
        ([str(i) for i in range(40)], "regression"),  # a count with many values
        (["0.5", "1.25", "3.0"], "regression"),
    ],
    ids=["text labels", "few integers", "many integers", "floats"],
)
def test_task_is_inferred_from_the_target(tmp_path: Path, values: list[str], task: str) -> None:
    rows = [f"{i % 10},{values[i % len(values)]}" for i in range(80)]  # x: not a row number
    assert _infer(_csv(tmp_path / "t.csv", "x,y", rows), "y").task == task


def test_task_can_be_overridden_when_it_fits(tmp_path: Path) -> None:
    path = _csv(tmp_path / "t.csv", "x,y", [f"{i % 10},{i % 3}" for i in range(60)])
    inferred = _infer(path, "y", task="regression")
    assert inferred.task == "regression"
    assert _by_name(inferred)["y"].categories is None


def test_parquet_types_come_from_the_file(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 50
    frame = pa.table(
        {
            "age": pa.array([20 + i for i in range(n)], pa.int32()),
            "score": pa.array([i / 3 if i % 5 else None for i in range(n)], pa.float64()),
            "member": pa.array([i % 2 == 0 for i in range(n)]),
            "plan": pa.array(["basic", "pro"] * (n // 2)).dictionary_encode(),
            "label": pa.array(["a", "b", "c", "d", "e"] * (n // 5)),
        }
    )
    path = tmp_path / "data.parquet"
    pq.write_table(frame, path, row_group_size=7)  # several row groups, streamed
    columns = _by_name(_infer(path, "label"))
    assert {n: c.kind for n, c in columns.items()} == {
        "age": "numeric",
        "score": "numeric",
        "member": "boolean",
        "plan": "categorical",
        "label": "categorical",
    }
    assert columns["score"].nullable and not columns["age"].nullable
    assert columns["label"].categories == ["a", "b", "c", "d", "e"]


def test_the_whole_file_is_read_not_only_its_first_block(tmp_path: Path) -> None:
    """A CSV is streamed in 4 MiB blocks: a value near the end still counts."""
    rows = [f"{i % 100},{i % 2}" for i in range(600_000)]  # about 3.5 MB...
    rows += [f"{10**6},{0}" for _ in range(200_000)]  # ...then a block with a large value
    inferred = _infer(_csv(tmp_path / "big.csv", "x,y", rows), "y")
    assert inferred.rows == 800_000
    assert _by_name(inferred)["x"].max >= 10**6


@pytest.mark.parametrize(
    ("content", "target", "message"),
    [
        (None, "y", "no such file"),
        ("", "y", "is empty"),
        ("x,y\n", "y", "has no rows of data"),
        ("x,x,y\n1,2,3\n", "y", "duplicate column names: x"),
        ("x,,y\n1,2,3\n", "y", "column 2 has no name"),
        ("x,target\n" + "1,1\n" * 30, "targte", "not a column of data.csv; did you mean target?"),
        ("x,y\n" + "1,5\n" * 30, "y", "the same value in every row; nothing to predict"),
        ("x,y\n" + "1,\n" * 30, "y", "every value is missing"),
        ("x,y\n" + "1,a\n2,b\n" * 15 + "3,c\n", "y", "class 'c' has a single row"),
        ("x,y\n" + "1,a\n2,b\n" * 5, "y", "has 10 rows with a y; the train/test split needs"),
        ("x,y\n" + "".join(f"{i},{i}.5\n" for i in range(30)), "x,task=nope", "not one of"),
    ],
    ids=[
        "missing file",
        "empty file",
        "header only",
        "duplicate columns",
        "unnamed column",
        "target not a column",
        "constant target",
        "target all missing",
        "a class of one row",
        "too few rows",
        "unknown task",
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, content: str | None, target: str, message: str
) -> None:
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    target, _, task = target.partition(",task=")
    out = tmp_path / "schema.yaml"
    args = [BIN / "mlops-new", "schema", path, "--target", target, "-o", out]
    proc = subprocess.run(
        [str(a) for a in [*args, *(["--task", task] if task else [])]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == (
        [] if content is None else ["data.csv"]
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("data.xlsx", b"PK\x03\x04", "not a CSV or Parquet file"),
        ("data.csv", "x,y\n1,é\n".encode("latin-1"), "not UTF-8"),
        ("folder", None, "is not a file"),
    ],
    ids=["spreadsheet", "latin-1", "a folder"],
)
def test_unreadable_tables_are_refused(tmp_path: Path, name: str, data, message: str) -> None:
    path = tmp_path / name
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    with pytest.raises(UsageError, match=message):
        table.read(path)


def test_regression_needs_a_numeric_target(tmp_path: Path) -> None:
    path = _csv(tmp_path / "t.csv", "x,y", [f"{i % 10},{'ab'[i % 2]}" for i in range(40)])
    with pytest.raises(UsageError, match="task=regression needs a numeric target"):
        _infer(path, "y", task="regression")


def test_the_command_writes_a_schema_that_reads_back(tmp_path: Path) -> None:
    import yaml

    out = tmp_path / "schema.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "mlops_new", "schema", _churn(tmp_path), "--target", "churned",
         "-o", out],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{out}: 4 features, target churned (classification)"
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["target"] == "churned" and written["task"] == "classification"
    assert [c["name"] for c in written["columns"] if c["role"] == "feature"] == [
        "Monthly Charges",
        "class",
        "tenure",
        "paid",
    ]
    assert out.read_text(encoding="utf-8").startswith("# The data's schema, inferred by")


def test_the_docs_commands_run(tmp_path: Path) -> None:
    """Every command of docs/your-data.md's example runs as written (a project's creation
    with `--defaults --no-lock --no-git` added: no prompts, no lock, no git here)."""
    import os
    import re

    import pyarrow as pa
    import pyarrow.parquet as pq

    from .helpers import ROOT

    page = (ROOT / "docs" / "your-data.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", page, re.S)
    assert block is not None
    _churn(tmp_path)
    n = 40
    sales = {"store": [f"s{i % 4}" for i in range(n)], "revenue": [i * 1.5 for i in range(n)]}
    pq.write_table(pa.table(sales), tmp_path / "sales.parquet")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    for line in block[1].strip().splitlines():
        command = line.split("  #")[0].strip()
        if "--dataset" in command:
            command += " --defaults --no-lock --no-git"
        proc = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"{command}: {proc.stderr}"
    assert (tmp_path / "schema.yaml").is_file()
    assert (tmp_path / "churn" / "data" / "raw" / "churn.csv").is_file()
    assert (tmp_path / "sales" / "data" / "schema.yaml").is_file()


def test_a_csv_delimiter_is_recorded_for_the_project_to_read_with(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("x;y\n" + "".join(f"{i % 7};{i % 2}\n" for i in range(30)), encoding="utf-8")
    inferred = schema.infer(table.read(path), "y")
    assert inferred.as_dict()["delimiter"] == ";"
    assert list(inferred.as_dict())[-1] == "columns"  # the columns come last, as people read it


def test_personal_columns_are_never_features_and_their_values_never_listed(tmp_path) -> None:
    """D5: a column personal by its name or by most of its values gets role personal."""
    lines = [
        f"{['Ann', 'Bo', 'Cy'][i % 3]},{i % 5},contact{i}@example.org,+44 20 7946 {i:04d},"
        f"{['a', 'b'][i % 2]},{i * 1.5},{i % 2}"
        for i in range(40)
    ]
    header = "First Name,zip,contact,reach,group,amount,label"
    inferred = _infer(_csv(tmp_path / "people.csv", header, lines), "label")
    columns = _by_name(inferred)
    for name, why in [("First Name", "name"), ("zip", "name"), ("contact", "values")]:
        column = columns[name]
        assert (column.role, column.pii) == ("personal", True), name
        assert column.categories is column.min is column.max is None, name
        assert f"by its {why}" in (column.note or ""), name
    assert columns["reach"].role == "personal"  # phone numbers, by their values
    assert [c.name for c in inferred.features] == ["group", "amount"]
    written = schema.to_yaml(inferred, version="0", source=None)
    assert "Ann" not in written and "example.org" not in written


def test_the_generated_gates_use_the_same_personal_patterns() -> None:
    """The inference and the generated project's D5 gate must agree on what is personal."""
    gates = next((ROOT / "template" / "src").glob("*/gates.py.jinja")).read_text("utf-8")
    found = {
        name: eval(code, {"re": re})  # the template's own re.compile(...) expressions
        for name, code in re.findall(r"^(PERSONAL_\w+) = (re\.compile\(.*?^\))", gates, re.M | re.S)
    }
    assert found.keys() == {"PERSONAL_NAME", "PERSONAL_VALUE"}
    for name, pattern in found.items():
        assert (pattern.pattern, pattern.flags) == (
            getattr(schema, name).pattern,
            getattr(schema, name).flags,
        ), name
