"""The generated project's ML Test Score gates fail on the faults they guard against.

One project from a data set (iris, with a `site` column that data/schema.yaml declares an
attribute: kept to slice and group by, never a feature), set up and committed once; then
each fault is injected in turn (a weaker model, a denied column, a slow derived feature, a
site whose labels are noise, labels that change over time, a phone-number column, a column
of noise, an uncommitted params change). `make pipeline` (or `make check-lock`) must fail
naming the test id, and pass again once the fault is removed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from .helpers import CLI, commit, run

pytestmark = pytest.mark.slow

EXPORT = """
import sys

import numpy as np
from sklearn.datasets import load_iris

frame = load_iris(as_frame=True).frame.rename(columns=lambda name: name.replace(" (cm)", ""))
frame.columns = [name.replace(" ", "_") for name in frame.columns]
frame = frame.rename(columns={"target": "species"})
frame.insert(4, "site", np.where(np.random.default_rng(1).random(len(frame)) < 0.5, "a", "b"))
frame.to_csv(sys.argv[1], index=False)
"""


def _edit_yaml(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@contextmanager
def _fault(project: Path, *paths: str) -> Iterator[None]:
    """Keep the files as they are, and put them back afterwards."""
    saved = {path: (project / path).read_bytes() for path in paths}
    try:
        yield
    finally:
        for path, content in saved.items():
            (project / path).write_bytes(content)


def _make(project: Path, env, target: str = "pipeline") -> tuple[int, str]:
    proc = run(["make", target], cwd=project, env=env, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def _fails(project: Path, env, gate: str, target: str = "pipeline") -> str:
    code, out = _make(project, env, target)
    assert code != 0, f"make {target} passed with the fault for {gate}:\n{out[-3000:]}"
    assert f"{gate} FAILED" in out, out[-3000:]
    return out


def _passes(project: Path, env, target: str = "pipeline") -> str:
    code, out = _make(project, env, target)
    assert code == 0, f"make {target} failed without a fault:\n{out[-4000:]}"
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, session_env) -> Path:
    where = tmp_path_factory.mktemp("gates")
    (where / "export.py").write_text(EXPORT, encoding="utf-8")
    command = ["uv", "run", "--no-project", "--python", "3.12"]
    command += ["--with", "scikit-learn==1.9.1", "--with", "pandas==3.1.1"]
    run([*command, "python", "export.py", "flowers.csv"], cwd=where, env=session_env, check=True)
    args = ["--defaults", "--dataset", "flowers.csv", "--target", "species"]
    run([CLI, "p", *args], cwd=where, env=session_env, check=True, timeout=900)
    path = where / "p"
    run(["make", "setup"], cwd=path, env=session_env, check=True, timeout=900)

    def declare(params: dict) -> None:
        gates = params["gates"]
        gates["importance"] |= {"enabled": True, "allow": ["sepal_length", "sepal_width"]}
        gates["slices"]["columns"] = ["site"]
        gates["groups"]["attribute"] = "site"
        gates["groups"]["max_gap"] = 0.15

    def attribute(schema: dict) -> None:  # kept to group by, never a feature
        next(c for c in schema["columns"] if c["name"] == "site")["role"] = "attribute"

    _edit_yaml(path / "params.yaml", declare)
    _edit_yaml(path / "data/schema.yaml", attribute)
    out = _passes(path, session_env)
    report = json.loads((path / "reports/gates.json").read_text(encoding="utf-8"))
    assert report["passed"], report
    assert {"D1", "D2", "D3", "D4", "D5", "M3", "M5", "M6", "M7", "I4"} <= {
        key for key, gate in report["gates"].items() if gate["passed"]
    }, out
    commit(path, session_env, "A model that passes every gate")
    _passes(path, session_env, "check-lock")
    return path


def test_an_uncommitted_params_change_fails_m1(project: Path, session_env) -> None:
    with _fault(project, "params.yaml"):
        _edit_yaml(project / "params.yaml", lambda p: p["tune"].update(folds=4))
        out = _fails(project, session_env, "M1", "check-lock")
        assert "params.yaml" in out, out
    _passes(project, session_env, "check-lock")


def test_a_weaker_model_fails_against_the_committed_one(project: Path, session_env) -> None:
    with _fault(project, "params.yaml"):
        weak = {"n_estimators": [1], "max_depth": [1]}
        _edit_yaml(project / "params.yaml", lambda p: p["tune"].update(grid=weak))
        out = _fails(project, session_env, "I4")
        assert "worse by" in out, out[-2000:]
    _passes(project, session_env)


def test_a_denied_column_fails_d4(project: Path, session_env) -> None:
    with _fault(project, "params.yaml"):
        _edit_yaml(project / "params.yaml", lambda p: p["gates"].update(deny=["petal_width"]))
        code, out = _make(project, session_env)
        assert code != 0 and "D4:" in out and "petal_width" in out, out[-3000:]
    _passes(project, session_env)


def test_a_slow_derived_feature_fails_d3(project: Path, session_env) -> None:
    features = next(project.glob("src/*/features.py"))
    with _fault(project, str(features.relative_to(project))):
        text = features.read_text(encoding="utf-8")
        slow = (
            "def _slow(frame: pd.DataFrame) -> pd.Series:\n"
            "    import time\n\n"
            "    time.sleep(0.002 * len(frame))  # 2 ms a row: over the 1 ms budget\n"
            "    return frame['petal_length'] * frame['petal_width']\n\n\n"
            "DERIVED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {'area': _slow}\n"
        )
        old = "DERIVED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {}\n"
        features.write_text(text.replace(old, slow), encoding="utf-8")
        out = _fails(project, session_env, "D3")
        assert "area" in out, out[-2000:]
    _passes(project, session_env)


def test_a_site_served_badly_fails_m6_and_m7(project: Path, session_env) -> None:
    data = project / "data/raw/flowers.csv"
    with _fault(project, "data/raw/flowers.csv"):
        lines = data.read_text(encoding="utf-8").splitlines()
        header, rows = lines[0], [line.split(",") for line in lines[1:]]
        site = header.split(",").index("site")
        for number, row in enumerate(rows):
            if row[site] == "b":
                row[-1] = str(number % 3)  # labels that have nothing to do with the flower
        data.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
        out = _fails(project, session_env, "M6")
        assert "M7 FAILED" in out and "site=b" in out, out[-3000:]
    _passes(project, session_env)


def _add_column(project: Path, name: str, values: Callable[[int], str], entry: dict) -> None:
    """A new column: in the data file and, in one place in the code's world, the schema."""
    data = project / "data/raw/flowers.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    rows = [f"{lines[0]},{name}"] + [f"{line},{values(i)}" for i, line in enumerate(lines[1:])]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    column = {"name": name, "field": name, "kind": "numeric", "role": "feature"} | entry
    _edit_yaml(project / "data/schema.yaml", lambda s: s["columns"].append(column))


