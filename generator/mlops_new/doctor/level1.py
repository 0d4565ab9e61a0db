"""Level 1, ML pipeline automation: versioned data and models, a pipeline, parameters, ML tests."""

from __future__ import annotations

import configparser
import re

from mlops_new.doctor.base import Check, Outcome, failed, hint, listed, not_applicable, passed
from mlops_new.doctor.evidence import (
    DATA_EXTENSIONS,
    DATA_TEST,
    METRIC,
    MODEL_EXTENSIONS,
    MODEL_LOG,
    PLACEHOLDER,
    TRACKERS,
    file_size,
    is_model,
    tests_with,
)
from mlops_new.doctor.level0 import declared
from mlops_new.doctor.repo import Repo
from mlops_new.doctor.versioning import dvc_stages, lfs_match, lfs_patterns, paths


class Level1(Check):
    level = 1


class MLO101(Level1):
    """Data is versioned (DVC or equivalent)"""

    def evaluate(self, repo: Repo) -> Outcome:
        if repo.is_dir(".dvc"):
            config = repo.text(".dvc/config")
            if config is None:
                return passed("DVC (no remote configured yet: data stays on this machine)")
            if not config.ok:
                return failed(f".dvc/config {config.error}", "dvc remote add -d storage <url>")
            parser = configparser.ConfigParser(interpolation=None, strict=False)
            try:
                parser.read_string(config.data)
            except configparser.Error as error:
                line = f" at line {error.lineno}" if hasattr(error, "lineno") else ""
                return failed(f".dvc/config cannot be parsed{line}", "dvc remote list")
            remotes = [s for s in parser.sections() if s.strip("'\"").startswith("remote ")]
            default = parser.get("core", "remote", fallback="")
            where = f"default remote '{default}'" if default else f"{len(remotes)} remote(s)"
            if not remotes:
                where = "no remote configured yet: data stays on this machine"
            return passed(f"DVC ({where})")
        if lfs_patterns(repo):
            return passed(f"git LFS ({listed(lfs_patterns(repo))})")
        if repo.exists(".datalad/config"):
            return passed("DataLad")
        if repo.exists("dvc.yaml"):
            return failed(
                "dvc.yaml exists but DVC is not initialised (no .dvc/ folder)", "dvc init"
            )
        return failed(
            "no DVC, git LFS or DataLad: a change to the data leaves no trace",
            hint(repo, "dvc init && dvc add data/raw", data="data_versioning=dvc"),
        )


class MLO102(Level1):
    """Data and models are kept out of git"""

    requires = frozenset({"MLO001"})

    def evaluate(self, repo: Repo) -> Outcome:
        git = repo.git
        if git is None:
            return not_applicable("not a local git repository")
        lfs = lfs_patterns(repo)
        stored = [
            f
            for f in sorted(git.tracked)
            if f.split("/")[0] in {"data", "models"}
            and not PLACEHOLDER.search(f)
            and not lfs_match(f, lfs)
        ]
        stored += [
            f
            for f in sorted(git.tracked)
            if f.lower().endswith(DATA_EXTENSIONS + MODEL_EXTENSIONS)
            and f not in stored
            and not lfs_match(f, lfs)
            and file_size(repo, f) > 1_000_000
        ]
        if stored:
            return failed(
                f"git stores data or models: {listed(stored)}",
                "git rm -r --cached <path> && dvc add <path> (the files stay, DVC versions them)",
            )
        loose = [f for f in repo.untracked("data", "models") if not PLACEHOLDER.search(f)]
        if loose:
            return failed(
                f"{listed(loose)} neither ignored nor tracked: `git add -A` would commit data",
                "add /data/ and /models/ to .gitignore (DVC adds its outputs there itself)",
            )
        return passed("git stores no data or model files")


class MLO103(Level1):
    """The pipeline is reproducible (stages declare deps, outputs, params)"""

    def evaluate(self, repo: Repo) -> Outcome:
        loaded, stages = dvc_stages(repo)
        add_stage = "dvc stage add -n train -d <code> -d <data> -p train -o <model> <command>"
        if loaded is not None:
            if not loaded.ok:
                return failed(f"dvc.yaml {loaded.error}", "fix dvc.yaml (dvc status shows where)")
            if not stages:
                return failed("dvc.yaml declares no stages", add_stage)
            missing = []
            for name, stage in stages.items():
                lacks = [key for key in ("cmd", "deps") if not stage.get(key)]
                if not any(stage.get(key) for key in ("outs", "metrics", "plots")):
                    lacks.append("outs")
                if lacks:
                    missing.append(f"{name} (no {'/'.join(lacks)})")
            if missing:
                return failed(f"dvc.yaml stages not fully declared: {listed(missing)}", add_stage)
            with_params = [name for name, stage in stages.items() if stage.get("params")]
            if not with_params:
                return failed(
                    "no dvc.yaml stage declares params, so changing one reruns nothing",
                    "list what each stage reads from params.yaml: params: [train]",
                )
            return passed(
                f"dvc.yaml: {len(stages)} stages ({listed(list(stages), 4)}) with deps and "
                f"outputs; {len(with_params)} declare params"
            )
        snakefile = repo.first("Snakefile", "workflow/Snakefile")
        if snakefile:
            text = repo.text(snakefile)
            if text is None or not text.ok:
                return failed(f"{snakefile} {text.error if text else ''}", "fix the Snakefile")
            rules = re.findall(r"^rule\s+\w+", text.data, re.M)
            if rules and "input:" in text.data and "output:" in text.data:
                return passed(f"Snakemake: {len(rules)} rules with inputs and outputs")
            return failed(
                f"{snakefile}: no rule declares input and output", "declare input:/output:"
            )
        pyproject = repo.toml("pyproject.toml")
        tool = pyproject.data.get("tool") if pyproject is not None and pyproject.ok else None
        if isinstance(tool, dict) and "kedro" in tool:
            return passed("Kedro project: nodes declare their inputs and outputs")
        make = "; the Makefile runs steps but records no data, params or outputs"
        return failed(
            "no pipeline definition (dvc.yaml, Snakefile, Kedro)"
            + (make if repo.exists("Makefile") else ""),
            hint(repo, add_stage, data="data_versioning=dvc"),
        )


