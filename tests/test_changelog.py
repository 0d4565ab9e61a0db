"""Releases of mlops-new: the changelog, the bundled template and its tag, and the updating
page of the docs, replayed for real."""

from __future__ import annotations

import pytest

from .helpers import ROOT, commit, copy_template, release, run, template_repo
from .update_history import PKG, edit, edited, mlops


def test_changelog_has_an_entry_for_this_version_with_manual_steps() -> None:
    from mlops_new import __version__

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = text.split("\n## ")[1:]
    assert sections, "CHANGELOG.md has no release section"
    assert __version__ in {section.split()[0] for section in sections}
    for section in sections:
        assert "**Manual steps after updating:**" in section, section.splitlines()[0]


def test_bundled_template_matches_its_release_tag(env) -> None:
    """A build whose version names a release carries exactly that tag's template."""
    from mlops_new import __version__

    tag = f"v{__version__}"
    if not (ROOT / ".git").exists():
        pytest.skip("needs this repository as a git clone")
    if (
        run(
            ["git", "rev-parse", "--quiet", "--verify", f"refs/tags/{tag}"], cwd=ROOT, env=env
        ).returncode
        != 0
    ):
        pytest.skip(f"{tag} is not tagged yet (a release in the making)")
    diff = run(["git", "diff", "--stat", tag, "--", "copier.yml", "template"], cwd=ROOT, env=env)
    assert diff.stdout == "", (
        f"the template changed since {tag} but the version is still {__version__}: set the "
        f"next .dev0 version (docs/releasing.md)\n{diff.stdout}"
    )


# ---- the docs page walks through a real run ---------------------------------------------


@pytest.mark.slow
def test_updating_page_walkthrough_is_a_real_run(tmp_path, session_env) -> None:
    """docs/updating.md's console blocks are the output of this very scenario."""
    from mlops_new.source import TEMPLATE_URL

    repo = template_repo(copy_template(tmp_path / "mlops-new"), {"v0.1.0": {}}, session_env)
    params = "template/params.yaml.jinja"
    text = (repo / params).read_text()
    assert "  n_estimators: 100\n" in text
    note = (
        "# Batch predictions: `python -m <package>.predict --file rows.jsonl` (added in 0.2.0).\n"
    )
    v2 = {
        params: text.replace("  n_estimators: 100\n", "  n_estimators: 200\n"),
        f"{PKG}/predict.py": edited(repo / PKG / "predict.py", append=note),
    }
    release(repo, "v0.2.0", v2, session_env)
    mlops(
        "iris-classifier",
        "--template",
        repo,
        "--vcs-ref",
        "v0.1.0",
        "--defaults",
        "--no-lock",
        cwd=tmp_path,
        env=session_env,
        check=True,
    )
    project = tmp_path / "iris-classifier"
    mine = project / "params.yaml"
    mine.write_text(mine.read_text().replace("  n_estimators: 100\n", "  n_estimators: 300\n"))
    edit(
        project / "src/iris_classifier/data.py", append='\n\ndef load_my_data():\n    """Ours."""\n'
    )
    commit(project, session_env, "More trees; our own data loader")

    page = (ROOT / "docs" / "updating.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in page.split("```console\n")[1:]]
    steps = [step for block in blocks for step in block.split("$ ")[1:]]
    assert len(steps) == 5, steps
    for step in steps:
        command, _, expected = step.partition("\n")
        if command.startswith("git add"):  # resolve as the page says: keep 300
            text = mine.read_text()
            conflict = (
                "<<<<<<< before updating\n  n_estimators: 300\n=======\n"
                "  n_estimators: 200\n>>>>>>> after updating\n"
            )
            assert conflict in text
            mine.write_text(text.replace(conflict, "  n_estimators: 300\n"))
        proc = run(["bash", "-c", command], cwd=project, env=session_env)
        assert proc.returncode in (0, 1), proc.stderr
        if command.startswith("mlops-new"):  # git's own chatter is not shown on the page
            shown = proc.stdout.replace(str(repo), TEMPLATE_URL)
            assert shown.strip() == expected.strip(), command
    assert (project / "src/iris_classifier/data.py").read_text().endswith('"""Ours."""\n')
    assert "  n_estimators: 300\n" in mine.read_text()
