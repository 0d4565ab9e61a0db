"""This repository is itself a copier template: plain `copier copy` gives what mlops-new gives."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from .conftest import BIN, CLI, ROOT, run, tree

# Post-generation steps of mlops-new, and the two lines that say where the template came from.
SKIP = {"uv.lock"}


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs this repository as a git clone")
def test_plain_copier_copy_matches_mlops_new(tmp_path: Path, env) -> None:
    data = ["-d", "author_name=Test Author", "-d", "author_email=t@example.org"]
    plain = tmp_path / "plain" / "iris-demo"
    ours = tmp_path / "ours" / "iris-demo"
    # No --trust: the template has no tasks, extensions or migrations.
    run(
        [BIN / "copier", "copy", "--defaults", "--vcs-ref", "HEAD", *data, ROOT, plain],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    (tmp_path / "ours").mkdir()
    run(
        [CLI, ours, "--defaults", "--no-lock", "--no-git", *data], cwd=tmp_path, env=env, check=True
    )

    assert tree(plain) - SKIP == tree(ours) - SKIP
    answers = ".copier-answers.yml"
    differing = [
        f
        for f in sorted(tree(ours) - {answers})
        if not filecmp.cmp(plain / f, ours / f, shallow=False)
    ]
    assert differing == []

    def recorded(path: Path) -> list[str]:
        lines = (path / answers).read_text(encoding="utf-8").splitlines()
        return [ln for ln in lines if not ln.startswith(("_src_path:", "_commit:"))]

    assert recorded(plain) == recorded(ours)
