"""`mlops-new update` (copier's update plus its lossless analysis) against plain `copier update`,
side by side on a small project; writes benchmarks/lossless-results.md.

    .venv/bin/python benchmarks/lossless.py            # 5 timed rounds after 1 warm-up
    .venv/bin/python benchmarks/lossless.py --reps 2 --warmup 0
    .venv/bin/python benchmarks/lossless.py --user-files 2000 \
        --out benchmarks/lossless-results-2000.md

Both commands come from this checkout's .venv (its copier is uv.lock's). The template is this
tree's copier.yml and template/ in a temporary git repository: v0.1.0, then two releases from
it: v0.2.0 adds one line to template/README.md.jinja (an ordinary release), v0.3.0 renames
features.py (a release where plain copier drops the user's edit to it). The project is made at
v0.1.0 with `copier copy`, its features.py edited, and committed; each run updates a fresh
clone of it. The rounds alternate (copier, mlops-new, copier, mlops-new, ...).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from benchlib import (
    ROOT,
    Case,
    alternate,
    bench_environment,
    footer,
    load_average,
    table,
    template_history,
    timed,
)
from benchlib import git as _git

BIN = ROOT / ".venv" / "bin"
NAME = "iris"
PKG = "template/src/{{ package_name }}"
NOTE = "# the user's own note\n"
RELEASES = {"v0.2.0": "an ordinary release", "v0.3.0": "a release renaming an edited file"}


def _template(where: Path) -> Path:
    repo = template_history(where)
    _git("checkout", "--quiet", "-b", "renames", "v0.1.0", cwd=repo)
    _git("mv", f"{PKG}/features.py", f"{PKG}/featurize.py", cwd=repo)
    _git("commit", "--quiet", "-m", "v0.3.0", cwd=repo)
    _git("tag", "v0.3.0", cwd=repo)
    return repo


def _project(where: Path, repo: Path, env: dict[str, str], user_files: int) -> Path:
    project = where / "source" / NAME
    copy = [BIN / "copier", "copy", "--defaults", "--vcs-ref", "v0.1.0", repo, project]
    timed([str(a) for a in copy], where, env)
    features = project / "src" / NAME / "features.py"
    features.write_text(features.read_text() + NOTE)
    notes = project / "notes"  # the user's own files, which every update must leave alone
    for number in range(user_files):
        (notes / f"{number // 100:02d}").mkdir(parents=True, exist_ok=True)
        (notes / f"{number // 100:02d}" / f"note-{number:04d}.md").write_text(f"note {number}\n")
    _git("init", "--quiet", "--initial-branch=main", cwd=project)
    _git("add", "-A", cwd=project)
    _git("commit", "--quiet", "-m", "Generated at v0.1.0, features.py edited", cwd=project)
    return project


def _cases(source: Path) -> list[Case]:
    commands = {
        "copier update": [str(BIN / "copier"), "update", "--defaults", "--conflict", "inline"],
        "mlops-new update": [str(BIN / "mlops-new"), "update", "."],
    }
    cases = []
    for tag in RELEASES:
        for label, argv in commands.items():

            def prepare(folder: Path, argv=argv, tag=tag) -> tuple[list[str], Path]:
                clone = folder / NAME
                _git("clone", "--quiet", str(source), str(clone), cwd=folder)
                return [*argv, "--vcs-ref", tag], clone

            def check(folder: Path, tag=tag, label=label) -> None:
                project = folder / NAME
                if f"_commit: {tag}" not in (project / ".copier-answers.yml").read_text():
                    raise RuntimeError(f"not at {tag} after the update")
                if tag == "v0.3.0":  # plain copier drops the user's note; mlops-new carries it
                    note = NOTE in (project / "src" / NAME / "featurize.py").read_text()
                    if note != label.startswith("mlops-new"):
                        raise RuntimeError(f"{label}: the user's note is {note=} after the update")

            cases.append(Case(f"{label} → {tag}", prepare, check, optional=False))
    return cases


def _report(stats, reps: int, warmup: int, load: tuple[str, str], user_files: int) -> str:
    rows = []
    for tag, what in RELEASES.items():
        copier, ours = stats[f"copier update → {tag}"], stats[f"mlops-new update → {tag}"]
        for name, s in ((f"copier update → {tag}", copier), (f"mlops-new update → {tag}", ours)):
            rows.append([f"{name} ({what})", f"{s.median:.2f}", f"{s.cpu:.2f}", "", ""])
        rows[-1][3] = f"{ours.median / copier.median:.2f}×"
        rows[-1][4] = f"{ours.cpu / copier.cpu:.2f}×"
    lines = [
        "# `mlops-new update` against plain `copier update`",
        "",
        "Written by `benchmarks/lossless.py`: medians of "
        f"{reps} alternating runs after {warmup} warm-up round(s), each on a fresh clone of a",
        f"small project (as generated at v0.1.0, `features.py` edited, {user_files} files of the "
        "user's own in notes/). `mlops-new update` runs",
        "copier's update, then renders both releases again with copier and compares them",
        "(`git diff -M`) to keep what plain copier loses; plain copier does not. Ratio: mlops-new",
        "/ copier (below 1 is faster). mlops-new is faster despite the two extra renders because",
        "it renders through its compiled-template cache and probes `git config` once per render",
        "(generator/mlops_new/_copier.py); the v0.3.0 runs check that mlops-new kept the user's",
        "edit to the renamed file and plain copier did not.",
        "",
        *table(["command", "wall s", "CPU s", "wall ratio", "CPU ratio"], rows),
        "",
        *footer(load),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "lossless-results.md")
    parser.add_argument("--user-files", type=int, default=0, help="files of the user's own")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lossless-") as tmp:
        scratch = Path(tmp)
        env = bench_environment(scratch)
        os.environ.update({k: env[k] for k in env if k.startswith("GIT_")})
        start = load_average()
        repo = _template(scratch)
        source = _project(scratch, repo, env, args.user_files)
        stats = alternate(_cases(source), env, scratch / "runs", reps=args.reps, warmup=args.warmup)
        text = _report(stats, args.reps, args.warmup, (start, load_average()), args.user_files)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    sys.exit(0)


if __name__ == "__main__":
    main()
