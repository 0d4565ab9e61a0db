"""Every option works with every other: combinations generated from copier.yml, rendered and
checked statically (files, Jinja, parsing, dead references, ruff, workflow and Dockerfile
linters).

Fast tier: a pairwise covering set (every achievable pair of option values together at
least once). The exhaustive tier (`-m exhaustive`, `make test-exhaustive`) checks the full
product instead, rendered in-process on every core (see `test_full_product`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from mlops_new import create

from . import combinations, static
from .fastcopier import accelerated
from .helpers import BIN, PAIRWISE_FIXED, TORCH_PYTHON, run, torch_index

PAIRWISE = combinations.pairwise()
FIXED = PAIRWISE_FIXED


@pytest.fixture(scope="module")
def rendered(pairwise_rendered) -> list[tuple[dict[str, Any], Path]]:
    """Each pairwise combination rendered by mlops-new's own `create` (no git, no lock)."""
    return pairwise_rendered


def test_pairwise_set_covers_every_achievable_pair() -> None:
    achievable = combinations.achievable_pairs()
    covered = set().union(*(combinations.pairs(c) for c in PAIRWISE))
    assert achievable - covered == set()
    assert all(combinations.is_valid(c) for c in PAIRWISE)
    # Far fewer than the full product, which is what makes this tier fast.
    assert len(PAIRWISE) < 40


def test_options_come_from_copier_yml() -> None:
    table = combinations.options()
    assert table["ml_framework"] == ["scikit-learn", "pytorch", "none"]
    assert table["dvc_remote"][-1] == combinations.NOT_ASKED
    assert "model_file" not in table and "project_name" not in table
    for combination in PAIRWISE:
        skipped = combination["dvc_remote"] == combinations.NOT_ASKED
        assert skipped == (combination["data_versioning"] == "none")


def test_every_combination_is_statically_sound(rendered) -> None:
    failures = _static_problems(rendered, lock_written=False)
    assert not failures, "\n".join(failures)


def test_generated_python_is_ruff_clean(rendered, env) -> None:
    root = rendered[0][1].parent
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=root, env=env, check=True)
    run([BIN / "ruff", "format", "--check", "--no-cache", "."], cwd=root, env=env, check=True)


def test_workflows_and_dockerfiles_pass_their_linters(rendered, env) -> None:
    root = rendered[0][1].parent
    failures = _lint(root, [path for _, path in rendered], env)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("index", range(len(PAIRWISE)), ids=lambda i: f"c{i:02d}")
def test_dependencies_resolve(rendered, index: int, env, tmp_path: Path) -> None:
    """`uv lock` finds a solution for the pins of every combination, for every Python the
    project supports (uv resolves for all of them at once)."""
    answers, project = rendered[index]
    if answers["ml_framework"] == "pytorch":
        if answers["python_version"] != TORCH_PYTHON:
            pytest.skip(
                "ml_framework=pytorch: download.pytorch.org is unreachable here and the only "
                f"CPU torch wheel on this machine is for Python {TORCH_PYTHON}"
            )
        env = env | {"UV_INDEX": f"pytorch-cpu={torch_index(tmp_path / 'torch-index')}"}
    version = answers["python_version"]
    if shutil.which(f"python{version}", path=env["PATH"]) is None:
        pytest.skip(
            f"no Python {version} interpreter on this machine, and uv lock needs one that "
            "satisfies requires-python (downloads are off)"
        )
    work = tmp_path / "lock"
    shutil.copytree(project, work)
    out = run(["uv", "lock", "--quiet"], cwd=work, env=env)
    assert out.returncode == 0, f"{_label(answers)}:\n{out.stderr[-3000:]}"


def test_static_checks_catch_a_dead_reference(tmp_path: Path) -> None:
    """The coherence check can fail: a project without DVC must not mention `dvc push`."""
    answers = {"data_versioning": "none"} | FIXED
    create(tmp_path / "p", answers, git=False, lock=False)
    with (tmp_path / "p" / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("\nRun `uv run dvc push` to share the data.\n")
    (tmp_path / "p" / "stray.txt").write_text("{{ project_name }}\n", encoding="utf-8")
    found = static.problems(tmp_path / "p", answers, lock_written=False)
    assert any("README.md" in p and "dvc" in p for p in found), found
    assert "unexpected file stray.txt" in found
    assert "stray.txt: unrendered Jinja" in found


def _static_problems(rendered: Iterable[tuple[dict[str, Any], Path]], **kw) -> list[str]:
    return [
        f"{_label(answers)}: {problem}"
        for answers, path in rendered
        for problem in static.problems(path, answers, **kw)
    ]


def _label(answers: dict[str, Any]) -> str:
    return combinations.label({k: v for k, v in answers.items() if k not in FIXED})


def _lint(root: Path, projects: Sequence[Path], env) -> list[str]:
    """Run the workflow and Dockerfile linters over every project's files, batched."""
    workflows = [w for p in projects for w in sorted((p / ".github" / "workflows").glob("*.yml"))]
    github = [p / ".github" for p in projects]
    dependabot = [p / ".github" / "dependabot.yml" for p in projects]
    gitlab = [p / ".gitlab-ci.yml" for p in projects]
    dockerfiles = [p / "Dockerfile" for p in projects]
    checks = [
        ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows],
        [
            "check-jsonschema",
            "--builtin-schema",
            "custom.github-workflows-require-timeout",
            *workflows,
        ],
        ["check-jsonschema", "--builtin-schema", "vendor.dependabot", *dependabot],
        ["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", *gitlab],
        # All of .github/ (dependabot.yml too), with the audits only the pedantic persona runs;
        # a finding below medium (style, such as a job without a name) does not fail.
        [
            "zizmor",
            "--offline",
            "--no-progress",
            "--persona",
            "pedantic",
            "--min-severity",
            "medium",
            *github,
        ],
        ["actionlint", "-no-color", *workflows],
        ["hadolint", "--failure-threshold", "info", *dockerfiles],
    ]
    failures = []
    for tool, *args in checks:
        paths = [a for a in args if isinstance(a, Path)]
        existing = [a for a in args if not isinstance(a, Path) or a.exists()]
        if len(existing) == len(args) - len(paths):  # no file of this kind at all
            continue
        out = run([BIN / tool, *existing], cwd=root, env=env)
        text = out.stdout + out.stderr
        # zizmor exits 0 with findings below its failure threshold: read its verdict.
        if ("No findings" not in text) if tool == "zizmor" else out.returncode != 0:
            failures.append(f"{tool}:\n{text[-3000:]}")
    return failures


