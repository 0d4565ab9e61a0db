"""What a generated project records about its template, in copier's answers file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_new.errors import UsageError
from mlops_new.source import is_url

#: copier's answers file: the answers, and the template's source and release (`_src_path`,
#: `_commit`), which is all `copier update` needs.
ANSWERS_FILE = ".copier-answers.yml"


@dataclass(frozen=True)
class Recorded:
    """What a generated project's answers file says about its template."""

    #: The project folder, absolute.
    path: Path
    #: `_src_path`: the template's git URL, clone or bundle.
    source: str
    #: `_commit`: the template release (tag) the project was made from or last updated to.
    commit: str
    #: The answers to the template's questions.
    answers: dict[str, Any]


def display(path: Path | str, project: Path) -> str:
    """How to name a project in messages: as the user gave it, or by its folder name."""
    return str(project.name) if str(path) in {"", "."} else str(path)


def read(path: Path | str) -> Recorded:
    """Read what a generated project records about its template.

    Raises:
        UsageError: no such folder, no answers file, or no usable `_src_path` / `_commit`.
    """
    import yaml

    given = path
    path = Path(path).expanduser().absolute()
    shown = display(given, path)
    if not path.is_dir():
        raise UsageError(f"{shown}: no such folder")
    answers_file = path / ANSWERS_FILE
    if not answers_file.is_file():
        raise UsageError(
            f"{shown} has no {ANSWERS_FILE}, so it was not generated from a copier template "
            "(or that file was deleted); give the path of a generated project"
        )
    try:
        data = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read {answers_file}: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{answers_file} is not a mapping of answers")
    source, commit = data.get("_src_path"), data.get("_commit")
    if not source:
        raise UsageError(
            f"{answers_file} records no _src_path, so the template is unknown; add "
            "`_src_path: <the template's git URL>` to it and commit"
        )
    if not commit:
        raise UsageError(
            f"{answers_file} records no _commit, so the template version the project was made "
            "from is unknown; add `_commit: vX.Y.Z` (that release's tag) to it and commit"
        )
    source = str(source)
    if not is_url(source) and not Path(source).expanduser().is_absolute():
        raise UsageError(
            f"{answers_file} records a relative _src_path '{source}', which copier cannot "
            "find again; replace it with the template's git URL or absolute path and commit"
        )
    answers = {str(k): v for k, v in data.items() if not str(k).startswith("_")}
    return Recorded(path, source, str(commit), answers)


def record_source(project: Path, src: str, commit: str) -> None:
    """Point the answers file at the public template repository and the release tag.

    The bundled copy is rendered from a plain folder, which copier records as-is; plain
    `copier update` needs the git source and tag of the same template version instead.
    """
    import yaml

    answers_file = project / ANSWERS_FILE
    lines = answers_file.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(("_src_path:", "_commit:"))]
    at = next((i for i, ln in enumerate(kept) if not ln.startswith("#")), len(kept))
    record = yaml.safe_dump({"_commit": commit, "_src_path": src}, sort_keys=False)
    answers_file.write_text("".join(kept[:at]) + record + "".join(kept[at:]), encoding="utf-8")
