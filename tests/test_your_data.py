"""Projects made from real data sets: `mlops-new p --dataset F --target T` is green on them.

Four tables that installed packages ship (scikit-learn's wine, breast_cancer and diabetes,
and palmerpenguins' penguins, with categorical columns, missing values and, here, column
names that are not Python identifiers), each with another ML framework: the project's own
`make setup test pipeline lint monitor` pass, a second `make pipeline` does nothing, and a
served /predict answers a row of the data. For one, `make push`/`pull` round-trips the data.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from .helpers import CLI, commit, copy_template, free_port, release, run, template_repo, torch_index
from .test_generated_project import _post, _server

pytestmark = pytest.mark.slow

EXPORT = """
import sys
from pathlib import Path

import palmerpenguins
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

out = Path(sys.argv[1])
load_wine(as_frame=True).frame.to_csv(out / "wine.csv", index=False)
# Semicolons, as spreadsheets in many locales write CSV: the schema records the delimiter.
load_breast_cancer(as_frame=True).frame.to_csv(out / "breast_cancer.csv", index=False, sep=";")
load_diabetes(as_frame=True, scaled=False).frame.to_csv(out / "diabetes.csv", index=False)
awkward = {"bill_length_mm": "bill length (mm)", "body_mass_g": "Körpermasse g", "island": "class"}
penguins = palmerpenguins.load_penguins().rename(columns=awkward)
penguins.to_csv(out / "penguins.csv", index=False)
"""
#: name: (target, ml_framework, the task the inference must find)
DATASETS = {
    "wine": ("target", "none", "classification"),
    "breast_cancer": ("target", "scikit-learn", "classification"),
    "diabetes": ("target", "pytorch", "regression"),
    "penguins": ("species", "scikit-learn", "classification"),
}


@pytest.fixture(scope="session")
def tables(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    """The four tables as CSV files, exported by the packages that ship them."""
    out = tmp_path_factory.mktemp("tables")
    (out / "export.py").write_text(EXPORT, encoding="utf-8")
    with_packages = ["scikit-learn==1.9.1", "pandas==3.1.1", "palmerpenguins==0.1.6"]
    command = ["uv", "run", "--no-project", "--python", "3.12"]
    command += [arg for package in with_packages for arg in ("--with", package)]
    run([*command, "python", "export.py", str(out)], cwd=out, env=session_env, check=True)
    return out


def _make(project: Path, env, *targets: str) -> str:
    proc = run(["make", *targets], cwd=project, env=env, timeout=1200)
    assert proc.returncode == 0, (
        f"make {' '.join(targets)}:\n{proc.stdout[-4000:]}{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.mark.parametrize("name", DATASETS)
def test_a_project_from_a_data_set_is_green(name: str, tables: Path, tmp_path: Path, env) -> None:
    target, framework, task = DATASETS[name]
    args = ["--defaults", "--dataset", str(tables / f"{name}.csv"), "--target", target]
    args += ["--data", f"ml_framework={framework}"]
    if framework == "pytorch":
        args += ["--data", "python_version=3.11"]
        env = env | {"UV_INDEX": f"pytorch-cpu={torch_index(tmp_path / 'torch-index')}"}
    run([CLI, "p", *args], cwd=tmp_path, env=env, check=True, timeout=900)
    project = tmp_path / "p"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["task"], answers["target"]) == (task, target)

    _make(project, env, "setup")
    _make(project, env, "test")
    _make(project, env, "pipeline")
    again = _make(project, env, "pipeline")
    assert "Running stage" not in again, again  # nothing changed: nothing runs
    _make(project, env, "lint")
    _make(project, env, "monitor")
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    print(f"{name} ({task}, {framework}): {metrics}")  # the figures for the closing note
    tested = _make(project, env, "test")
    assert "no saved model" not in tested, tested  # the saved model was checked too

    # A row of the data, by the names of the data file, to the served model.
    schema = yaml.safe_load((project / "data" / "schema.yaml").read_text(encoding="utf-8"))
    with (tables / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
        rows = csv.DictReader(stream, delimiter=schema["delimiter"])
        row = next(r for r in rows if all(r.values()))  # a row with no value missing
    record = {
        c["name"]: (float(row[c["name"]]) if c["kind"] == "numeric" else row[c["name"]])
        for c in schema["columns"]
        if c["role"] == "feature"
    }
    port = free_port()
    command = ["make", "serve", f"PORT={port}"]
    with _server(command, port=port, cwd=project, env=env) as (base, health):
        trained = json.loads((project / "models/metadata.json").read_text(encoding="utf-8"))
        served = {"model_version": trained["model_version"], "trained_at": trained["trained_at"]}
        assert health == {"status": "ok", "model_loaded": True, **served}
        status, body = _post(base, {"instances": [record]})
        assert status == 200, body
        assert len(body["predictions"]) == 1
        target_column = next(c for c in schema["columns"] if c["role"] == "target")
        if task == "classification":
            classes = {str(label) for label in target_column["categories"]}
            assert str(body["predictions"][0]) in classes, (row, body)
        else:
            assert isinstance(body["predictions"][0], float), body


def test_push_and_pull_round_trip_the_users_data(tables: Path, tmp_path: Path, env) -> None:
    source = tables / "wine.csv"
    args = ["--defaults", "--dataset", str(source), "--target", "target"]
    run([CLI, "p", *args], cwd=tmp_path, env=env, check=True, timeout=900)
    project = tmp_path / "p"
    _make(project, env, "setup", "pipeline")
    _make(project, env, "push")
    (project / "data" / "raw" / "wine.csv").unlink()
    shutil.rmtree(project / ".dvc" / "cache")
    _make(project, env, "pull")
    pulled = project / "data" / "raw" / "wine.csv"
    assert pulled.read_bytes() == source.read_bytes()
    assert os.stat(pulled).st_size > 0


def test_update_keeps_the_data_the_schema_and_its_edits(tables: Path, tmp_path: Path, env) -> None:
    """A project made from a data set, its schema edited by the user, updated across a
    template release: the data, the schema and the edit stay; the release's change arrives."""
    repo = template_repo(copy_template(tmp_path / "template"), {"v1.0.0": {}}, env)
    source = tables / "wine.csv"
    args = ["--defaults", "--template", str(repo), "--vcs-ref", "v1.0.0"]
    args += ["--dataset", str(source), "--target", "target"]
    run([CLI, "p", *args], cwd=tmp_path, env=env, check=True, timeout=900)
    project = tmp_path / "p"
    schema = project / "data" / "schema.yaml"
    column = "- name: proline\n  field: proline\n  kind: numeric\n  role: feature\n"
    assert column in schema.read_text(encoding="utf-8")
    edited = schema.read_text(encoding="utf-8").replace(column, column.replace("feature", "other"))
    schema.write_text(edited + "# Ours: proline is measured differently since 2025.\n")
    commit(project, env, "schema: proline is no longer a feature")
    tracked = (project / "data" / "raw" / "wine.csv.dvc").read_text(encoding="utf-8")

    note = "# Template v1.1.0: a train note.\n"
    train = "template/src/{{ package_name }}/train.py"
    release(repo, "v1.1.0", {train: (repo / train).read_text(encoding="utf-8") + note}, env)
    run([CLI, "update"], cwd=project, env=env, check=True, timeout=900)

    assert schema.read_text(encoding="utf-8").endswith("since 2025.\n")
    assert "role: other" in schema.read_text(encoding="utf-8")
    assert (project / "data" / "raw" / "wine.csv").read_bytes() == source.read_bytes()
    assert (project / "data" / "raw" / "wine.csv.dvc").read_text(encoding="utf-8") == tracked
    assert (project / "src" / "p" / "train.py").read_text(encoding="utf-8").endswith(note)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert (answers["dataset"], answers["target"], answers["_commit"]) == (
        "data/raw/wine.csv",
        "target",
        "v1.1.0",
    )
    _make(project, env, "setup")
    _make(project, env, "test")  # the edited schema: twelve features, and still green