def test_a_model_that_ages_badly_fails_m4(project: Path, session_env) -> None:
    """M4: with a time column (a day per row, in an order unrelated to the flowers) the
    backtest passes; once the newest half of the days labels the flowers differently (the
    species trade places), the model trained on the oldest days fails it."""
    with _fault(project, "data/raw/flowers.csv", "data/schema.yaml"):
        day = {"role": "time", "dtype": "integer", "min": 0, "max": 149}
        _add_column(project, "day", lambda i: str(i * 7919 % 150), day)  # a permutation
        out = _passes(project, session_env)
        assert "M4 passed" in out, out[-3000:]
        data = project / "data/raw/flowers.csv"
        lines = data.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        species, when = header.index("species"), header.index("day")
        rows = [line.split(",") for line in lines[1:]]
        for row in rows:
            if int(row[when]) >= 75:
                row[species] = str((int(row[species]) + 1) % 3)
        data.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n")
        out = _fails(project, session_env, "M4")
        assert "max_decay" in out, out[-3000:]
    _passes(project, session_env)


def test_a_phone_number_column_fails_d5(project: Path, session_env) -> None:
    with _fault(project, "data/raw/flowers.csv", "data/schema.yaml"):
        phone = {"dtype": "integer", "min": 5550000, "max": 5559999}
        _add_column(project, "phone", lambda i: str(5550100 + i % 7), phone)
        _fails(project, session_env, "D5")
        _edit_yaml(
            project / "data/schema.yaml",
            lambda s: s["columns"][-1].update(role="other", pii=True, min=None, max=None),
        )
        _passes(project, session_env)
    _passes(project, session_env)


