"""Where the template comes from, and what a generated project records as its source."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlops_new.errors import UsageError

#: The public repository of the template: the one place that names it. Generated projects
#: record it as `_src_path`, so plain `copier update` finds the template with no mlops-new.
TEMPLATE_URL = "https://github.com/mlops-new/mlops-new.git"

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Source:
    """A template to render from, and what to record about it in the project."""

    #: What copier renders from: a plain folder (the bundled copy) or a git source.
    render_from: str
    #: `_src_path` to record, or None to keep what copier wrote (a git source records itself).
    record_src: str | None = None
    #: `_commit` to record alongside `record_src`.
    record_commit: str | None = None

    @property
    def bundled(self) -> bool:
        """Whether this is the copy of the template shipped inside mlops-new."""
        return self.record_src is not None


def release_tag() -> str:
    """The git tag of the template release this mlops-new carries (`vX.Y.Z`)."""
    from mlops_new import __version__

    return f"v{__version__}"


@contextmanager
def bundled() -> Iterator[Source]:
    """The template shipped with mlops-new, as a plain folder copier renders offline.

    An installed wheel carries it under `mlops_new/_template`. In a development checkout the
    repository root holds it; copier would clone that (it is a git repository root), so a
    plain copy of `copier.yml` and `template/` is rendered instead.
    """
    shipped = _PACKAGE / "_template"
    if (shipped / "copier.yml").is_file():
        yield Source(str(shipped), TEMPLATE_URL, release_tag())
        return
    root = _PACKAGE.parents[1]
    if not (root / "copier.yml").is_file() or not (root / "template").is_dir():
        raise UsageError("the bundled template is missing from this install; reinstall mlops-new")
    with tempfile.TemporaryDirectory(prefix="mlops-new-template-") as tmp:
        shutil.copy2(root / "copier.yml", tmp)
        shutil.copytree(root / "template", Path(tmp, "template"), symlinks=True)
        yield Source(tmp, TEMPLATE_URL, release_tag())


def resolve(template: str) -> Source:
    """Check a `--template` source: a git URL, a local git clone, or a git bundle.

    Local paths are made absolute, so the project never records a relative path.

    Raises:
        UsageError: the path does not exist or is a plain folder (which cannot be updated from).
    """
    web = template.startswith(("http://", "https://")) and not template.endswith(".git")
    if web and not template.startswith(("https://github.com/", "https://gitlab.com/")):
        # copier takes any other web address without .git for a local folder; git+ says it
        # is a git repository (copier strips the prefix; `copier update` reads it too).
        return Source(f"git+{template}")
    if "://" in template or template.startswith(("git@", "gh:", "gl:", "git+")):
        return Source(template)
    path = Path(template).expanduser()
    if not path.exists():
        raise UsageError(f"--template {template}: no such folder or git URL")
    path = path.resolve()
    if path.is_file():  # a git bundle; copier checks it
        return Source(str(path))
    if not (path / "copier.yml").is_file() and not (path / "copier.yaml").is_file():
        raise UsageError(
            f"--template {template}: no copier.yml at its root, so it is not a template"
        )
    top = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != path:
        raise UsageError(
            f"--template {template} is a plain folder, not a git repository: projects made from it "
            "could never be updated. Commit it to git (and tag a release, e.g. v1.0.0) first."
        )
    return Source(str(path))
