"""This repository is itself a copier template: plain `copier copy` gives what mlops-new gives."""

from __future__ import annotations

import filecmp
import functools
from pathlib import Path

import pytest
from mlops_new.source import bundled

from . import combinations
from .helpers import BIN, CLI, ROOT, commit, git, release, run, snapshot, template_repo, tree

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


def _render_both(src: Path, answers: dict, tmp_path: Path) -> tuple[dict, dict]:
    import copier
    from mlops_new.create import Template, _render
    from mlops_new.questions import load
    from mlops_new.source import Source

    plain, ours = tmp_path / "plain" / "p", tmp_path / "ours" / "p"
    copier.run_copy(str(src), plain, data=dict(answers), defaults=True, quiet=True)
    _render(Template(Source(str(src)), load(src / "copier.yml")), ours, answers)
    return snapshot(plain), snapshot(ours)


@pytest.mark.parametrize("combination", combinations.each_value(), ids=combinations.label)
def test_fast_render_gives_copiers_files_and_modes(combination, tmp_path: Path) -> None:
    """create's copier Worker (compiles each source once, no per-file git probe) changes nothing.

    Every value of every option appears in one of these combinations.
    """
    answers = combinations.answers(combination) | {"author_name": "A", "author_email": "a@b.c"}
    with bundled() as template:
        plain, ours = _render_both(Path(template.render_from), answers, tmp_path)
    assert plain.keys() == ours.keys()
    assert [name for name in plain if plain[name] != ours[name]] == []


def test_fast_render_keeps_copiers_yield_paths(tmp_path: Path) -> None:
    """A fork's `{% yield %}` paths: copier resets the yield state when it compiles a source,
    so the once-compiled sources must reset it too or later paths would multiply."""
    src = tmp_path / "tpl"
    (src / "{% yield item from items %}{{ item }}{% endyield %}").mkdir(parents=True)
    (
        src / "{% yield item from items %}{{ item }}{% endyield %}" / "{{ name }}.txt.jinja"
    ).write_text("{{ item }} of {{ name }}\n")
    (src / "plain").mkdir()
    (src / "plain" / "{{ name }}.txt").write_text("same\n")
    (src / "copier.yml").write_text(
        "name: {type: str, default: n}\nitems: {type: yaml, default: [a, b]}\n"
    )
    plain, ours = _render_both(src, {}, tmp_path)
    assert sorted(ours) == ["a/n.txt", "b/n.txt", "plain/n.txt"]
    assert plain == ours


def test_what_the_fast_worker_overrides_is_still_in_copier() -> None:
    """A copier release that renames these would make `worker_class()` fall back to plain
    Worker: correct, but the savings would be lost without this test failing."""
    from copier._main import Worker
    from mlops_new._copier import worker_class

    assert isinstance(Worker.__dict__["jinja_env"], functools.cached_property)
    assert callable(Worker.__dict__["_sync_git_index_executable_bit"])
    assert worker_class() is not Worker and issubclass(worker_class(), Worker)


def test_a_copier_without_them_gets_plain_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from copier._main import Worker
    from mlops_new._copier import worker_class

    monkeypatch.delattr(Worker, "_sync_git_index_executable_bit")
    worker_class.cache_clear()
    try:
        assert worker_class() is Worker
    finally:
        monkeypatch.undo()
        worker_class.cache_clear()
    assert worker_class() is not Worker


@pytest.mark.parametrize("file_mode", ["false", "true"])
def test_fast_update_syncs_executable_bits_as_copier_does(
    file_mode: str, tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With core.fileMode=false git ignores chmod; copier then fixes the index itself."""
    import copier
    from mlops_new._copier import worker_class

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    answers_file = "{{ _copier_conf.answers_file }}.jinja"
    src = template_repo(
        tmp_path / "tpl",
        {
            "v1": {
                "copier.yml": "_answers_file: .copier-answers.yml\n",
                answers_file: "{{ _copier_answers|to_nice_yaml }}",
                "run.sh": "echo hi\n",
            }
        },
        env,
    )
    (src / "run.sh").chmod(0o755)
    release(src, "v2", {}, env)

    def project(where: Path) -> Path:
        copier.run_copy(str(src), where, vcs_ref="v1", defaults=True, quiet=True)
        git("init", "-q", "-b", "main", cwd=where, env=env)
        git("config", "core.fileMode", file_mode, cwd=where, env=env)
        commit(where, env, "generated")
        return where

    def index_mode(where: Path) -> str:
        return run(["git", "ls-files", "-s", "run.sh"], cwd=where, env=env).stdout.split()[0]

    plain, ours = project(tmp_path / "plain"), project(tmp_path / "ours")
    options = {"defaults": True, "overwrite": True, "quiet": True, "vcs_ref": "v2"}
    with copier._main.Worker(dst_path=plain, **options) as worker:
        worker.run_update()
    with worker_class()(dst_path=ours, **options) as worker:
        worker.run_update()
    assert index_mode(ours) == index_mode(plain) == ("100755" if file_mode == "false" else "100644")


def test_compiled_code_cache_is_used_and_survives_corruption(tmp_path: Path, env) -> None:
    """A second run reads the code the first one compiled; a damaged entry is recompiled,
    and every run writes the same files."""
    env = env | {"MLOPS_NEW_CACHE_DIR": str(tmp_path / "cache")}
    cache = tmp_path / "cache" / "jinja"
    outputs = []
    for run_number in range(3):
        dest = tmp_path / str(run_number) / "p"
        args = [CLI, dest, "--defaults", "--no-lock", "--no-git", "-d", "author_name=A"]
        run(args, cwd=tmp_path, env=env, check=True)
        outputs.append(snapshot(dest))
        entries = sorted(p for p in cache.rglob("*") if p.is_file())
        assert entries, "nothing was cached"
        assert not [p for p in entries if p.name.endswith(".tmp")]
        if run_number == 1:  # damage every entry: truncated, or not code at all
            for number, entry in enumerate(entries):
                entry.write_bytes(entry.read_bytes()[:7] if number % 2 else b"\x00not code")
    assert outputs[0] == outputs[1] == outputs[2]
    assert all(p.read_bytes()[:1] != b"\x00" for p in cache.rglob("*") if p.is_file())


def test_a_new_process_reads_compiled_code_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process memo emptied (as in a new process): nothing is compiled again."""
    import jinja2
    from mlops_new import _copier

    monkeypatch.setenv("MLOPS_NEW_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_copier, "_COMPILED", {})
    compiled: list[str] = []

    def fresh_env() -> jinja2.Environment:
        env = jinja2.Environment(keep_trailing_newline=True)
        original = env.compile
        env.compile = lambda source, *a, **k: compiled.append(source) or original(source, *a, **k)
        _copier.compile_each_source_once(env)
        return env

    assert fresh_env().from_string("{{ x }}-a").render(x=1) == "1-a"
    assert compiled == ["{{ x }}-a"]
    _copier._COMPILED.clear()
    assert fresh_env().from_string("{{ x }}-a").render(x=2) == "2-a"
    assert compiled == ["{{ x }}-a"]  # read from disk, not compiled
    other = jinja2.Environment(keep_trailing_newline=False)  # other settings: other code
    assert _copier._settings(other) != _copier._settings(fresh_env())
