"""The documentation and the repository itself: generated reference pages are current, the
site builds strictly, and the code is lint-clean."""

from __future__ import annotations

import sys
from pathlib import Path

from .helpers import BIN, ROOT, run


def test_generated_reference_pages_are_current(env) -> None:
    out = run([sys.executable, ROOT / "docs" / "generate.py", "--check"], cwd=ROOT, env=env)
    assert out.returncode == 0, out.stdout + out.stderr


def test_site_builds_strictly(env, tmp_path: Path) -> None:
    run(
        [BIN / "mkdocs", "build", "--strict", "--site-dir", tmp_path / "site"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    assert (tmp_path / "site" / "options" / "index.html").is_file()


def test_readme_links_resolve() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / target).is_file(), target


def test_repository_is_ruff_clean(env) -> None:
    """The generator's own code and tests pass the same linter they hold projects to."""
    run([BIN / "ruff", "check", "--no-cache", "."], cwd=ROOT, env=env, check=True)
    run([BIN / "ruff", "format", "--check", "--no-cache", "."], cwd=ROOT, env=env, check=True)