def test_a_new_column_flows_everywhere_and_noise_fails_d2(project: Path, session_env) -> None:
    """D6 and D2: one schema entry (with the data) reaches the features, the API, the tests
    and the drift check; being noise, it fails D2 until it is dropped."""
    package = next(project.glob("src/*/features.py")).parent.name
    with _fault(project, "data/raw/flowers.csv", "data/schema.yaml"):
        noise = {"dtype": "float", "min": -1.0, "max": 2.0}
        _add_column(project, "noise", lambda i: f"{(i * 7919 % 101) / 100:.2f}", noise)
        _passes(project, session_env, "test")
        fields = run(
            [
                "uv",
                "run",
                "python",
                "-c",
                f"from {package}.serve import Instance; "
                "from {package}.features import MODEL_FEATURES; "
                "print(sorted(Instance.model_fields), MODEL_FEATURES)".replace(
                    "{package}", package
                ),
            ],
            cwd=project,
            env=session_env,
            check=True,
        ).stdout
        assert fields.count("'noise'") == 2, fields
        out = _fails(project, session_env, "D2")
        assert "['noise']" in out, out[-2000:]
        _passes(project, session_env, "monitor")
        drift = json.loads((project / "reports/drift.json").read_text(encoding="utf-8"))
        assert "noise" in drift["features"], drift
    _passes(project, session_env)


def _version(project: Path) -> str:
    saved = json.loads((project / "models/metadata.json").read_text(encoding="utf-8"))
    return str(saved["model_version"])


def test_a_rollback_brings_back_the_earlier_model(project: Path, session_env) -> None:
    """I7: with a newer model committed, `make rollback REV=HEAD~1` brings back the earlier
    model, params and lock from the DVC cache, verified against that lock's hashes."""
    first = _version(project)
    other = {"n_estimators": [60], "max_depth": [4]}  # another model, as good
    _edit_yaml(project / "params.yaml", lambda p: p["tune"].update(grid=other))
    _passes(project, session_env)
    commit(project, session_env, "Another model")
    second = _version(project)
    assert second != first
    back = run(["make", "rollback", "REV=HEAD~1"], cwd=project, env=session_env, timeout=600)
    assert back.returncode == 0, back.stdout + back.stderr
    assert _version(project) == first and f"model-{first}" in back.stdout, back.stdout
    # A model file that is not the one the lock records fails the check.
    package = next(project.glob("src/*/metadata.py")).parent.name
    model = next((project / "models").glob("model.*"))
    kept = model.read_bytes()
    model.write_bytes(kept + b"\0")
    verify = ["uv", "run", "python", "-m", f"{package}.metadata", "verify"]
    broken = run(verify, cwd=project, env=session_env)
    assert broken.returncode == 1 and "is not the file dvc.lock records" in broken.stderr
    model.write_bytes(kept)
    usage = run(["make", "rollback"], cwd=project, env=session_env)
    assert usage.returncode != 0 and "usage: make rollback REV=" in usage.stderr
    run(["make", "rollback", "REV=HEAD"], cwd=project, env=session_env, check=True)
    assert _version(project) == second
