"""mlops-new doctor --rubric ml-test-score: generated projects, one gate removed at a time,
foreign layouts, the automation chain, and the command line."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from mlops_new import create
from mlops_new.doctor.rubric import Scorecard, score

from .helpers import write_tree

#: The defaults project, test by test, as the rubric's rules give it: every gate of
#: params.yaml runs in the dvc stage `gates` that CI's `make pipeline` runs, M7 on the
#: penguins' `sex` and M4's backtest over their `year`; the scheduled traffic job (make
#: monitor-traffic) checks online feedback (M2, Mon7) and served latency (Mon6); rollback
#: is a make target that no CI job runs (0.5).
DEFAULTS = {
    "D1": 1, "D2": 1, "D3": 1, "D4": 1, "D5": 1, "D6": 1, "D7": 1,
    "M1": 1, "M2": 1, "M3": 1, "M4": 1, "M5": 1, "M6": 1, "M7": 1,
    "I1": 1, "I2": 1, "I3": 1, "I4": 1, "I5": 1, "I6": 1, "I7": 0.5,
    "Mon1": 1, "Mon2": 1, "Mon3": 1, "Mon4": 1, "Mon5": 1, "Mon6": 1, "Mon7": 1,
}  # fmt: skip
#: The minimal preset has no CI: what its make targets run is a manual procedure (0.5);
#: no serving (D6), no dvc pipeline nor CI (I3), no image (I6, I7), no bot (Mon1).
MINIMAL = {
    "D1": 0.5, "D2": 0.5, "D3": 0.5, "D4": 0.5, "D5": 0.5, "D6": 0, "D7": 0.5,
    "M1": 0.5, "M2": 0, "M3": 0.5, "M4": 0.5, "M5": 0.5, "M6": 0.5, "M7": 0.5,
    "I1": 0.5, "I2": 0.5, "I3": 0.5, "I4": 0.5, "I5": 0.5, "I6": 0, "I7": 0,
    "Mon1": 0, "Mon2": 0.5, "Mon3": 0.5, "Mon4": 0.5, "Mon5": 0.5, "Mon6": 0, "Mon7": 0,
}  # fmt: skip


def render(where: Path, **kw) -> Path:
    return create(where / "project", git=False, lock=False, **kw).path


@pytest.fixture(scope="module")
def defaults_project(tmp_path_factory) -> Path:
    return render(tmp_path_factory.mktemp("defaults"))


@pytest.fixture
def broken(defaults_project: Path, tmp_path: Path) -> Path:
    """A private copy of the defaults project, free to break."""
    return Path(shutil.copytree(defaults_project, tmp_path / "copy"))


def by_id(card: Scorecard) -> dict[str, float]:
    return {t.id: t.score for t in card.tests}


def section_of(test: str) -> str:
    return {"D": "data", "M": "model", "I": "infrastructure", "Mon": "monitoring"}[
        test.rstrip("0123456789")
    ]


# ---- generated projects ---------------------------------------------------------------


def test_defaults_project_scores_test_by_test(defaults_project: Path) -> None:
    card = score(defaults_project)
    assert by_id(card) == DEFAULTS
    assert card.sections == {"data": 7, "model": 7, "infrastructure": 6.5, "monitoring": 7}
    assert card.score == 6.5
    evidence = {t.id: t.evidence for t in card.tests}
    assert re.match(r"params\.yaml:\d+ gates\.importance; src/project/gates\.py:\d+ \(CI job "
                    r"pipeline \(\.github/workflows/ci\.yml:\d+\) → make pipeline → dvc stage "
                    r"gates\)$", evidence["D2"])  # fmt: skip
    assert "gates.groups" in evidence["M7"] and "gates.backtest" in evidence["M4"], evidence
    assert "make rollback (Makefile:" in evidence["I7"] and "no CI job runs it" in evidence["I7"]
    assert "release.yml" in evidence["I6"]


def test_minimal_project_is_scored_as_a_manual_process(tmp_path: Path) -> None:
    card = score(render(tmp_path, preset="minimal"))
    assert by_id(card) == MINIMAL
    assert card.sections == {"data": 3, "model": 3, "infrastructure": 2.5, "monitoring": 2}
    assert card.score == 2
    manual = [t.evidence for t in card.tests if t.score == 0.5]
    assert all("no CI job runs it" in e or "by hand" in e for e in manual), manual


def test_full_project_scores_like_the_defaults_on_both_ci_services(tmp_path: Path) -> None:
    project = render(tmp_path, preset="full")
    card = score(project)
    assert by_id(card) == DEFAULTS
    assert card.score == 6.5
    # With GitLab CI alone, its jobs carry the same chain.
    shutil.rmtree(project / ".github")
    gitlab = by_id(score(project))
    assert gitlab["D2"] == gitlab["I4"] == gitlab["M1"] == 1
    assert gitlab["Mon1"] == 0.5  # its template-check job runs only from a schedule set by hand
    assert gitlab["I6"] == 1  # the GitLab image job runs the canary inside the image
    # Its traffic job too runs only from a schedule set up by hand.
    assert gitlab["M2"] == gitlab["Mon6"] == gitlab["Mon7"] == 0.5


def test_without_a_group_attribute_m7_scores_0(broken: Path) -> None:
    params = broken / "params.yaml"
    params.write_text(params.read_text().replace("attribute: sex", "attribute: null"))
    found = next(t for t in score(broken).tests if t.id == "M7")
    assert found.score == 0 and "no attribute declared" in found.evidence, found


def test_m4_needs_a_time_column_and_the_backtest(broken: Path) -> None:
    schema = broken / "data" / "schema.yaml"
    text = schema.read_text()
    assert "  role: time\n" in text and by_id(score(broken))["M4"] == 1
    schema.write_text(text.replace("  role: time\n", "  role: other\n"))
    assert by_id(score(broken))["M4"] == 0
    schema.write_text(text)
    found = next(t for t in score(broken).tests if t.id == "M4")
    assert found.score == 1 and "gates.backtest" in found.evidence, found
    params = broken / "params.yaml"
    params.write_text(params.read_text().replace("  backtest:\n", "  backtest_off:\n"))
    assert by_id(score(broken))["M4"] == 0


# ---- one gate removed at a time ---------------------------------------------------------


def drop_params(*keys: str):
    """Delete a key (dotted) from params.yaml."""

    def edit(project: Path) -> None:
        data = yaml.safe_load((project / "params.yaml").read_text())
        for key in keys:
            *parents, last = key.split(".")
            node = data
            for part in parents:
                node = node[part]
            del node[last]
        (project / "params.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    return edit


def drop_line(name: str, pattern: str):
    """Delete the lines of `name` that match `pattern`."""

    def edit(project: Path) -> None:
        path = project / name
        lines = path.read_text().splitlines(keepends=True)
        kept = [line for line in lines if not re.search(pattern, line)]
        assert len(kept) < len(lines), f"{pattern} is not in {name}"
        path.write_text("".join(kept))

    return edit


def switch_off(key: str):
    def edit(project: Path) -> None:
        data = yaml.safe_load((project / "params.yaml").read_text())
        data["gates"][key]["enabled"] = False
        (project / "params.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    return edit


REMOVALS = {
    "D2": drop_params("gates.importance"),
    "D3": drop_params("gates.cost"),
    "D4": drop_params("gates.deny"),
    "M3": drop_params("tune"),
    "M5": drop_params("gates.simpler"),
    "M6": drop_params("gates.slices"),
    "M4": drop_params("gates.backtest"),
    "M7": drop_params("gates.groups"),
    "I4": drop_params("gates.quality"),
    "Mon4": drop_params("gates.max_model_age_days"),
    "M1": drop_line(".github/workflows/ci.yml", r"make check-lock"),
    "I6": drop_line(".github/workflows/release.yml", r"make canary|IMAGE: "),
    "D5": drop_line("src/project/gates.py", r"^\s+privacy_gate\(train\),$|Gate\(\"D5\""),
}


@pytest.mark.parametrize("test", sorted(REMOVALS))
def test_removing_a_gate_drops_exactly_its_points(broken: Path, test: str) -> None:
    before = score(broken)
    REMOVALS[test](broken)
    after = score(broken)
    lost = by_id(before)[test] - by_id(after)[test]
    assert lost > 0, next(t.evidence for t in after.tests if t.id == test)
    assert {k: v for k, v in by_id(after).items() if k != test} == {
        k: v for k, v in by_id(before).items() if k != test
    }
    section = section_of(test)
    assert before.sections[section] - after.sections[section] == lost


def test_without_the_gates_stage_no_gate_counts(broken: Path) -> None:
    dvc = yaml.safe_load((broken / "dvc.yaml").read_text())
    del dvc["stages"]["gates"]
    (broken / "dvc.yaml").write_text(yaml.safe_dump(dvc, sort_keys=False))
    card = by_id(score(broken))
    gated = ["D2", "D3", "D4", "D5", "M3", "M4", "M5", "M6", "M7", "I4"]
    assert [card[t] for t in gated] == [0] * len(gated)
    # D1 still holds: the validate stage checks the data against the schema.
    assert {t: card[t] for t in card if t not in gated} == {
        t: v for t, v in DEFAULTS.items() if t not in gated
    }


@pytest.mark.parametrize("test, key", [("D2", "importance"), ("M5", "simpler")])
def test_a_gate_switched_off_scores_0(broken: Path, test: str, key: str) -> None:
    switch_off(key)(broken)
    found = next(t for t in score(broken).tests if t.id == test)
    assert found.score == 0 and "enabled: false" in found.evidence


def test_without_ci_the_gates_are_a_manual_procedure(broken: Path) -> None:
    shutil.rmtree(broken / ".github")
    card = by_id(score(broken))
    assert card["D2"] == card["M5"] == card["I4"] == 0.5  # `make pipeline` by hand
    assert card["Mon1"] == 0


# ---- foreign layouts ----------------------------------------------------------------------

CCDS = {
    "README.md": "# churn\n\nTrain with `make train`; `pytest` runs the tests.\n",
    "requirements.txt": "pandas\nscikit-learn\n",
    "Makefile": "train:\n\tpython src/models/train_model.py\n",
    "data/raw/.gitkeep": "",
    "notebooks/1.0-eda.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    "src/__init__.py": "",
    "src/models/train_model.py": (
        "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
        "df = pd.read_csv('data/processed/train.csv')\n"
        "model = RandomForestClassifier().fit(df.drop(columns='y'), df['y'])\n"
    ),
}


def test_a_cookiecutter_data_science_tree_scores_near_0(tmp_path: Path) -> None:
    write_tree(tmp_path, CCDS)
    card = score(tmp_path)
    assert all(value <= 1 for value in card.sections.values()), card.sections
    assert card.score == 0
    assert card.reading == "a research project"


def test_ci_that_runs_a_make_target_makes_its_checks_automated(tmp_path: Path) -> None:
    tree = dict(CCDS)
    tree["src/models/train_model.py"] += (
        "from sklearn.model_selection import GridSearchCV\n"
        "search = GridSearchCV(RandomForestClassifier(), {'n_estimators': [10, 100]})\n"
    )
    write_tree(tmp_path, tree)
    assert by_id(score(tmp_path))["M3"] == 0.5  # `make train`, by hand
    write_tree(
        tmp_path,
        {
            "Makefile": "ci: lint\n\t$(MAKE) train\nlint:\n\techo lint\n"
            "train:\n\tpython src/models/train_model.py\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  build:\n    runs-on: x\n"
            "    steps:\n      - run: make ci\n",
        },
    )
    found = next(t for t in score(tmp_path).tests if t.id == "M3")
    assert found.score == 1
    assert found.evidence == (
        "src/models/train_model.py:6 (CI job build (.github/workflows/ci.yml:6) → make ci"
        " → make train)"
    )


def test_an_option_ci_does_not_pass_is_a_manual_step(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "Makefile": "monitor:\n\tpython -m app.monitor$(if $(LOG), --log $(LOG))\n",
            ".gitlab-ci.yml": "watch:\n  script:\n    - make monitor\n",
            "params.yaml": "gates: {}\nserving:\n  max_latency_ms: 200\n",
            "app/monitor.py": "",
        },
    )
    found = next(t for t in score(tmp_path).tests if t.id == "Mon6")
    assert found.score == 0.5 and "no CI job runs it" in found.evidence
    (tmp_path / ".gitlab-ci.yml").write_text("watch:\n  script:\n    - make monitor LOG=x\n")
    found = next(t for t in score(tmp_path).tests if t.id == "Mon6")
    assert found.score == 1 and "CI job watch (.gitlab-ci.yml:3)" in found.evidence


def test_a_ci_job_started_by_hand_is_a_manual_step(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitlab-ci.yml": "rollback:\n  when: manual\n  script:\n    - make rollback\n"
            "canary:\n  script:\n    - make canary\n",
            "Makefile": "rollback:\n\techo back\ncanary:\n\techo canary\n",
        },
    )
    card = {t.id: t for t in score(tmp_path).tests}
    assert card["I7"].score == 0.5
    assert card["I7"].evidence == (
        "`make rollback` (CI job rollback (.gitlab-ci.yml:4, started by hand); "
        "no CI job runs it on its own)"
    )
    assert card["I6"].score == 1


def test_a_subcommand_does_not_count_as_running_the_whole_module(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "params.yaml": "gates:\n  simpler: {}\n",
            "Makefile": "check:\n\tpython -m app.gates lock\n",
            ".github/workflows/ci.yml": "jobs:\n  a:\n    steps:\n      - run: make check\n",
            "app/gates.py": 'GATE = Gate("M5", True)\n',
        },
    )
    assert by_id(score(tmp_path))["M5"] == 0


def test_scoring_runs_none_of_the_repository_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write_tree(
        tmp_path,
        {
            "Makefile": f"test:\n\ttouch {marker}\n",
            ".github/workflows/ci.yml": "jobs:\n  a:\n    steps:\n      - run: make test\n",
            "tests/conftest.py": f"open({str(marker)!r}, 'w')\n",
            "tests/test_x.py": f"open({str(marker)!r}, 'w')\ndef test_x(): pass\n",
            "setup.py": f"open({str(marker)!r}, 'w')\n",
        },
    )
    score(tmp_path)
    assert not marker.exists()


# ---- the command line -------------------------------------------------------------------


def test_cli_json_has_the_documented_shape(cli, defaults_project: Path) -> None:
    proc = cli("doctor", str(defaults_project), "--rubric", "ml-test-score", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["score"] == 6.5
    assert data["sections"] == {"data": 7, "model": 7, "infrastructure": 6.5, "monitoring": 7}
    assert [t["id"] for t in data["tests"]] == list(DEFAULTS)
    assert all(set(t) >= {"id", "score", "evidence"} for t in data["tests"])
    assert {t["id"]: t["score"] for t in data["tests"]} == DEFAULTS


def test_cli_text_is_a_table_with_sections_and_the_score(cli, defaults_project: Path) -> None:
    proc = cli("doctor", str(defaults_project), "--rubric", "ml-test-score")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^D2 +1 +All features are beneficial$", proc.stdout, re.M)
    assert re.search(r"^I7 +0\.5 ", proc.stdout, re.M)
    assert "Model: 7 of 7" in proc.stdout
    assert "Score: 6.5 (data 7, model 7, infrastructure 6.5, monitoring 7)" in proc.stdout


def test_cli_refuses_an_unknown_rubric_in_one_line(cli, tmp_path: Path) -> None:
    proc = cli("doctor", str(tmp_path), "--rubric", "google")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["Error: --rubric google: choose ml-test-score"]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_cli_help_explains_the_rubric(cli) -> None:
    proc = cli("doctor", "--help")
    assert "--rubric" in proc.stdout and "ml-test-score" in proc.stdout