# ---- the full product (the exhaustive tier: -m exhaustive) ---------------------------------

CHUNK = 150


_worker_source: str | None = None


_worker_stack = contextlib.ExitStack()


def _start_worker(render_from: str) -> None:
    """In each worker process: fast renders (tests/fastcopier.py) from the bundled copy."""
    global _worker_source
    _worker_stack.enter_context(accelerated())
    _worker_source = render_from


def _check_chunk(chunk: list[dict[str, Any]]) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Render a chunk of combinations and check each: return the problems found, and the
    distinct CI and Dockerfile texts ({sha256: (path, text)}) to lint once each."""
    import copier

    assert _worker_source is not None
    problems: list[str] = []
    texts: dict[str, tuple[str, str]] = {}
    memory = "/dev/shm" if os.path.isdir("/dev/shm") else None  # rendering is file-bound
    with tempfile.TemporaryDirectory(prefix="mlops-new-product-", dir=memory) as tmp:
        root = Path(tmp)
        for index, combination in enumerate(chunk):
            answers = combinations.answers(combination) | FIXED
            dest = root / f"c{index:03d}"
            copier.run_copy(
                _worker_source, dest, data=answers, defaults=True, quiet=True, overwrite=True
            )
            found = static.problems(dest, answers, lock_written=False)
            problems += [f"{combinations.label(combination)}: {p}" for p in found]
            for path in [*dest.glob(".github/**/*.yml"), *dest.glob("*.yml"), dest / "Dockerfile"]:
                if path.is_file() and path.name not in {"mkdocs.yml", ".copier-answers.yml"}:
                    text = path.read_text(encoding="utf-8")
                    key = hashlib.sha256(text.encode()).hexdigest()
                    texts.setdefault(key, (path.relative_to(dest).as_posix(), text))
        for args in (["check", "-q"], ["format", "--check", "-q"]):
            out = run([BIN / "ruff", *args, "--no-cache", "."], cwd=root, env=dict(os.environ))
            if out.returncode != 0:
                first = combinations.label(chunk[0])
                problems.append(f"ruff {args[0]} (chunk from {first}):\n{out.stdout[-2000:]}")
    return problems, texts


@pytest.mark.exhaustive
@pytest.mark.timeout(6 * 3600)  # about 50 minutes on 2 cores; the default 15 would cut it
def test_full_product(tmp_path: Path, env) -> None:
    from mlops_new import source

    product = list(combinations.full_product())
    chunks = [product[i : i + CHUNK] for i in range(0, len(product), CHUNK)]
    problems: list[str] = []
    unique: dict[str, tuple[str, str]] = {}
    started = time.monotonic()
    with (
        source.bundled() as src,
        ProcessPoolExecutor(
            max_workers=os.cpu_count(), initializer=_start_worker, initargs=(src.render_from,)
        ) as pool,
    ):
        for done, (found, texts) in enumerate(pool.map(_check_chunk, chunks), 1):
            problems += found
            unique.update(texts)
            if done % 20 == 0 or done == len(chunks):
                elapsed = time.monotonic() - started
                print(f"full product: {done * CHUNK} of {len(product)} in {elapsed:.0f} s")
    # Lint each distinct workflow and Dockerfile once, laid out as projects for the linters.
    for index, (relative, text) in enumerate(unique.values()):
        target = tmp_path / f"u{index:05d}" / relative
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
    problems += _lint(tmp_path, sorted(tmp_path.iterdir()), env)
    elapsed = time.monotonic() - started
    print(
        f"full product: {len(product)} combinations, {len(unique)} distinct CI and Dockerfile "
        f"texts, {elapsed:.0f} s on {os.cpu_count()} cores"
    )
    assert not problems, "\n".join(problems[:200])
