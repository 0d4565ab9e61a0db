"""The 28 tests of the ML Test Score (Breck et al., 2017), each scored 0, 0.5 or 1 from files.

Each test lists probes (doctor.probes) and scores the best one's points. A project that
declares its gates in params.yaml (`gates:`, as mlops-new's do) is scored on them: its own
gate for a test, its limits present and switched on, in a module that the pipeline runs.
Other repositories are scored on generic evidence (libraries and patterns of each practice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlops_new.doctor.automation import automation
from mlops_new.doctor.evidence import METRIC
from mlops_new.doctor.probes import Found, code, command, docs, gate, gates_params, params_key
from mlops_new.doctor.repo import Repo

Probe = Callable[[Repo], Found | None]

#: Section -> the prefix of its tests' ids.
SECTIONS = {"data": "D", "model": "M", "infrastructure": "I", "monitoring": "Mon"}
_PIPELINE = r"\bdvc\s+(repro|exp\s+run)\b|\bsnakemake\b|\bkedro\s+run\b|\bmetaflow\b|\bzenml\b"
_SCHEMA = (r"\b(pandera|great_expectations|DataFrameSchema|jsonschema|tfdv|"
           r"tensorflow_data_validation)\b|schema\.(ya?ml|json)")  # fmt: skip


@dataclass(frozen=True)
class MLTest:
    """One test of the rubric: its id, what it asks, and how it is probed."""

    id: str
    title: str
    #: Probes for any repository; the score is the best one's.
    generic: tuple[Probe, ...]
    #: For a project with `gates:` in params.yaml: the probes that replace `generic`.
    gated: tuple[Probe, ...] | None = None


def _code(pattern: str, scope: str = "src", prefer: str = "") -> Probe:
    return lambda repo: code(repo, pattern, scope=scope, prefer=prefer)


def _command(pattern: str) -> Probe:
    return lambda repo: command(repo, pattern)


def _docs(pattern: str, *, commands_only: bool = True) -> Probe:
    return lambda repo: docs(repo, pattern, commands_only=commands_only)


def _gate(test: str, key: str | None = None) -> tuple[Probe, ...]:
    return (lambda repo: gate(repo, test, key),)


def _with_key(key: str, probe: Probe) -> Probe:
    """`probe`, but 0 when params.yaml lacks `key` (the limit the check reads)."""

    def checked(repo: Repo) -> Found | None:
        present, value, line = params_key(repo, key)
        if not present or value is None:
            return Found(0, f"params.yaml has no {key}: nothing sets the limit")
        found = probe(repo)
        return found and Found(found.points, f"params.yaml:{line} {key}; {found.evidence}")

    return checked


def _metric_floor(repo: Repo) -> Found | None:
    """A test that asserts a model metric against a threshold (MLO106's evidence)."""
    found = code(repo, r"^\s*assert\b.*(>=|<=|(?<![-=])>|<)", scope="tests")
    if found and METRIC.search(found.evidence.split(" (")[0]):
        return found
    return code(repo, rf"^\s*assert\b.*({METRIC.pattern}).*(>=|>)", scope="tests")


def _single_source(repo: Repo) -> Found | None:
    """D6: one schema file that the pipeline, the serving code and the tests all read."""
    used = code(repo, r"schema\.ya?ml|\bSCHEMA\b")
    tested = code(repo, r"\bschema\b", scope="tests")
    served = repo.grep(r"\bschema\b", [f for f in repo.python_files if "serve" in f or "api" in f])
    if used and tested and served:
        points = min(used.points, tested.points)
        return Found(points, f"{used.evidence}; {served[0]}:{served[1]}; {tested.evidence}")
    return docs(repo, r"\badd(ing)? (a )?(new )?(column|feature)", commands_only=False)


def _updates(repo: Repo) -> Found | None:
    """Mon1: a bot that proposes dependency updates, or a scheduled CI check."""
    for name in (".github/dependabot.yml", ".github/dependabot.yaml", "renovate.json",
                 ".github/renovate.json", "renovate.json5", ".renovaterc"):  # fmt: skip
        hit = (
            repo.grep(r"package-ecosystem|extends|schedule", [name]) if repo.exists(name) else None
        )
        if hit or repo.exists(name):
            line = hit[1] if hit else 1
            return Found(1, f"{name}:{line} (a bot proposes dependency updates)")
    for job in automation(repo).jobs:
        if any("template-check" in c or "mlops-new check" in c for c in job.commands):
            if job.scheduled_only:
                return Found(0.5, f"{job.label}: runs only from a schedule set up by hand")
            return Found(1, f"{job.label} (compares with the template's latest release)")
    return None


def _backtest(repo: Repo) -> Found | None:
    """M4 in a gated project: its backtest gate, and a column with role time to run it on."""
    found = gate(repo, "M4", "gates.backtest")
    if not found.points:
        return found
    loaded = repo.yaml("data/schema.yaml")
    data = loaded.data if loaded is not None and loaded.ok else None
    columns = data.get("columns") if isinstance(data, dict) else None
    if not any(isinstance(c, dict) and c.get("role") == "time" for c in columns or ()):
        return Found(0, "data/schema.yaml has no column with role time: the backtest is not run")
    return found


def _review(repo: Repo) -> Found | None:
    """M1 by hand: specs in git, changed through a review that a checklist guides."""
    for name in (".github/pull_request_template.md", ".gitlab/merge_request_templates/Default.md",
                 "CODEOWNERS", ".github/CODEOWNERS", "CONTRIBUTING.md"):  # fmt: skip
        if repo.exists(name):
            return Found(0.5, f"{name}:1 (reviewed by hand; nothing checks the spec)")
    return None


TESTS = (
    MLTest("D1", "Feature expectations are captured in a schema",
           (_code(_SCHEMA, "any"), _docs(_SCHEMA)), (*_gate("D1"), _code(_SCHEMA))),
    MLTest("D2", "All features are beneficial",
           (_code(r"permutation_importance|feature_importances_|\bshap\b", "any"),),
           _gate("D2", "gates.importance")),
    MLTest("D3", "No feature costs too much",
           (_code(r"feature_cost|cost_per_feature|max_ms_per_row", "any"),),
           _gate("D3", "gates.cost")),
    MLTest("D4", "Features adhere to meta-level requirements",
           (_code(r"(?i)deny[_-]?list|block[_-]?list|forbidden_(columns|features)", "any"),),
           _gate("D4", "gates.deny")),
    MLTest("D5", "The data pipeline has privacy controls",
           (_code(r"(?i)\bpii\b|presidio|anonymi[sz]|pseudonymi[sz]", "any"),), _gate("D5")),
    MLTest("D6", "New features can be added quickly", (_single_source,)),
    MLTest("D7", "All input feature code is tested",
           (_code(r"^\s*(from|import)\s+\S*features?\b|\bimport\b.*\bfeatures?\b", "tests",
                  "feature"),
            _docs(r"\bpytest\b|make test\b"))),
    MLTest("M1", "Model specs are reviewed and checked in",
           (_command(r"\bgates\s+lock\b|\bdvc\s+status\b|\bcheck-lock\b"), _review)),
    MLTest("M2", "Offline and online metrics correlate",
           (_command(r"--feedback\b|--traffic\b|\bonline_metric"), _docs(r"FEEDBACK=|--feedback"))),
    MLTest("M3", "All hyper-parameters have been tuned",
           (_code(r"GridSearchCV|RandomizedSearchCV|HalvingGridSearchCV|\boptuna\b|hyperopt|"
                  r"ParameterGrid|BayesSearchCV|keras_tuner", "any"),),
           _gate("M3", "tune")),
    MLTest("M4", "The impact of model staleness is known",
           (_code(r"(?i)\bstaleness\b|backtest"), _docs(r"(?i)backtest")), (_backtest,)),
    MLTest("M5", "A simpler model is not better",
           (_code(r"DummyClassifier|DummyRegressor|\bbaseline_(model|score|accuracy)\b", "any"),),
           _gate("M5", "gates.simpler")),
    MLTest("M6", "Model quality is sufficient on important data slices",
           (_code(r"\bslices\b|\bper_slice|\bslice_(metrics?|accuracy|scores?)\b", "any"),),
           _gate("M6", "gates.slices")),
    MLTest("M7", "The model is tested for considerations of inclusion",
           (_code(r"\bfairlearn\b|\baif360\b|demographic_parity|equalized_odds|MetricFrame",
                  "any"),),
           _gate("M7", "gates.groups")),
    MLTest("I1", "Training is reproducible",
           (_code(r"(?i)def test\w*(reproducib|determinis)", "tests"), _docs(_PIPELINE))),
    MLTest("I2", "Model specs are unit tested",
           (_code(r"\.fit\(|\btrain_model\(|joblib\.load|\bload_model\(", "tests", "model"),)),
    MLTest("I3", "The ML pipeline is integration tested",
           (_command(rf"{_PIPELINE}|\bmake\s+pipeline\b"), _docs(_PIPELINE))),
    MLTest("I4", "Model quality is validated before serving", (_metric_floor,),
           _gate("I4", "gates.quality")),
    MLTest("I5", "The model is debuggable",
           (_code(r"\bexplain\b", "tests"), _command(r"--explain\b"), _docs(r"explain"))),
    MLTest("I6", "Models are canaried before serving",
           (_command(r"\bcanary\b"), _docs(r"\bcanary\b"))),
    MLTest("I7", "Serving models can be rolled back",
           (_command(r"\brollback\b"), _docs(r"\broll ?back\b"))),
    MLTest("Mon1", "Dependency changes result in notification", (_updates,)),
    MLTest("Mon2", "Data invariants hold in training and serving inputs",
           (_code(r"[\"']Mon2:|\b(evidently|whylogs|nannyml)\b"),)),
    MLTest("Mon3", "Training and serving are not skewed",
           (_command(r"\bcanary\b"), _code(r"(?i)\bskew\b|ks_2samp|\bdrift\b|golden"))),
    MLTest("Mon4", "Models are not too stale",
           (_code(r"(?i)max_model_age|model_age|max_age_days|staleness"),),
           (_with_key("gates.max_model_age_days", _code(r"[\"']Mon4:")),)),
    MLTest("Mon5", "Models are numerically stable",
           (_code(r"isfinite|isnan|np\.isinf|FloatingPointError|detect_anomaly"),)),
    MLTest("Mon6", "Computing performance has not regressed",
           (_code(r"(?i)latency.*(budget|max|limit)|pytest.benchmark|\blocust\b", "any"),),
           (_with_key("serving.max_latency_ms", _command(r"\.monitor\b.*--(log|traffic)\b")),)),
    MLTest("Mon7", "Prediction quality has not regressed",
           (_command(r"--feedback\b|--traffic\b"), _docs(r"FEEDBACK=|--feedback"))),
)  # fmt: skip


def score_tests(repo: Repo) -> list[tuple[MLTest, Found]]:
    """Every test with its best probe's verdict (0 with what is missing when none finds it)."""
    gated = gates_params(repo) is not None
    results = []
    for test in TESTS:
        probes = test.gated if gated and test.gated is not None else test.generic
        found = [f for f in (probe(repo) for probe in probes) if f is not None]
        best = max(found, key=lambda f: f.points, default=None)
        results.append((test, best or Found(0, "no evidence found")))
    return results
