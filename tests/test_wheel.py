"""Tier 2: the wheel carries the template, and the installed CLI renders with no checkout."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .helpers import BIN, ROOT, run, tree

pytestmark = pytest.mark.slow


def test_wheel_carries_template_and_renders_offline(tmp_path: Path, env) -> None:
    uv = BIN / "uv"
    run(
        [uv, "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    wheel = next((tmp_path / "dist").glob("mlops_new-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mlops_new/_template/copier.yml" in names
    shipped = {
        n.removeprefix("mlops_new/_template/template/")
        for n in names
        if n.startswith("mlops_new/_template/template/")
    }
    assert shipped == tree(ROOT / "template")

    venv = tmp_path / "venv"
    run([uv, "venv", "--quiet", "--python", "3.11", venv], cwd=tmp_path, env=env, check=True)
    run(
        # --compile-bytecode, as pip does by default: the bundled template's .py files get
        # __pycache__ folders, which must not reach generated projects.
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            "--python",
            venv / "bin" / "python",
            wheel,
        ],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    # Run from an unrelated folder, so nothing can come from this checkout.
    work = tmp_path / "elsewhere"
    work.mkdir()
    run(
        [venv / "bin" / "mlops-new", "from-wheel", "--defaults", "--no-lock"],
        cwd=work,
        env=env,
        check=True,
    )
    assert (work / "from-wheel" / "src" / "from_wheel" / "train.py").is_file()
    site = next((venv / "lib").glob("python3.*/site-packages/mlops_new/_template"))
    assert list(site.rglob("*.pyc")), "the installed template has bytecode (the case to cover)"
    leaked = [p for p in tree(work / "from-wheel") if "__pycache__" in p or p.endswith(".pyc")]
    assert leaked == []
    assert tree(work / "from-wheel") >= {"Makefile", "pyproject.toml", ".copier-answers.yml"}