class MLO104(Level1):
    """Parameters live outside the code"""

    def evaluate(self, repo: Repo) -> Outcome:
        _, stages = dvc_stages(repo)
        named = {p for s in stages.values() for p in paths(s.get("params")) if "." in p}
        candidates = [f for f in ("params.yaml", "params.yml", "params.json", "params.toml")]
        candidates += sorted(named - set(candidates))
        candidates += repo.matching(r"^(conf|config|configs)/.+\.(ya?ml|json|toml)$")
        present = [f for f in dict.fromkeys(candidates) if repo.exists(f)]
        if not present:
            return failed(
                "no params.yaml or config folder: hyper-parameters live in the code",
                "move hyper-parameters to params.yaml and read them from there",
            )
        for name in present:
            loaded = repo.parsed(name)
            if loaded is not None and not loaded.ok:
                return failed(f"{name} {loaded.error}", f"fix {name}: the code cannot read it")
        data = repo.parsed(present[0])
        keys = list(data.data) if data is not None and isinstance(data.data, dict) else []
        if not keys:
            return failed(f"{present[0]} holds no parameters", "put the hyper-parameters there")
        return passed(f"{present[0]} ({listed([str(k) for k in keys], 4)})")


class MLO105(Level1):
    """Tests check the data (schema, validation)"""

    def evaluate(self, repo: Repo) -> Outcome:
        def signal(text: str) -> str | None:
            match = DATA_TEST.search(text)
            return match.group(0) if match else None

        found = tests_with(repo, signal)
        if found:
            return passed(f"{found[0]} checks the data ({found[1]})")
        count = len(repo.test_files)
        what = f"{count} test file{'s' if count != 1 else ''}, none checks" if count else "no test"
        return failed(
            f"{what} the data against a schema",
            "add tests/test_data.py: validate the data against a schema (e.g. pandera)",
        )


class MLO106(Level1):
    """Tests check model quality against a threshold"""

    def evaluate(self, repo: Repo) -> Outcome:
        def signal(text: str) -> str | None:
            for line in text.splitlines():
                line = line.strip()
                if (
                    line.startswith("assert ")
                    and re.search(r"(>=|<=|(?<![-=])>|<)", line)
                    and METRIC.search(line)
                ):
                    return line if len(line) <= 60 else line[:57] + "..."
            return None

        found = tests_with(repo, signal)
        if found:
            return passed(f"{found[0]}: {found[1]}")
        return failed(
            "no test asserts a model metric against a threshold",
            "add a test: assert accuracy >= params['evaluate']['min_accuracy']",
        )


class MLO107(Level1):
    """Experiments are tracked"""

    def evaluate(self, repo: Repo) -> Outcome:
        for module, tool in TRACKERS.items():
            if module in repo.imports:
                return passed(f"{tool} ({repo.imports[module]})")
        _, stages = dvc_stages(repo)
        if any(stage.get("metrics") for stage in stages.values()):
            return passed("DVC experiments: dvc.yaml declares metrics (compare runs: dvc exp show)")
        names = declared(repo).names
        unused = [tool for module, tool in TRACKERS.items() if module.lower() in names]
        reason = f"{unused[0]} is declared but no code uses it" if unused else "no tracker"
        return failed(
            f"{reason}: runs leave no record of their parameters and metrics",
            hint(repo, "log every run with DVCLive or MLflow", data="experiment_tracking=dvclive"),
        )


class MLO108(Level1):
    """Model artifacts are versioned"""

    def evaluate(self, repo: Repo) -> Outcome:
        _, stages = dvc_stages(repo)
        for name, stage in stages.items():
            for out in paths(stage.get("outs")):
                if is_model(out):
                    return passed(f"{out} is an output of DVC stage '{name}'")
        dvc_files = [f for f in repo.files if f.endswith(".dvc")]
        dvc_files += [f"models/{n}" for n in repo.listdir("models") if n.endswith(".dvc")]
        dvc_files += ["models.dvc"] if repo.exists("models.dvc") else []
        for name in dvc_files:
            loaded = repo.yaml(name)
            outs = (
                paths(loaded.data.get("outs")) if loaded and isinstance(loaded.data, dict) else []
            )
            if name.startswith("models") or any(is_model(out) for out in outs):
                return passed(f"{name} (dvc add)")
        lfs = [p for p in lfs_patterns(repo) if is_model(p.replace("*", "x"))]
        if lfs:
            return passed(f"git LFS stores {listed(lfs)}")
        logged = repo.grep(MODEL_LOG, repo.python_files)
        if logged:
            return passed(f"MLflow model log ({logged[0]}:{logged[1]})")
        return failed(
            "trained models are not versioned (no DVC output, .dvc file, LFS or model registry)",
            hint(
                repo,
                "make the model a DVC output: outs: [models/model.pkl]",
                data="data_versioning=dvc",
            ),
        )
