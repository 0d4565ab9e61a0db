"""`mlops-new PATH --dataset FILE --target COLUMN`: a project made from the user's own table.

Every unusable input stops before anything is written (one line, exit 2, no folder); a usable
one is copied into data/raw/ under a safe name, with data/schema.yaml beside it and the
answers recorded; with DVC (the default) and git, the first commit tracks it by its .dvc file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .helpers import copy_template, git, run, template_repo

FAST = ("--defaults", "--no-lock", "--no-git")


def _churn(path: Path, rows: int = 60) -> Path:
    lines = ["customer_id,tenure,plan,monthly,churned"]
    lines += [
        f"C{i:04d},{i % 13},{'abc'[i % 3]},{20 + i * 0.5:.2f},{'yes' if i % 3 else 'no'}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _one_line_refusal(proc, message: str, project: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert not project.exists()


@pytest.mark.parametrize(
    ("name", "content", "target", "message"),
    [
        ("data.csv", None, "y", "no such file"),
        ("data.csv", "folder", "y", "is not a file"),
        ("data.xlsx", b"PK\x03\x04", "y", "not a CSV or Parquet file"),
        ("data.csv", "", "y", "is empty"),
        ("data.csv", "x,y\n", "y", "has no rows of data"),
        ("data.csv", "x,x,y\n1,2,3\n", "y", "duplicate column names: x"),
        ("data.csv", "x,target\n" + "1,1\n2,0\n" * 15, "targte", "did you mean target?"),
        ("data.csv", "x,y\n" + "1,5\n" * 30, "y", "the same value in every row"),
        ("data.csv", "x,y\n" + "1,\n" * 30, "y", "every value is missing"),
        ("data.csv", "x,y\n" + "1,a\n2,b\n" * 15 + "3,c\n", "y", "class 'c' has a single row"),
        ("data.csv", "x,y\n" + "1,a\n2,b\n" * 5, "y", "the train/test split needs at least"),
        ("data.csv", "x,y\n" + "1,a\n2,b\n" * 15, "y,task=regression", "needs a numeric target"),
        ("data.csv", "x,y\n" + "1,a\n2,b\n" * 15, "y,task=nope", "not one of"),
    ],
    ids=[
        "missing file",
        "directory",
        "not csv or parquet",
        "empty",
        "header only",
        "duplicate columns",
        "target not a column",
        "constant target",
        "all-missing target",
        "single-row class",
        "too few rows",
        "regression on text",
        "unknown task",
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    cli, tmp_path: Path, name: str, content, target: str, message: str
) -> None:
    path = tmp_path / name
    if content == "folder":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    target, _, task = target.partition(",task=")
    extra = ["--data", f"task={task}"] if task else []
    proc = cli("p", *FAST, "--dataset", name, "--target", target, *extra)
    _one_line_refusal(proc, message, tmp_path / "p")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "churn.csv"], "--dataset churn.csv needs --target COLUMN"),
        (["--target", "churned"], "--target needs --dataset FILE"),
        (["--dataset", "data/raw/churn.csv", "--target", "churned"], "relative to the current"),
    ],
    ids=["dataset without target", "target without dataset", "a project path"],
)
def test_options_that_do_not_name_a_usable_file(cli, tmp_path: Path, args, message) -> None:
    _churn(tmp_path / "churn.csv")
    _one_line_refusal(cli("p", *FAST, *args), message, tmp_path / "p")


def _answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))


def _schema(project: Path) -> dict:
    return yaml.safe_load((project / "data" / "schema.yaml").read_text(encoding="utf-8"))


def test_a_csv_is_copied_with_its_schema_and_recorded(cli, tmp_path: Path) -> None:
    source = _churn(tmp_path / "churn.csv")
    proc = cli("p", *FAST, "--dataset", "churn.csv", "--target", "churned", check=True)
    project = tmp_path / "p"
    assert (project / "data" / "raw" / "churn.csv").read_bytes() == source.read_bytes()
    schema = _schema(project)
    assert (schema["target"], schema["task"], schema["rows"]) == ("churned", "classification", 60)
    assert schema["dataset"] == "data/raw/churn.csv"
    assert "from 60 rows of churn.csv" in (project / "data" / "schema.yaml").read_text()
    answers = _answers(project)
    assert (answers["dataset"], answers["target"], answers["task"]) == (
        "data/raw/churn.csv",
        "churned",
        "classification",
    )
    assert "train the model on data/raw/churn.csv" in proc.stdout
    # No git repository, so DVC could not track it: said, with what to run later.
    assert "dvc add data/raw/churn.csv" in proc.stdout


def test_a_parquet_file_works(cli, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 40
    sales = {"store": [f"s{i % 4}" for i in range(n)], "revenue": [i * 1.5 for i in range(n)]}
    pq.write_table(pa.table(sales), tmp_path / "sales.parquet")
    cli("p", *FAST, "--dataset", "sales.parquet", "--target", "revenue", check=True)
    project = tmp_path / "p"
    copied = project / "data" / "raw" / "sales.parquet"
    assert copied.read_bytes() == (tmp_path / "sales.parquet").read_bytes()
    assert (_schema(project)["format"], _schema(project)["task"]) == ("parquet", "regression")
    assert _answers(project)["dataset"] == "data/raw/sales.parquet"


def test_a_file_name_with_spaces_gets_a_safe_name(cli, tmp_path: Path) -> None:
    _churn(tmp_path / "My Churn Data (2024).CSV")
    cli("p", *FAST, "--dataset", "My Churn Data (2024).CSV", "--target", "churned", check=True)
    project = tmp_path / "p"
    assert _answers(project)["dataset"] == "data/raw/my-churn-data-2024.csv"
    assert (project / "data" / "raw" / "my-churn-data-2024.csv").is_file()
    assert "of My Churn Data (2024).CSV" in (project / "data" / "schema.yaml").read_text()


def test_task_regression_on_an_integer_target_is_recorded(cli, tmp_path: Path) -> None:
    _churn(tmp_path / "churn.csv")  # tenure: 13 integers, a class label by default
    args = ["--dataset", "churn.csv", "--target", "tenure", "--data", "task=regression"]
    cli("p", *FAST, *args, check=True)
    assert _answers(tmp_path / "p")["task"] == "regression"
    assert _schema(tmp_path / "p")["task"] == "regression"


def test_a_data_file_names_the_source_relative_to_here(cli, tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    _churn(tmp_path / "inputs" / "churn.csv")
    answers = tmp_path / "answers.yml"
    answers.write_text("dataset: inputs/churn.csv\ntarget: churned\n", encoding="utf-8")
    cli("p", *FAST, "--data-file", answers, check=True)
    assert _answers(tmp_path / "p")["dataset"] == "data/raw/churn.csv"


@pytest.mark.slow
def test_with_git_and_dvc_the_first_commit_tracks_the_data(tmp_path: Path, env) -> None:
    from .helpers import CLI

    _churn(tmp_path / "churn.csv")
    template = template_repo(copy_template(tmp_path / "template"), {"v0.1.0": {}}, env)
    args = ["--defaults", "--no-lock", "--template", template, "--vcs-ref", "v0.1.0"]
    args += ["--dataset", "churn.csv", "--target", "churned"]
    proc = run([CLI, "p", *args], cwd=tmp_path, env=env, check=True, timeout=900)
    assert "skipped" not in proc.stdout, proc.stdout
    project = tmp_path / "p"
    committed = git("ls-tree", "-r", "--name-only", "HEAD", cwd=project, env=env).splitlines()
    assert "data/raw/churn.csv.dvc" in committed
    assert "data/schema.yaml" in committed
    assert "data/raw/churn.csv" not in committed
    # DVC writes data/raw/.gitignore only where git does not ignore the file already (the
    # template's /data/*/?* does); committed where it is written.
    assert ((project / "data/raw/.gitignore").exists()) == ("data/raw/.gitignore" in committed)
    git("check-ignore", "-q", "data/raw/churn.csv", cwd=project, env=env)
    tracked = yaml.safe_load((project / "data" / "raw" / "churn.csv.dvc").read_text())
    assert tracked["outs"][0]["path"] == "churn.csv"
    assert git("status", "--porcelain", cwd=project, env=env) == ""
    assert len(git("log", "--oneline", cwd=project, env=env).splitlines()) == 1
